"""Which presenter draws which flow (by the flow's name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.journeys.addons import AddonPresenter
from ui.journeys.aftersales import AfterSalesPresenter
from ui.journeys.membership import MembershipPresenter
from ui.journeys.pickup import PickupPresenter
from ui.journeys.purchase import PurchasePresenter
from ui.journeys.staff import StaffPresenter

PRESENTERS: dict[str, Callable[[], Any]] = {
    "purchase": PurchasePresenter,
    "pickup": PickupPresenter,
    "addons": AddonPresenter,
    "membership": MembershipPresenter,
    "rebook": AfterSalesPresenter,
    "refund": AfterSalesPresenter,
    "staff": StaffPresenter,
}
