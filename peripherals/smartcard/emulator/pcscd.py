"""Make sure pcscd runs with the vpcd reader driver; start it (and later stop it) if not.

`ensure_pcscd()` is what tests, `kiosk emulators` and the demo call. When a pcscd already
answers (a system service, or socket activation), it is used as is and left running;
otherwise a `pcscd --foreground` child is started, and `handle.stop()` ends only that child.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.pcsc_calls import list_readers
from peripherals.status import DeviceError

log = logging.getLogger(__name__)

READER_CONF_DIR = Path("/etc/reader.conf.d")
RUN_DIR = Path("/run/pcscd")
VPCD_READER_PREFIX = "Virtual PCD"
SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")

MESSAGES: dict[str, tuple[str, str]] = {
    "pcscd_missing": (
        "pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)",
        "未安装 pcscd（apt-get install pcscd vsmartcard-vpcd）",
    ),
    "vpcd_missing": (
        "the vpcd reader driver is not configured (apt-get install vsmartcard-vpcd)",
        "未配置 vpcd 虚拟读卡器驱动（apt-get install vsmartcard-vpcd）",
    ),
    "pcscd_start_failed": ("pcscd could not be started", "pcscd 启动失败"),
    "pcscd_not_ready": ("pcscd did not become ready in time", "pcscd 未能按时就绪"),
}


class PcscdError(DeviceError):
    def __init__(self, code: str, detail: str = "") -> None:
        message_en, message_zh = MESSAGES[code]
        super().__init__(code, f"{message_en}: {detail}" if detail else message_en, message_zh)


@dataclass
class PcscdHandle:
    """A running pcscd; `process` is set only when we started it."""

    readers: list[str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def started_here(self) -> bool:
        return self.process is not None

    @property
    def vpcd_readers(self) -> list[str]:
        return [name for name in self.readers if name.startswith(VPCD_READER_PREFIX)]

    def stop(self, timeout: float = 5.0) -> None:
        """Stop pcscd if this handle started it; a pcscd found running is left alone."""
        if self.process is None or self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        log.info("pcscd (pid %s) stopped", self.process.pid)


def pcscd_binary(search_path: str | None = None) -> str:
    """Path of the pcscd binary; PcscdError("pcscd_missing") when it is not installed.

    Looks in `search_path` (default: $PATH, then the sbin folders, which $PATH may lack).
    """
    if search_path is None:
        search_path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN_DIRS])
    found = shutil.which("pcscd", path=search_path)
    if not found:
        raise PcscdError("pcscd_missing")
    return found


def vpcd_configured(conf_dir: Path = READER_CONF_DIR) -> bool:
    """True when a reader.conf.d entry loads the vpcd driver and the driver file exists."""
    if not conf_dir.is_dir():
        return False
    for entry in conf_dir.iterdir():
        try:
            text = entry.read_text(errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            parts = line.split()
            is_vpcd = len(parts) == 2 and parts[0] == "LIBPATH" and "vpcd" in parts[1]
            if is_vpcd and Path(parts[1]).exists():
                return True
    return False


def running_readers() -> list[str] | None:
    """The reader names a running pcscd reports, or None when no pcscd answers."""
    try:
        return list_readers()
    except SmartCardError as exc:
        if exc.code == "pcscd_unavailable":
            return None
        return []  # pcscd runs but has no reader


def _clear_stale_files() -> None:
    """Remove pid/socket files left by a pcscd that died (or is a zombie nobody reaped)."""
    pid_file = RUN_DIR / "pcscd.pid"
    try:
        pid = int(pid_file.read_bytes().split(b"\0")[0].strip() or b"0")
    except (OSError, ValueError):
        return
    status = Path(f"/proc/{pid}/status")
    alive = False
    if pid > 0 and status.exists():
        alive = "\nState:\tZ" not in status.read_text(errors="replace")
    if not alive:
        for name in ("pcscd.pid", "pcscd.comm"):
            (RUN_DIR / name).unlink(missing_ok=True)
        log.info("removed stale pcscd files (pid %s not running)", pid)


def _wait_ready(
    process: subprocess.Popen[bytes] | None, timeout: float, require_vpcd: bool
) -> list[str]:
    deadline = time.monotonic() + timeout
    readers: list[str] | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise PcscdError("pcscd_start_failed", f"exited with code {process.returncode}")
        readers = running_readers()
        if readers is not None and (
            not require_vpcd or any(r.startswith(VPCD_READER_PREFIX) for r in readers)
        ):
            return readers
        time.sleep(0.05)
    raise PcscdError("pcscd_not_ready", f"after {timeout:.0f} s, readers seen: {readers}")


def ensure_pcscd(
    timeout: float = 10.0, require_vpcd: bool = True, log_path: Path | None = None
) -> PcscdHandle:
    """Return a handle on a ready pcscd (with a vpcd reader when `require_vpcd`).

    Raises PcscdError with code pcscd_missing, vpcd_missing, pcscd_start_failed or
    pcscd_not_ready. Starting pcscd needs root (it owns /run/pcscd).
    """
    readers = running_readers()
    if readers is not None:
        if require_vpcd and not any(r.startswith(VPCD_READER_PREFIX) for r in readers):
            if not vpcd_configured():
                raise PcscdError("vpcd_missing")
            try:  # a reader may still be coming up; pcscd loads reader.conf.d only at start
                readers = _wait_ready(None, min(timeout, 2.0), require_vpcd)
            except PcscdError as exc:
                raise PcscdError(
                    "vpcd_missing", f"pcscd runs without a {VPCD_READER_PREFIX} reader; restart it"
                ) from exc
        return PcscdHandle(readers=readers)
    binary = pcscd_binary()
    if require_vpcd and not vpcd_configured():
        raise PcscdError("vpcd_missing")
    _clear_stale_files()
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        process = subprocess.Popen(
            [binary, "--foreground"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C meant for the caller does not kill it first
        )
    except OSError as exc:
        raise PcscdError("pcscd_start_failed", str(exc)) from exc
    finally:
        if log_path:
            out.close()  # type: ignore[union-attr]
    handle = PcscdHandle(readers=[], process=process, log_path=log_path)
    try:
        handle.readers = _wait_ready(process, timeout, require_vpcd)
    except PcscdError:
        handle.stop()
        raise
    log.info("pcscd started (pid %s), readers: %s", process.pid, handle.readers)
    return handle
