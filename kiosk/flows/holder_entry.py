"""Who holds each ticket of a real-name purchase: the `holder` screens of the purchase flow.

For each ticket the tourist shows one of:

- a card on the ID card reader (`id_card`): a resident ID card, a foreign permanent residence
  card or a HK/Macao/Taiwan residence permit, each sent with its own doc_type
  (kiosk.domain.holders.card_holder);
- a document typed on the screen (`enter_holder(doc_type, doc_number, name, phone,
  nationality)`): a resident ID number, a passport, a HK/Macao permit, a Taiwan permit or a
  foreign permanent residence card, its number checked here for its type
  (kiosk.domain.ids.validate_document) before anything goes to the backend, and the holder's
  name with it (a resident ID number may come without one). A wrong number is refused with a
  message naming the document and saying what to do, and `data.problem` says which document
  and field so the screen can open that keypad again;
- a child without a document: `enter_holder(doc_type="none", name, phone)` (the buyer's phone);
- an adult without a document whom staff allow (`staff_allows`): `holder_staff_card` (a staff
  card), `holder_staff_pin` (`enter_pin`; the staff flow's lock after 5 wrong PINs applies),
  then `POST /staff/verify` answers a supervisor's short-lived grant the holder carries as
  `staff_grant`; the backend spends it with the order and audits each ticket. `back` returns
  to the holder screen. Every allowance (and refusal) is in the kiosk's audit journal too.

Going back (kiosk.flows.steps): while the journey's step history runs, the holder screen
offers `back`: from visitor 2 or later it shows the visitor before, what was entered for them
kept (`data.entered`, masked) with `keep_holder` to take it as it is; from visitor 1 it leaves
the holder step (StepBack: the ticket counts). The holders entered so far live in `entered`
(the cart's list), so coming forward again every visitor shows what was entered for them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kiosk.client import BackendError
from kiosk.domain.errors import RuleError
from kiosk.domain.holders import (
    TYPED_DOC_TYPES,
    card_holder,
    holder_from,
    holder_view,
    same_document,
    staff_allowed_holder,
)
from kiosk.domain.ids import (
    DocType,
    doc_type_of,
    is_valid_phone,
    validate_document,
    validate_nationality,
)
from kiosk.flows.base import ID_CARD, SMART_CARD, Flow, Msg
from kiosk.flows.steps import BACK, StepBack

log = logging.getLogger("kiosk.holders")

ENTER_HOLDER = "enter_holder"
STAFF_ALLOWS = "staff_allows"
KEEP_HOLDER = "keep_holder"  # going forward again: the holder entered before, as it is
HOLDER_ACTIONS = (ID_CARD, ENTER_HOLDER, STAFF_ALLOWS, "cancel")
MAX_PIN_FAILURES = 5  # as the staff flow: the 5th wrong PIN locks that card
LOCK_SECONDS = 300.0

# a typed number that is not valid for its type: the document named, what to do next
INVALID_TYPED: dict[DocType, Msg] = {
    DocType.ID_CARD: Msg("holder.invalid_id_card"),
    DocType.PASSPORT: Msg("holder.invalid_passport"),
    DocType.HK_MACAU_PERMIT: Msg("holder.invalid_hk_macau_permit"),
    DocType.TAIWAN_PERMIT: Msg("holder.invalid_taiwan_permit"),
    DocType.FOREIGN_PERMANENT: Msg("holder.invalid_foreign_permanent"),
}


class HolderEntry:
    """The holder screens of one purchase, for `total` tickets; `first_card` is an ID card the
    start screen already read (the first visitor's)."""

    def __init__(
        self,
        flow: Flow,
        total: int,
        first_card: Any = None,
        entered: list[dict[str, str]] | None = None,
    ) -> None:
        """`entered`: the holders entered before (going back and forward again), filled in
        place, so what was entered survives a step back out of the holders."""
        self.flow = flow
        self.total = total
        self.first_card = first_card
        self.entered = entered if entered is not None else []
        del self.entered[total:]  # fewer tickets chosen since: the later visitors go

    def data(self, done: int, **more: Any) -> dict[str, Any]:
        return {"index": done + 1, "total": self.total, **more}

    def actions(self, index: int) -> tuple[str, ...]:
        keep = (KEEP_HOLDER,) if index < len(self.entered) else ()
        back = (BACK,) if getattr(self.flow, "history", None) is not None else ()
        return (*HOLDER_ACTIONS[:-1], *keep, *back, HOLDER_ACTIONS[-1])

    async def run(self) -> list[dict[str, str]]:
        """One holder per ticket, each checked; raises FlowCancelled on cancel, StepBack on
        back from the first visitor."""
        flow = self.flow
        holders = self.entered
        index = 0
        message = Msg("holder.place_id_card")
        problem: dict[str, str] = {}
        while index < self.total:
            typed = False
            if self.first_card is not None and index >= len(holders):
                card, self.first_card = self.first_card, None
                holder = card_holder(card)
            else:
                kept = [holder_view(holders[index])] if index < len(holders) else []
                flow.publish(
                    "holder",
                    message,
                    data=self.data(
                        index,
                        documents=[d.value for d in TYPED_DOC_TYPES],
                        problem=problem,
                        entered=kept[0] if kept else {},
                    ),
                    actions=self.actions(index),
                )
                try:
                    action = await flow.wait(ID_CARD, ENTER_HOLDER, STAFF_ALLOWS, KEEP_HOLDER)
                except StepBack:
                    if index == 0:
                        raise
                    index -= 1
                    message, problem = Msg("holder.place_id_card"), {}
                    continue
                if action.name == KEEP_HOLDER and index < len(holders):
                    index += 1
                    message, problem = Msg("holder.next", {"index": index + 1}), {}
                    continue
                if action.name == ID_CARD:
                    holder = card_holder(action.params["card"])
                elif action.name == STAFF_ALLOWS:
                    allowed = await self.staff_allows(index)
                    message, problem = Msg("holder.place_id_card"), {}
                    if allowed is None:
                        continue
                    holder = allowed
                elif action.name == ENTER_HOLDER:
                    holder, typed = holder_from(action.params), True
                else:
                    continue
            refusal = self.refusal(holder, typed)
            if refusal is not None:
                message, problem = refusal
                continue
            problem = {}
            others = holders[:index] + holders[index + 1 :]
            if any(same_document(h, holder) for h in others):
                message = Msg("holder.same_id_twice")
                continue
            if index < len(holders):
                holders[index] = holder  # entered again: replaces what was there
            else:
                holders.append(holder)
            index += 1
            message = Msg("holder.next", {"index": index + 1})
        return list(holders)

    def refusal(self, holder: dict[str, str], typed: bool) -> tuple[Msg, dict[str, str]] | None:
        """Why this holder cannot hold a ticket, checked on the kiosk (the backend checks
        again): the message and which document and field are wrong; None when it can. A
        valid number is normalised in place."""
        flow = self.flow
        try:
            kind = doc_type_of(holder["doc_type"] or DocType.ID_CARD.value)
        except RuleError as exc:
            return flow.rule_msg(exc.code), {"doc_type": holder["doc_type"], "field": "doc_type"}
        where = {"doc_type": kind.value, "field": "doc_number"}
        if kind is DocType.NONE:
            if holder.get("staff_grant"):
                return None
            if not (holder["name"] and is_valid_phone(holder["phone"])):
                return flow.rule_msg("holder_required"), {"doc_type": kind.value, "field": ""}
            return None
        try:
            holder["doc_number"] = validate_document(kind, holder["doc_number"])
        except RuleError as exc:
            if typed and kind in INVALID_TYPED:
                return INVALID_TYPED[kind], where
            return flow.rule_msg(exc.code), where
        holder["doc_type"] = kind.value
        if holder.get("nationality"):
            try:
                holder["nationality"] = validate_nationality(holder["nationality"])
            except RuleError as exc:
                return flow.rule_msg(exc.code), where | {"field": "nationality"}
        if typed and kind is not DocType.ID_CARD and not holder["name"].strip():
            return Msg("holder.name_required"), where | {"field": "name"}
        return None

    # an adult without a document, allowed by staff -------------------------------------------
    async def staff_allows(self, done: int) -> dict[str, str] | None:
        """A staff card and PIN; a supervisor's grant as the holder, or None (back)."""
        flow = self.flow
        journal = flow.ports.journal
        message = Msg("holder.staff_card")
        while True:
            flow.publish(
                "holder_staff_card",
                message,
                data=self.data(done),
                actions=(SMART_CARD, "back", "cancel"),
            )
            try:
                action = await flow.wait(SMART_CARD, BACK)
            except StepBack:  # a journey with a step history: back to the holder screen
                return None
            if action.name == BACK:
                return None
            card = action.params.get("card")
            if getattr(card, "kind", "") != "staff" or not getattr(card, "staff_id", ""):
                message = Msg("holder.staff_card_only")
                continue
            staff_id = str(card.staff_id)
            _, locked_until = journal.pin_lock(staff_id)
            if locked_until > time.time():
                minutes = int((locked_until - time.time()) // 60) + 1
                message = Msg("staff.locked", {"minutes": minutes})
                journal.audit(staff_id, "allow_no_document_refused_locked", {"visitor": done + 1})
                continue
            grant = await self._pin(staff_id, done)
            if grant is None:
                return None
            if isinstance(grant, Msg):
                message = grant
                continue
            return staff_allowed_holder(grant)

    async def _pin(self, staff_id: str, done: int) -> str | Msg | None:
        """The PIN for `staff_id`: the grant token, a Msg to show on the card screen (locked,
        not a supervisor), or None (back)."""
        flow = self.flow
        journal = flow.ports.journal
        message = Msg("holder.staff_pin", {"index": done + 1})
        while True:
            flow.publish(
                "holder_staff_pin",
                message,
                data=self.data(done, staff_id=staff_id),
                actions=("enter_pin", "back", "cancel"),
            )
            try:
                action = await flow.wait("enter_pin", BACK)
            except StepBack:
                return None
            if action.name == BACK:
                return None
            pin = str(action.params.get("pin", ""))
            try:
                staff = await flow.ports.client.staff_verify(staff_id, pin)
            except BackendError as exc:
                if exc.code != "wrong_pin":
                    message = flow.error_msg(exc)
                    continue
                failures = journal.pin_failed(staff_id, MAX_PIN_FAILURES, LOCK_SECONDS, time.time())
                journal.audit(staff_id, "wrong_pin", {"failures": failures, "for": "no_document"})
                log.info("staff %s: wrong PIN allowing a visitor without a document", staff_id)
                if failures >= MAX_PIN_FAILURES:
                    return Msg("staff.locked", {"minutes": int(LOCK_SECONDS // 60)})
                message = Msg("staff.wrong_pin", {"left": max(0, MAX_PIN_FAILURES - failures)})
                continue
            journal.pin_ok(staff_id)
            if not staff.grant_token:
                journal.audit(staff_id, "allow_no_document_refused", {"role": staff.role})
                return Msg("holder.staff_not_allowed")
            journal.audit(staff_id, "allow_no_document", {"visitor": done + 1})
            log.info("staff %s allowed visitor %d without a document", staff_id, done + 1)
            return staff.grant_token
