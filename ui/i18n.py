"""Translations: gettext catalogs under assets/locale, compiled to .mo in a cache at start.

A language is a folder `assets/locale/<lang>/LC_MESSAGES/kiosk.po`; adding one is adding a
catalog. Its header `X-Language-Name` is what the language switch shows (e.g. 中文, English).

`tr` is the object kv rules bind to: `text: tr._("Buy tickets")` re-evaluates when the language
changes, because kv calls `tr.fbind("_", ...)` for that expression.
"""

from __future__ import annotations

import ast
import gettext
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.event import Observable

LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locale"
DOMAIN = "kiosk"


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (no plurals, no contexts: the kiosk uses neither)."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            entries["".join(msgid)] = "".join(msgstr)

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    return entries


def compile_mo(entries: dict[str, str]) -> bytes:
    """The GNU .mo bytes for `entries` (what msgfmt writes; untranslated entries are left out)."""
    items = sorted((k, v) for k, v in entries.items() if v or k == "")
    ids = [k.encode() for k, _ in items]
    strs = [v.encode() for _, v in items]
    count = len(items)
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + count * 8
    data_start = strs_table + count * 8
    offsets: list[int] = []
    blob = b""
    for item in ids + strs:
        offsets += [len(item), data_start + len(blob)]
        blob += item + b"\0"
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, ids_table, strs_table, 0, 0)
    return header + struct.pack(f"{4 * count}i", *offsets) + blob


def available_languages(locale_dir: Path = LOCALE_DIR) -> list[str]:
    langs = [p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")]
    # Chinese first, then the others alphabetically: the kiosk speaks Chinese first.
    return sorted(langs, key=lambda lang: (not lang.startswith("zh"), lang))


def compile_catalogs(cache_dir: Path, locale_dir: Path = LOCALE_DIR) -> Path:
    """Compile every .po that changed into cache_dir/<lang>/LC_MESSAGES/kiosk.mo."""
    for lang in available_languages(locale_dir):
        po = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = cache_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        tmp = mo.with_suffix(".tmp")
        tmp.write_bytes(compile_mo(parse_po(po.read_text(encoding="utf-8"))))
        tmp.replace(mo)
    return cache_dir


def catalog_header(lang: str, name: str, locale_dir: Path = LOCALE_DIR) -> str:
    """A header field of a language's catalog (e.g. X-Language-Name), or "" when absent."""
    po = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return ""
    for line in parse_po(po.read_text(encoding="utf-8")).get("", "").splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    return ""


def language_name(lang: str, locale_dir: Path = LOCALE_DIR) -> str:
    """What the language switch shows: the catalog's X-Language-Name (中文, English, 日本語)."""
    return catalog_header(lang, "X-Language-Name", locale_dir) or lang


def speech_voice(lang: str, locale_dir: Path = LOCALE_DIR) -> str:
    """The speech engine's voice for a language: the catalog's X-Speech-Voice (cmn, en, ja)."""
    return catalog_header(lang, "X-Speech-Voice", locale_dir) or lang.split("_")[0]


class Translator(Observable):
    """The current language, the `_` kv rules call, and the list of languages to switch to."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.languages: list[str] = []
        self._cache_dir: Path | None = None
        self._translation: gettext.NullTranslations = gettext.NullTranslations()
        self._observers: dict[int, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {}
        self._next_uid = 0
        self._listeners: list[Callable[[str], None]] = []

    def setup(self, cache_dir: Path, lang: str, locale_dir: Path = LOCALE_DIR) -> None:
        self._cache_dir = compile_catalogs(cache_dir, locale_dir)
        self.languages = available_languages(locale_dir)
        self.switch(lang if lang in self.languages else self.languages[0])

    def _(self, msgid: str) -> str:
        return self._translation.gettext(msgid)

    def pick(self, zh: str, en: str) -> str:
        """One of a pair of zh/en texts from the flows or devices, for the current language."""
        return zh if self.lang.startswith("zh") else en

    def switch(self, lang: str) -> None:
        if self._cache_dir is None:
            raise RuntimeError("Translator.setup() was not called")
        self._translation = gettext.translation(
            DOMAIN, localedir=str(self._cache_dir), languages=[lang], fallback=True
        )
        self.lang = lang
        for func, largs, _kwargs in list(self._observers.values()):
            func(*largs, None, None)
        for listener in list(self._listeners):
            listener(lang)

    def on_switch(self, listener: Callable[[str], None]) -> None:
        """Call listener(lang) after every switch (for texts set from Python, not kv)."""
        self._listeners.append(listener)

    # kv binding protocol: kv rules that call tr._(...) bind to the name "_" with
    # fbind("_", fn, args) and expect fn(args, instance, value) on change.
    def fbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> int:
        if name == "_":
            self._next_uid += 1
            self._observers[self._next_uid] = (func, largs, kwargs)
            return self._next_uid
        return super().fbind(name, func, *largs, **kwargs)

    def funbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> None:
        if name == "_":
            for uid, entry in list(self._observers.items()):
                if entry == (func, largs, kwargs):
                    del self._observers[uid]
        else:
            super().funbind(name, func, *largs, **kwargs)

    def unbind_uid(self, name: str, uid: int) -> None:
        if name == "_":
            self._observers.pop(uid, None)
        else:
            super().unbind_uid(name, uid)


tr = Translator()
