"""What a kiosk's heartbeat says about its devices, as the console shows it: each device and
state code (peripherals' stable codes: `paper_out`, `cover_open`, `reader_not_found`, ...) in
the reader's language from `i18n/devices.json`, the raw `device: code` kept for a tooltip
(ops search logs by it). A code the console does not know yet shows the kiosk's own message
in that language, else its state, else the code itself: never nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend_stub.console import i18n

TONES = {"ok": "good", "warning": "warn", "error": "bad", "missing": "bad"}


@dataclass(frozen=True)
class DeviceLabel:
    text: str  # "打印机：缺纸" / "Printer: paper out"
    title: str  # the raw "printer: paper_out (error)"
    tone: str  # a badge class: good, warn, bad or ""


def _known(key: str, lang: str, **values: object) -> str | None:
    return i18n.text(key, lang, **values) if key in i18n.catalogue() else None


def device_name(name: str, lang: str) -> str:
    return _known(f"device.name.{name}", lang) or name


def code_text(code: str, lang: str, state: str = "", kiosk_message: Any = None) -> str:
    """The words for one state code."""
    if code.startswith("sam_status_"):
        return i18n.text("device.code.sam_status", lang, code=code.removeprefix("sam_status_"))
    found = _known(f"device.code.{code}", lang)
    if found:
        return found
    if isinstance(kiosk_message, dict) and isinstance(kiosk_message.get(lang), str):
        return kiosk_message[lang][:80]
    return _known(f"device.state.{state}", lang) or code or "?"


def device_label(name: str, reported: Any, lang: str) -> DeviceLabel:
    """One device of a heartbeat (`{"state", "code", "message": {zh, en}}`)."""
    d = reported if isinstance(reported, dict) else {}
    state, code = str(d.get("state") or ""), str(d.get("code") or d.get("state") or "")
    words = code_text(code, lang, state, d.get("message"))
    sep = "：" if lang == "zh" else ": "
    tone = "" if code == "not_configured" else TONES.get(state, "")
    raw = f"{name}: {code}" + (f" ({state})" if state and state != code else "")
    return DeviceLabel(f"{device_name(name, lang)}{sep}{words}", raw, tone)


def error_label(last_error: str, lang: str) -> DeviceLabel:
    """A heartbeat's `last_error` ("printer: paper_out", services.heartbeats.last_error)."""
    name, _, code = last_error.partition(": ")
    if not code:
        return DeviceLabel(last_error, last_error, "")
    return device_label(name, {"code": code}, lang)


def device_badges(devices: Any, lang: str, absent_too: bool = True) -> list[DeviceLabel]:
    """A heartbeat's devices as badges, by name; the devices this kiosk has not got
    (`not_configured`) folded into one quiet badge at the end (left out: `absent_too=False`)."""
    if not isinstance(devices, dict):
        return []
    out, absent = [], []
    for name in sorted(devices):
        reported = devices[name]
        if isinstance(reported, dict) and reported.get("code") == "not_configured":
            absent.append(name)
        else:
            out.append(device_label(name, reported, lang))
    if absent and absent_too:
        sep = "：" if lang == "zh" else ": "
        names = ("、" if lang == "zh" else ", ").join(device_name(n, lang) for n in absent)
        words = i18n.text("device.code.not_configured", lang)
        raw = ", ".join(f"{n}: not_configured" for n in absent)
        out.append(DeviceLabel(f"{words}{sep}{names}", raw, "quiet"))
    return out


def alert_detail(alert: dict[str, Any], lang: str) -> DeviceLabel:
    """An alert's detail in words: a paper level (`paper_low`), a device's code
    (`device_fault`, subject `kiosk/device`); anything else as stored."""
    detail, kind = str(alert.get("detail") or ""), alert.get("kind")
    if kind == "paper_low" and detail in ("near_end", "out"):
        return DeviceLabel(i18n.text(f"fleet.paper.{detail}", lang), detail, "")
    subject = str(alert.get("subject") or "")
    if kind == "device_fault" and "/" in subject and detail:
        return device_label(subject.split("/", 1)[1], {"code": detail, "state": "error"}, lang)
    return DeviceLabel(detail, detail, "")
