"""What the flows use of the smart card reader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from peripherals.status import DeviceStatus


@dataclass(frozen=True)
class SmartCardData:
    uid: str  # hex, upper case
    kind: str  # "member", "staff" or "unknown"
    member_id: str = ""
    staff_id: str = ""
    role: str = ""  # staff role: "operator", "supervisor"
    atr: str = ""  # the card's answer-to-reset, hex upper case (diagnostics)


class SmartCardReader(Protocol):
    def status(self) -> DeviceStatus: ...

    def read_card(self) -> SmartCardData | None:
        """Read the card in the reader; None when there is none."""
        ...

    def watch(
        self,
        on_inserted: Callable[[SmartCardData], None],
        on_removed: Callable[[], None] | None = None,
    ) -> Callable[[], None]:
        """Report insertions and removals from a background thread; returns a stop function."""
        ...

    def close(self) -> None: ...
