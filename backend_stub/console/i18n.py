"""The console's strings: every `i18n/<area>.json` ({"key": {"zh": ..., "en": ...}}) merged
into one catalogue (each area keeps its own file), and which language a request wants."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from fastapi import Request

HERE = Path(__file__).parent / "i18n"
LANGS = ("zh", "en")
LANG_COOKIE = "kiosk_console_lang"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key of every file; a key in two files is an error (two areas disagreeing)."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(HERE.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"console i18n key {key!r} is in two files ({path.name})")
            merged[key] = texts
    return merged


def text(key: str, lang: str, **values: object) -> str:
    """The string for `key` in `lang`; an unknown key shows as itself (a test catches it:
    tests/console/test_login.py checks every key the templates and pages use)."""
    texts = catalogue().get(key)
    if texts is None:
        return key
    out = texts.get(lang) or texts.get("en") or key
    return out.format(**values) if values else out


def language(request: Request) -> str:
    """`?lang=`, then the cookie, then Accept-Language (zh unless English comes first)."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    if kept in LANGS:
        return kept
    accept = request.headers.get("accept-language", "").lower()
    for part in accept.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"
