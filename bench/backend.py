"""`python -m bench.backend --clients N --seconds S --json`: N simulated kiosks (each with its
own kiosk token) buying over HTTP (hold -> pay by code -> fetch the tickets) against the
backend in its own process, on a fresh database. Prints paid orders per second, p50/p99
latency per call, and how many tickets were oversold (must be 0). Without --clients: N = 1,
8 and 32.

The stores side by side (issue 12): `--db sqlite --db postgres --workers 1,2,3` runs SQLite
(one process) and PostgreSQL with 1, 2 and 3 workers in the same run; `postgres` starts a
private cluster (appliance/postgres_cluster.py, as the tests do), `postgresql://user@host:port/db`
uses that server (a fresh database `<db>_bench_<n>` per run, dropped after). `table` in the
output has one row per run.

Most orders go to slots with room for the whole run; one in ten goes to a scarce slot that
sells out, so the refusals (`sold_out`) and the oversell check see real contention.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from backend_stub.process import BackendProcess, is_url
from bench.backend_http import LeanClient

PAY_CODE = "134567890123456780"  # WeChat, last digit 0: the simulator's success at once
BIG_CAPACITY = 100_000
SCARCE_CAPACITY = 100
HOURS = (9, 10, 11, 12, 13, 14, 15)
TARGET = {"clients": 32, "paid_orders_per_s": 300, "p99_ms": 100}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def slot_ids(day: date) -> tuple[list[str], str]:
    roomy = [f"ADM-{day:%Y%m%d}-{h:02d}00" for h in HOURS]
    return roomy, f"ADM-{day:%Y%m%d}-1600"


def prepare_slots(backend: BackendProcess, day: date) -> None:
    roomy, scarce = slot_ids(day)
    with httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10) as c:
        for slot_id in roomy:
            c.put(
                f"/api/v1/ops/slots/{slot_id}", json={"capacity": BIG_CAPACITY}
            ).raise_for_status()
        c.put(f"/api/v1/ops/slots/{scarce}", json={"capacity": SCARCE_CAPACITY}).raise_for_status()


class Tally:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {"hold": [], "pay": [], "fetch": [], "purchase": []}
        self.paid = self.sold_out = self.errors = 0
        self.first_error: str | None = None

    def error(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what[:300]


async def kiosk(n: int, port: int, token: str, day: date, deadline: float, tally: Tally) -> None:
    """One simulated kiosk: buys one adult ticket after another until the deadline."""
    client = LeanClient("127.0.0.1", port, {"Authorization": f"Bearer {token}"})
    roomy, scarce = slot_ids(day)
    clock, i = time.perf_counter, 0
    try:
        while clock() < deadline:
            i += 1
            slot_id = scarce if i % 10 == 0 else roomy[(n + i) % len(roomy)]
            body = {
                "lines": [
                    {
                        "product_id": "ADM",
                        "slot_id": slot_id,
                        "ticket_type_id": "ADM-ADULT",
                        "quantity": 1,
                    }
                ]
            }
            t0 = clock()
            status, raw = await client.request(
                "POST", "/api/v1/orders", body, {"Idempotency-Key": f"bench-{n}-{i}"}
            )
            t1 = clock()
            tally.latency["hold"].append(t1 - t0)
            if status == 409 and b"sold_out" in raw:
                tally.sold_out += 1
                continue
            if status != 201:
                tally.error(f"hold {status} {raw[:200]!r}")
                continue
            order_id = json.loads(raw)["id"]
            status, raw = await client.request(
                "POST",
                f"/api/v1/orders/{order_id}/payments",
                {"method": "auth_code", "auth_code": PAY_CODE},
                {"Idempotency-Key": f"pay-{n}-{i}"},
            )
            t2 = clock()
            tally.latency["pay"].append(t2 - t1)
            if status != 201 or b'"success"' not in raw:
                tally.error(f"pay {status} {raw[:200]!r}")
                continue
            status, raw = await client.request("GET", f"/api/v1/orders/{order_id}")
            t3 = clock()
            tally.latency["fetch"].append(t3 - t2)
            order = json.loads(raw) if status == 200 else {}
            if order.get("status") != "paid" or not all(t["code"] for t in order["tickets"]):
                tally.error(f"fetch {status} {raw[:200]!r}")
                continue
            tally.latency["purchase"].append(t3 - t0)
            tally.paid += 1
    except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
        tally.error(f"{type(exc).__name__}: {exc}")
    finally:
        await client.close()


SEATS_SQL = (
    "SELECT s.id, s.capacity, s.remaining, COUNT(t.id) FROM slots s LEFT JOIN tickets t "
    "ON t.slot_id = s.id AND t.status IN ('held', 'issued', 'printed', 'used') "
    "GROUP BY s.id"
)


def count_oversold(db: Path | str) -> dict[str, int]:
    """From the database itself: tickets holding a seat per slot against its capacity."""
    if is_url(db):
        import psycopg

        with psycopg.connect(str(db)) as pg:
            rows = pg.execute(SEATS_SQL).fetchall()
    else:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            rows = conn.execute(SEATS_SQL).fetchall()
    oversold = sum(max(0, sold - capacity) for _, capacity, _, sold in rows)
    mismatched = sum(1 for _, capacity, left, sold in rows if capacity - left != sold)
    return {
        "oversold": oversold,
        "slots_with_inventory_mismatch": mismatched,
        "tickets_sold": sum(sold for *_, sold in rows),
        "negative_remaining": sum(1 for _, _, left, _ in rows if left < 0),
    }


async def drive(seconds: float, port: int, tokens: list[str], day: date) -> Tally:
    tally = Tally()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(kiosk(n, port, token, day, deadline, tally) for n, token in enumerate(tokens))
    )
    return tally


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kiosk_tokens(clients: int) -> list[str]:
    """One token per simulated kiosk (each bound to its own kiosk id, as a fleet's are): the
    unpaid-hold caps and the locks a PostgreSQL write takes are per kiosk, as in a park."""
    return [f"bench-token-{n:03d}-{secrets.token_hex(8)}" for n in range(clients)]


def token_args(tokens: list[str]) -> list[str]:
    return [a for n, t in enumerate(tokens) for a in ("--kiosk-token", f"{t}=kiosk-b{n:03d}")]


def server_cpu_seconds(backend: BackendProcess) -> float:
    """CPU time of the backend's processes: the master and its workers."""
    assert backend.proc is not None
    total = 0.0
    for pid in [backend.proc.pid, *backend.worker_pids()]:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def database_cpu_seconds(cluster: Any) -> float | None:
    """CPU time of the private PostgreSQL cluster: its postmaster and every child (the
    connections' backends, the WAL writer...); None without a private cluster."""
    if cluster is None:
        return None
    try:
        postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            if pid == postmaster or int(fields[1]) == postmaster:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


_numbers = itertools.count(1)


@contextlib.contextmanager
def fresh_database(store: str, workdir: Path, clients: int, cluster: Any) -> Iterator[Path | str]:
    """A new database for one run: a SQLite file, or a new database on the PostgreSQL server."""
    if store == "sqlite":
        yield workdir / f"bench-{clients}-{next(_numbers)}.db"
        return
    if store == "postgres":
        name = f"bench_{next(_numbers)}"
        url = cluster.create_database(name)
        try:
            yield url
        finally:
            cluster.drop_database(name)
        return
    import psycopg

    base, _, dbname = store.split("?", 1)[0].rpartition("/")
    name = f"{dbname}_bench_{next(_numbers)}"
    with psycopg.connect(store, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(store, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_once(
    clients: int,
    seconds: float,
    workdir: Path,
    store: str = "sqlite",
    workers: int = 1,
    cluster: Any = None,
) -> dict[str, Any]:
    day = date.today() + timedelta(days=2)
    tokens = kiosk_tokens(clients)
    with (
        fresh_database(store, workdir, clients, cluster) as db,
        BackendProcess(
            db, workers=workers, workdir=workdir, seed="demo", extra_args=token_args(tokens)
        ) as backend,
    ):
        prepare_slots(backend, day)
        deadline = time.monotonic() + 30
        while len(backend.worker_pids()) < (workers if workers > 1 else 0):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{workers} workers did not start")
            time.sleep(0.1)
        server_cpu, client_cpu = server_cpu_seconds(backend), time.process_time()
        db_cpu = database_cpu_seconds(cluster if store == "postgres" else None)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        tally = asyncio.run(drive(seconds, backend.port, tokens, day))
        elapsed = time.perf_counter() - started
        server_cpu = server_cpu_seconds(backend) - server_cpu
        db_after = database_cpu_seconds(cluster if store == "postgres" else None)
        db_cpu = None if db_cpu is None or db_after is None else db_after - db_cpu
        client_cpu = time.process_time() - client_cpu
        inventory = count_oversold(db)
    ms = {
        call: {
            "p50_ms": round(percentile(v, 0.50) * 1000, 1),
            "p99_ms": round(percentile(v, 0.99) * 1000, 1),
            "count": len(v),
        }
        for call, v in tally.latency.items()
    }
    calls = [v for k, v in tally.latency.items() if k != "purchase"]
    every_call = [x for v in calls for x in v]
    return {
        "store": "sqlite" if store == "sqlite" else "postgres",
        "workers": workers,
        "clients": clients,
        "seconds": round(elapsed, 2),
        "paid_orders": tally.paid,
        "paid_orders_per_s": round(tally.paid / elapsed, 1),
        "requests_per_s": round(len(every_call) / elapsed, 1),
        "latency": ms,
        "p99_ms_any_call": round(percentile(every_call, 0.99) * 1000, 1),
        # CPU per paid order (3 calls): steadier than throughput on a busy machine
        "server_cpu_ms_per_order": round(server_cpu * 1000 / max(tally.paid, 1), 2),
        # the private PostgreSQL cluster's processes (None: SQLite, or a server of your own)
        "database_cpu_ms_per_order": None
        if db_cpu is None
        else round(db_cpu * 1000 / max(tally.paid, 1), 2),
        # the machine's 1-minute load average as the run began (other work on the cores)
        "load_average_before": round(load_before, 2),
        "client_cpu_ms_per_order": round(client_cpu * 1000 / max(tally.paid, 1), 2),
        "sold_out_refusals": tally.sold_out,
        "errors": tally.errors,
        "first_error": tally.first_error,
        **inventory,
    }


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backend", description=__doc__)
    parser.add_argument("--clients", type=int, action="append", help="repeatable; default 1 8 32")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="one JSON object (the default)")
    parser.add_argument(
        "--db",
        action="append",
        help="repeatable: sqlite (default), postgres (a private cluster) or postgresql://...",
    )
    parser.add_argument(
        "--workers", default="1", help="PostgreSQL: worker counts, comma-separated (1,2,3)"
    )
    args = parser.parse_args(argv)
    counts = args.clients or [1, 8, 32]
    stores = args.db or ["sqlite"]
    worker_counts = [int(w) for w in args.workers.split(",")]
    plan = [
        (store, workers, n)
        for store in stores
        for workers in ([1] if store == "sqlite" else worker_counts)
        for n in counts
    ]
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as tmp, contextlib.ExitStack() as st:
        cluster = None
        if "postgres" in stores:
            from appliance.postgres_cluster import PostgresCluster

            cluster = st.enter_context(PostgresCluster())
        runs = [
            run_once(n, args.seconds, Path(tmp), store, workers, cluster)
            for store, workers, n in plan
        ]
    at_target = next(
        (r for r in runs if r["clients"] == TARGET["clients"] and r["store"] == "sqlite"), None
    )
    result = {
        "benchmark": "backend",
        "machine": machine(),
        "runs": runs,
        "table": [
            {
                "store": r["store"],
                "workers": r["workers"],
                "clients": r["clients"],
                "paid_orders_per_s": r["paid_orders_per_s"],
                "p50_ms": r["latency"]["purchase"]["p50_ms"],
                "p99_ms": r["latency"]["purchase"]["p99_ms"],
                "p99_ms_any_call": r["p99_ms_any_call"],
                "oversold": r["oversold"],
                "errors": r["errors"],
                "server_cpu_ms_per_order": r["server_cpu_ms_per_order"],
                "database_cpu_ms_per_order": r["database_cpu_ms_per_order"],
                "load_average_before": r["load_average_before"],
            }
            for r in runs
        ],
        "target": TARGET,
        "target_met": None
        if at_target is None
        else at_target["paid_orders_per_s"] >= TARGET["paid_orders_per_s"]
        and at_target["p99_ms_any_call"] < TARGET["p99_ms"]
        and at_target["oversold"] == 0,
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=None if args.json else 2)
    sys.stdout.write("\n")
    return 0 if all(r["oversold"] == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
