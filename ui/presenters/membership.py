"""Membership: insert the member card or show the member QR; tier, points, recent ledger."""

from __future__ import annotations

from typing import Any

from ui.presenters.base import FlowPresenter
from ui.presenters.texts import msg_args
from ui.seam import Scene

TIERS = {"regular": "Regular", "silver": "Silver", "gold": "Gold"}


class MembershipPresenter(FlowPresenter):
    def screen_member_identify(self, state: Any) -> Scene:
        return self.device_prompt(
            state, "membercard", "Member", hint="Or show your member QR code to the camera"
        )

    def screen_member(self, state: Any) -> Scene:
        data = state.data
        tier = str(data.get("tier", ""))
        lines: list[dict[str, Any]] = [
            {"label": "Member number", "value": str(data.get("member_id", ""))},
            {"label": "Tier", "value_msgid": TIERS.get(tier, tier)},
            {"label": "Points", "value": str(data.get("points", 0)), "strong": True},
        ]  # fmt: skip
        for entry in list(data.get("ledger", []))[:5]:
            delta = int(entry.get("delta", entry.get("points", 0)) or 0)
            lines.append(
                {
                    "label": str(entry.get("reason", entry.get("kind", ""))),
                    "value": f"{delta:+d}",
                    "small": True,
                }
            )
        summary = state.messages[0] if state.messages else None
        return Scene(
            "summary",
            {
                "kind": "info",
                "title": "Member",
                "prompt": getattr(summary, "key", ""),
                "prompt_args": msg_args(getattr(summary, "params", {}) or {}),
                "lines": lines,
                "actions": [
                    {"intent": "buy", "label": "Buy tickets as a member", "test_id": "buy"},
                    {"intent": "done", "label": "Finish", "test_id": "finish"},
                ],
            },
        )
