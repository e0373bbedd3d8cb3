"""Membership: identify by member card or member QR; tier, points, recent ledger.

Screens: `member_identify` (insert the card or show the QR), `member` (tier, points, ledger;
actions `buy` to start a purchase as this member, `done`).
"""

from __future__ import annotations

from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.flows.base import SCAN, SMART_CARD, Flow, Msg, Outcome, Ports


class MembershipFlow(Flow):
    name = "membership"

    def __init__(self, ports: Ports, member_id: str = "") -> None:
        super().__init__(ports)
        self.member_id = member_id

    def forget(self) -> None:
        self.member_id = ""
        super().forget()

    async def journey(self) -> Outcome:
        message = Msg("member.identify")
        while True:
            if not self.member_id:
                self.publish("member_identify", message, actions=(SCAN, SMART_CARD, "cancel"))
                action = await self.wait(SCAN, SMART_CARD)
                if action.name == SMART_CARD:
                    card = action.params["card"]
                    self.member_id = card.member_id if card.kind == "member" else ""
                else:
                    scanned = classify(str(action.params.get("text", "")))
                    self.member_id = scanned.value if scanned.kind == CodeKind.MEMBER else ""
                if not self.member_id:
                    message = Msg("member.not_a_member_code")
                    continue
            try:
                member = await self.ports.client.member(self.member_id)
                break
            except BackendError as exc:
                if exc.unreachable:
                    raise
                self.member_id, message = "", self.error_msg(exc)
        ledger = [dict(e) for e in member.ledger[:10]]
        self.publish(
            "member",
            Msg("member.summary", {"tier": member.tier, "points": member.points}),
            data={
                "member_id": member.id,
                "tier": member.tier,
                "points": member.points,
                "ledger": ledger,
            },
            actions=("buy", "done", "cancel"),
        )
        outcome = Outcome(
            self.name,
            "done",
            data={
                "member_id": member.id,
                "tier": member.tier,
                "points": member.points,
                "ledger": ledger,
            },
        )
        action = await self.wait("buy", "done")
        outcome.result = "buy" if action.name == "buy" else "done"
        outcome.told = list(self.told)
        return outcome
