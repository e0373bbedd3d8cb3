"""What the ESC/POS parser makes of the byte stream: one event per thing the printer does.

Printed text rows (runs of one style), paper feeds, QR codes, raster images, cuts, and the two
things that print nothing: a status query (DLE EOT n, answered at once) and an init (ESC @).
The renderer draws the printed ones; the emulator answers the queries.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    text: str
    width: int = 1  # horizontal magnification
    height: int = 1  # vertical magnification
    bold: bool = False
    wide: bool = False  # double-byte characters (24 dots per cell)

    @property
    def dots(self) -> int:
        return len(self.text) * (24 if self.wide else 12) * self.width


@dataclass(frozen=True)
class TextRow:
    runs: tuple[Run, ...]
    align: int  # 0 left, 1 centre, 2 right
    spacing: int  # line spacing (dots) in force when the row printed

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @property
    def height_dots(self) -> int:
        tallest = max((run.height for run in self.runs), default=1)
        return max(self.spacing, 24 * tallest + 6)


@dataclass(frozen=True)
class Feed:
    dots: int


@dataclass(frozen=True)
class QrPrint:
    data: bytes
    module: int  # dots per module
    ec: int  # 0 L, 1 M, 2 Q, 3 H
    align: int


@dataclass(frozen=True)
class RasterImage:
    width_bytes: int
    height: int
    data: bytes
    align: int
    scale_x: int = 1
    scale_y: int = 1


@dataclass(frozen=True)
class Cut:
    partial: bool
    feed_dots: int = 0


@dataclass(frozen=True)
class StatusQuery:
    n: int


@dataclass(frozen=True)
class Init:
    pass


Event = TextRow | Feed | QrPrint | RasterImage | Cut | StatusQuery | Init
