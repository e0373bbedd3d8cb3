"""A backend whose limits (rates and unpaid-hold caps, backend_stub/settings.py LimitSettings)
stay out of the way of a test about something else: the fuzzer, the stateful orders, the strict
input checks send more calls from one kiosk and one address than a tourist ever would. The
limits themselves are proven by their own tests (finding 5)."""

from __future__ import annotations

from backend_stub.protection_options import NUMBERS, RATES

ROOMY_LIMITS: list[str] = [
    *(arg for name in RATES for arg in ("--limit", f"{name}=1000000/60")),
    *(
        arg
        for name in NUMBERS
        if name.startswith("max_unpaid_")
        for arg in ("--" + name.replace("_", "-"), "100000")
    ),
]
