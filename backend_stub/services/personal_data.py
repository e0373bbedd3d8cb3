"""Personal data at rest (个人信息): how ID numbers, phones and names are stored, found, and
dropped.

- **ID numbers and phones** are stored three ways, never in clear: a keyed hash
  (HMAC-SHA256, `*_hash`) that every lookup and the real-name unique index use, the masked
  form that answers show (`*_masked`: 110***********2375, 138****8000), and the value
  encrypted (AES-256-GCM, `*_sealed`) for the rare case someone entitled must read it back.
  The keys are in a key file beside the database, not in it (backend_stub.personal_keys).
- **Names** are stored masked only (张*): every answer and the printed ticket show the masked
  name (the kiosk masks it again before printing), the real-name check is the document, so the
  full name is never needed after the order is checked.
- **Dropped**: an expired hold loses its personal data when it expires (the sweeper, or the
  first read after its time); a closed order loses it (its invoice's name, e-mail and phone
  too) `retention_days` (90) after the visit (the last ticket's day), checked by the sweeper
  each hour and by `kiosk backend purge`; both then empty the WAL. `PRAGMA secure_delete`
  overwrites what is cleared in the database file; an expired hold's sealed (never clear)
  values may stay in old WAL frames until the next checkpoint.
- **Legacy rows** (a database from before this module) are sealed at start
  (`seal_legacy_rows`): hashes, masks and ciphertexts filled, the clear columns emptied.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from backend_stub.clock import local_now
from backend_stub.context import Backend
from backend_stub.personal_keys import PersonalDataKeys
from backend_stub.stores import Store
from kiosk.domain.ids import mask_id, mask_name, mask_phone, normalize_doc_number

DOC, PHONE, GROUP_HEAD = "doc", "phone", "group_head"  # what a sealed value is (its AAD)

# what clearing an order writes over its personal data
_TICKET_CLEARED = (
    "holder_doc_number = '', holder_doc_hash = '', holder_doc_masked = '', "
    "holder_doc_sealed = '', holder_name = '', holder_phone = '', holder_phone_hash = '', "
    "holder_phone_sealed = ''"
)
_ORDER_CLEARED = (
    "buyer_phone = '', buyer_phone_hash = '', buyer_phone_masked = '', buyer_phone_sealed = '', "
    "buyer_name = '', guide_doc_number = '', guide_doc_hash = '', guide_doc_masked = '', "
    "guide_doc_sealed = ''"
)

# an invoice's personal data (services.invoices): an individual's name, the e-mail and phone it
# went to; a company's name and tax number are not personal data and stay for the books
_INVOICE_CLEARED = (
    "title_shown = CASE WHEN title_kind = 'individual' THEN '' ELSE title_shown END, "
    "title_sealed = '', email_hash = '', email_sealed = '', email_masked = '', "
    "phone_hash = '', phone_sealed = '', phone_masked = ''"
)


def normalize_phone(phone: str) -> str:
    return "".join(phone.split()).replace("-", "")


NOTHING = "-"  # what an empty number looks up: no stored hash is "-" (none stored is "")


def doc_hash(bk: Backend, number: str) -> str:
    """The keyed hash that finds a document number (any type; normalised first); an empty
    number finds nothing."""
    return bk.personal_keys.digest(DOC, normalize_doc_number(number)) or NOTHING


def phone_hash(bk: Backend, phone: str) -> str:
    """The keyed hash that finds a phone number; an empty one finds nothing."""
    return bk.personal_keys.digest(PHONE, normalize_phone(phone)) or NOTHING


def sealed_columns(
    keys: PersonalDataKeys, kind: str, value: str, prefix: str, *, masked: bool = True
) -> dict[str, str]:
    """A document number (`kind` DOC) or phone (PHONE) as stored under `prefix`: its keyed hash
    to find it, its ciphertext, and (`masked`) the masked form to show. `value` normalised."""
    cols = {f"{prefix}_hash": keys.digest(kind, value), f"{prefix}_sealed": keys.seal(kind, value)}
    if masked:
        cols[f"{prefix}_masked"] = mask_id(value) if kind == DOC else mask_phone(value)
    return cols


def holder_columns(
    bk: Backend, doc_type: str, number: str, name: str, phone: str
) -> dict[str, str]:
    """A ticket holder's columns as stored: `number` already validated and normalised."""
    keys = bk.personal_keys
    return {
        "holder_doc_type": doc_type,
        **sealed_columns(keys, DOC, number, "holder_doc"),
        "holder_name": mask_name(name),
        **sealed_columns(keys, PHONE, normalize_phone(phone), "holder_phone", masked=False),
    }


