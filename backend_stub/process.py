"""Run the backend in its own process: for tests, the demo and benchmarks.

with BackendProcess(db_path, seed="demo") as backend:
    httpx.get(backend.url + "/api/v1/health")

`db` is a SQLite file (a path or `sqlite:///path`) or a PostgreSQL URL
(`postgresql://user@host:port/dbname`); `workers=N` starts N worker processes (PostgreSQL
only: the backend refuses more than one on SQLite). On PostgreSQL the log and the key files go
to `workdir` (default: one dir per URL in the temp dir), as they go beside the file on SQLite.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import httpx

DEMO_KIOSK_TOKEN = "demo-kiosk-token"
DEMO_OPS_TOKEN = "demo-ops-token"


def is_url(db: str | Path) -> bool:
    """A database URL (`postgresql://...`, `sqlite:///...`), not a plain file path."""
    return isinstance(db, str) and "://" in db


def sqlite_file(db: str | Path) -> Path | None:
    """The SQLite file `db` names (a path or `sqlite:///path`), or None for another database."""
    if not is_url(db):
        return Path(db)
    text = str(db)
    return Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else None


def url_dbname(db: str) -> str:
    """The database name at the end of a URL (`.../kiosk?x=y` -> `kiosk`)."""
    return db.rsplit("/", 1)[-1].split("?", 1)[0] or "backend"


def default_workdir(db: str) -> Path:
    """Where a backend on a database URL keeps its log and key files when not told: one dir per
    URL in the temp dir, so a restart on the same database finds the same keys."""
    tail = db.split("://", 1)[-1].split("?", 1)[0]
    return (
        Path(tempfile.gettempdir())
        / "kiosk-backend"
        / "".join(c if c.isalnum() or c in "-_." else "_" for c in tail)
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BackendProcess:
    """`python -m backend_stub.server` on a free port; `.url`, `.kiosk_token`, `.ops_token`.

    `db`: a SQLite path (or `sqlite:///path`) or a `postgresql://` URL; `workers`: how many
    worker processes (`.proc` is the master; `.worker_pids()` its workers). `seed="demo"`
    (the default) starts it in demo mode. A production start (`seed="none"`) needs tokens of
    its own: `ops_token=` and `kiosk_token=` (bound to kiosk-01) other than the demo's, which
    it refuses. `payments=`: a payments config (TOML, docs/payments.md) naming the providers
    (e.g. the sandboxes' from `backend_stub.payments.sandboxes.start_sandboxes`)."""

    def __init__(
        self,
        db: str | Path,
        *,
        workers: int = 1,
        workdir: str | Path | None = None,
        seed: str = "demo",
        hold_seconds: int = 300,
        port: int | None = None,
        ops_token: str = DEMO_OPS_TOKEN,
        kiosk_token: str = DEMO_KIOSK_TOKEN,
        startup_timeout: float = 60.0,
        log_path: str | Path | None = None,
        extra_args: Sequence[str] = (),
        payments: str | Path | None = None,
    ) -> None:
        self.db = db if is_url(db) else Path(db)
        self.workers = workers
        sqlite = sqlite_file(db)
        if workdir is not None:
            self.workdir = Path(workdir)
        elif sqlite is not None:
            self.workdir = sqlite.parent
        else:
            self.workdir = default_workdir(str(db))
        stem = sqlite.stem if sqlite is not None else url_dbname(str(db))
        self.seed, self.hold_seconds = seed, hold_seconds
        self.port = port or free_port()
        self.ops_token, self.kiosk_token = ops_token, kiosk_token
        # a start takes 1-2 s of CPU; on a 2-core machine shared with other runs one took over
        # 20 s to answer. Each worker process imports and builds the app on its own: on a busy
        # 2-core machine 3 workers have taken over 20 s more
        self.startup_timeout = startup_timeout + 15.0 * (workers - 1)
        self.extra_args = list(extra_args)
        if payments:  # a payments config (TOML): the providers it names (issue 15)
            self.extra_args += ["--payments-config", str(Path(payments).resolve())]
        self.log_path = Path(log_path) if log_path else self.workdir / f"{stem}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> BackendProcess:
        cmd = [
            sys.executable,
            "-m",
            "backend_stub.server",
            "--db",
            str(self.db),
            "--port",
            str(self.port),
            "--host",
            "127.0.0.1",
            "--seed",
            self.seed,
            "--hold-seconds",
            str(self.hold_seconds),
            "--ops-token",
            self.ops_token,
            *self.extra_args,
        ]
        if self.workers != 1:
            cmd += ["--workers", str(self.workers)]
        if sqlite_file(self.db) is None:  # keys in the workdir, as beside a SQLite file
            stem = url_dbname(str(self.db))
            for option, name in (
                ("--key-file", "signing"),
                ("--personal-data-key-file", "personal-data"),
            ):
                if option not in self.extra_args:
                    cmd += [option, str((self.workdir / f"{stem}.{name}.key").resolve())]
        if self.kiosk_token != DEMO_KIOSK_TOKEN:
            cmd += ["--kiosk-token", f"{self.kiosk_token}=kiosk-01"]
        root = Path(__file__).resolve().parent.parent
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p
            ),
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        sqlite = sqlite_file(self.db)
        if sqlite is not None:
            sqlite.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        # on a database URL the files the backend puts in var/ when not told (the console's
        # session key) go to the workdir too, not into the directory it was started from
        cwd = None if sqlite is not None else self.workdir.resolve()
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"backend exited with {self.proc.returncode}: "
                    f"{self.log_path.read_text(errors='replace')[-2000:]}"
                )
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"backend did not answer on {self.url} in {self.startup_timeout}s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def worker_pids(self) -> list[int]:
        """The pids of the master's child processes (its workers; [] with one process)."""
        if self.proc is None:
            return []
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) != self.proc.pid or fields[0] in ("Z", "X"):
                continue  # not its child, or a worker killed and not yet reaped (a zombie)
            with contextlib.suppress(OSError):  # multiprocessing's helper is no worker
                if b"resource_tracker" in (stat.parent / "cmdline").read_bytes():
                    continue
            found.append(int(stat.parent.name))
        return sorted(found)

    @property
    def db_path(self) -> Path:
        """The SQLite file; a PostgreSQL backend has none (ValueError)."""
        sqlite = sqlite_file(self.db)
        if sqlite is None:
            raise ValueError(f"{self.db} is not a SQLite database")
        return sqlite

    def kiosk_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.kiosk_token}"}

    def ops_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.ops_token}"}

    def __enter__(self) -> BackendProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
