"""The backend's settings (set from the command line in server.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend_stub.rate_limiter import Rate


@dataclass
class LimitSettings:
    """Rate limits and caps (services.limits, request_limits); CLI `--limit NAME=COUNT/SECONDS`
    for the rates, the other flags named after the fields."""

    # pickup / parents lookups: by one kiosk, and naming one ID number, phone or order number
    lookup_per_kiosk: Rate = field(default=Rate(30, 60))
    lookup_per_person: Rate = field(default=Rate(10, 60))
    # gate checks (POST /tickets/verify): by one gate (or kiosk) token, and by one ID number
    verify_per_kiosk: Rate = field(default=Rate(240, 60))
    verify_per_person: Rate = field(default=Rate(10, 60))
    staff_pin_per_kiosk: Rate = field(default=Rate(10, 60))  # POST /staff/verify, one kiosk
    ops_per_ip: Rate = field(default=Rate(600, 60))  # ops and channel API calls, one address
    auth_failures_per_ip: Rate = field(default=Rate(30, 60))  # 401s before an address waits
    max_unpaid_orders_per_kiosk: int = 5  # unpaid (held) orders one kiosk has at once
    max_unpaid_tickets_per_kiosk: int = 20  # ... and the tickets in them
    max_unpaid_orders_per_person: int = 2  # unpaid orders naming one phone or ID at once
    pin_lockout_after: int = 5  # wrong PINs for one staff id before it is locked
    kiosk_pin_lockout_after: int = 10  # wrong PINs from one kiosk (any staff id) before ...
    pin_lockout_seconds: int = 60  # the first lock; each wrong PIN after it doubles it ...
    pin_lockout_max_seconds: int = 3600  # ... up to this


@dataclass
class Settings:
    hold_seconds: int = 300
    rebook_fee_fen: int = 0  # per ticket, when rebooking less than 24 h before its slot
    demo: bool = False  # demo mode: demo tokens and users, the payment simulator
    key_file: str = ""  # the ticket signing keys (signing_keys.py); "" = beside the database
    area_name_zh: str = "云台山风景区"
    area_name_en: str = "Yuntai Mountain Scenic Area"
    entry_early_minutes: int = 30  # a named gate admits this long before the slot starts
    entry_late_minutes: int = 60  # ... and this long after it ends
    clock_offset_seconds: float = 0.0  # tests and demos: the backend's clock runs this far off
    calendar_days: int = 60  # slot templates keep slots generated this many days ahead
    staff_grant_seconds: int = 300  # how long a supervisor's authorisation (no document) lasts
    staff_grant_roles: tuple[str, ...] = ("supervisor",)  # roles that may allow no document
    limits: LimitSettings = field(default_factory=LimitSettings)
    personal_data_key_file: str = ""  # the personal-data keys; "" = beside the database
    retention_days: int = 90  # a closed order keeps its personal data this long after the visit
    crash_route_for_tests: bool = False  # GET /api/v1/_test/crash answers a 500 (tests only)
    invoice_url: str = ""  # the e-invoice platform (backend_stub.invoicing); "" = record only
    invoice_key_file: str = ""  # its credentials: one line app_id:secret
    payments_config: str = ""  # the payment providers (backend_stub/payments/config.py); "" = none
    alert_webhook: str = ""  # the alerts' group robot (services.webhook); "" = none
    alert_heartbeat_seconds: float = 30.0  # kiosks' heartbeat interval: offline after 2 of them
    low_stock_percent: int = 10  # a slot with less than this % of its capacity left: alert
