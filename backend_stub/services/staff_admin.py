"""The console's staff (the kiosks' maintenance mode): staff members with their card, role
and PIN; a PIN reset (argon2id, services.staff_pins.hash_pin, in a worker thread: 0.2 s);
disable/enable (a disabled member's PIN is refused at every kiosk at once). PINs are never
shown or audited."""

from __future__ import annotations

import re
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.admin_forms import FormErrors, text
from backend_stub.services.change_audit import audited
from backend_stub.services.staff_pins import hash_pin
from kiosk.domain.errors import RuleError

STAFF_ID = re.compile(r"^[A-Z0-9]{2,16}$")
CARD = re.compile(r"^[0-9A-Fa-f]{4,32}$")
ROLES = ("operator", "supervisor")
PIN = re.compile(r"^\d{6}$")
WEAK_PINS = {"000000", "111111", "123456", "654321", "123123", "888888", "666666"}


def list_staff(bk: Backend) -> list[dict[str, Any]]:
    return bk.store.all("SELECT id, name, role, card_uid, disabled FROM staff ORDER BY id")


def _pin(form: dict[str, Any], errors: FormErrors) -> str:
    pin = str(form.get("pin") or "").strip()
    if not PIN.match(pin):
        errors.add("pin", "密码为6位数字", "The PIN is 6 digits")
    elif pin in WEAK_PINS or len(set(pin)) == 1:
        errors.add("pin", "密码太简单，请换一个", "That PIN is too easy to guess; choose another")
    return pin


def create_staff(bk: Backend, actor: Any, form: dict[str, Any]) -> str:
    errors = FormErrors()
    staff_id = str(form.get("id") or "").strip().upper()
    if not STAFF_ID.match(staff_id):
        errors.add("id", "工号为2-16位大写字母或数字", "The staff id is 2-16 letters or digits")
    elif bk.store.one("SELECT 1 FROM staff WHERE id = ?", (staff_id,)):
        errors.add("id", "该工号已存在", "That staff id exists")
    name = text(form, "name", errors, max_len=32, zh="姓名", en="The name")
    role = str(form.get("role") or "")
    if role not in ROLES:
        errors.add("role", "请从列表中选择", "Choose one of the list")
    card = str(form.get("card_uid") or "").strip().upper()
    if card and not CARD.match(card):
        errors.add("card_uid", "卡号为4-32位十六进制", "The card number is 4-32 hex digits")
    pin = _pin(form, errors)
    errors.raise_if_any()
    pin_hash = hash_pin(pin)
    row = {"id": staff_id, "name": name, "role": role, "card_uid": card, "disabled": 0}
    with bk.store.transaction():
        bk.store.insert("staff", row | {"pin_salt": "", "pin_hash": pin_hash})
        audited(
            bk, actor, "staff.create", f"staff:{staff_id}", None, {"role": role, "card_uid": card}
        )
    return staff_id


def _row(bk: Backend, staff_id: str) -> dict[str, Any]:
    row = bk.store.one("SELECT * FROM staff WHERE id = ?", (staff_id,))
    if row is None:
        raise RuleError("not_found", staff_id)
    return row


def reset_pin(bk: Backend, actor: Any, staff_id: str, form: dict[str, Any]) -> None:
    """A new PIN; his lockout count is cleared."""
    _row(bk, staff_id)
    errors = FormErrors()
    pin = _pin(form, errors)
    errors.raise_if_any()
    pin_hash = hash_pin(pin)
    with bk.store.transaction():
        bk.store.run(
            "UPDATE staff SET pin_hash = ?, pin_salt = '' WHERE id = ?", (pin_hash, staff_id)
        )
        bk.store.run("DELETE FROM pin_failures WHERE scope = ?", (f"staff:{staff_id}",))
        audited(bk, actor, "staff.pin_reset", f"staff:{staff_id}", None, {"pin": "reset"})


def set_card(bk: Backend, actor: Any, staff_id: str, form: dict[str, Any]) -> None:
    row = _row(bk, staff_id)
    card = str(form.get("card_uid") or "").strip().upper()
    if card and not CARD.match(card):
        errors = FormErrors()
        errors.add("card_uid", "卡号为4-32位十六进制", "The card number is 4-32 hex digits")
        errors.raise_if_any()
    with bk.store.transaction():
        bk.store.run("UPDATE staff SET card_uid = ? WHERE id = ?", (card, staff_id))
        audited(
            bk,
            actor,
            "staff.card",
            f"staff:{staff_id}",
            {"card_uid": row["card_uid"]},
            {"card_uid": card},
        )


def set_disabled(bk: Backend, actor: Any, staff_id: str, disabled: bool) -> None:
    row = _row(bk, staff_id)
    with bk.store.transaction():
        bk.store.run("UPDATE staff SET disabled = ? WHERE id = ?", (int(disabled), staff_id))
        audited(
            bk,
            actor,
            "staff.disable" if disabled else "staff.enable",
            f"staff:{staff_id}",
            {"disabled": row["disabled"]},
            {"disabled": int(disabled)},
        )
