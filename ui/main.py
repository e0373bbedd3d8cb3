"""`kiosk app`: the kiosk screen. Configures Kivy before it is imported, then runs the app on
asyncio. Full screen, borderless, no cursor in kiosk mode; `--windowed` for development."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import traceback
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, load_config
from ui.display import display_size

SIZES = ("1080x1920", "1920x1080")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk app", description=__doc__)
    parser.add_argument("--windowed", action="store_true", help="a window, not full screen")
    parser.add_argument(
        "--size",
        default="1080x1920",
        help="window size WxH (1080x1920 portrait); kiosk mode takes the screen's size",
    )
    parser.add_argument("--lang", default=None, help="start language: zh_CN, en, ...")
    parser.add_argument("--config", default=None, help="kiosk.toml (default: $KIOSK_CONFIG)")
    parser.add_argument(
        "--drive", default=None, metavar="MODULE:FUNC", help="play a driver script in the app"
    )
    parser.add_argument("--drive-out", default=None, help="write the driver's outcome (JSON)")
    parser.add_argument(
        "--screens-only", action="store_true", help="no backend, no devices: the screens alone"
    )
    return parser.parse_args(argv)


def configure_kivy(config: KioskConfig, args: argparse.Namespace) -> Path:
    """Set Kivy's environment and Config before `import kivy.app`; returns the log folder."""
    data_dir = Path(config.data_dir).resolve()
    kivy_home = data_dir / "kivy"
    log_dir = data_dir / "logs"
    kivy_home.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_HOME"] = str(kivy_home)
    if not args.windowed:
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    from kivy.config import Config

    width, height = (int(v) for v in args.size.lower().split("x"))
    Config.set("kivy", "log_dir", str(log_dir))
    Config.set("kivy", "log_name", "ui_%y-%m-%d_%_.txt")
    Config.set("kivy", "log_enable", 1)
    Config.set("kivy", "exit_on_escape", 0 if not args.windowed else 1)
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "width", width)
    Config.set("graphics", "height", height)
    Config.set("graphics", "resizable", 0)
    Config.set("graphics", "multisamples", 0)
    if args.windowed:
        Config.set("graphics", "fullscreen", 0)
        Config.set("graphics", "borderless", 0)
        Config.set("graphics", "show_cursor", 1)
    else:
        Config.set("graphics", "borderless", 1)
        Config.set("graphics", "show_cursor", 0)
        screen = display_size()
        if screen is None:  # SDL cannot tell: let it try its own desktop full screen
            Config.set("graphics", "fullscreen", "auto")
        else:  # the whole screen, whatever --size says; the layout follows its orientation
            Config.set("graphics", "fullscreen", 0)
            Config.set("graphics", "position", "custom")
            Config.set("graphics", "left", 0)
            Config.set("graphics", "top", 0)
            Config.set("graphics", "width", screen[0])
            Config.set("graphics", "height", screen[1])
    return log_dir


def load_driver(spec: str) -> Any:
    import importlib

    module_name, func_name = spec.split(":")
    return getattr(importlib.import_module(module_name), func_name)


async def run(app: Any, config: KioskConfig, screens_only: bool = False) -> None:
    """The app over the real kiosk (devices, hub, journal replayed, home flow and journeys,
    heartbeat), or the screens alone."""
    from ui.wiring import start_watchdog

    app.bind(on_start=lambda *_: start_watchdog(app))
    if screens_only:
        await app.async_run(async_lib="asyncio")
        return
    from kiosk.startup import open_kiosk
    from ui.wiring import KioskController

    async with open_kiosk(config) as k:  # opens the smart card reader when there is one
        controller = KioskController(app, k)
        app.bind(on_start=lambda *_: controller.attach())
        try:
            await app.async_run(async_lib="asyncio")
        finally:
            controller.stop()


def trim_once_at_rest(app: Any, delay: float = 1.0) -> None:
    """`delay` seconds after the start screen is first shown, give start-up's free heap back."""
    from kivy.clock import Clock

    from ui import memory
    from ui.navigator import START

    def shown(_navigator: Any, name: str) -> None:
        if name == START:
            app.navigator.unbind(on_screen=shown)
            Clock.schedule_once(lambda _dt: memory.trim_after_start(), delay)

    app.navigator.bind(on_screen=shown)
    if app.navigator.current == START:
        Clock.schedule_once(lambda _dt: memory.trim_after_start(), delay)


def main(argv: list[str] | None = None) -> int:
    from ui import memory

    if memory.tuning_on():  # first: before anything big is allocated or httpx imported
        memory.tune_malloc()
        memory.skip_unused_imports()
        memory.skip_unused_image_providers()
    args = parse_args(list(argv or []))
    config = load_config(args.config)
    if args.lang:
        config.language = args.lang
    configure_kivy(config, args)

    from ui.app import KioskApp

    app = KioskApp(config)
    if memory.tuning_on():
        app.bind(on_start=lambda *_: trim_once_at_rest(app))
    app.demo_panel = bool(os.environ.get("KIOSK_CONTROL_URL")) and not (
        args.drive or os.environ.get("KIOSK_NO_DEMO_PANEL")
    )
    outcome: dict[str, Any] = {"ok": True}
    if args.drive:
        script = load_driver(args.drive)

        async def play(driver: Any) -> None:
            try:
                outcome["result"] = await script(driver)
            except BaseException as error:  # the outcome file says what failed, then we exit
                outcome.update(ok=False, error=repr(error), traceback=traceback.format_exc())
            finally:
                outcome["taps"] = driver.taps
                app.stop()

        app.driver_script = play
    try:
        asyncio.run(run(app, config, screens_only=args.screens_only))
    except BaseException as error:
        outcome.update(ok=False, error=repr(error), traceback=traceback.format_exc())
        if not args.drive_out:
            raise
    if args.drive_out:
        Path(args.drive_out).write_text(json.dumps(outcome, ensure_ascii=False, indent=2))
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
