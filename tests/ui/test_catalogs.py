"""Every message key the journeys publish has a Chinese and an English text."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.domain.errors import ERRORS
from ui.i18n import LOCALE_DIR, parse_po

FLOWS = Path(__file__).resolve().parents[2] / "kiosk" / "flows"
MSG = re.compile(r'Msg\(\s*(f?)"([^"]+)"')


def flow_message_keys() -> set[str]:
    keys: set[str] = set()
    for source in FLOWS.glob("*.py"):
        for is_f, key in MSG.findall(source.read_text(encoding="utf-8")):
            if not is_f:
                keys.add(key)
            elif key in ("error.{exc.code}", "error.{code}"):
                keys |= {f"error.{code}" for code in ERRORS}
            elif key.startswith("{self.mode}."):
                keys |= {f"{mode}.{key.rsplit('.', 1)[1]}" for mode in ("rebook", "refund")}
            else:
                raise AssertionError(f"a formatted message key this test cannot expand: {key}")
    return keys


def catalog(lang: str) -> dict[str, str]:
    return parse_po((LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.po").read_text(encoding="utf-8"))


def test_flows_publish_many_message_keys():
    keys = flow_message_keys()
    assert {"done.take_tickets", "pay.show_code_or_choose_qr", "refund.confirm"} <= keys
    assert len(keys) > 100


def test_every_flow_message_has_chinese_and_english():
    keys = flow_message_keys()
    for lang in ("zh_CN", "en"):
        entries = catalog(lang)
        missing = sorted(k for k in keys if not entries.get(k))
        assert not missing, f"{lang} lacks {missing}"


def test_chinese_texts_are_chinese_and_english_ones_are_not():
    zh, en = catalog("zh_CN"), catalog("en")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for key in flow_message_keys():
        assert cjk.search(zh[key]), f"zh_CN {key}: {zh[key]!r}"
        assert not cjk.search(en[key]), f"en {key}: {en[key]!r}"


def test_fields_in_translations_match_between_languages():
    zh, en = catalog("zh_CN"), catalog("en")
    field = re.compile(r"\{(\w+)\}")
    for key in flow_message_keys():
        assert set(field.findall(zh[key])) == set(field.findall(en[key])), key
