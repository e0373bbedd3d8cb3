"""A private PostgreSQL cluster for tests and benchmarks: `initdb` on a temp dir, `pg_ctl start`
on a free port of 127.0.0.1 with its unix socket in that dir, stopped and deleted after. Nothing
of the machine's own PostgreSQL (Debian's `main` cluster, /var/run/postgresql) is touched.

    with PostgresCluster() as cluster:
        url = cluster.create_database("orders")   # postgresql://kiosk@127.0.0.1:PORT/orders
        ...
        cluster.drop_database("orders")

The server binaries come from Debian's `postgresql` package (deploy/install.sh): `initdb` on
PATH, else the newest /usr/lib/postgresql/*/bin. initdb refuses to run as root, so as root the
cluster runs as the `postgres` system user (created by that package), else as `nobody`. A
watchdog process stops the server and deletes the dir if the process that started it dies
without stopping it (a killed test run leaves nothing running). Durability is off (fsync,
synchronous commit, full-page writes): a cluster that lives for one run needs none of it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psycopg

SUPERUSER = "kiosk"
INSTALL_HINT = (
    "the PostgreSQL server binaries (initdb, pg_ctl) are missing: run `bash deploy/install.sh` "
    "(it installs Debian's `postgresql` package), or `apt-get install postgresql`"
)
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
}
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresMissing(RuntimeError):
    """The server binaries are not installed."""


def find_bin(name: str) -> str:
    """`initdb`/`pg_ctl`: on PATH, else the newest Debian install under /usr/lib/postgresql."""
    on_path = shutil.which(name)
    if on_path:
        return on_path

    def version(path: str) -> int:
        found = re.search(r"/postgresql/(\d+)/", path)
        return int(found.group(1)) if found else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if not candidates:
        raise PostgresMissing(INSTALL_HINT)
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class _RunAs:
    """Who runs the server: this process's user, or (as root) an unprivileged one."""

    uid: int
    gid: int
    name: str

    @classmethod
    def pick(cls) -> _RunAs:
        if os.geteuid() != 0:
            return cls(os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name)
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                entry = pwd.getpwnam(name)
                return cls(entry.pw_uid, entry.pw_gid, name)
        raise RuntimeError("running as root and neither a `postgres` nor a `nobody` user exists")

    def popen_kwargs(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


class PostgresCluster:
    """One private server; `url(db)`, `create_database(name)`, `drop_database(name)`."""

    def __init__(self, parent_dir: str | Path | None = None) -> None:
        self.initdb, self.pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        self.run_as = _RunAs.pick()
        self.parent_dir = parent_dir
        self.root: Path | None = None
        self.port = 0
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "cluster not started"
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *cmd: str, timeout: float = 60) -> None:
        done = subprocess.run(
            cmd,
            capture_output=True,
            timeout=timeout,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            **self.run_as.popen_kwargs(),  # type: ignore[arg-type]
        )
        if done.returncode != 0:
            out = (done.stdout + done.stderr).decode(errors="replace")[-3000:]
            log = self.root / "server.log" if self.root else None
            if log and log.exists():
                out += "\n--- server.log ---\n" + log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}): {out}")

    def start(self) -> PostgresCluster:
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir=self.parent_dir))
        try:
            os.chmod(self.root, 0o700)
            if os.geteuid() == 0:
                os.chown(self.root, self.run_as.uid, self.run_as.gid)
            self._run(
                self.initdb,
                "-D",
                str(self.data_dir),
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            )
            self._start_server()
            self._start_watchdog()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_server(self) -> None:
        socket_dir = self.root / "socket"  # type: ignore[operator]
        socket_dir.mkdir()
        if os.geteuid() == 0:
            os.chown(socket_dir, self.run_as.uid, self.run_as.gid)
        for attempt in range(3):  # a free port can be taken between finding and binding it
            self.port = _free_port()
            settings = {
                **FAST_SETTINGS,
                "port": str(self.port),
                "listen_addresses": "'127.0.0.1'",
                "unix_socket_directories": f"'{socket_dir}'",
            }
            conf = self.data_dir / "postgresql.auto.conf"
            conf.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
            try:
                self._run(self.pg_ctl, "-D", str(self.data_dir), "-l", "server.log", "-w", "start")
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def _start_watchdog(self) -> None:
        """Stops the server and deletes its dir once this process is gone."""
        script = (
            "import os, shutil, subprocess, sys, time\n"
            "owner, pg_ctl, root, uid, gid = sys.argv[1:]\n"
            "as_user = {'user': int(uid), 'group': int(gid), 'extra_groups': []} "
            "if os.geteuid() == 0 else {}\n"
            "while os.path.exists(f'/proc/{owner}'):\n"
            "    time.sleep(1)\n"
            "subprocess.run([pg_ctl, '-D', root + '/data', '-m', 'immediate', 'stop'],\n"
            "               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user)\n"
            "shutil.rmtree(root, ignore_errors=True)\n"
        )
        owner = [str(os.getpid()), self.pg_ctl, str(self.root)]
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", script, *owner, str(self.run_as.uid), str(self.run_as.gid)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run(self.pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait(timeout=5)
            self._watchdog = None
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10)

    def create_database(self, name: str, template: str = "template1") -> str:
        """A new empty database (or a copy of `template`); its URL."""
        if not _NAME.match(name) or not _NAME.match(template):
            raise ValueError(f"not a plain database name: {name!r} / {template!r}")
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        if not _NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def wait_ready(url: str, timeout: float = 10.0) -> None:
    """Until a connection to `url` succeeds (a server just started)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
