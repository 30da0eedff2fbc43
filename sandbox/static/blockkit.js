// Block Kit and mrkdwn, rendered for the sandbox. Everything Squeaky sends is built with DOM nodes and text, never
// with innerHTML, so a customer's text cannot inject markup here either. Elements this renderer does not know are
// shown as a visible "not rendered" box, never silently dropped.
(() => {
"use strict";

const EMOJI = {
  large_yellow_circle: "🟡", raising_hand: "🙋", speech_balloon: "💬", hourglass_flowing_sand: "⏳",
  ticket: "🎫", white_check_mark: "✅", no_entry_sign: "🚫", link: "🔗", warning: "⚠️", x: "❌",
  rotating_light: "🚨", bell: "🔔", busts_in_silhouette: "👥", star: "⭐", arrow_right: "➡️", fire: "🔥",
  repeat: "🔁", inbox_tray: "📥", memo: "📝", lock: "🔒", wastebasket: "🗑️", email: "📧", calling: "📲",
  leftwards_arrow_with_hook: "↩️", thunder_cloud_and_rain: "⛈️", no_mobile_phones: "📵", no_entry: "⛔",
  bulb: "💡", bar_chart: "📊",
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function decode(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

function special(inner, people) {
  if (inner.startsWith("@")) {
    const id = inner.slice(1).split("|")[0];
    const person = (people || []).find((p) => p.id === id);
    return el("span", { class: "mention" }, "@" + (person ? person.name : (inner.split("|")[1] || id)));
  }
  if (inner.startsWith("!subteam^")) return el("span", { class: "mention" }, "@team-leads");
  if (inner === "!here" || inner === "!channel" || inner === "!everyone") return el("span", { class: "mention" }, "@" + inner.slice(1));
  if (inner.startsWith("!date^")) return document.createTextNode(decode(inner.split("|").slice(1).join("|") || ""));
  if (inner.startsWith("#")) return el("span", { class: "mention" }, "#" + (inner.split("|")[1] || "channel"));
  const [url, label] = inner.split("|");
  if (/^https?:\/\//.test(url)) {
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, decode(label || url));
  }
  return document.createTextNode(decode("<" + inner + ">"));
}

function inline(text, people) {
  const out = document.createDocumentFragment();
  const pattern = /<([^<>\n]+)>|`([^`\n]+)`|\*([^*\n]+)\*|(?<![\w])_([^_\n]+)_(?![\w])|~([^~\n]+)~|\n/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) out.append(emojify(decode(text.slice(last, match.index))));
    if (match[1] !== undefined) out.append(special(match[1], people));
    else if (match[2] !== undefined) out.append(el("code", {}, decode(match[2])));
    else if (match[3] !== undefined) out.append(el("b", {}, inline(match[3], people)));
    else if (match[4] !== undefined) out.append(el("i", {}, inline(match[4], people)));
    else if (match[5] !== undefined) out.append(el("s", {}, inline(match[5], people)));
    else out.append(el("br"));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.append(emojify(decode(text.slice(last))));
  return out;
}

function mrkdwn(text, people) {
  const out = document.createDocumentFragment();
  String(text || "").split("```").forEach((part, n) => {
    out.append(n % 2 ? el("pre", {}, decode(part.replace(/^\n/, ""))) : inline(part, people));
  });
  return out;
}

function textObject(obj, people) {
  if (!obj) return document.createDocumentFragment();
  return obj.type === "mrkdwn" ? mrkdwn(obj.text, people) : document.createTextNode(emojify(obj.text || ""));
}

function unknown(what) {
  return el("div", { class: "unknown", "data-testid": "not-rendered" }, `not rendered: ${what}`);
}

function imageSrc(obj) {
  if (obj.slack_file && obj.slack_file.id) return "/files/" + encodeURIComponent(obj.slack_file.id);
  if (obj.image_url) return obj.image_url;
  return null;
}

function element(obj, ctx, block) {
  switch (obj.type) {
    case "button":
      return el("button", {
        class: "bk " + (obj.style || ""), "data-action": obj.action_id,
        onclick: () => ctx.onAction({ action_id: obj.action_id, value: obj.value, block_id: block.block_id }),
      }, emojify(obj.text.text));
    case "overflow": {
      const select = el("select", {
        class: "bk", "data-action": obj.action_id,
        onchange: (event) => {
          if (!event.target.value) return;
          ctx.onAction({ action_id: obj.action_id, selected: event.target.value, block_id: block.block_id });
          event.target.value = "";
        },
      }, el("option", { value: "" }, "More…"), obj.options.map((o) => el("option", { value: o.value }, o.text.text)));
      return select;
    }
    case "image": {
      const src = imageSrc(obj);
      return src ? el("img", { src, alt: obj.alt_text || "", width: 20, height: 20 }) : unknown("image without a source");
    }
    case "mrkdwn": case "plain_text":
      return el("span", {}, textObject(obj, ctx.people));
    default:
      return unknown(`element ${obj.type}`);
  }
}

function renderBlock(block, ctx) {
  switch (block.type) {
    case "section": {
      const node = el("div", { class: "block section" });
      if (block.text) node.append(el("div", {}, textObject(block.text, ctx.people)));
      if (block.fields) node.append(el("div", { class: "section-fields" }, block.fields.map((f) => el("div", {}, textObject(f, ctx.people)))));
      if (block.accessory) node.append(element(block.accessory, ctx, block));
      return node;
    }
    case "context":
      return el("div", { class: "block context" }, block.elements.map((e) => element(e, ctx, block)));
    case "actions":
      return el("div", { class: "block actions", "data-block": block.block_id || "" }, block.elements.map((e) => element(e, ctx, block)));
    case "header":
      return el("div", { class: "block header" }, emojify(block.text.text));
    case "divider":
      return el("hr");
    case "image": {
      const src = imageSrc(block);
      if (!src) return unknown("image without a source");
      return el("div", { class: "block image" }, block.title ? el("div", {}, block.title.text) : null, el("img", { src, alt: block.alt_text || "" }));
    }
    default:
      return unknown(`block ${block.type}`);
  }
}

function renderBlocks(blocks, ctx) {
  return el("div", { class: "blocks" }, (blocks || []).map((b) => renderBlock(b, ctx)));
}

window.BlockKit = { el, mrkdwn, textObject, renderBlocks, unknown, emojify };
})();
