"""The journal survives a reopen and keeps what replay and the staff lockout need."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.journal import Journal


def test_journal_is_wal_with_full_sync(tmp_path: Path) -> None:
    Journal(tmp_path / "j.sqlite").close()
    db = sqlite3.connect(tmp_path / "j.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_in_flight_work_is_still_there_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    j = Journal(path)
    j.order_creating("k-order")
    j.order_held("k-order", "o1", "SA1", 24000)
    j.payment_submitting("k-pay", "o1", "auth_code")
    j.tickets_to_print("o1", [("t1", {"ticket_id": "t1"}), ("t2", {"ticket_id": "t2"})])
    j.ticket_state("t1", "printed")
    j.close()

    j = Journal(path)
    assert [o.order_id for o in j.open_orders()] == ["o1"]
    assert j.open_orders()[0].state == "paying"
    assert [p.idem_key for p in j.open_payments()] == ["k-pay"]
    assert [(t.ticket_id, t.state) for t in j.tickets_of("o1")] == [
        ("t1", "printed"),
        ("t2", "pending"),
    ]
    # journaling the same tickets again (a replay) keeps what already printed
    j.tickets_to_print("o1", [("t1", {"ticket_id": "t1"}), ("t2", {"ticket_id": "t2"})])
    assert j.ticket("t1").state == "printed"


def test_pin_lockout_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    j = Journal(path)
    for n in range(1, 5):
        assert j.pin_failed("S001", 5, 300, now=1000.0) == n
        assert j.pin_lock("S001")[1] == 0
    j.pin_failed("S001", 5, 300, now=1000.0)
    j.close()
    assert Journal(path).pin_lock("S001")[1] == 1300.0
