"""Show Slack messages in a terminal: Block Kit reduced to readable lines, with Slack's escaping undone for display."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_USER = re.compile(r"<@(\w+)>")


def _plain(text: str, names: Mapping[str, str]) -> str:
    text = _DATE.sub(r"\1", text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _element(element: dict[str, Any]) -> str:
    if element.get("type") == "overflow":
        options = ", ".join(str(o.get("text", {}).get("text", "?")) for o in element.get("options", []))
        return f"[More: {options}]"
    return f"[{element.get('text', {}).get('text', '?')}]"


def render(blocks: list[dict[str, Any]], names: Mapping[str, str] | None = None) -> str:
    """The message as indented lines; buttons shown as [Label], people by name as the page shows them (`names`)."""
    names = names or {}
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            lines.append(_plain(str((block.get("text") or {}).get("text", "")), names))
        elif kind == "context":
            lines.append(" · ".join(_plain(str(e.get("text", "")), names) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("  ".join(_element(e) for e in block.get("elements", [])))
        else:
            lines.append(f"(a {kind} block, not shown here)")
    return "\n".join("  │ " + line for text in lines for line in text.splitlines())
