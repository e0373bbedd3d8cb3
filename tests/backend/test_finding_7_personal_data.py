"""Finding 7 (issue 11): full ID numbers, names and phones sat in clear in the SQLite file and
its WAL, kept on expired holds; staff PINs were PBKDF2 at 1,000 rounds (a 6-digit PIN cracked
offline in 2.6 s) and nothing limited PIN guesses (2,020 wrong, then the right one accepted).
Now: ID numbers and phones encrypted, found by a keyed hash, names masked; expired holds and
orders past their retention lose them (`kiosk backend purge`); PINs argon2id, locked out after
wrong guesses."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from backend_stub.keyfiles import default_key_path
from backend_stub.personal_keys import PersonalDataKeys
from backend_stub.process import BackendProcess
from backend_stub.services.personal_data import reveal_holder
from kiosk.domain.ids import resident_id_check_char
from tests.backend.helpers import later_day, line, order, paid_order, slot
from tests.backend.roomy import ROOMY_LIMITS

DAY = later_day(2)
FIRST17 = "44030419850612123"
ID_NUMBER = FIRST17 + resident_id_check_char(FIRST17)  # someone who is not in the demo
PHONE = "13912345678"
NAME = "欧阳测试"
CLEAR = [ID_NUMBER.encode(), PHONE.encode(), NAME.encode()]


def on_disk(b: BackendProcess) -> bytes:
    """The database file, its WAL and the backend's log, as bytes."""
    files = [b.db_path, Path(f"{b.db_path}-wal"), b.log_path]
    return b"".join(f.read_bytes() for f in files if f.exists())


def buy(kiosk: httpx.Client) -> dict:
    holder = {"doc_type": "id_card", "doc_number": ID_NUMBER, "name": NAME, "phone": PHONE}
    return paid_order(
        kiosk,
        line("BUNDLE", slot("BUNDLE", DAY, 10), "BUNDLE-ADULT", holders=[holder]),
        buyer_phone=PHONE,
        buyer_name=NAME,
    )


