// The sandbox page: polls the workspace's state for the person you are, renders it, and sends what you do.
"use strict";
const { el, mrkdwn, textObject, renderBlocks, emojify } = window.BlockKit;

let me = new URLSearchParams(location.search).get("as") || localStorage.getItem("squeaky.me") || "U0ALICE";
let tool = new URLSearchParams(location.search).get("tool") || localStorage.getItem("squeaky.tool") || "slack";
let tab = "channel";
let teamsTab = "teams-channel";
const dialog = { key: null };
let state = null;
let stale = false;  // "a stale screen": the channel stops refreshing, as on a screen that has not caught up
const rendered = {};
const modal = { id: null, hash: null, values: {}, errors: {}, timer: null };

async function send(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: me, ...body }),
  });
  return response.json();
}

function files(list) {
  return (list || []).map((f) => el("div", { class: "block image" },
    el("div", { class: "context" }, f.title || f.name || ""),
    el("img", { src: "/files/" + encodeURIComponent(f.id), alt: f.title || "", "data-testid": "image" })));
}

function message(m, channel, people) {
  const ctx = { people, onAction: (a) => send("/ui/click", { ...a, ts: m.ts, channel }) };
  const body = m.blocks && m.blocks.length ? renderBlocks(m.blocks, ctx) : el("div", {}, mrkdwn(m.text, people));
  const replies = (m.replies || []).map((r) => el("div", { class: "reply", "data-testid": "reply" }, mrkdwn(r.text, people), files(r.files)));
  return el("div", { class: "message", "data-ts": m.ts, "data-testid": m.card ? "card" : "message" },
    m.author ? el("div", { class: "who" }, m.author)
      : el("div", { class: "who" }, "Squeaky", el("small", {}, m.edited ? "APP · edited" : "APP")),
    body, files(m.files),
    replies.length ? el("div", { class: "thread", "data-testid": "thread" }, replies) : null);
}

function dismissButton(key) {
  return el("button", { class: "dismiss", "data-testid": "dismiss", onclick: () => send("/ui/dismiss", { key }).then(refresh) }, "Dismiss");
}

function answer(a, people) {
  const body = a.body || {};
  const blocks = body.blocks && body.blocks.length ? renderBlocks(body.blocks, { people, onAction: () => {} }) : mrkdwn(body.text, people);
  const label = body.response_type === "in_channel" ? `Posted in #care: ${a.command || ""}`
    : `Only visible to you${a.from ? " · " + a.from : ""}: ${a.command || "reply"}`;
  return el("div", { class: "ephemeral", "data-testid": "answer" },
    el("div", { class: "label" }, label, dismissButton(a.key)), blocks);
}

function paint(id, value, build) {
  const key = JSON.stringify(value);
  if (rendered[id] === key) return;
  rendered[id] = key;
  const target = document.getElementById(id);
  const atBottom = !target.dataset.scrolled || target.scrollHeight - target.scrollTop - target.clientHeight < 40;
  target.replaceChildren(...build());
  if (atBottom) toNewest(target);
}

// Like Slack and Teams: a conversation opens on its newest message, and stays there while you are at the bottom.
function toNewest(target) {
  target.scrollTop = target.scrollHeight;
  if (target.clientHeight) target.dataset.scrolled = "yes";  // a hidden pane scrolls when it is shown
}

function render() {
  const people = state.people;
  const p = state.progress;
  document.getElementById("progress").textContent = p.total
    ? `demo: ${p.replayed} of ${p.total} complaints replayed · ${p.carded} carded` : `${p.carded} carded`;
  if (!stale) paint("channel", [state.channel, people], () =>
    state.channel.length ? state.channel.map((m) => message(m, "C0CARE", people)) : [el("p", { class: "hint" }, "No complaints yet.")]);
  paint("dms", [state.dms, people], () =>
    state.dms.length ? state.dms.map((m) => message(m, "D" + me.slice(1), people)) : [el("p", {}, "No direct messages.")]);
  paint("home", [state.home, people], () =>
    state.home ? [renderBlocks(state.home.blocks, { people, onAction: () => {} })] : [el("p", {}, "Opening the Home tab…")]);
  paint("private", [state.ephemerals, state.answers, people], () => [
    ...state.answers.slice(-3).map((a) => answer(a, people)),
    ...state.ephemerals.slice(-3).map((e) => el("div", { class: "ephemeral", "data-testid": "ephemeral" },
      el("div", { class: "label" }, "Only visible to you", dismissButton(e.key)), mrkdwn(e.text, people))),
  ]);
  paint("x", state.x, () => state.x.map(tweet));
  paint("bluesky", state.bluesky, () => state.bluesky.map(tweet));
  paint("mastodon", state.mastodon, () => state.mastodon.map(tweet));
  for (const network of ["x", "bluesky", "mastodon"]) {
    const talks = state.private[network];
    paint(network + "-private", talks, () => talks.length ? talks.map(conversation)
      : [el("p", { class: "quiet" }, "Nothing private yet.")]);
  }
  renderModal(state.modal, people);
  document.querySelector(".tools").classList.toggle("hidden", !state.teams);
  if (state.teams) renderTeams(state.teams);
}

