"""The `kiosk backend` options for limits and personal data (settings.LimitSettings, the
personal-data key file, the retention), kept apart from server.py's own options.

    --limit lookup_per_kiosk=60/60        a rate: COUNT calls per SECONDS (repeatable)
    --max-unpaid-orders-per-kiosk 5       and the other caps and PIN lockout numbers
    --personal-data-key-file PATH         default: beside the database
    --retention-days 90                   personal data kept this long after the visit
"""

from __future__ import annotations

import argparse
from dataclasses import fields, replace

from backend_stub.rate_limiter import Rate
from backend_stub.settings import LimitSettings, Settings

RATES = tuple(f.name for f in fields(LimitSettings) if f.type in (Rate, "Rate"))
NUMBERS = tuple(f.name for f in fields(LimitSettings) if f.name not in RATES)


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("limits and personal data")
    defaults = LimitSettings()
    group.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=COUNT/SECONDS",
        help="a rate limit, one of: " + ", ".join(f"{n} ({getattr(defaults, n)})" for n in RATES),
    )
    for name in NUMBERS:
        group.add_argument(
            "--" + name.replace("_", "-"), type=int, default=getattr(defaults, name), metavar="N"
        )
    group.add_argument(
        "--personal-data-key-file",
        default="",
        help="the keys that encrypt and hash ID numbers and phones (default: beside --db)",
    )
    group.add_argument(
        "--retention-days",
        type=int,
        default=Settings.retention_days,
        help="a closed order keeps its personal data this many days after the visit",
    )
    group.add_argument("--test-crash-route", action="store_true", help=argparse.SUPPRESS)


def limit_settings(args: argparse.Namespace) -> LimitSettings:
    """The LimitSettings the options ask for."""
    limits = replace(LimitSettings(), **{n: getattr(args, n) for n in NUMBERS})
    for item in args.limit:
        name, _, rate = item.partition("=")
        if name not in RATES:
            raise SystemExit(f"kiosk backend: --limit {item}: NAME is one of {', '.join(RATES)}")
        try:
            limits = replace(limits, **{name: Rate.parse(rate)})
        except ValueError as exc:
            raise SystemExit(f"kiosk backend: --limit {item}: {exc}") from exc
    return limits


def protection_settings(args: argparse.Namespace) -> dict[str, object]:
    """The Settings fields these options set (keyword arguments for Settings)."""
    return {
        "limits": limit_settings(args),
        "personal_data_key_file": args.personal_data_key_file,
        "retention_days": args.retention_days,
        "crash_route_for_tests": args.test_crash_route,
    }
