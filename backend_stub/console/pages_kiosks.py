"""Kiosks page: every kiosk (heartbeats, credentials, groups) with its health, app and
catalog version; assign a group (operations); provision a kiosk, rotate or revoke its
credential (admin: kiosks' keys). A new credential is shown once, in clear and as a QR the
kiosk's staff mode can read (fleet.provisioning_uri); a revoked kiosk is refused on its next
call."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend_stub.console import fleet
from backend_stub.console.audit import audit
from backend_stub.console.auth import ADMIN, OPERATIONS, ConsoleUser, page_user
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted, one_error
from backend_stub.console.qr import qr_data_uri
from backend_stub.console.render import render

router = APIRouter(dependencies=[Depends(csrf_checked)])
Anyone = Annotated[ConsoleUser, Depends(page_user())]
Operator = Annotated[ConsoleUser, Depends(page_user(OPERATIONS))]
Admin = Annotated[ConsoleUser, Depends(page_user(ADMIN))]
MAX_NAME = 60


def _page(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    context = {"kiosks": fleet.kiosks(bk.store, bk.now()), "groups": fleet.groups(bk.store),
               "secret": None} | ctx  # fmt: skip
    return render(request, "kiosks.html", context, user=user, status=status)


def _secret(request: Request, kiosk_id: str, token: str) -> dict[str, str]:
    backend_url = str(request.base_url).rstrip("/")
    uri = fleet.provisioning_uri(backend_url, kiosk_id, token)
    return {"kiosk_id": kiosk_id, "token": token, "uri": uri, "qr": qr_data_uri(uri),
            "backend_url": backend_url}  # fmt: skip


@router.get("/kiosks", response_class=HTMLResponse)
def kiosks_page(request: Request, user: Anyone) -> HTMLResponse:
    return _page(request, user)


@router.post("/kiosks")
def provision(request: Request, user: Admin, data: Posted) -> Response:
    bk = request.app.state.backend
    values = {k: str(data.get(k, "")).strip() for k in ("kiosk_id", "name", "group")}
    values["kiosk_id"] = values["kiosk_id"].lower()
    values["group"] = values["group"].lower()
    errors = {}
    if not fleet.KIOSK_ID.match(values["kiosk_id"]):
        errors |= one_error("kiosk_id", "kiosks.id_invalid")
    if not fleet.GROUP.match(values["group"]):
        errors |= one_error("group", "kiosks.group_invalid")
    if len(values["name"]) > MAX_NAME:
        errors |= one_error("name", "kiosks.name_invalid")
    if errors:
        return _page(request, user, values=values, errors=errors, status=422)
    before = fleet.kiosk(bk.store, values["kiosk_id"], bk.now())
    token = fleet.provision(
        bk.store, values["kiosk_id"], values["name"], values["group"], user.username, bk.now()
    )
    audit(bk.store, user, "kiosk.provision", f"kiosk:{values['kiosk_id']}",
          {"live_tokens": before["live_tokens"]} if before else None,
          {"group": values["group"], "name": values["name"]}, at=bk.now())  # fmt: skip
    return _page(request, user, secret=_secret(request, values["kiosk_id"], token))


def _known(request: Request, kiosk_id: str) -> dict[str, Any]:
    bk = request.app.state.backend
    found = fleet.kiosk(bk.store, kiosk_id, bk.now())
    if found is None:
        raise Refused("not_found")
    return found


@router.post("/kiosks/{kiosk_id}/group")
def set_group(request: Request, kiosk_id: str, user: Operator, form: Posted) -> Response:
    bk = request.app.state.backend
    found = _known(request, kiosk_id)
    group = str(form.get("group", "")).strip().lower()
    if not fleet.GROUP.match(group):
        errors = one_error(f"group-{kiosk_id}", "kiosks.group_invalid")
        return _page(request, user, errors=errors, status=422)
    if group != found["group"]:
        fleet.set_group(bk.store, kiosk_id, group)
        audit(bk.store, user, "kiosk.group", f"kiosk:{kiosk_id}", {"group": found["group"]},
              {"group": group}, at=bk.now())  # fmt: skip
    return RedirectResponse("/console/kiosks?ok=ok.kiosk_group", status_code=303)


@router.post("/kiosks/{kiosk_id}/rotate")
def rotate(request: Request, kiosk_id: str, user: Admin) -> Response:
    bk = request.app.state.backend
    _known(request, kiosk_id)
    token = fleet.rotate(bk.store, kiosk_id, user.username, bk.now())
    audit(bk.store, user, "kiosk.rotate", f"kiosk:{kiosk_id}", at=bk.now())
    return _page(request, user, secret=_secret(request, kiosk_id, token))


@router.post("/kiosks/{kiosk_id}/revoke")
def revoke(request: Request, kiosk_id: str, user: Admin) -> Response:
    bk = request.app.state.backend
    found = _known(request, kiosk_id)
    count = fleet.revoke(bk.store, kiosk_id, bk.now())
    audit(bk.store, user, "kiosk.revoke", f"kiosk:{kiosk_id}",
          {"live_tokens": found["live_tokens"]}, {"live_tokens": 0, "revoked": count},
          at=bk.now())  # fmt: skip
    return RedirectResponse("/console/kiosks?ok=ok.kiosk_revoked", status_code=303)