// -- Teams ------------------------------------------------------------------------------------------------

function teamsAction(cardId) {
  return (action, data) => {
    if (action instanceof window.AdaptiveCards.ExecuteAction) {
      send("/ui/teams/click", { card: cardId, verb: action.verb, data }).then(refresh);
    } else if (data.msteams && data.msteams.type === "task/fetch") {
      send("/ui/teams/dialog", { card: cardId, data }).then(refresh);
    }
  };
}

function post(p) {
  const replies = (p.replies || []).map((r) => r.type === "AdaptiveCard"
    ? window.TeamsView.render(r, () => {}) : el("div", { class: "reply" }, r.text || ""));
  return el("div", { class: "post", "data-testid": "teams-post", "data-card": p.id },
    el("div", { class: "who" }, "Squeaky", el("small", {}, p.private ? "Bot · only you see this version" : "Bot")),
    window.TeamsView.render(p.card, teamsAction(p.id)),
    replies.length ? el("div", { class: "replies", "data-testid": "teams-thread" }, replies) : null);
}

function renderTeams(t) {
  paint("teams-channel", t.posts, () =>
    t.posts.length ? t.posts.map(post) : [el("p", { class: "hint" }, "No complaints yet.")]);
  paint("teams-chat", t.chat, () => t.chat.length
    ? t.chat.map((c) => el("div", { class: "post", "data-testid": "teams-chat-message" },
      el("div", { class: "who" }, "Squeaky"), c.type === "AdaptiveCard" ? window.TeamsView.render(c, () => {}) : el("div", {}, c.text || "")))
    : [el("p", { class: "hint" }, "Nothing from Squeaky yet. Type help below.")]);
  paint("teams-notes", t.notes, () => t.notes.map((n) => el("div", { class: "note", "data-testid": "teams-note" }, n)));
  const backdrop = document.getElementById("dialog-backdrop");
  const key = t.dialog ? JSON.stringify(t.dialog) : null;
  if (key === dialog.key) return;
  dialog.key = key;
  if (!t.dialog) { backdrop.classList.add("hidden"); return; }
  const box = document.getElementById("dialog");
  const onAction = (action, data) => send("/ui/teams/submit", { data }).then(refresh);
  const closeDialog = () => send("/ui/teams/close", {}).then(refresh);
  box.replaceChildren(
    el("button", { class: "close-x", "aria-label": "Close", "data-testid": "close-dialog", onclick: closeDialog }, "×"),
    el("h3", {}, t.dialog.title || "Squeaky"),
    window.TeamsView.render(t.dialog.card, onAction),
    el("div", { class: "buttons" }, el("button", { class: "bk", onclick: closeDialog }, "Cancel")));
  backdrop.classList.remove("hidden");
}

function showNewest() {
  for (const pane of document.querySelectorAll(".messages")) if (!pane.dataset.scrolled) toNewest(pane);
}

// Esc closes whichever modal or dialog is open, as in Slack and Teams.
function onEscape(event) {
  if (event.key !== "Escape") return;
  for (const id of ["close-modal", "close-dialog"]) {
    const button = document.querySelector(`[data-testid="${id}"]`);
    if (button && !button.closest(".backdrop").classList.contains("hidden")) button.click();
  }
}

function showTool() {
  document.body.classList.toggle("teams", tool === "teams");
  for (const b of document.querySelectorAll(".tool")) b.classList.toggle("active", b.dataset.tool === tool);
  document.getElementById("slack-pane").classList.toggle("hidden", tool !== "slack");
  document.getElementById("slack-tabs").classList.toggle("hidden", tool !== "slack");
  document.getElementById("teams-pane").classList.toggle("hidden", tool !== "teams");
  document.getElementById("teams-tabs").classList.toggle("hidden", tool !== "teams");
  showNewest();
}

