"""Fleet pages: every kiosk with a health colour, its last heartbeat, each device's state, paper
level, app and catalog version, last error and today's sales; a kiosk's page with its heartbeat
history, open alerts, and the "out of service" switch (operations), which the kiosk reads in
its next heartbeat's answer (services.heartbeats) and shows its out-of-service screen.

Colour: red = never seen, offline (no heartbeat for two intervals), a device in error, paper
out, or switched out of service; yellow = a heartbeat late, a device warning, paper near its
end; green otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend_stub.console import fleet
from backend_stub.console.audit import audit
from backend_stub.console.auth import OPERATIONS, ConsoleUser, page_user
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted
from backend_stub.console.render import render
from backend_stub.services import alerts, heartbeats

router = APIRouter(dependencies=[Depends(csrf_checked)])
Anyone = Annotated[ConsoleUser, Depends(page_user())]
Operator = Annotated[ConsoleUser, Depends(page_user(OPERATIONS))]


def colour(k: dict[str, Any], service: dict[str, Any] | None, now: datetime, every: float) -> str:
    if not k["last_seen"]:
        return "red"
    age = (now - datetime.fromisoformat(k["last_seen"])).total_seconds()
    states = [d.get("state") for d in k["devices"].values() if isinstance(d, dict)]
    if age > 2 * every or "error" in states or k["paper_level"] == "out":
        return "red"
    if service and service["out_of_service"]:
        return "red"
    if age > every * 1.5 or "warning" in states or k["paper_level"] == "near_end":
        return "yellow"
    return "green"


def _today_sales(bk: Any) -> dict[str, dict[str, int]]:
    day = bk.today()
    rows = bk.store.all(
        "SELECT kiosk_id, COUNT(*) AS n, SUM(total_fen) AS fen FROM orders WHERE paid_at >= ? "
        "AND paid_at < ? AND kiosk_id IS NOT NULL GROUP BY kiosk_id",
        (day.isoformat(), (day + timedelta(days=1)).isoformat()),
    )
    return {r["kiosk_id"]: {"orders": r["n"], "fen": r["fen"] or 0} for r in rows}


def _rows(bk: Any) -> list[dict[str, Any]]:
    now, every = bk.now(), bk.settings.alert_heartbeat_seconds
    sales = _today_sales(bk)
    services = {r["kiosk_id"]: r for r in bk.store.all("SELECT * FROM kiosk_service")}
    errors = {
        r["kiosk_id"]: r["last_error"]
        for r in bk.store.all(
            "SELECT h.kiosk_id, h.last_error FROM kiosk_heartbeats h WHERE h.id IN "
            "(SELECT MAX(id) FROM kiosk_heartbeats WHERE last_error != '' GROUP BY kiosk_id)"
        )
    }
    out = []
    for k in fleet.kiosks(bk.store, now):
        service = services.get(k["id"])
        out.append(k | {"colour": colour(k, service, now, every), "service": service,
                        "sales": sales.get(k["id"], {"orders": 0, "fen": 0}),
                        "last_error": errors.get(k["id"], "")})  # fmt: skip
    return out


@router.get("/fleet", response_class=HTMLResponse)
def fleet_page(request: Request, user: Anyone) -> HTMLResponse:
    bk = request.app.state.backend
    return render(request, "fleet_list.html", {"kiosks": _rows(bk)}, user=user)


@router.get("/fleet/{kiosk_id}", response_class=HTMLResponse)
def kiosk_page(request: Request, kiosk_id: str, user: Anyone) -> HTMLResponse:
    bk = request.app.state.backend
    found = next((k for k in _rows(bk) if k["id"] == kiosk_id), None)
    if found is None:
        raise Refused("not_found")
    open_alerts = [
        a
        for a in alerts.listing(bk.store, open_only=True)
        if a["subject"] == kiosk_id or a["subject"].startswith(kiosk_id + "/")
    ]
    context = {"k": found, "history": heartbeats.history(bk.store, kiosk_id),
               "alerts": open_alerts}  # fmt: skip
    return render(request, "fleet_kiosk.html", context, user=user)


@router.post("/fleet/{kiosk_id}/service")
def switch(request: Request, kiosk_id: str, user: Operator, form: Posted) -> Response:
    bk = request.app.state.backend
    if fleet.kiosk(bk.store, kiosk_id, bk.now()) is None:
        raise Refused("not_found")
    off = form.get("out_of_service") == "on"
    before = heartbeats.service_state(bk.store, kiosk_id)
    heartbeats.set_out_of_service(bk.store, kiosk_id, off, user.username, bk.now())
    audit(bk.store, user, "kiosk.out_of_service" if off else "kiosk.in_service",
          f"kiosk:{kiosk_id}", {"out_of_service": bool(before and before["out_of_service"])},
          {"out_of_service": off}, at=bk.now())  # fmt: skip
    ok = "ok.kiosk_switched_off" if off else "ok.kiosk_switched_on"
    return RedirectResponse(f"/console/fleet/{kiosk_id}?ok={ok}", status_code=303)
