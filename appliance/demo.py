"""`kiosk demo`: the whole appliance on this machine.

The bundled backend (demo scenic area) in its own process, the four device emulators with
their control endpoint, and the kiosk screen (`kiosk app`) pointed at them. With a display the
app opens (full screen, or `--windowed`); with none, the screen is started under Xvfb and plays
a scripted tourist (`--headless`), leaving screenshots and printed tickets in a folder it names.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

DEMO_DIR = Path("var/demo")


def write_demo_config(folder: Path, backend_url: str, devices: dict[str, str]) -> Path:
    """The kiosk.toml the demo app reads: the bundled backend and the emulators."""
    lines = [
        'kiosk_id = "kiosk-01"',
        'kiosk_token = "demo-kiosk-token"',
        f'backend_url = "{backend_url}"',
        f'data_dir = "{folder / "kiosk"}"',
        "[devices]",
        *(f'{key} = "{value}"' for key, value in devices.items()),
    ]
    path = folder / "kiosk.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def app_command(args: argparse.Namespace, out_dir: Path) -> list[str] | None:
    """How to start the screen, or None when this build has no UI."""
    if importlib.util.find_spec("ui.main") is None:
        return None
    cmd = [sys.executable, "-m", "appliance.cli", "app"]
    if args.windowed:
        cmd.append("--windowed")
    if args.headless:
        cmd += ["--drive", "appliance.screen_demo:play"]
        if not has_display() and shutil.which("xvfb-run"):
            cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {args.size}x24", *cmd, "--size", args.size]
    return cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk demo", description=__doc__)
    parser.add_argument("--windowed", action="store_true", help="a window, not full screen")
    parser.add_argument("--headless", action="store_true", help="play a scripted tourist")
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="keep the demo database of the last run (by default each run starts fresh, so the "
        "seeded online orders are there to pick up again)",
    )
    parser.add_argument("--control-port", type=int, default=8790)
    parser.add_argument("--backend-port", type=int, default=8700)
    parser.add_argument("--no-app", action="store_true", help="backend and emulators only")
    parser.add_argument("--size", default="1080x1920", help="screen size for --headless")
    parser.add_argument(
        "--payments",
        choices=["simulator", "wechat-sandbox", "alipay-sandbox"],
        default="simulator",
        help="who takes the payments: the backend's simulator, or the real WeChat Pay / Alipay "
        "adapter against our sandbox of that provider (started here; docs/payments.md)",
    )
    args = parser.parse_args(argv or [])
    if not has_display() and not args.no_app:
        args.headless = True

    from appliance.emulators.bundle import EmulatorBundle
    from appliance.emulators.control import ControlServer
    from backend_stub.console import demo_users
    from backend_stub.process import BackendProcess

    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    if not args.keep_data:
        for stale in DEMO_DIR.glob("backend.db*"):
            stale.unlink()
    out_dir = DEMO_DIR / "run"
    tickets = out_dir / "tickets"
    tickets.mkdir(parents=True, exist_ok=True)

    sandboxes = None
    if args.payments != "simulator":  # the real adapter, against our sandbox of the provider
        from backend_stub.payments.sandboxes import start_sandboxes

        kind = args.payments.removesuffix("-sandbox")
        sandboxes = start_sandboxes(DEMO_DIR / "payments", (kind,))
        print(f"payments    {kind} sandbox {sandboxes.servers[kind].url}  "
              f"(ledger {sandboxes.servers[kind].url}/_sandbox/ledger)")  # fmt: skip
    backend = BackendProcess(
        DEMO_DIR / "backend.db",
        port=args.backend_port,
        payments=sandboxes.config_path if sandboxes else None,
    ).start()
    bundle = EmulatorBundle.start(tickets)
    control = ControlServer(bundle, args.control_port).start()
    config_path = write_demo_config(DEMO_DIR, backend.url, bundle.device_settings())
    print(f"backend     {backend.url}  (API docs {backend.url}/docs)")
    print(f"console     {backend.url}/console  (sign in: {demo_users.summary()}; "
          "ops API token demo-ops-token)")  # fmt: skip
    print(f"emulators   control {control.url}  (curl {control.url}/status)")
    print(f"config      {config_path}")
    print(f"tickets     {tickets.resolve()}")
    print(f"logs        {(DEMO_DIR / 'kiosk' / 'logs').resolve()}  (the kiosk's detail goes here)")
    print("try         the demo panel on screen: ID cards 张伟 (zhang_wei) and 李娜 (li_na), "
          "member card M1001, payment codes that succeed, wait or fail")  # fmt: skip
    for problem in bundle.problems.values():
        print(f"note        {problem}")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    code = 0
    try:
        cmd = None if args.no_app else app_command(args, out_dir)
        if cmd is None:
            if not args.no_app:
                print("the kiosk screen is not part of this build; backend and emulators run")
            print("Ctrl-C stops the demo.", flush=True)
            stop.wait()
        else:
            env = {
                **os.environ,
                "KIOSK_CONFIG": str(config_path.resolve()),
                "KIOSK_CONTROL_URL": control.url,
                "KIOSK_DEMO_OUT": str(out_dir.resolve()),
                # the app's log (HTTP calls at DEBUG and all) goes to its log files, not here
                "KIVY_NO_CONSOLELOG": "1",
            }
            code = subprocess.call(cmd, env=env)
            if args.headless:
                print(f"screenshots and printed tickets: {out_dir.resolve()}")
    except KeyboardInterrupt:
        pass
    finally:
        control.stop()
        bundle.stop()
        backend.stop()
        if sandboxes is not None:
            sandboxes.stop()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
