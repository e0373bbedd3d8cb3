"""Run the backend in its own process: for tests, the demo and benchmarks.

with BackendProcess(db_path, seed="demo") as backend:
    httpx.get(backend.url + "/api/v1/health")
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import httpx

DEMO_KIOSK_TOKEN = "demo-kiosk-token"
DEMO_OPS_TOKEN = "demo-ops-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BackendProcess:
    """`python -m backend_stub.server` on a free port; `.url`, `.kiosk_token`, `.ops_token`.

    `seed="demo"` (the default) starts it in demo mode. A production start (`seed="none"`)
    needs tokens of its own: `ops_token=` and `kiosk_token=` (bound to kiosk-01) other than
    the demo's, which it refuses."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        seed: str = "demo",
        hold_seconds: int = 300,
        port: int | None = None,
        ops_token: str = DEMO_OPS_TOKEN,
        kiosk_token: str = DEMO_KIOSK_TOKEN,
        startup_timeout: float = 20.0,
        log_path: str | Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.db_path = Path(db_path)
        self.seed, self.hold_seconds = seed, hold_seconds
        self.port = port or free_port()
        self.ops_token, self.kiosk_token = ops_token, kiosk_token
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.log_path = Path(log_path) if log_path else self.db_path.with_suffix(".log")
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> BackendProcess:
        cmd = [
            sys.executable,
            "-m",
            "backend_stub.server",
            "--db",
            str(self.db_path),
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
        if self.kiosk_token != DEMO_KIOSK_TOKEN:
            cmd += ["--kiosk-token", f"{self.kiosk_token}=kiosk-01"]
        root = Path(__file__).resolve().parent.parent
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p
            ),
        )
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
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
