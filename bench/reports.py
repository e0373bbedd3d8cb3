"""`python -m bench.reports [--tickets 200000] [--days 30] [--db sqlite] [--db postgres]`: a
month of a busy park written straight into a fresh database through the store (a generator:
orders over `--days` days from 20 kiosks and three channels, 2-3 tickets each, the kiosk
orders' payments, 3 % of the tickets refunded, most tickets through a gate), then the console's
range report (services.reports.range_report) for the whole month, timed: the first run and
the median of three more. Prints JSON; the aim is under 2 s (issue 14). The report's net is
checked against payments − refunds (`money_check`) on the way.

`postgres` starts a private cluster (appliance/postgres_cluster.py, as the tests do);
`postgresql://...` uses that server (a fresh database, dropped after).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from backend_stub.services import reports
from backend_stub.stores import open_store
from bench.backend import fresh_database, machine

AIM_SECONDS = 2.0
KIOSKS = [f"kiosk-{n:02d}" for n in range(1, 21)]
CHANNELS = ("kiosk",) * 6 + ("meituan", "ctrip", "miniprogram", "meituan")
TYPES = (("ADM", "ADM-ADULT", 12000), ("ADM", "ADM-CHILD", 6000), ("CABLE", "CABLE-ADULT", 8000),
         ("BUNDLE", "BUNDLE-ADULT", 18000))  # fmt: skip
GATES = [f"gate-{n}" for n in range(1, 7)]
CHUNK = 5000


def generate(tickets: int, start: date, days: int, seed: int = 14) -> Iterator[dict[str, list]]:
    """Batches of rows {table: [row, ...]} until `tickets` tickets are made."""
    rnd = random.Random(seed)
    made = n_order = 0
    batch: dict[str, list] = {"orders": [], "tickets": [], "payments": [], "refunds": [],
                              "admissions": []}  # fmt: skip
    while made < tickets:
        n_order += 1
        day = start + timedelta(days=rnd.randrange(days))
        at = datetime.combine(day, datetime.min.time()) + timedelta(
            seconds=rnd.randrange(8 * 3600, 18 * 3600)
        )
        channel = rnd.choice(CHANNELS)
        kiosk = rnd.choice(KIOSKS) if channel == "kiosk" else None
        oid = f"o{n_order:07d}"
        count = min(rnd.choice((1, 2, 2, 3, 3, 4)), tickets - made)
        subtotal = total = 0
        for i in range(count):
            product, type_id, price = rnd.choice(TYPES)
            paid = price - (1000 if rnd.random() < 0.1 else 0)
            subtotal, total = subtotal + price, total + paid
            tid = f"{oid}t{i}"
            refunded = rnd.random() < 0.03
            batch["tickets"].append(
                {"id": tid, "order_id": oid, "product_id": product, "ticket_type_id": type_id,
                 "slot_id": f"{product}-{day:%Y%m%d}-1000", "date": day.isoformat(),
                 "unit_fen": price, "paid_fen": paid, "status": "refunded" if refunded else "used",
                 "refunded_fen": paid if refunded else 0}
            )  # fmt: skip
            if refunded:
                batch["refunds"].append(
                    {"order_id": oid, "ticket_id": tid, "kind": "refund", "amount_fen": paid,
                     "fee_fen": 0, "created_at": (at + timedelta(hours=2)).isoformat(),
                     "gateway": "wechat" if kiosk else "", "trade_no": f"T{oid}" if kiosk else "",
                     "provider_status": "done" if kiosk else "none"}
                )  # fmt: skip
            elif rnd.random() < 0.8:
                entry = at + timedelta(minutes=rnd.randrange(10, 240))
                batch["admissions"].append(
                    {"ticket_id": tid, "component": product, "gate_id": rnd.choice(GATES),
                     "direction": "in", "people": 1, "via": "qr", "day": day.isoformat(),
                     "at": entry.isoformat(timespec="seconds")}
                )  # fmt: skip
        made += count
        stamp = at.isoformat()
        batch["orders"].append(
            {"id": oid, "order_no": f"B{n_order:09d}", "status": "paid", "channel": channel,
             "channel_order_id": None if kiosk else f"C{n_order}", "kiosk_id": kiosk,
             "subtotal_fen": subtotal, "coupon_discount_fen": subtotal - total,
             "total_fen": total, "created_at": stamp, "paid_at": stamp}
        )  # fmt: skip
        if kiosk:
            batch["payments"].append(
                {"id": f"p{oid}", "order_id": oid, "trade_no": f"T{oid}", "method": "auth_code",
                 "provider": rnd.choice(("wechat", "alipay")), "gateway": "simulator",
                 "status": "success", "amount_fen": total, "created_at": stamp,
                 "updated_at": stamp, "paid_at": stamp}
            )  # fmt: skip
        if len(batch["tickets"]) >= CHUNK:
            yield batch
            batch = {k: [] for k in batch}
    yield batch


def seed(url: str | Path, tickets: int, start: date, days: int) -> float:
    began = time.perf_counter()
    store = open_store(url)
    try:
        for batch in generate(tickets, start, days):
            with store.transaction():
                for table, rows in batch.items():
                    store.insert_many(table, rows)
    finally:
        store.close()
    return time.perf_counter() - began


def time_report(url: str | Path, start: date, days: int) -> dict[str, Any]:
    store = open_store(url)
    try:
        span = reports.DayRange(start, start + timedelta(days=days - 1))
        began = time.perf_counter()
        report = reports.range_report(store, span)
        first = time.perf_counter() - began
        warm = []
        for _ in range(3):
            began = time.perf_counter()
            reports.range_report(store, span)
            warm.append(time.perf_counter() - began)
        began = time.perf_counter()
        reports.to_xlsx(report)
        xlsx = time.perf_counter() - began
        money = reports.money_check(store, span)
    finally:
        store.close()
    totals = report["totals"]
    return {
        "first_s": round(first, 3),
        "median_s": round(statistics.median(warm), 3),
        "xlsx_s": round(xlsx, 3),
        "orders": totals["orders"],
        "tickets": totals["tickets"],
        "net_fen": totals["net_fen"],
        "reconciles": totals["net_fen"] == money,
        "admission_gates": len(report["admissions"]["gates"]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.reports", description=__doc__)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--db", action="append", default=None, help="repeatable: sqlite, postgres, postgresql://."
    )
    args = parser.parse_args(argv)
    stores = args.db or ["sqlite"]
    start = date.today() - timedelta(days=args.days)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp, contextlib.ExitStack() as st:
        cluster = None
        if "postgres" in stores:
            from appliance.postgres_cluster import PostgresCluster

            cluster = st.enter_context(PostgresCluster())
        for store in stores:
            with fresh_database(store, Path(tmp), 0, cluster) as url:
                seeded = seed(url, args.tickets, start, args.days)
                timing = time_report(url, start, args.days)
                kind = "sqlite" if store == "sqlite" else "postgres"
                runs.append({"store": kind, "seed_s": round(seeded, 1)} | timing
                            | {"under_aim": timing["median_s"] < AIM_SECONDS})  # fmt: skip
    result = {"benchmark": "reports", "tickets": args.tickets, "days": args.days,
              "aim_s": AIM_SECONDS, "runs": runs, "machine": machine()}  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
