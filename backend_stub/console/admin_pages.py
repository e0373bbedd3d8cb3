"""What the catalog side's pages share (issue 13B: pages_catalog, pages_calendar, pages_prices,
pages_coupons, pages_members, pages_staff): who may read and who may change,
per-field messages from a service's refusal, the redirect after a change.

console.catalog_side gathers those pages under /console (app.py mounts it beside the frame)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from backend_stub.console import i18n
from backend_stub.console.auth import FINANCE, OPERATIONS, VIEWER, ConsoleUser, page_user
from backend_stub.console.forms import field_errors as frame_field_errors
from backend_stub.context import Backend
from backend_stub.services.admin_forms import field_errors
from kiosk.domain.errors import RuleError

Reader = Annotated[ConsoleUser, Depends(page_user(OPERATIONS, FINANCE, VIEWER))]
Operator = Annotated[ConsoleUser, Depends(page_user(OPERATIONS))]


def backend(request: Request) -> Backend:
    return request.app.state.backend


def errors_of(exc: RuleError) -> dict[str, dict[str, str]]:
    """Per-field zh/en messages: a form's fields, or the rule's message for the whole form."""
    return field_errors(exc) or frame_field_errors(exc)


def localized(request: Request, errors: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Messages for a second form on a page (render() does this for `errors` only): each also
    as `text`, in the request's language, which the _form.html macros show."""
    lang = i18n.language(request)
    return {k: dict(m) | {"text": m.get(lang) or m.get("en", "")} for k, m in errors.items()}


def done(url: str, ok: str) -> RedirectResponse:
    """After a change: back to the page (303), with its success message key."""
    sep = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{sep}ok={ok}", status_code=303)


def as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]
