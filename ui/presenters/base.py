"""What every flow's presenter shares: dispatch on the flow's screen, the checkout screens
(pay, pay_waiting, pay_qr, printing, paper_out, done), errors and the end of a journey.

A presenter method `screen_<flow screen>(state) -> Scene | None` draws one flow screen; taps
whose intent the flow offers go straight to `flow.act(intent, **data)`; `on_<intent>(flow,
data)` handles the rest (a keypad the presenter opens itself, an intent that maps to another
action). No rule lives here: the flow decides, the presenter only shows and forwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from ui.presenters.texts import code_of, messages_params, msg_args, msg_params, yuan
from ui.seam import Scene

HOME = {"intent": "home", "label": "Back to start"}
FINISH = {"intent": "home", "label": "Finish", "test_id": "finish"}


class FlowPresenter:
    step_of: ClassVar[dict[str, int]] = {}

    def __init__(self) -> None:
        self.view: Any = None
        self.state: Any = None
        self.remembered: dict[str, Any] = {}

    # seam ----------------------------------------------------------------------------------
    def scene(self, state: Any) -> Scene | None:
        self.state = state
        self.note_order(state)
        if state.screen == "home":
            return Scene("start", {}, done=True)
        draw = getattr(self, f"screen_{state.screen}", None)
        if draw is None:
            return self.screen_unknown(state)
        scene = draw(state)
        if scene is not None and state.screen in self.step_of:
            scene.params.setdefault("step", self.step_of[state.screen])
        return scene

    def forward(self, flow: Any, intent: str, data: dict[str, Any]) -> Any:
        handler = getattr(self, f"on_{intent}", None)
        if handler is not None:
            return handler(flow, data)
        if intent in flow.state.actions:
            flow.act(intent, **data)
            return None
        raise NotImplementedError(intent)

    # intents every journey understands -------------------------------------------------------
    def on_back(self, flow: Any, data: dict[str, Any]) -> None:
        """The flows go forward only; back leaves the journey (after a presenter's own keypad,
        it returns to the flow's screen)."""
        if self.remembered.pop("local", None) and self.view is not None:
            self.view.render_now()
            return
        self.on_cancel(flow, data)

    def on_home(self, flow: Any, data: dict[str, Any]) -> None:
        if "cancel" in flow.state.actions:
            flow.act("cancel")  # the flow clears what was entered and the home flow takes over
            return
        raise NotImplementedError("home")

    def on_cancel(self, flow: Any, data: dict[str, Any]) -> None:
        if "cancel" in flow.state.actions:
            flow.act("cancel")
            return
        raise NotImplementedError("cancel")  # the navigator goes home

    def show_local(self, scene: Scene) -> None:
        """A screen of the presenter's own (e.g. a keypad) over the flow's current screen."""
        self.remembered["local"] = True
        if self.view is not None:
            self.view.show(scene)

    def back_to_flow(self) -> None:
        self.remembered.pop("local", None)

    # screens every buying journey shares --------------------------------------------------------
    def screen_loading(self, state: Any) -> None:
        return None  # the flow has not published yet: keep what is on screen

    def screen_unknown(self, state: Any) -> Scene:
        return Scene("message", {"kind": "info", **messages_params(state, "title", "body")})

    def screen_error(self, state: Any) -> Scene:
        return Scene(
            "message",
            {
                "kind": "error",
                **messages_params(state, "body"),
                "title": "Sorry",
                "code": code_of(state),
                "actions": [HOME],
            },
        )

    def screen_pay(self, state: Any) -> Scene:
        return self.device_prompt(
            state,
            "paycode",
            "Pay",
            amount=yuan(state.data.get("total_fen", 0)),
            hint="WeChat Pay, Alipay or UnionPay: open the payment code on your phone",
            alternative="Pay by scanning a QR code instead",
            step=2,
            preview=True,
        )

    def on_alternative(self, flow: Any, data: dict[str, Any]) -> None:
        if flow.state.screen == "pay" and "pay_qr" in flow.state.actions:
            flow.act("pay_qr")
            return
        self.alternative(flow, data)

    def alternative(self, flow: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError("alternative")

    def screen_pay_waiting(self, state: Any) -> Scene:
        return Scene(
            "progress",
            {
                "kind": "waiting",
                "title": "Pay",
                **messages_params(state, "text"),
                "hint": "Please keep this screen open",
                "amount": yuan(state.data.get("total_fen", 0)),
                "step": 2,
            },
        )

    def screen_pay_qr(self, state: Any) -> Scene:
        total = 0.0
        left = 0.0
        expires = str(state.data.get("expires_at") or "")
        if "hold_seconds_left" in state.data:  # counted by the flow from the backend's answer
            left = total = max(0.0, float(state.data["hold_seconds_left"]))
        elif expires:
            try:
                at = datetime.fromisoformat(expires)
                now = datetime.now(at.tzinfo) if at.tzinfo else datetime.now()
                left = max(0.0, (at - now).total_seconds())
                total = left
            except ValueError:
                pass
        return Scene(
            "native_qr",
            {
                "code_url": str(state.data.get("code_url", "")),
                "amount": yuan(state.data.get("total_fen", 0)),
                **messages_params(state, "text"),
                "seconds_left": left,
                "seconds_total": total,
                "step": 2,
            },
        )

    def screen_printing(self, state: Any) -> Scene:
        return Scene(
            "progress",
            {
                "total": int(state.data.get("total", 1) or 1),
                "done": int(state.data.get("done", 0) or 0),
                "order_no": str(state.data.get("order_no", "")),
                "step": 3,
            },
        )

    def screen_paper_out(self, state: Any) -> Scene:
        stopped = state.messages[0] if state.messages else None
        args = msg_args(getattr(stopped, "params", {}) or {})
        return Scene(
            "message",
            {
                "kind": "error",
                "title": "Printing stopped",
                "title_args": args,
                "body": "print.stopped",
                "body_args": args,
                "hint": "print.call_staff",
                "code": str(args.get("code", "")),
                "actions": [],
                "step": 3,
            },
        )

    screen_printer_error = screen_paper_out

    def note_order(self, state: Any) -> None:
        """What the last screen sums up: the amount asked at payment, a member identified."""
        data = dict(state.data or {})
        if state.screen in ("pay", "pay_waiting", "pay_qr") and "total_fen" in data:
            self.remembered["paid_fen"] = data["total_fen"]
        if data.get("member_id") or (data.get("member") or {}).get("id"):
            self.remembered["member"] = True

    def order_lines(self, state: Any) -> list[dict[str, Any]]:
        """The order on the last screen (products, date, slot, counts): a buying journey's."""
        return []

    def screen_done(self, state: Any) -> Scene:
        lines = list(self.order_lines(state))
        if "paid_fen" in self.remembered:
            paid = yuan(self.remembered["paid_fen"])
            lines.append({"label": "Amount paid", "value": f"¥{paid}", "strong": True})
        if state.data.get("order_no"):
            lines.append({"label": "Order number", "value": str(state.data["order_no"])})
        member = self.remembered.get("member") or state.data.get("member_id")
        for msg in state.messages:
            if msg.key == "done.points_earned" and not member:
                continue  # points are a member's; nobody to credit them to
            lines.append({"text": msg.key, "text_args": msg_args(msg.params)})
        return Scene(
            "summary",
            {
                "kind": "success",
                "title": "Take your tickets",
                "picture": "printer",
                "lines": lines,
                "actions": [FINISH],
                "step": 3,
            },
        )

    def screen_still_there(self, state: Any) -> None:
        return None  # the flow view shows the overlay over the screen underneath

    # helpers -------------------------------------------------------------------------------
    def pin_entry(self, state: Any, prompt_key: str, **params: Any) -> Scene:
        """The masked staff PIN keypad: the flow's first message is the prompt (`prompt_key`)
        or, after a wrong PIN, the error."""
        msg = state.messages[0] if state.messages else None
        wrong = msg is not None and msg.key != prompt_key
        return Scene(
            "keypad_entry",
            {
                "kind": "pin",
                "title": "Staff PIN",
                **msg_params("prompt", msg if not wrong else None),
                **(msg_params("error", msg) if wrong else {}),
                "value": "",
                **params,
            },
        )

    def device_prompt(self, state: Any, kind: str, title: str, **params: Any) -> Scene:
        """The `device_prompt` screen of `kind` (idcard, paycode, membercard, ticket) saying the
        flow's first message as its text; `params` adds the rest (hint, alternative...)."""
        return Scene(
            "device_prompt",
            {"kind": kind, "title": title, **messages_params(state, "text"), **params},
        )

    def prompt(self, state: Any) -> dict[str, Any]:
        return msg_params("prompt", state.messages[0]) if state.messages else {}
