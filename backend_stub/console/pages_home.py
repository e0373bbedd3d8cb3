"""The home page: who you are, the fleet at a glance, the latest changes (audit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from backend_stub.console import audit, fleet
from backend_stub.console.auth import ADMIN, ConsoleUser, page_user
from backend_stub.console.render import render

router = APIRouter()
Anyone = Annotated[ConsoleUser, Depends(page_user())]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: Anyone) -> HTMLResponse:
    bk = request.app.state.backend
    kiosks = fleet.kiosks(bk.store, bk.now())
    counts = {
        "total": len(kiosks),
        "online": sum(1 for k in kiosks if k["health"] == "online"),
        "stale": sum(1 for k in kiosks if k["health"] == "stale"),
        "revoked": sum(1 for k in kiosks if k["revoked"]),
    }
    entries = audit.recent(bk.store, 12 if user.role == ADMIN else 8)
    return render(request, "home.html", {"counts": counts, "entries": entries}, user=user)
