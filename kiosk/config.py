"""The kiosk's configuration: one TOML file, overridden by KIOSK_* environment variables.

A key `section.name` in the TOML is overridden by `KIOSK_SECTION_NAME` (e.g. `devices.printer`
by `KIOSK_DEVICES_PRINTER`); a top-level key `name` by `KIOSK_NAME`.

The kiosk's credential: `kiosk_token` in clear, or `kiosk_token_file`, a file holding it (mode
0600; it wins over `kiosk_token`). Staff mode's "connect to backend" (kiosk/flows/
provisioning.py) writes `<data_dir>/provisioned.toml` (backend_url, kiosk_id,
kiosk_token_file) and the token file beside it: that override is read over the TOML (the
kiosk user may write its data_dir, not /etc/kiosk); environment variables still win.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATHS = (Path("/etc/kiosk/kiosk.toml"), Path("kiosk.toml"))
PROVISIONED_FILE = "provisioned.toml"  # in data_dir: what staff mode's provisioning saved
PROVISIONED_KEYS = ("backend_url", "kiosk_id", "kiosk_token_file")


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
    # speech (peripherals/speaker): espeak:// plays on the sound card, wav:///FOLDER keeps each
    # utterance as a WAV file there (tests, a kiosk without a sound card); empty: no speech
    speaker: str = "espeak://"


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
class DisplayConfig:
    # the panel as mounted (docs/accessibility.md): its pixels per inch and the height of its
    # bottom edge above the floor; the accessibility check measures text, touch targets and
    # reach in millimetres from these. Default: a 21.5" 1080x1920 panel, bottom edge at 850 mm
    panel_dpi: float = 102.5
    panel_bottom_mm: float = 850.0


@dataclass
class KioskConfig:
    kiosk_id: str = "kiosk-01"
    kiosk_token: str = "demo-kiosk-token"
    kiosk_token_file: str = ""  # a file holding the token (mode 0600); wins over kiosk_token
    backend_url: str = "http://127.0.0.1:8700"
    language: str = "zh_CN"
    data_dir: str = "var"
    area_name_zh: str = "云台山风景区"
    area_name_en: str = "Yuntai Mountain Scenic Area"
    font_path: str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    devices: DeviceConfig = field(default_factory=DeviceConfig)
    timeouts: TimeoutConfig = field(default_factory=TimeoutConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)

    @property
    def journal_path(self) -> Path:
        return Path(self.data_dir) / "journal.sqlite"

    @property
    def provisioned_path(self) -> Path:
        return Path(self.data_dir) / PROVISIONED_FILE


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
    if config.provisioned_path.is_file():  # staff mode's provisioning, over the TOML
        with open(config.provisioned_path, "rb") as fh:
            saved = tomllib.load(fh)
        values = {**values, **{k: saved[k] for k in PROVISIONED_KEYS if k in saved}}
        config = KioskConfig()
        _apply(config, values, env, "KIOSK")
    if config.kiosk_token_file:
        config.kiosk_token = read_token_file(config.kiosk_token_file)
    return config


def read_token_file(path: str | Path) -> str:
    """The credential a token file holds (its first line, stripped); "" when it cannot be read
    (the backend then refuses the kiosk, which shows out of service: staff provision it again)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        logging.getLogger("kiosk.config").warning(
            "kiosk token file %s unreadable: %s", path, type(exc).__name__
        )
        return ""
    return text.strip().splitlines()[0].strip() if text.strip() else ""
