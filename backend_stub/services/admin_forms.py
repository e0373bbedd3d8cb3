"""Field-by-field validation for the console's forms and the ops API behind them: a service
collects what is wrong with each field (zh/en) and raises one `form_invalid` (422) carrying
them (`extra["fields"]`), which a page shows next to each field and the API returns as is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.domain.errors import RuleError


class FormErrors:
    """What is wrong with a form, by field."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, str]] = {}

    def add(self, field: str, zh: str, en: str) -> None:
        self.fields.setdefault(field, {"zh": zh, "en": en})

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            raise RuleError(
                "form_invalid", ", ".join(self.fields), extra={"fields": dict(self.fields)}
            )


def field_errors(exc: RuleError) -> dict[str, dict[str, str]]:
    """The per-field messages of a `form_invalid` error ({} for another error)."""
    fields = exc.extra.get("fields") if exc.code == "form_invalid" else None
    return dict(fields) if isinstance(fields, dict) else {}


def text(
    form: dict[str, Any],
    name: str,
    errors: FormErrors,
    *,
    required: bool = True,
    max_len: int = 200,
    zh: str = "",
    en: str = "",
) -> str:
    """A trimmed text field: required, not too long, no control characters."""
    value = str(form.get(name) or "").strip()
    if required and not value:
        errors.add(name, f"请填写{zh}", f"Please fill in {en or name}")
    elif len(value) > max_len:
        errors.add(name, f"{zh}最多{max_len}个字", f"{en or name}: at most {max_len} characters")
    elif any(
        ord(c) < 32 or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in value
    ):
        errors.add(name, f"{zh}含有不允许的字符", f"{en or name} contains characters not allowed")
    return value


def integer(
    form: dict[str, Any],
    name: str,
    errors: FormErrors,
    *,
    low: int,
    high: int,
    default: int | None = None,
    zh: str = "",
    en: str = "",
) -> int:
    """A whole number between `low` and `high`; blank gives `default` (required when None)."""
    raw = str(form.get(name) if form.get(name) is not None else "").strip()
    if raw == "" and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.add(name, f"{zh}须为整数", f"{en or name} must be a whole number")
        return default or 0
    if not low <= value <= high:
        errors.add(name, f"{zh}须在{low}到{high}之间", f"{en or name} must be {low} to {high}")
    return value


def yuan(
    form: dict[str, Any],
    name: str,
    errors: FormErrors,
    *,
    zh: str = "",
    en: str = "",
    required: bool = True,
) -> int | None:
    """An amount typed in yuan (e.g. 120 or 99.50), as fen; None when blank and not required."""
    raw = str(form.get(name) or "").strip().replace("¥", "").replace(",", "")
    if not raw:
        if required:
            errors.add(name, f"请填写{zh}", f"Please fill in {en or name}")
        return None
    try:
        whole, _, cents = raw.partition(".")
        if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
            raise ValueError(raw)
        fen = int(whole) * 100 + int((cents or "0").ljust(2, "0"))
    except ValueError:
        errors.add(
            name,
            f"{zh}须为金额，如 120 或 99.50",
            f"{en or name} must be an amount like 120 or 99.50",
        )
        return None
    if fen > 100_000_000:
        errors.add(name, f"{zh}过大", f"{en or name} is too large")
        return None
    return fen


def local_time(
    form: dict[str, Any],
    name: str,
    errors: FormErrors,
    *,
    required: bool = False,
    zh: str = "",
    en: str = "",
) -> datetime | None:
    """A local date-time as a browser's datetime-local sends it (2026-12-01T08:00)."""
    raw = str(form.get(name) or "").strip()
    if not raw:
        if required:
            errors.add(name, f"请填写{zh}", f"Please fill in {en or name}")
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors.add(
            name,
            f"{zh}须为日期时间，如 2026-12-01T08:00",
            f"{en or name} must be a date and time like 2026-12-01T08:00",
        )
        return None
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value


def fen_text(fen: int | None) -> str:
    """Fen as a yuan amount for a form field (12000 -> "120", 9950 -> "99.50")."""
    if fen is None:
        return ""
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen // 100}.{fen % 100:02d}"
