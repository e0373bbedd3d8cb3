"""Issue 11, finding 2: any kiosk acted on any order and spoke for any kiosk.

Found: kiosk-02's token read, refunded, rebooked, marked printed, paid and simulator-scanned
kiosk-01's order; heartbeats for "kiosk-02" and "ghost-kiosk" were accepted from kiosk-01's
token; kiosk tokens and the signing key sat in clear in the database.

Now: a token is bound to its kiosk id; a kiosk acts only on the orders it took or was given by
proof (another kiosk's order is 404, a refund or rebook without proof 403); a heartbeat for
another kiosk is 403; tokens are stored as hashes, the signing key in a key file (0600) beside
the database, with a key id in every code and rotation."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess, is_url, url_dbname
from kiosk.domain.ticket_code import public_key_from_b64, read_claims, verify_ticket
from tests.backend.helpers import WECHAT_OK, later_day, line, order, paid_order, proof_of, slot
from tests.fixtures.console import http_login

SECOND = "kiosk-02-secret-token-for-the-test"
DAY = later_day(3)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def two_kiosks(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    folder = tmp_path_factory.mktemp("two-kiosks")
    extra = ["--kiosk-token", f"{SECOND}=kiosk-02"]
    with BackendProcess(backend_db(folder / "backend.db"), extra_args=extra) as proc:
        yield proc


@pytest.fixture
def one(two_kiosks: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=two_kiosks.url, headers=two_kiosks.kiosk_headers()) as c:
        yield c


@pytest.fixture
def two(two_kiosks: BackendProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {SECOND}"}
    with httpx.Client(base_url=two_kiosks.url, headers=headers) as c:
        yield c


def _code(r: httpx.Response) -> str:
    return r.json()["error"]["code"]


def test_finding_2_kiosk_02_cannot_touch_kiosk_01s_order(one: httpx.Client, two: httpx.Client):
    paid = paid_order(one, line("ADM", slot("ADM", DAY, 10), "ADM-ADULT", 2))
    held = order(one, line("ADM", slot("ADM", DAY, 11), "ADM-ADULT")).json()
    qr = one.post(f"/api/v1/orders/{held['id']}/payments", json={"method": "qr"}).json()
    ticket = paid["tickets"][0]
    base = f"/api/v1/orders/{paid['id']}"
    # read, pay, poll, cancel, simulator-scan, mark printed: as if the order did not exist
    assert _code(two.get(base)) == "order_not_found"
    pay = two.post(
        f"/api/v1/orders/{held['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_OK},
    )
    assert pay.status_code == 404 and _code(pay) == "order_not_found"
    payment = f"/api/v1/orders/{held['id']}/payments/{qr['id']}"
    assert two.get(payment).status_code == 404
    assert two.post(payment + "/cancel").status_code == 404
    scan = two.post(f"/api/v1/simulator/orders/{held['id']}/payments/{qr['id']}/scan")
    assert scan.status_code == 404
    printed = two.post(f"/api/v1/tickets/{ticket['id']}/printed")
    assert printed.status_code == 404 and _code(printed) == "ticket_not_found"
    # refund and rebook by order id alone: refused, whoever asks
    for client in (two, one):
        refund = client.post(base + "/refund", json={"ticket_ids": [ticket["id"]]})
        assert refund.status_code == 403 and _code(refund) == "proof_required"
        rebook = client.post(
            base + "/rebook", json={"ticket_ids": [ticket["id"]], "slot_id": slot("ADM", DAY, 12)}
        )
        assert rebook.status_code == 403 and _code(rebook) == "proof_required"
    # another order's ticket, or an ID that holds none of it, is not proof for this one
    other = paid_order(two, line("ADM", slot("ADM", DAY, 13), "ADM-ADULT"))
    wrong = two.post(base + "/refund", json={"ticket_ids": [ticket["id"]], **proof_of(other)})
    assert wrong.status_code == 403 and _code(wrong) == "proof_mismatch"
    stranger = {"id_number": "110101199003072375"}
    wrong_id = two.post(base + "/refund", json={"ticket_ids": [ticket["id"]], **stranger})
    assert wrong_id.status_code == 403 and _code(wrong_id) == "proof_mismatch"
    # nothing happened to it
    after = one.get(base).json()
    assert after["status"] == "paid" and {t["status"] for t in after["tickets"]} == {"issued"}
    assert one.get(f"/api/v1/orders/{held['id']}").json()["status"] == "held"
    # the tourist shows his ticket at kiosk-02: that is proof; kiosk-02 may print the move
    moved = two.post(
        base + "/rebook",
        json={"ticket_ids": [ticket["id"]], "slot_id": slot("ADM", DAY, 12), **proof_of(paid)},
    )
    assert moved.status_code in (200, 202), moved.text
    assert two.get(base).status_code == 200  # kiosk-02 prints the moved ticket


def test_finding_2_a_kiosk_speaks_only_for_itself(
    one: httpx.Client, two: httpx.Client, two_kiosks: BackendProcess
):
    beat = {"devices": {"printer": "ok"}, "paper_level": "ok"}
    for kiosk_id in ("kiosk-02", "ghost-kiosk"):
        r = one.post(f"/api/v1/kiosks/{kiosk_id}/heartbeat", json=beat)
        assert r.status_code == 403 and _code(r) == "kiosk_mismatch"
    assert one.post("/api/v1/kiosks/kiosk-01/heartbeat", json=beat).status_code == 200
    assert two.post("/api/v1/kiosks/kiosk-02/heartbeat", json=beat).status_code == 200
    fleet = httpx.get(
        two_kiosks.url + "/api/v1/ops/kiosks", headers=two_kiosks.ops_headers()
    ).json()["kiosks"]
    assert sorted(k["id"] for k in fleet) == ["kiosk-01", "kiosk-02"]
    # an order records the token's kiosk, whatever the request claims
    body = {"lines": [line("ADM", slot("ADM", DAY, 14), "ADM-ADULT")]}
    o = two.post("/api/v1/orders", json=body, headers={"X-Kiosk-Id": "kiosk-01"}).json()
    assert one.get(f"/api/v1/orders/{o['id']}").status_code == 404
    assert two.get(f"/api/v1/orders/{o['id']}").status_code == 200
    # a kiosk token is no ops token, nor the reverse
    assert one.get("/api/v1/ops/kiosks").status_code == 401
    ops_as_kiosk = httpx.get(two_kiosks.url + "/api/v1/catalog", headers=two_kiosks.ops_headers())
    assert ops_as_kiosk.status_code == 401


@pytest.mark.store("sqlite")  # reads the SQLite file
def test_finding_2_tokens_are_hashed_and_the_key_is_in_a_private_file(
    one: httpx.Client, two_kiosks: BackendProcess
):
    paid_order(one, line("ADM", slot("ADM", DAY, 15), "ADM-ADULT"))
    db = two_kiosks.db_path
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        creds = conn.execute("SELECT token_hash, kind, subject FROM credentials").fetchall()
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    assert "kiosk_tokens" not in tables and "signing_key" not in meta
    assert {(kind, subject) for _, kind, subject in creds} >= {
        ("kiosk", "kiosk-01"),
        ("kiosk", "kiosk-02"),
        ("ops", "demo"),
    }
    assert all(len(h) == 64 for h, _, _ in creds)  # sha256 hex
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))  # the file and its WAL
    for secret in (SECOND, "demo-kiosk-token", "demo-ops-token"):
        assert secret.encode() not in raw
    key_file = db.with_name("backend.signing.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    private = json.loads(key_file.read_text())["keys"][0]["private_key"]
    assert private.encode() not in raw


def test_finding_2_the_console_session_key_is_private_and_stays_with_the_backend(
    two_kiosks: BackendProcess,
):
    """On PostgreSQL too: in the backend's own folder (its workdir), not in the var/ of the
    directory it was started from (the repo's, when the tests started it)."""
    http_login(two_kiosks.url, "viewer")  # the console's first page makes the key
    if is_url(two_kiosks.db):
        name = f"{url_dbname(str(two_kiosks.db))}.console-session.key"
        key_file = two_kiosks.workdir / "var" / name
        assert not (ROOT / "var" / name).exists() and not (Path.cwd() / "var" / name).exists()
    else:
        key_file = two_kiosks.db_path.with_name("backend.console-session.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def _server(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "backend_stub.server", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def test_finding_2_codes_name_their_key_and_old_keys_verify_after_a_rotation(tmp_path: Path):
    db = tmp_path / "backend.db"
    with BackendProcess(db) as b, httpx.Client(base_url=b.url, headers=b.kiosk_headers()) as c:
        before = paid_order(c, line("ADM", slot("ADM", DAY, 10), "ADM-ADULT"))
        old_code = before["tickets"][0]["code"]
        keys = c.get("/api/v1/keys").json()["keys"]
        assert [k["status"] for k in keys] == ["active"]
        assert read_claims(old_code).kid == keys[0]["kid"]
        # rotate through the ops API: a new key signs, the old one still verifies
        rotated = httpx.post(b.url + "/api/v1/ops/keys/rotate", headers=b.ops_headers()).json()
        assert rotated["kid"] != keys[0]["kid"]
        after = paid_order(c, line("ADM", slot("ADM", DAY, 11), "ADM-ADULT"))
        new_code = after["tickets"][0]["code"]
        assert read_claims(new_code).kid == rotated["kid"]
        published = {k["kid"]: k for k in c.get("/api/v1/keys").json()["keys"]}
        assert published[keys[0]["kid"]]["status"] == "retired"
        assert published[keys[0]["kid"]]["verify_until"] >= DAY.isoformat()
        key_set = {kid: public_key_from_b64(k["public_key"]) for kid, k in published.items()}
        assert verify_ticket(old_code, key_set).ticket_id == before["tickets"][0]["id"]
        assert verify_ticket(new_code, key_set).ticket_id == after["tickets"][0]["id"]
        # the backend still takes the old code as proof, and as a parent for an add-on
        shown = {"ticket_code": old_code}
        addon = order(
            c, line("SHOW", slot("SHOW", DAY, 14), "SHOW-ADULT", parent_ticket_code=old_code)
        )
        assert addon.status_code == 201, addon.text
        assert c.get("/api/v1/aftersales", params=shown).json()["orders"][0]["id"] == before["id"]
    # the command rotates too (the backend stopped); the private half of a retired key is gone
    done = _server("rotate-key", "--db", str(db))
    assert done.returncode == 0, done.stderr
    kept = json.loads(db.with_name("backend.signing.key").read_text())["keys"]
    assert sum(1 for k in kept if "private_key" in k) == 1 and len(kept) == 3
    with BackendProcess(db) as b, httpx.Client(base_url=b.url, headers=b.kiosk_headers()) as c:
        assert len(c.get("/api/v1/keys").json()["keys"]) == 3
        admitted = c.post("/api/v1/tickets/verify", json={"code": new_code})
        assert admitted.json()["error"]["code"] == "ticket_wrong_date"  # verified: not today


def test_finding_2_a_key_file_others_can_read_stops_the_backend(tmp_path: Path):
    db = tmp_path / "backend.db"
    with BackendProcess(db):
        pass
    key_file = db.with_name("backend.signing.key")
    key_file.chmod(0o644)
    with pytest.raises(RuntimeError, match="chmod 600"):
        BackendProcess(db, startup_timeout=20).start()