function tweet(t) {
  return el("div", { class: "tweet", "data-testid": "tweet" },
    el("div", { class: "author" }, "@" + t.author, t.note ? el("span", { class: "note" }, " · " + t.note) : ""),
    el("div", {}, t.text), (t.replies || []).map(tweet));
}

// A private conversation, as a chat: the customer's messages on the left, the brand's on the right.
function conversation(c) {
  return el("div", { class: "conversation", "data-testid": "conversation" },
    el("div", { class: "with" }, "with @" + c.with),
    c.messages.map((m) => el("div", { class: m.ours ? "dm ours" : "dm", "data-testid": "dm" },
      el("div", { class: "author" }, "@" + m.author), el("div", {}, m.text))));
}

// -- modals ---------------------------------------------------------------------------------------------

function answers() {
  const out = {};
  for (const [block, value] of Object.entries(modal.values)) out[block] = value;
  return out;
}

function dispatch(view, block, element, value) {
  clearTimeout(modal.timer);
  modal.timer = setTimeout(() => send("/ui/view-action", {
    view_id: view.id, block_id: block.block_id, action_id: element.action_id, value, answers: answers(),
  }), element.type === "plain_text_input" ? 300 : 0);
}

function inputElement(view, block, people) {
  const element = block.element;
  const saved = modal.values[block.block_id];
  const dispatches = block.dispatch_action;
  const remember = (value) => { modal.values[block.block_id] = value; };
  const typed = (event) => {  // as in Slack, an input's error goes once you change it
    delete modal.errors[block.block_id];
    const error = event.target.parentElement.querySelector(".error");
    if (error) error.remove();
    remember(event.target.value);
    if (dispatches) dispatch(view, block, element, event.target.value);
  };
  switch (element.type) {
    case "plain_text_input": {
      const value = saved !== undefined ? saved : (element.initial_value || "");
      remember(value);
      const field = el(element.multiline ? "textarea" : "input", {
        "data-block": block.block_id, placeholder: element.placeholder ? element.placeholder.text : "",
        oninput: typed,
      });
      field.value = value;
      return field;
    }
    case "static_select": case "users_select": {
      const options = element.type === "users_select"
        ? people.map((p) => ({ value: p.id, text: { text: `${p.name} (${p.role})` } })) : element.options;
      const initial = saved !== undefined ? saved : (element.initial_option ? element.initial_option.value : "");
      if (initial) remember(initial);
      const select = el("select", {
        "data-block": block.block_id,
        onchange: typed,
      }, el("option", { value: "" }, element.placeholder ? element.placeholder.text : "Choose…"),
      options.map((o) => el("option", { value: o.value }, o.text.text)));
      select.value = initial;
      return select;
    }
    default:
      return window.BlockKit.unknown(`input ${element.type}`);
  }
}

function renderModal(view, people) {
  const backdrop = document.getElementById("modal-backdrop");
  if (!view) {
    backdrop.classList.add("hidden");
    Object.assign(modal, { id: null, hash: null, values: {}, errors: {} });
    return;
  }
  if (view.id === modal.id && view.hash === modal.hash) return;
  if (view.id !== modal.id) Object.assign(modal, { values: {}, errors: {} });
  else if (modal.hash !== null) modal.errors = {};  // an updated view carries no errors, as views.update in Slack
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.block : null;
  modal.id = view.id;
  modal.hash = view.hash;
  const ids = new Set((view.blocks || []).map((b) => b.block_id));
  for (const key of Object.keys(modal.values)) if (!ids.has(key)) delete modal.values[key];
  const body = (view.blocks || []).map((block) => {
    if (block.type !== "input") {  // a button in the modal (Draft a reply) is a view action, as in Slack
      const onAction = (a) => send("/ui/view-action", {
        view_id: view.id, block_id: a.block_id, action_id: a.action_id, value: a.value || "", answers: answers(),
      }).then(refresh);
      return window.BlockKit.renderBlocks([block], { people, onAction });
    }
    return el("div", { class: "input" },
      el("label", {}, block.label ? block.label.text : ""),
      inputElement(view, block, people),
      modal.errors[block.block_id] ? el("div", { class: "error", "data-testid": "modal-error" }, modal.errors[block.block_id]) : null);
  });
  const close = () => send("/ui/close", { view_id: view.id }).then(refresh);
  const submit = async () => {
    const result = await send("/ui/submit", { view_id: view.id, answers: answers() });
    if (result.answer && result.answer.response_action === "errors") {
      modal.errors = result.answer.errors || {};
      modal.hash = null;
      renderModal(view, people);
    }
  };
  const box = document.getElementById("modal");
  box.dataset.view = view.hash || "";
  box.replaceChildren(
    el("button", { class: "close-x", "aria-label": "Close", "data-testid": "close-modal", onclick: close }, "×"),
    el("h3", {}, emojify(view.title ? view.title.text : "")), ...body,
    el("div", { class: "buttons" },
      el("button", { class: "bk", onclick: close }, view.close ? view.close.text : "Cancel"),
      view.submit ? el("button", { class: "bk primary", "data-testid": "submit", onclick: submit }, view.submit.text) : null));
  backdrop.classList.remove("hidden");
  if (focused) {
    const again = box.querySelector(`[data-block="${CSS.escape(focused)}"]`);
    if (again) { again.focus(); if (again.setSelectionRange) again.setSelectionRange(again.value.length, again.value.length); }
  }
}

