"""Alerts page: the open alerts (paper low, device fault, kiosk offline, low stock, payment
unsettled: services.alerts), or the latest of all; acknowledge one (who and when are kept;
operations and finance); the webhook the alerts go to (a WeCom/DingTalk group robot; admin),
shown without its key, with a test message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend_stub.console.audit import audit
from backend_stub.console.auth import ADMIN, FINANCE, OPERATIONS, ConsoleUser, page_user
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.forms import Posted, one_error
from backend_stub.console.render import render
from backend_stub.services import alerts, webhook

router = APIRouter(dependencies=[Depends(csrf_checked)])
Anyone = Annotated[ConsoleUser, Depends(page_user())]
Staff = Annotated[ConsoleUser, Depends(page_user(OPERATIONS, FINANCE))]
Admin = Annotated[ConsoleUser, Depends(page_user(ADMIN))]
TEST_MESSAGE = "【测试】景区售票后台告警通道正常\n[test] the back office's alerts reach this group"


def _page(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    show_all = request.query_params.get("all") == "1"
    url = webhook.url_of(bk)
    context = {"alerts": alerts.listing(bk.store, open_only=not show_all), "show_all": show_all,
               "webhook": webhook.masked(url) if url else ""} | ctx  # fmt: skip
    return render(request, "alerts_list.html", context, user=user, status=status)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, user: Anyone) -> HTMLResponse:
    return _page(request, user)


@router.post("/alerts/{alert_id}/ack")
def acknowledge(request: Request, alert_id: int, user: Staff) -> Response:
    bk = request.app.state.backend
    if alerts.acknowledge(bk.store, alert_id, user.username, bk.now()):
        audit(bk.store, user, "alert.ack", f"alert:{alert_id}", at=bk.now())
    return RedirectResponse("/console/alerts?ok=ok.alert_acked", status_code=303)


@router.post("/alerts/webhook")
def set_webhook(request: Request, user: Admin, form: Posted) -> Response:
    bk = request.app.state.backend
    url = str(form.get("webhook_url", "")).strip()
    if url and not webhook.valid_url(url):
        return _page(request, user, errors=one_error("webhook_url", "alerts.webhook_invalid"),
                     status=422)  # fmt: skip
    before = webhook.url_of(bk)
    webhook.set_url(bk, url)
    audit(bk.store, user, "alerts.webhook", "alerts:webhook",
          webhook.masked(before) if before else "", webhook.masked(url) if url else "",
          at=bk.now())  # fmt: skip
    return RedirectResponse("/console/alerts?ok=ok.webhook_saved", status_code=303)


@router.post("/alerts/webhook/test")
def test_webhook(request: Request, user: Admin) -> Response:
    bk = request.app.state.backend
    url = webhook.url_of(bk)
    if not url:
        return _page(request, user, errors=one_error("webhook_url", "alerts.webhook_none"),
                     status=422)  # fmt: skip
    error = webhook.post_text(url, TEST_MESSAGE)
    if error:
        errors = {"webhook_url": {"zh": f"发送失败：{error}", "en": f"Not delivered: {error}"}}
        return _page(request, user, errors=errors, status=422)
    return RedirectResponse("/console/alerts?ok=ok.webhook_tested", status_code=303)
