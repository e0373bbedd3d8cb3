"""The third language is data only: a catalog (assets/locale/ja) whose every key has a text in
every language, and the real app showing it on every registered screen (screenshots under
artifacts/ui/third_language/)."""

from __future__ import annotations

import re

import pytest

from ui.i18n import LOCALE_DIR, available_languages, catalog_header, parse_po
from ui.screens import SCREENS

SOURCE = "en"  # msgid is the English text: an empty English msgstr means the msgid itself
FIELD = re.compile(r"\{(\w+)\}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def catalogs() -> dict[str, dict[str, str]]:
    return {
        lang: parse_po((LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.po").read_text("utf-8"))
        for lang in available_languages()
    }


def text(entries: dict[str, str], lang: str, key: str) -> str:
    return entries.get(key) or (key if lang == SOURCE and "." not in key.split(" ")[0] else "")


def test_three_languages_each_named_and_voiced_in_its_catalog():
    langs = available_languages()
    assert langs[0] == "zh_CN" and {"en", "ja"} <= set(langs)
    assert catalog_header("ja", "X-Language-Name") == "日本語"
    assert catalog_header("ja", "X-Speech-Voice") == "ja"


def test_every_key_has_a_text_in_every_language():
    found = catalogs()
    keys = set().union(*(set(entries) for entries in found.values())) - {""}
    missing = {
        lang: sorted(k for k in keys if not text(entries, lang, k))
        for lang, entries in found.items()
    }
    assert not any(missing.values()), {lang: ks[:20] for lang, ks in missing.items() if ks}


def test_fields_match_and_japanese_is_japanese():
    found = catalogs()
    ja, zh = found["ja"], found["zh_CN"]
    for key, value in ja.items():
        if not key:
            continue
        assert set(FIELD.findall(value)) == set(FIELD.findall(zh.get(key, value))), key
        assert JAPANESE.search(value) or not re.search(r"[A-Za-z]{3}", key) or value == key, (
            f"ja {key!r}: {value!r}"
        )


@pytest.mark.ui
def test_every_screen_shows_japanese(run_ui):
    result = run_ui("every_screen_in_japanese", module="tests.ui.scenarios_language")["result"]
    assert set(result["screens"]) == set(SCREENS)
    assert result["switch"] == ["中文", "English", "日本語"]
    assert not result["untranslated"], result["untranslated"]
    assert not result["missing_glyphs"], result["missing_glyphs"]
