// The sandbox page's Teams view: the local Teams' channel, your personal chat with Squeaky and your dialogs, with
// every Adaptive Card rendered by Microsoft's renderer (vendor/adaptivecards.min.js). An element or action it does not
// know is shown as a red box, never dropped. What you click goes to Squeaky's /api/messages as Teams sends it.
(() => {
"use strict";
const AC = window.AdaptiveCards;
const { el } = window.BlockKit;
const MARK = "\u2063unrenderable:";  // an invisible separator, then what could not be rendered

function hostConfig() {
  return new AC.HostConfig({
    fontFamily: "Segoe UI, -apple-system, Roboto, Helvetica Neue, Arial, sans-serif",
    actions: { maxActions: 6, buttonSpacing: 8, showCard: { actionMode: "inline" } },
  });
}

// Replace what the renderer does not know with a text block that says so; paint those red once rendered.
function markUnknown(node, registry) {
  if (Array.isArray(node)) return node.map((n) => markUnknown(n, registry));
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = ["body", "items", "columns", "actions", "inlines", "card"].includes(key) ? markUnknown(value, registry) : value;
  }
  const type = node.type;
  if (typeof type === "string" && type !== "AdaptiveCard" && type !== "TextRun" && type !== "Column" && type !== "Fact") {
    const known = type.startsWith("Action.") ? AC.GlobalRegistry.actions.findByName(type) : AC.GlobalRegistry.elements.findByName(type);
    if (!known) {
      return type.startsWith("Action.")
        ? { type: "Action.Submit", title: `${MARK} ${type}`, data: { unrenderable: type } }
        : { type: "TextBlock", text: `${MARK} ${type}`, wrap: true };
    }
  }
  return out;
}

function paintUnknown(root) {
  for (const node of root.querySelectorAll("*")) {
    if (node.children.length === 0 && node.textContent.startsWith(MARK)) {
      const box = node.closest("button") || node;
      box.classList.add("unknown");
      box.dataset.testid = "unrenderable";
      node.textContent = "not rendered here: " + node.textContent.slice(MARK.length).trim();
    }
  }
}

// Teams reads Markdown only in TextBlocks, and Squeaky puts nothing there but mentions: show those, escape the rest.
function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = escapeHtml(text).replace(/&lt;at&gt;(.*?)&lt;\/at&gt;/g, '<span class="mention">@$1</span>');
  result.didProcess = true;
};

function render(json, onAction) {
  const card = new AC.AdaptiveCard();
  card.hostConfig = hostConfig();
  card.onExecuteAction = (action) => {
    if (action instanceof AC.OpenUrlAction) { window.open(action.url, "_blank", "noopener"); return; }
    const data = action.data || {};
    if (data.unrenderable) return;
    onAction(action, data);
  };
  card.parse(markUnknown(json));
  const node = card.render() || el("div", { class: "unknown" }, "this card could not be rendered");
  paintUnknown(node);
  return el("div", { class: "ac", "data-testid": "teams-card" }, node);
}

window.TeamsView = { render };
})();
