"""Proof of possession: which kiosk may act on an order and see its tickets' gate codes.

- A kiosk pays, polls, cancels and reads the orders it took (`orders.kiosk_id`, from its
  token); another kiosk's order is `order_not_found` to it, as if it did not exist.
- A gate code leaves the backend only toward the kiosk printing that ticket (`GET
  /orders/{id}` answered to it); a gate sends it in to verify it. A kiosk prints the orders it took
  and those it was given by proof (`print_claims`): found at pickup by the holder's ID card,
  the order QR, the order number with the buyer's full phone, or a ticket's code; or rebooked
  there with proof (the moved tickets print again). Lookups (`/pickup`, `/parents`, after-sales)
  never carry codes.
- A refund or rebooking at a kiosk needs proof that the person holds the order: the code of
  one of its tickets, scanned there, or the ID number of one of its holders (or its group's
  guide), read from the card there. An order id alone is not enough (`proof_required`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.order_state import load_order, order_view, ticket_by_code
from backend_stub.services.personal_data import doc_hash
from kiosk.domain.errors import RuleError

# how a kiosk came to print an order
BY_ID_CARD, BY_ORDER_QR, BY_ORDER_NO, BY_TICKET_CODE = "id_card", "order_qr", "order_no", "ticket"


def took(order: dict[str, Any], kiosk_id: str) -> bool:
    return bool(order.get("kiosk_id")) and order["kiosk_id"] == kiosk_id


def may_print(bk: Backend, order: dict[str, Any], kiosk_id: str) -> bool:
    """The kiosk took the order, or was given it by proof (pickup, a rebooking)."""
    if took(order, kiosk_id):
        return True
    claim = bk.store.one(
        "SELECT 1 FROM print_claims WHERE order_id = ? AND kiosk_id = ?", (order["id"], kiosk_id)
    )
    return claim is not None


def claim_print(bk: Backend, order_id: str, kiosk_id: str, via: str, now: datetime) -> None:
    """Record that this kiosk, shown proof, prints this order (idempotent)."""
    with bk.store.transaction():
        bk.store.run(
            "INSERT INTO print_claims (order_id, kiosk_id, via, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (order_id, kiosk_id, via, now.isoformat()),
        )


def own_order(bk: Backend, order_id: str, kiosk_id: str, now: datetime) -> dict[str, Any]:
    """The order, if this kiosk took it (payments are made where the order was held)."""
    order = load_order(bk, order_id, now)
    if not took(order, kiosk_id):
        raise RuleError("order_not_found")
    return order


def order_for_kiosk(bk: Backend, order_id: str, kiosk_id: str, now: datetime) -> dict[str, Any]:
    """`GET /orders/{id}`: the order with its printable tickets' codes, for a kiosk that may
    print it; order_not_found for any other."""
    order = load_order(bk, order_id, now)
    if not may_print(bk, order, kiosk_id):
        raise RuleError("order_not_found")
    return order_view(bk, order_id, now, with_codes=True, loaded=order)


def check_ticket_printer(bk: Backend, ticket_id: str, kiosk_id: str) -> None:
    """A printed mark comes from a kiosk that may print the ticket's order."""
    row = bk.store.one(
        "SELECT o.id, o.kiosk_id FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.id = ?",
        (ticket_id,),
    )
    if row is None or not may_print(bk, row, kiosk_id):
        raise RuleError("ticket_not_found")


def check_proof(
    bk: Backend,
    order_id: str,
    kiosk_id: str,
    now: datetime,
    *,
    ticket_code: str = "",
    id_number: str = "",
    to_print: bool = False,
    idem_key: str | None = None,
    action: str = "",
) -> str:
    """Refund or rebook: the caller shows a ticket of this order (its current code) or the ID
    card of one of its holders (or of its group's guide); how (`ticket` / `id_card`).
    `to_print` (a rebooking): the kiosk shown the proof may then print the order's moved
    tickets. A retry of a call this kiosk already made under the same Idempotency-Key
    (`action` `refund` / `rebook`) was proven the first time (a rebooked ticket's code has
    changed since): it gets the first answer (the services compare the requests)."""
    order = load_order(bk, order_id, now)
    if idem_key and _answered(bk, kiosk_id, idem_key, action):
        return "replay"
    if ticket_code.strip():
        if ticket_by_code(bk, ticket_code)["order_id"] != order["id"]:
            raise RuleError("proof_mismatch", "the ticket shown is of another order")
        via = BY_TICKET_CODE
    elif id_number.strip():
        if not _holds(bk, order, doc_hash(bk, id_number)):
            raise RuleError("proof_mismatch", "no ticket of this order is held by that ID")
        via = BY_ID_CARD
    else:
        raise RuleError("proof_required")
    if to_print:
        claim_print(bk, order["id"], kiosk_id, via, now)
    return via


def _answered(bk: Backend, kiosk_id: str, idem_key: str, action: str) -> bool:
    """This kiosk made this call under this key before (its answer is kept, or a dearer
    rebooking's difference order was held under it)."""
    kept = bk.store.one(
        "SELECT 1 FROM idem_answers WHERE kiosk_id = ? AND idem_key = ? AND action = ?",
        (kiosk_id, idem_key, action),
    )
    held = bk.store.one(
        "SELECT 1 FROM orders WHERE kiosk_id = ? AND idem_key = ? AND kind = ?",
        (kiosk_id, idem_key, action),
    )
    return kept is not None or held is not None


def _holds(bk: Backend, order: dict[str, Any], number_hash: str) -> bool:
    """A document (its keyed hash, services.personal_data) holds a ticket of the order, or
    is its group's guide."""
    if order.get("guide_doc_hash") == number_hash:
        return True
    row = bk.store.one(
        "SELECT 1 FROM tickets WHERE order_id = ? AND holder_doc_hash = ?",
        (order["id"], number_hash),
    )
    return row is not None
