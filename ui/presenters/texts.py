"""Turning the flows' messages (Msg key + params) into screen params.

A Msg whose params carry `zh`/`en` (backend errors, device errors) is shown in those words; any
other key is a catalog msgid (assets/locale/*/kiosk.po) formatted with its params. Money comes
from the flows in fen (`*_fen`); the catalogs format `{*_yuan}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def yuan(fen: Any) -> str:
    try:
        value = int(fen)
    except (TypeError, ValueError):
        return "0"
    return f"{value / 100:.2f}".rstrip("0").rstrip(".") if value % 100 else str(value // 100)


def msg_args(params: Mapping[str, Any]) -> dict[str, Any]:
    """A Msg's params plus `<name>_yuan` for every `<name>_fen`; all JSON-able."""
    args: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str | int | float | bool) or value is None:
            args[key] = value
        if key.endswith("_fen"):
            args[key[:-4] + "_yuan"] = yuan(value)
    return args


def msg_params(field: str, msg: Any) -> dict[str, Any]:
    """Screen params saying `msg` in `field` (e.g. "text" -> text / text_args / text_zh...)."""
    if msg is None:
        return {}
    params = dict(getattr(msg, "params", {}) or {})
    if params.get("zh") or params.get("en"):
        return {f"{field}_zh": str(params.get("zh", "")), f"{field}_en": str(params.get("en", ""))}
    return {field: msg.key, f"{field}_args": msg_args(params)}


def messages_params(state: Any, *fields: str) -> dict[str, Any]:
    """The state's messages, in order, into `fields` (first message -> first field...)."""
    out: dict[str, Any] = {}
    for field, msg in zip(fields, state.messages, strict=False):
        out.update(msg_params(field, msg))
    return out


def code_of(state: Any) -> str:
    """The stable machine code of an error message on screen, if any."""
    for msg in state.messages:
        code = (getattr(msg, "params", {}) or {}).get("code")
        if code and msg.key.startswith(("error.", "print.")):
            return str(code)
        if msg.key.startswith("error."):
            return msg.key.split(".", 1)[1]
    return ""


def name_of(named: Mapping[str, Any] | None) -> dict[str, str]:
    """{"zh":..., "en":...} -> label_zh/label_en params."""
    named = named or {}
    return {"label_zh": str(named.get("zh", "")), "label_en": str(named.get("en", ""))}