// -- the page's controls ----------------------------------------------------------------------------------

async function refresh() {
  if (window.sandboxPaused) return;  // a screen that has not refreshed yet (tests use it for a claim collision)
  try {
    const response = await fetch("/ui/state?user=" + encodeURIComponent(me));
    state = await response.json();
    render();
  } catch (error) {
    document.getElementById("progress").textContent = "the sandbox is not answering";
  }
}

function setup() {
  const who = document.getElementById("who");
  fetch("/ui/state?user=" + encodeURIComponent(me)).then((r) => r.json()).then((s) => {
    who.replaceChildren(...s.people.map((p) => el("option", { value: p.id }, `${p.name} (${p.role})`)));
    who.value = me;
  });
  who.addEventListener("change", () => {
    me = who.value;
    localStorage.setItem("squeaky.me", me);
    for (const key of Object.keys(rendered)) delete rendered[key];
    Object.assign(modal, { id: null, hash: null, values: {}, errors: {} });
    dialog.key = null;
    if (tab === "home") send("/ui/home", {});
    refresh();
  });
  for (const button of document.querySelectorAll(".tab")) {
    button.addEventListener("click", () => {
      tab = button.dataset.tab;
      for (const other of document.querySelectorAll(".tab")) other.classList.toggle("active", other === button);
      for (const pane of ["channel", "dms", "home"]) document.getElementById(pane).classList.toggle("hidden", pane !== tab);
      document.getElementById("private").classList.toggle("hidden", tab !== "channel");  // as in Slack: in the channel
      if (tab === "home") send("/ui/home", {});
      showNewest();
    });
  }
  for (const button of document.querySelectorAll(".tool")) {
    button.addEventListener("click", () => {
      tool = button.dataset.tool;
      localStorage.setItem("squeaky.tool", tool);
      showTool();
    });
  }
  for (const button of document.querySelectorAll("[data-teams-tab]")) {
    button.addEventListener("click", () => {
      teamsTab = button.dataset.teamsTab;
      for (const other of document.querySelectorAll("[data-teams-tab]")) other.classList.toggle("active", other === button);
      for (const pane of ["teams-channel", "teams-chat"]) document.getElementById(pane).classList.toggle("hidden", pane !== teamsTab);
      document.getElementById("teams-message").placeholder = teamsTab === "teams-chat"
        ? "stats 7d, backlog, oncall, help" : "@Squeaky stats 7d, @Squeaky backlog, @Squeaky help";
      showNewest();
    });
  }
  document.getElementById("teams-composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("teams-message");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await send("/ui/teams/say", { text, personal: teamsTab === "teams-chat" });
    await refresh();
    toNewest(document.getElementById(teamsTab));
  });
  showTool();
  document.getElementById("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("command");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await send("/ui/command", { text });
    await refresh();
    toNewest(document.getElementById("channel"));
  });
  const staleBox = document.getElementById("stale");
  staleBox.addEventListener("change", () => {
    stale = staleBox.checked;
    document.getElementById("channel").classList.toggle("stale", stale);
    if (!stale) delete rendered.channel;
    refresh();
  });
  document.addEventListener("keydown", onEscape);
  send("/ui/reloaded", {}).then(refresh);  // a reload closes what was left open, as in Slack and Teams
  setInterval(refresh, 700);
}

setup();
