"""The `kiosk` command: a registry of subcommands, each imported only when it runs."""

from __future__ import annotations

import importlib
import logging
import sys

# name -> ("module:function", one-line help). Each function takes argv (list[str]) and
# returns an exit code.
COMMANDS: dict[str, tuple[str, str]] = {
    "backend": ("backend_stub.server:main", "run the bundled backend (--db --port --seed)"),
    "emulators": ("appliance.emulators.runner:main", "run all four device emulators"),
    "doctor": ("appliance.doctor:main", "check each configured device [--emulated] [--json]"),
    "play": ("appliance.play:main", "play one journey end to end, the tourist scripted"),
    "demo": ("appliance.demo:main", "run the whole appliance on this machine"),
    "app": ("ui.main:main", "run the kiosk screen against configured backend and devices"),
    "fonts": ("ui.font_subset:fonts_command", "build the CJK font subset the screen uses"),
}


def usage() -> str:
    lines = ["usage: kiosk COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def quiet_logging() -> None:
    """The terminal gets warnings and errors; the HTTP client's per-request DEBUG/INFO lines
    (httpx, httpcore) never (a command that wants more sets its own handlers and files)."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["app"]:  # the screen logs through Kivy, to its own files
        quiet_logging()
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"kiosk: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    target, _ = COMMANDS[name]
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        print(f"kiosk: {name} is not available in this build ({exc.name} missing)", file=sys.stderr)
        return 2
    return int(getattr(module, func_name)(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
