"""Form checking for console pages: a pydantic model validates the posted fields; what it
refuses (or a RuleError, or an AccountError of console.users) becomes a zh/en message per
field, shown next to the field by the `field` macro of templates/_form.html. Never a 500.

    @router.post("/things")
    def create(request: Request, user: Operator, data: Posted) -> HTMLResponse:
        try:
            body = MyForm.model_validate(data)
        except ValidationError as exc:
            return render(request, "page.html", {"errors": field_errors(exc), "values": data})

A page is a plain `def` (see `Posted`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from backend_stub.console import i18n
from backend_stub.console.users import AccountError
from kiosk.domain.errors import ERRORS, RuleError

Message = dict[str, str]  # {"zh": ..., "en": ...}
FORM_LEVEL = "_form"  # the key of an error that belongs to no one field

# pydantic's error types -> what we say (zh, en); {x} filled from the error's context
_PYDANTIC = {
    "missing": ("必填", "Required"),
    "string_too_short": ("太短（至少 {min_length} 个字符）", "Too short (at least {min_length})"),
    "string_too_long": ("太长（最多 {max_length} 个字符）", "Too long (at most {max_length})"),
    "string_pattern_mismatch": ("格式不对", "Not in the expected format"),
    "int_parsing": ("请填整数", "Enter a whole number"),
    "int_from_float": ("请填整数", "Enter a whole number"),
    "float_parsing": ("请填数字", "Enter a number"),
    "decimal_parsing": ("请填数字", "Enter a number"),
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}"),
    "greater_than": ("必须大于 {gt}", "Must be more than {gt}"),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}"),
    "less_than": ("必须小于 {lt}", "Must be less than {lt}"),
    "date_from_datetime_parsing": ("日期格式为 YYYY-MM-DD", "Use a date like 2026-12-01"),
    "date_parsing": ("日期格式为 YYYY-MM-DD", "Use a date like 2026-12-01"),
    "datetime_parsing": ("时间格式不对", "Use a time like 2026-12-01T08:00"),
    "datetime_from_date_parsing": ("时间格式不对", "Use a time like 2026-12-01T08:00"),
    "time_parsing": ("时间格式为 HH:MM", "Use a time like 08:30"),
    "literal_error": ("请从列表中选择", "Choose one of the list"),
    "enum": ("请从列表中选择", "Choose one of the list"),
    "bool_parsing": ("请选择是或否", "Choose yes or no"),
}
_FALLBACK = ("内容有误", "Not valid")


async def form_data(request: Request) -> dict[str, Any]:
    """The posted form as a dict (a field sent several times: a list), without the CSRF
    token."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if len(values) > 1 else (values[0] if values else "")
    return out


# The posted form as a page's parameter: read on the event loop by this dependency, so that the
# page itself can be a plain `def`, which FastAPI runs in its threadpool. A page that asks the
# store or a payment provider must not be `async def`: its wait would hold up every other
# request of the worker, the kiosks' included.
Posted = Annotated[dict[str, Any], Depends(form_data)]


async def raw_form(request: Request) -> FormData:
    """The posted form as Starlette parsed it (uploads spooled to files), for `RawForm`."""
    return await request.form()


# The same for a page that reads an uploaded file (`upload.file.read()` is a plain read).
RawForm = Annotated[FormData, Depends(raw_form)]


def _fill(template: str, ctx: dict[str, Any]) -> str:
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template


def field_errors(exc: ValidationError | RuleError | AccountError) -> dict[str, Message]:
    """Per field (the last part of the error's location; `_form` for none), a zh/en message."""
    if isinstance(exc, AccountError):
        return {exc.field: {lang: i18n.text(exc.key, lang) for lang in i18n.LANGS}}
    if isinstance(exc, RuleError):
        info = ERRORS[exc.code]
        field = str(exc.extra.get("field", FORM_LEVEL))
        zh = f"{info.zh}（{exc.detail_zh or exc.detail}）" if exc.detail else info.zh
        en = f"{info.en} ({exc.detail})" if exc.detail else info.en
        return {field: {"zh": zh, "en": en}}
    out: dict[str, Message] = {}
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if not isinstance(x, int)]
        field = loc[-1] if loc else FORM_LEVEL
        if field in out:
            continue
        zh, en = _PYDANTIC.get(err.get("type", ""), _FALLBACK)
        ctx = dict(err.get("ctx") or {})
        if err.get("type", "").startswith("value_error") and "error" in ctx:
            # a validator's own message: "zh|en" when it gives both languages
            raw = str(ctx["error"])
            zh, _, en = raw.partition("|")
            out[field] = {"zh": zh, "en": en or zh}
            continue
        out[field] = {"zh": _fill(zh, ctx), "en": _fill(en, ctx)}
    return out


def one_error(field: str, key: str) -> dict[str, Message]:
    """A single field's message from an i18n key."""
    return {field: {lang: i18n.text(key, lang) for lang in i18n.LANGS}}
