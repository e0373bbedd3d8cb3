"""Which presenter draws which flow (by the flow's name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.presenters.addons import AddonPresenter
from ui.presenters.after_sale import AfterSalePresenter
from ui.presenters.aftersales import AfterSalesPresenter
from ui.presenters.membership import MembershipPresenter
from ui.presenters.pickup import PickupPresenter
from ui.presenters.purchase import PurchasePresenter
from ui.presenters.seats import SeatsPresenter
from ui.presenters.staff import StaffPresenter

PRESENTERS: dict[str, Callable[[], Any]] = {
    "purchase": PurchasePresenter,
    "pickup": PickupPresenter,
    "addons": AddonPresenter,
    "seats": SeatsPresenter,
    "membership": MembershipPresenter,
    "rebook": AfterSalesPresenter,
    "refund": AfterSalesPresenter,
    "staff": StaffPresenter,
    "after_sale": AfterSalePresenter,
}