def purge(b: BackendProcess, today: date) -> str:
    """`kiosk backend purge` as an operator runs it, the backend still running."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "appliance.cli",
            "backend",
            "purge",
            "--db",
            str(b.db_path),
            "--today",
            today.isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_finding_7_id_and_phone_are_not_in_clear_at_rest_and_gone_after_purge(tmp_path: Path):
    with BackendProcess(tmp_path / "backend.db", seed="demo", extra_args=ROOMY_LIMITS) as b:
        kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers())
        o = buy(kiosk)
        holder = o["tickets"][0]["holder"]
        assert (
            holder["doc_number"] == "440***********" + ID_NUMBER[-4:] and holder["name"] == "欧***"
        )
        assert o["buyer_phone"] == "139****5678"
        disk = on_disk(b)
        assert Path(f"{b.db_path}-wal").exists()
        assert not [c for c in CLEAR if c in disk]  # encrypted and masked: never in clear
        # still found by it (a keyed hash), by pickup and at the real-name check
        found = kiosk.get("/api/v1/pickup", params={"id_number": ID_NUMBER}).json()["orders"]
        assert [f["id"] for f in found] == [o["id"]]
        again = order(
            kiosk,
            line(
                "BUNDLE",
                slot("BUNDLE", DAY, 10),
                "BUNDLE-ADULT",
                holders=[{"doc_type": "id_card", "doc_number": ID_NUMBER, "name": "x"}],
            ),
        )
        assert again.json()["error"]["code"] == "duplicate_real_name"
        key_file = default_key_path(b.db_path, "personal-data")
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        keys = PersonalDataKeys.load(key_file)
        traces = [keys.digest("doc", ID_NUMBER).encode(), keys.digest("phone", PHONE).encode()]
        traces += [b"139****5678", ("440***********" + ID_NUMBER[-4:]).encode()]
        assert all(t in on_disk(b) for t in traces[:2])
        with sqlite3.connect(b.db_path) as db:  # and read back only with the key file
            db.row_factory = sqlite3.Row
            row = dict(
                db.execute(
                    "SELECT * FROM tickets WHERE id = ?", (o["tickets"][0]["id"],)
                ).fetchone()
            )
        assert reveal_holder(keys, row) == {"doc_number": ID_NUMBER, "phone": PHONE}

        # kept for 90 days after the visit, then nothing: not the number, its hash, nor its mask
        purge(b, DAY + timedelta(days=90))
        kept = kiosk.get(f"/api/v1/orders/{o['id']}").json()
        assert kept["tickets"][0]["holder"] == holder and all(t in on_disk(b) for t in traces)
        assert '"orders_cleared": ' in purge(b, DAY + timedelta(days=91))
        disk = on_disk(b)
        assert not [c for c in CLEAR + traces if c in disk]
        after = kiosk.get(f"/api/v1/orders/{o['id']}").json()
        assert after["tickets"][0]["holder"]["doc_number"] == "" and after["buyer_phone"] == ""
        assert kiosk.get("/api/v1/pickup", params={"id_number": ID_NUMBER}).json()["orders"] == []


def test_finding_7_an_expired_hold_loses_its_personal_data(tmp_path: Path):
    extra = [*ROOMY_LIMITS]
    with BackendProcess(tmp_path / "b.db", seed="demo", hold_seconds=1, extra_args=extra) as b:
        kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers())
        holder = {"doc_type": "id_card", "doc_number": ID_NUMBER, "name": NAME, "phone": PHONE}
        r = order(
            kiosk,
            line("BUNDLE", slot("BUNDLE", DAY, 11), "BUNDLE-ADULT", holders=[holder]),
            buyer_phone=PHONE,
        )
        assert r.status_code == 201, r.text

        def row() -> tuple:
            with sqlite3.connect(b.db_path) as db:
                return db.execute(
                    "SELECT o.status, o.buyer_phone_hash || o.buyer_phone_sealed || o.buyer_name, "
                    "t.holder_doc_hash || t.holder_doc_sealed || t.holder_doc_masked"
                    " || t.holder_name || t.holder_phone_hash || t.holder_phone_sealed "
                    "FROM orders o JOIN tickets t ON t.order_id = o.id WHERE o.id = ?",
                    (r.json()["id"],),
                ).fetchone()

        deadline = time.monotonic() + 10  # the sweeper expires it (after the 1 s hold)
        while row()[0] != "expired" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert row() == ("expired", "", "")


def _staff(b: BackendProcess) -> dict[str, str]:
    with sqlite3.connect(b.db_path) as db:
        return dict(db.execute("SELECT id, pin_hash FROM staff").fetchall())


def test_finding_7_wrong_pins_lock_the_staff_id_even_for_the_right_pin(tmp_path: Path):
    extra = ["--pin-lockout-seconds", "2", "--limit", "staff_pin_per_kiosk=100/60"]
    with BackendProcess(tmp_path / "b.db", seed="demo", extra_args=extra) as b:
        assert all(h.startswith("$argon2id$") for h in _staff(b).values())
        kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers(), timeout=10)

        def verify(pin: str) -> httpx.Response:
            return kiosk.post("/api/v1/staff/verify", json={"staff_id": "S002", "pin": pin})

        assert [verify("000000").status_code for _ in range(5)] == [401] * 5
        locked = verify("135790")  # the right PIN, after the threshold
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "staff_locked"
        assert 1 <= int(locked.headers["Retry-After"]) <= 2
        audit = httpx.get(b.url + "/api/v1/ops/staff-audit", headers=b.ops_headers()).json()
        actions = [e["action"] for e in audit["entries"] if e["staff_id"] == "S002"]
        assert actions.count("pin_wrong") == 5 and actions.count("pin_locked") == 1
        time.sleep(2.2)  # the back-off passes
        wrong = verify("111111")  # one more wrong PIN: locked again, twice as long
        assert wrong.status_code == 401
        again = verify("135790")
        assert again.status_code == 429 and int(again.headers["Retry-After"]) in (3, 4)
        time.sleep(4.2)
        assert verify("135790").status_code == 200  # and the count starts afresh
        assert verify("000000").status_code == 401 and verify("135790").status_code == 200


def test_finding_7_an_old_pbkdf2_pin_is_checked_once_and_rehashed(tmp_path: Path):
    db_path = tmp_path / "b.db"
    with BackendProcess(db_path, seed="demo", extra_args=ROOMY_LIMITS):
        pass
    salt = "0f1e2d3c"
    legacy = hashlib.pbkdf2_hmac("sha256", b"246810", salt.encode(), 1000).hex()
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE staff SET pin_salt = ?, pin_hash = ? WHERE id = 'S001'", (salt, legacy))
    with BackendProcess(db_path, seed="demo", extra_args=ROOMY_LIMITS) as b:
        kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers(), timeout=10)
        ok = kiosk.post("/api/v1/staff/verify", json={"staff_id": "S001", "pin": "246810"})
        assert ok.status_code == 200 and ok.json()["staff_id"] == "S001"
        assert _staff(b)["S001"].startswith("$argon2id$")
        again = kiosk.post("/api/v1/staff/verify", json={"staff_id": "S001", "pin": "246810"})
        assert again.status_code == 200


def test_finding_7_a_database_from_before_is_sealed_at_start(tmp_path: Path):
    db_path = tmp_path / "b.db"
    with BackendProcess(db_path, seed="demo", extra_args=ROOMY_LIMITS) as b:
        o = buy(httpx.Client(base_url=b.url, headers=b.kiosk_headers()))
    with sqlite3.connect(db_path) as db:  # as an old backend wrote it: in clear
        db.execute(
            "UPDATE tickets SET holder_doc_number = ?, holder_name = ?, holder_phone = ?, "
            "holder_doc_hash = '', holder_doc_sealed = '', holder_doc_masked = '', "
            "holder_phone_hash = '', holder_phone_sealed = '' WHERE order_id = ?",
            (ID_NUMBER, NAME, PHONE, o["id"]),
        )
        db.execute(
            "UPDATE orders SET buyer_phone = ?, buyer_name = ?, buyer_phone_hash = '', "
            "buyer_phone_sealed = '', buyer_phone_masked = '' WHERE id = ?",
            (PHONE, NAME, o["id"]),
        )
    assert ID_NUMBER.encode() in db_path.read_bytes() + Path(f"{db_path}-wal").read_bytes()
    with BackendProcess(db_path, seed="demo", extra_args=ROOMY_LIMITS) as b:
        assert not [c for c in CLEAR if c in on_disk(b)]
        kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers())
        found = kiosk.get("/api/v1/pickup", params={"id_number": ID_NUMBER}).json()["orders"]
        assert [f["id"] for f in found] == [o["id"]]
        assert found[0]["buyer_phone"] == "139****5678"


def test_finding_7_a_key_file_anyone_may_read_is_refused(tmp_path: Path):
    db_path = tmp_path / "b.db"
    with BackendProcess(db_path, seed="demo", extra_args=ROOMY_LIMITS):
        pass
    key_file = default_key_path(db_path, "personal-data")
    os.chmod(key_file, 0o644)
    with pytest.raises(RuntimeError, match="0600"):
        BackendProcess(db_path, seed="demo").start()
