"""The kiosk's configuration: one TOML file, overridden by KIOSK_* environment variables.

A key `section.name` in the TOML is overridden by `KIOSK_SECTION_NAME` (e.g. `devices.printer`
by `KIOSK_DEVICES_PRINTER`); a top-level key `name` by `KIOSK_NAME`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATHS = (Path("/etc/kiosk/kiosk.toml"), Path("kiosk.toml"))


@dataclass
class DeviceConfig:
    # A pyserial URL or device path: /dev/ttyUSB0, a pty path, socket://127.0.0.1:7001
    idcard: str = ""
    # A PC/SC reader name, or a part of it; empty picks the first reader.
    smartcard: str = ""
    # An OpenCV device index ("0"), a video or image file, an image folder, or emu://HOST:PORT
    camera: str = "0"
    # tcp://HOST:PORT (ESC/POS over the network) or a serial URL / device path
    printer: str = "tcp://127.0.0.1:9100"
    printer_baud: int = 115200
    idcard_baud: int = 115200


@dataclass
class TimeoutConfig:
    idle_seconds: float = 60.0
    still_there_seconds: float = 15.0
    payment_poll_seconds: float = 30.0
    http_seconds: float = 5.0
    heartbeat_seconds: float = 30.0
    catalog_poll_seconds: float = 60.0
    # a failing network (kiosk/upkeep.py, kiosk/flows/checkout.py): while the backend does not
    # answer, heartbeats go every heartbeat_retry_seconds; after offline_after_failures calls in
    # a row without an answer, or offline_after_seconds of them, the kiosk is out of service
    # (it comes back by itself at the next answer); a journey asks again (same key) for up to
    # network_retry_seconds, saying so, before it gives up
    heartbeat_retry_seconds: float = 5.0
    offline_after_failures: int = 3
    offline_after_seconds: float = 60.0
    network_retry_seconds: float = 30.0
    # the devices' health is read this often while the start screen shows (not mid-journey)
    device_poll_seconds: float = 5.0


@dataclass
class KioskConfig:
    kiosk_id: str = "kiosk-01"
    kiosk_token: str = "demo-kiosk-token"
    backend_url: str = "http://127.0.0.1:8700"
    language: str = "zh_CN"
    data_dir: str = "var"
    area_name_zh: str = "云台山风景区"
    area_name_en: str = "Yuntai Mountain Scenic Area"
    font_path: str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    devices: DeviceConfig = field(default_factory=DeviceConfig)
    timeouts: TimeoutConfig = field(default_factory=TimeoutConfig)

    @property
    def journal_path(self) -> Path:
        return Path(self.data_dir) / "journal.sqlite"


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    return value


def _apply(target: Any, values: dict[str, Any], env: dict[str, str], prefix: str) -> None:
    for f in fields(target):
        current = getattr(target, f.name)
        env_key = f"{prefix}_{f.name}".upper()
        if is_dataclass(current):
            _apply(current, values.get(f.name, {}) or {}, env, env_key)
            continue
        if f.name in values:
            setattr(target, f.name, type(current)(values[f.name]))
        if env_key in env:
            setattr(target, f.name, _coerce(env[env_key], current))


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> KioskConfig:
    """Load the TOML at `path` (or $KIOSK_CONFIG, or the default paths) and apply env overrides."""
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    candidates = [Path(path)] if path else []
    if not path and env.get("KIOSK_CONFIG"):
        candidates = [Path(env["KIOSK_CONFIG"])]
    if not candidates:
        candidates = [p for p in DEFAULT_PATHS if p.exists()]
    for candidate in candidates[:1]:
        with open(candidate, "rb") as fh:
            values = tomllib.load(fh)
    config = KioskConfig()
    _apply(config, values, env, "KIOSK")
    return config
