"""Issue 11, finding 3: the payment simulator was always on.

Found: on a production start (`--seed none` with new tokens) a QR "scan" or the auth code
`100000000000000000` paid an order, and the demo kiosk token was still accepted.

Now: the demo tokens, the demo's users and the payment simulator exist only in demo mode
(`--demo` / `--seed demo`); a production start has no simulator (a payment answers 503
`payment_not_configured` until issue 15 brings real providers) and refuses to start while a
demo secret is in its database or its options."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend_stub.context import Backend
from backend_stub.process import BackendProcess
from backend_stub.seed import seed_demo
from backend_stub.settings import Settings
from backend_stub.stores import open_store
from tests.backend.helpers import later_day, line, order, slot

KIOSK_TOKEN = "prod-kiosk-" + secrets.token_urlsafe(16)
OPS_TOKEN = "prod-ops-" + secrets.token_urlsafe(16)
DEMO_HEADERS = (
    {"Authorization": "Bearer demo-kiosk-token"},
    {"Authorization": "Bearer demo-ops-token"},
)


def _area_without_demo_secrets(db: Path) -> None:
    """A database with the area's catalog and calendar but none of the demo's tokens or users:
    what a production database looks like (its products entered by the operator)."""
    bk = Backend(open_store(str(db)), Settings())
    seed_demo(bk)
    with bk.store.transaction():
        bk.store.run("DELETE FROM credentials")
        bk.store.run("DELETE FROM staff")
        bk.store.run("DELETE FROM meta WHERE key = 'seeded'")
    bk.store.close()


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    db = tmp_path_factory.mktemp("production") / "backend.db"
    _area_without_demo_secrets(db)
    with BackendProcess(db, seed="none", ops_token=OPS_TOKEN, kiosk_token=KIOSK_TOKEN) as proc:
        yield proc


def test_finding_3_a_production_start_has_no_payment_simulator(production: BackendProcess):
    with httpx.Client(base_url=production.url, headers=production.kiosk_headers()) as c:
        held = order(c, line("ADM", slot("ADM", later_day(2), 10), "ADM-ADULT"))
        assert held.status_code == 201, held.text
        url = f"/api/v1/orders/{held.json()['id']}/payments"
        for body in (
            {"method": "auth_code", "auth_code": "100000000000000000"},
            {"method": "auth_code", "auth_code": "134567890123456780"},
            {"method": "qr"},
        ):
            r = c.post(url, json=body)
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "payment_not_configured"
            assert "未配置支付" in r.json()["error"]["message"]["zh"]
        scan = c.post(f"/api/v1/simulator/orders/{held.json()['id']}/payments/p1/scan")
        assert scan.status_code == 404 and scan.json()["error"]["code"] == "not_found"
        assert c.get(f"/api/v1/orders/{held.json()['id']}").json()["status"] == "held"
        paths = httpx.get(production.url + "/openapi.json").json()["paths"]
        assert not [p for p in paths if "simulator" in p]


def test_finding_3_demo_tokens_are_refused_and_its_own_work(production: BackendProcess):
    url = production.url + "/api/v1"
    kiosk_demo, ops_demo = DEMO_HEADERS
    assert httpx.get(url + "/catalog", headers=kiosk_demo).status_code == 401
    assert httpx.get(url + "/ops/kiosks", headers=ops_demo).status_code == 401
    assert httpx.get(url + "/catalog", headers=production.kiosk_headers()).status_code == 200
    assert httpx.get(url + "/ops/kiosks", headers=production.ops_headers()).status_code == 200
    # no demo users: the demo supervisor's card and PIN open nothing
    staff = httpx.post(
        url + "/staff/verify",
        headers=production.kiosk_headers(),
        json={"staff_id": "S001", "pin": "246810"},
    )
    assert staff.status_code == 401


def test_finding_3_a_production_start_refuses_demo_secrets(tmp_path: Path):
    demo_db = tmp_path / "demo" / "backend.db"
    with BackendProcess(demo_db):  # a demo database: the demo tokens and users are in it
        pass
    with pytest.raises(RuntimeError, match=r"refusing to start.*demo kiosk token"):
        BackendProcess(demo_db, seed="none", ops_token=OPS_TOKEN, log_path=tmp_path / "1").start()
    clean = tmp_path / "clean" / "backend.db"
    clean.parent.mkdir()
    _area_without_demo_secrets(clean)
    with pytest.raises(RuntimeError, match=r"refusing to start.*demo ops token"):
        BackendProcess(clean, seed="none", log_path=tmp_path / "2").start()  # demo-ops-token
    extra = ["--kiosk-token", "demo-kiosk-token=kiosk-09"]
    with pytest.raises(RuntimeError, match=r"refusing to start.*demo kiosk token"):
        BackendProcess(
            clean, seed="none", ops_token=OPS_TOKEN, extra_args=extra, log_path=tmp_path / "3"
        ).start()
    # with secrets of its own it starts
    with BackendProcess(clean, seed="none", ops_token=OPS_TOKEN, kiosk_token=KIOSK_TOKEN) as b:
        assert httpx.get(b.url + "/api/v1/health").status_code == 200
