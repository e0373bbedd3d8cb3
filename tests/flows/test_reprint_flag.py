"""A reprint flagged in the console, with the real kiosk: Meituan's order is picked up by its
order QR (three tickets print); at the service desk finance flags two of them "reprint once at
a kiosk"; the tourist picks up again, at another kiosk journal (any kiosk may): exactly the two
flagged tickets print on the printer emulator, marked REPRINT, with their own codes; the
backend counts them printed twice and the flags are used up; a third pickup finds nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from appliance.tourist import Emulators
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from tests.fixtures.backend import query
from tests.fixtures.console import http_login
from tests.flows.conftest import api, printed_codes, run_journey


def test_pickup_of_a_flagged_order_prints_exactly_the_flagged_tickets_marked_reprint(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators, tmp_path: Path
) -> None:
    first = run_journey("pickup-order", kiosk_config, emulators)
    assert first["result"] == "done" and len(printed_codes(emulators)) == 3
    order = api(backend, f"/orders/{first['order_id']}")
    flagged = [t["id"] for t in order["tickets"][:2]]
    codes = {t["id"]: t["code"] for t in order["tickets"]}
    finance = http_login(backend.url, "finance")
    r = finance.post(f"/console/orders/{order['id']}/reprint",
                     data={"csrf_token": finance.csrf, "ticket_id": flagged,
                           "reprint_reason": "tickets soaked in the rain"})  # fmt: skip
    assert r.status_code == 303, r.text
    finance.close()
    already = len(emulators.printer.tickets)
    elsewhere = replace(kiosk_config, data_dir=str(tmp_path / "another-journal"))
    again = run_journey("pickup-order", elsewhere, emulators)
    assert again["result"] == "done"
    assert sorted(t["ticket_id"] for t in again["tickets_printed"]) == sorted(flagged)
    reprinted = [t for t in emulators.printer.tickets[already:] if t.complete]
    assert sorted(c for t in reprinted for c in t.qr_payloads) == sorted(codes[i] for i in flagged)
    assert all("REPRINT" in "\n".join(t.lines) for t in reprinted)
    counts = dict(query(backend, "SELECT id, printed_count FROM tickets WHERE order_id = ?",
                        order["id"]))  # fmt: skip
    assert sorted(counts.values()) == [1, 2, 2] and all(counts[i] == 2 for i in flagged)
    states = query(backend, "SELECT state FROM reprint_flags WHERE order_id = ?", order["id"])
    assert states == [("done",), ("done",)]
    # a third pickup finds nothing to print (the journey would offer a purchase instead)
    assert api(backend, f"/pickup?code=KO1:{order['order_no']}")["orders"] == []
