"""Every device state code a kiosk's heartbeat can carry has zh and en words on the console.

The codes are collected from the drivers' own sources (peripherals/ and kiosk/devices.py,
kiosk/upkeep.py: the `DeviceStatus(device, state, "code", ...)` calls, the `*Error("code", ...)`
raises, the printer's, smart card's and SAM's message tables), so a new code in a driver fails
here until the console can say it."""

from __future__ import annotations

import ast
from pathlib import Path

from backend_stub.console import i18n
from backend_stub.console.device_labels import (
    alert_detail,
    device_badges,
    device_label,
    error_label,
)
from peripherals.idcard.errors import SAM_STATUS
from peripherals.printer.errors import MESSAGES as PRINTER_MESSAGES
from peripherals.smartcard.errors import MESSAGES as SMARTCARD_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *(p for p in (ROOT / "peripherals").rglob("*.py") if "emulator" not in p.parts),
    ROOT / "kiosk" / "devices.py",
    ROOT / "kiosk" / "upkeep.py",
]


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def codes_in_sources() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name == "AssertionError":
                continue  # (a programming error, never a status)
            if name == "DeviceStatus" and len(node.args) >= 3:
                code = _literal(node.args[2])
            elif (name.endswith("Error") or name == "__init__") and node.args:
                code = _literal(node.args[0])
            else:
                code = None
            if code and code.isidentifier() and code.islower():
                found.add(code)
    return found


def heartbeat_codes() -> set[str]:
    return (
        codes_in_sources()
        | set(PRINTER_MESSAGES)
        | set(SMARTCARD_MESSAGES)
        | {info.code for info in SAM_STATUS.values()}
    )


def test_every_code_a_heartbeat_can_carry_has_zh_and_en_words():
    codes = heartbeat_codes()
    # the scan found the drivers' codes (a broken scan would pass everything)
    assert {"paper_out", "cover_open", "reader_not_found", "no_frames", "not_configured",
            "status_failed", "card_not_found", "unknown_transport"} <= codes  # fmt: skip
    catalogue = i18n.catalogue()
    missing = sorted(
        c for c in codes if not {"zh", "en"} <= set(catalogue.get(f"device.code.{c}", {}))
    )
    assert not missing, f"device codes without zh/en words in i18n/devices.json: {missing}"
    for device in ("printer", "idcard", "smartcard", "camera", "speaker"):
        assert {"zh", "en"} <= set(catalogue[f"device.name.{device}"])


def test_labels_keep_the_raw_code_and_never_show_nothing():
    paper = device_label("printer", {"state": "error", "code": "paper_out"}, "zh")
    assert (paper.text, paper.title, paper.tone) == (
        "打印机：缺纸",
        "printer: paper_out (error)",
        "bad",
    )
    assert device_label("printer", {"state": "error", "code": "paper_out"}, "en").text == (
        "Printer: Paper out"
    )
    sam = device_label("idcard", {"state": "error", "code": "sam_status_7e"}, "zh")
    assert sam.text == "身份证阅读器：SAM 状态 7e" and "sam_status_7e" in sam.title
    # a code from a newer kiosk: its own message in the reader's language, else the state
    newer = {
        "state": "warning",
        "code": "toner_low",
        "message": {"zh": "碳粉不足", "en": "Toner low"},
    }
    assert device_label("printer", newer, "en").text == "Printer: Toner low"
    assert device_label("printer", {"state": "warning", "code": "toner_low"}, "zh").text == (
        "打印机：警告"
    )
    assert error_label("camera: no_frames", "zh").text == "扫码摄像头：没有画面"
    devices = {"printer": {"state": "ok", "code": "ok"},
               "camera": {"state": "missing", "code": "not_configured"}}  # fmt: skip
    badges = device_badges(devices, "en")
    assert [b.text for b in badges] == ["Printer: OK", "Not configured: Scanner camera"]


def test_alert_details_in_words():
    paper = alert_detail({"kind": "paper_low", "subject": "k1", "detail": "near_end"}, "zh")
    assert (paper.text, paper.title) == ("将用完", "near_end")
    fault = {"kind": "device_fault", "subject": "k1/idcard", "detail": "sam_self_test_failed"}
    assert alert_detail(fault, "en").text == "ID card reader: SAM self-test failed"
    assert alert_detail({"kind": "low_stock", "subject": "S", "detail": "0/3"}, "en").text == "0/3"
