"""The backend's payment providers, built once per Backend from its settings: the providers of
`--payments-config` (WeChat Pay, Alipay), or the simulator in demo mode without one, or none
(a production start without a config: payments answer 503 payment_not_configured)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from backend_stub.payments.alipay import Alipay
from backend_stub.payments.config import load_config
from backend_stub.payments.provider import PaymentProvider
from backend_stub.payments.simulator import Simulator
from backend_stub.payments.wechat import WechatPay
from kiosk.domain.errors import RuleError

if TYPE_CHECKING:
    from backend_stub.context import Backend

log = logging.getLogger("backend_stub.payments")


class Gateways:
    def __init__(self, providers: dict[str, PaymentProvider], qr: str, simulated: bool) -> None:
        self.providers = providers
        self.qr_name = qr
        self.simulated = simulated  # every wallet goes to the simulator

    def named(self, name: str) -> PaymentProvider:
        provider = self.providers.get(name)
        if provider is None:
            raise RuleError("payment_not_configured", f"no {name} provider")
        return provider

    def for_wallet(self, wallet: str) -> PaymentProvider:
        """The provider that takes a payment code of this wallet (wechat, alipay...)."""
        return self.named("simulator" if self.simulated else wallet)

    def qr(self) -> PaymentProvider:
        return self.named(self.qr_name)

    def real(self) -> list[PaymentProvider]:
        return [p for name, p in self.providers.items() if name != "simulator"]


_built: WeakKeyDictionary[Backend, Gateways] = WeakKeyDictionary()
_lock = threading.Lock()


def build(bk: Backend) -> Gateways:
    providers: dict[str, PaymentProvider] = {"simulator": Simulator(bk.store)}
    if not bk.settings.payments_config:
        return Gateways(providers, "simulator", simulated=bk.settings.demo)
    config = load_config(bk.settings.payments_config)
    if config.wechat is not None:
        providers["wechat"] = WechatPay(config.wechat)
    if config.alipay is not None:
        providers["alipay"] = Alipay(config.alipay)
    log.warning(
        "payments: %s (QR: %s)", ", ".join(p for p in providers if p != "simulator"), config.qr()
    )
    return Gateways(providers, config.qr(), simulated=False)


def gateways(bk: Backend) -> Gateways:
    with _lock:
        found = _built.get(bk)
        if found is None:
            found = _built[bk] = build(bk)
        return found


def payments_enabled(bk: Backend) -> None:
    """RuleError payment_not_configured unless a provider (or the demo's simulator) takes
    payments."""
    if not bk.settings.payments_config and not bk.settings.demo:
        raise RuleError("payment_not_configured", "no payment provider configured")