def buyer_columns(bk: Backend, phone: str, name: str) -> dict[str, str]:
    """An order's buyer as stored."""
    return {
        **sealed_columns(bk.personal_keys, PHONE, normalize_phone(phone), "buyer_phone"),
        "buyer_name": mask_name(name),
    }


def guide_columns(bk: Backend, number: str) -> dict[str, str]:
    """A group's guide's document as stored on the order (`number` normalised)."""
    return sealed_columns(bk.personal_keys, DOC, number, "guide_doc")


def copied_buyer(order: dict[str, Any]) -> dict[str, str]:
    """The stored buyer columns of `order`, for an order made from it (a rebooking's
    difference order)."""
    names = ("buyer_phone_hash", "buyer_phone_masked", "buyer_phone_sealed", "buyer_name")
    return {n: order.get(n) or "" for n in names}


def seal_text(bk: Backend, kind: str, text: str) -> str:
    return bk.personal_keys.seal(kind, text)


def open_text(bk: Backend, kind: str, sealed: str) -> str:
    return bk.personal_keys.open(kind, sealed)


def reveal_holder(keys: PersonalDataKeys, ticket: dict[str, Any]) -> dict[str, str]:
    """A stored ticket's holder document and phone in clear: for someone entitled (a police
    request, the tourist's own complaint), never for an API answer or a log."""
    return {
        "doc_number": keys.open(DOC, ticket.get("holder_doc_sealed") or ""),
        "phone": keys.open(PHONE, ticket.get("holder_phone_sealed") or ""),
    }


def clear_order(store: Store, order_id: str, now: datetime) -> None:
    """Inside a transaction: drop every personal datum of one order (its tickets' holders, the
    buyer, a group's guide and roster head, its invoice's name and contact)."""
    store.run(f"UPDATE tickets SET {_TICKET_CLEARED} WHERE order_id = ?", (order_id,))
    store.run(
        f"UPDATE orders SET {_ORDER_CLEARED}, personal_data_cleared_at = ? WHERE id = ?",
        (now.isoformat(), order_id),
    )
    store.run("UPDATE group_rosters SET head = '' WHERE order_id = ?", (order_id,))
    store.run(f"UPDATE invoices SET {_INVOICE_CLEARED} WHERE order_id = ?", (order_id,))


def orders_past_retention(
    store: Store, today: date, retention_days: int, limit: int = -1
) -> list[str]:
    """Orders still holding personal data whose visit (their last ticket's day; an order without
    tickets: the day it was made) is more than `retention_days` before `today` (at most
    `limit`). Such an order was made before that day too: the partial index `orders_to_clear`
    (uncleared orders by creation) keeps the scan to those due."""
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    rows = store.all(
        "SELECT o.id FROM orders o WHERE o.personal_data_cleared_at IS NULL "
        "AND o.created_at < ? AND o.status != 'held' AND COALESCE("
        " (SELECT MAX(t.date) FROM tickets t WHERE t.order_id = o.id),"
        " substr(o.created_at, 1, 10)) < ?" + (" LIMIT ?" if limit >= 0 else ""),
        (cutoff, cutoff, *((limit,) if limit >= 0 else ())),  # PostgreSQL refuses LIMIT -1
    )
    return [r["id"] for r in rows]


def apply_retention(
    store: Store, today: date, retention_days: int, now: datetime, batch: int = -1
) -> int:
    """Clear the orders past their retention (at most `batch`), and the kept idempotent answers
    as old (they quote orders, masked); how many orders."""
    due = orders_past_retention(store, today, retention_days, batch)
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    with store.transaction():
        for order_id in due:
            clear_order(store, order_id, now)
        store.run("DELETE FROM idem_answers WHERE created_at < ?", (cutoff,))
    return len(due)


def purge(store: Store, today: date, retention_days: int, now: datetime) -> dict[str, Any]:
    """`kiosk backend purge`: the retention now, then the WAL emptied into the database file
    (secure_delete has overwritten what was cleared), so no copy of it is left on disk."""
    cleared = apply_retention(store, today, retention_days, now)
    store.checkpoint()
    return {"orders_cleared": cleared, "today": today.isoformat(), "retention_days": retention_days}


