"""Reading a screen's params: texts come as a msgid ("title") or a zh/en pair ("title_zh",
"title_en", as the flows and the backend give them)."""

from __future__ import annotations

from typing import Any

from ui.i18n import tr


def text_of(params: dict[str, Any], key: str, default: str = "") -> str:
    """The text for `key` in the current language."""
    if f"{key}_zh" in params or f"{key}_en" in params:
        return tr.pick(params.get(f"{key}_zh", ""), params.get(f"{key}_en", ""))
    value = params.get(key, default)
    if not value:
        return ""
    text = tr._(str(value))
    fields = params.get(f"{key}_args")
    if not isinstance(fields, dict):
        return text
    try:
        return text.format_map(_Fields(fields))
    except (ValueError, IndexError):  # a translator's stray brace: show the text as it is
        return text


class _Fields(dict):  # type: ignore[type-arg]
    """A message's fields; one a catalog names but the flow did not send shows empty."""

    def __missing__(self, key: str) -> str:
        return ""


def other_language_of(params: dict[str, Any], key: str) -> str:
    """The same text in the other of zh/en, when the params carry both."""
    if f"{key}_zh" in params and f"{key}_en" in params:
        return params[f"{key}_en"] if tr.lang.startswith("zh") else params[f"{key}_zh"]
    return ""
