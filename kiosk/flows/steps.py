"""Going back inside a journey: the journey as a list of steps and a cursor.

`StepHistory(flow, steps).run()` runs the steps in order. A step is an async callable that
shows its screen(s) and returns when the person moves on; when the person taps Back
(`BACK`, offered on every screen of a step while a history runs) the flow's `wait` raises
`StepBack` and the cursor moves to the last step that showed a screen (a step that decided
by itself, e.g. the only product, is skipped going back as going forward). What was chosen
stays in the flow's fields (the cart), so each step shows it again and the person changes
only what they want. Back on the first screen leaves the journey (FlowCancelled: the start
screen), as Home does everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from kiosk.flows.base import Flow, FlowCancelled

BACK = "back"

Step = Callable[[], Awaitable[Any]]


class StepBack(Exception):
    """The person tapped Back: the journey goes one step back."""


class StepHistory:
    def __init__(self, flow: Flow, steps: Sequence[Step]) -> None:
        self.flow = flow
        self.steps = list(steps)
        self.cursor = 0
        self.shown: list[int] = []  # the steps that showed a screen, in the order walked

    async def run(self) -> Any:
        """Run every step (going back on StepBack); the last step's result."""
        result: Any = None
        while self.cursor < len(self.steps):
            seq = self.flow.state.seq
            try:
                result = await self.steps[self.cursor]()
            except StepBack:
                if not self.shown:
                    raise FlowCancelled() from None
                self.cursor = self.shown.pop()
                continue
            if self.flow.state.seq != seq:  # it showed a screen: Back from the next returns here
                self.shown.append(self.cursor)
            self.cursor += 1
        return result

    @property
    def can_go_back(self) -> bool:
        return True