RETENTION_BATCH = 500  # orders cleared per sweep: the sweeper runs on the event loop


def retention_when_due(bk: Backend, now: datetime, last: datetime | None) -> datetime | None:
    """The sweeper's retention run, hourly (`last`: when it last found nothing more to do):
    a batch of due orders per sweep until none is left."""
    if last is not None and now - last < timedelta(hours=1):
        return last
    cleared = apply_retention(
        bk.store, now.date(), bk.settings.retention_days, now, RETENTION_BATCH
    )
    if cleared == RETENTION_BATCH:
        return None  # more to do: the next sweep goes on
    if cleared:
        bk.store.checkpoint()  # and out of the WAL
    return now


def seal_legacy_rows(store: Store, keys: PersonalDataKeys) -> int:
    """At start (and before a purge): rows written before personal data was sealed get their
    hashes, masks and ciphertexts, and their clear columns emptied (names masked); how many
    rows changed. Cheap when there are none (one scan per table)."""
    changed = 0
    with store.transaction():
        # expired holds that kept their data (from before holds were cleared on expiry)
        for o in store.all(
            "SELECT id FROM orders WHERE status = 'expired' AND personal_data_cleared_at IS NULL"
        ):
            clear_order(store, o["id"], local_now())
            changed += 1
        for t in store.all(
            "SELECT id, holder_doc_number, holder_name, holder_phone FROM tickets "
            "WHERE holder_doc_number != '' OR holder_phone != '' "
            "OR (holder_name != '' AND holder_name NOT LIKE '%*%')"
        ):
            number = normalize_doc_number(t["holder_doc_number"] or "")
            phone = normalize_phone(t["holder_phone"] or "")
            cols = {
                "holder_name": mask_name(t["holder_name"] or ""),
                "holder_doc_number": "",
                "holder_phone": "",
            }
            if number:
                cols |= sealed_columns(keys, DOC, number, "holder_doc")
            if phone:
                cols |= sealed_columns(keys, PHONE, phone, "holder_phone", masked=False)
            _update(store, "tickets", t["id"], cols)
            changed += 1
        for o in store.all(
            "SELECT id, buyer_phone, buyer_name, guide_doc_number FROM orders "
            "WHERE buyer_phone != '' OR guide_doc_number != '' "
            "OR (buyer_name != '' AND buyer_name NOT LIKE '%*%')"
        ):
            cols = {"buyer_phone": "", "guide_doc_number": ""}
            phone = normalize_phone(o["buyer_phone"] or "")
            if phone:
                cols |= sealed_columns(keys, PHONE, phone, "buyer_phone")
            cols["buyer_name"] = mask_name(o["buyer_name"] or "")
            number = normalize_doc_number(o["guide_doc_number"] or "")
            if number:
                cols |= sealed_columns(keys, DOC, number, "guide_doc")
            _update(store, "orders", o["id"], cols)
            changed += 1
        for m in store.all(
            "SELECT id, name, phone FROM members WHERE phone_sealed = '' AND phone != '' "
            "OR (name != '' AND name NOT LIKE '%*%')"
        ):
            cols = {"name": mask_name(m["name"] or "")}
            if m["phone"] and "*" not in m["phone"]:
                phone = normalize_phone(m["phone"])
                cols |= {"phone": mask_phone(phone)}
                cols |= sealed_columns(keys, PHONE, phone, "phone", masked=False)
            _update(store, "members", m["id"], cols)
            changed += 1
        for g in store.all(
            "SELECT order_id, head FROM group_rosters WHERE head != '' AND head NOT LIKE 'p1.%'"
        ):
            store.run(
                "UPDATE group_rosters SET head = ? WHERE order_id = ?",
                (keys.seal(GROUP_HEAD, g["head"]), g["order_id"]),
            )
            changed += 1
    if changed:
        store.checkpoint()  # the clear values leave the WAL too
    return changed


def _update(store: Store, table: str, row_id: str, cols: dict[str, str]) -> None:
    sets = ", ".join(f'"{k}" = ?' for k in cols)
    store.run(f'UPDATE "{table}" SET {sets} WHERE id = ?', (*cols.values(), row_id))
