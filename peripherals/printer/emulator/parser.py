"""An incremental ESC/POS byte-stream parser: what an 80 mm thermal printer makes of the bytes.

`EscposParser.feed(data)` returns the events the bytes complete (printed text rows, feeds, QR
codes, raster images, cuts, status queries: peripherals.printer.emulator.events); an incomplete
command waits for more bytes. It never raises: unknown or malformed commands are skipped the
way a printer skips them.

Text is laid out in cells as the printer does: font A is 12x24 dots, a double-byte (Chinese mode)
character 24x24, times the GS ! / ESC ! / FS ! magnification; a row wider than the print area
wraps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peripherals.printer.emulator.events import (
    Cut,
    Event,
    Feed,
    Init,
    QrPrint,
    RasterImage,
    Run,
    StatusQuery,
    TextRow,
)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
PRINT_WIDTH_DOTS = 576  # 72 mm printable at 203 dpi (8 dots/mm)
DEFAULT_LINE_SPACING = 30
MAX_RASTER_BYTES = 256 * 4096  # a bigger GS v 0 header is treated as garbage
MAX_BARCODE = 255

# ESC/GS/FS commands that take a fixed number of parameter bytes and change nothing we draw.
_ESC_SKIP = {
    ord(c): n
    for c, n in {
        "-": 1, "M": 1, "t": 1, "e": 1, "{": 1, "V": 1, "p": 3, "R": 1, "r": 1, "U": 1,
        " ": 1, "=": 1, "%": 1, "$": 2, "\\": 2, "L": 0, "S": 0, "T": 1, "W": 8, "i": 0,
        "m": 0, "?": 1, "<": 0, "K": 1, "c": 2, "f": 2, "u": 1, "v": 0, "s": 1,
    }.items()
}  # fmt: skip
_GS_SKIP = {
    ord(c): n
    for c, n in {
        "B": 1, "H": 1, "h": 1, "w": 1, "f": 1, "L": 2, "W": 2, "a": 1, "r": 1, "I": 1,
        "P": 2, "$": 2, "\\": 2, "b": 1, "/": 1, "E": 1, "^": 3, "T": 1, ":": 0, "x": 1,
    }.items()
}  # fmt: skip
_FS_SKIP = {ord(c): n for c, n in {"-": 1, "C": 1, "S": 2, "p": 2, "g": 1, "?": 1}.items()}


@dataclass
class _Style:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    chinese: bool = False
    spacing: int = DEFAULT_LINE_SPACING
    qr_module: int = 3
    qr_ec: int = 0
    qr_data: bytes = b""


@dataclass
class EscposParser:
    width_dots: int = PRINT_WIDTH_DOTS
    style: _Style = field(default_factory=_Style)
    _buf: bytearray = field(default_factory=bytearray)
    _runs: list[Run] = field(default_factory=list)
    _out: list[Event] = field(default_factory=list)

    def feed(self, data: bytes) -> list[Event]:
        """Consume bytes; return the events they complete. Never raises."""
        self._buf += data
        pos = 0
        while pos < len(self._buf):
            used = self._step(pos)
            if used == 0:  # incomplete command: wait for more bytes
                break
            pos += used
        del self._buf[:pos]
        out, self._out = self._out, []
        return out

    @property
    def pending(self) -> int:
        """Bytes held waiting for the rest of a command."""
        return len(self._buf)

    # --- text ---------------------------------------------------------------------------
    def _line_dots(self) -> int:
        return sum(run.dots for run in self._runs)

    def _add_char(self, ch: str, wide: bool) -> None:
        s = self.style
        cell = (24 if wide else 12) * s.width
        if self._runs and self._line_dots() + cell > self.width_dots:
            self._print_row()
        last = self._runs[-1] if self._runs else None
        if last and (last.width, last.height, last.bold, last.wide) == (
            s.width,
            s.height,
            s.bold,
            wide,
        ):
            self._runs[-1] = Run(last.text + ch, s.width, s.height, s.bold, wide)
        else:
            self._runs.append(Run(ch, s.width, s.height, s.bold, wide))

    def _print_row(self, empty_feeds: bool = True) -> None:
        if self._runs:
            self._out.append(TextRow(tuple(self._runs), self.style.align, self.style.spacing))
            self._runs = []
        elif empty_feeds:
            self._out.append(Feed(self.style.spacing))

    def _flush_row(self) -> None:
        """Print a partly filled row before a graphic or cut (no blank feed when empty)."""
        self._print_row(empty_feeds=False)

    def _text_byte(self, pos: int) -> int:
        buf, b = self._buf, self._buf[pos]
        if b < 0x80:
            self._add_char(chr(b), False)
            return 1
        if not self.style.chinese:
            self._add_char(bytes([b]).decode("cp437"), False)
            return 1
        if not 0x81 <= b <= 0xFE:
            self._add_char("?", False)
            return 1
        if pos + 1 >= len(buf):
            return 0
        b2 = buf[pos + 1]
        if 0x40 <= b2 <= 0xFE and b2 != 0x7F:
            self._add_char(bytes(buf[pos : pos + 2]).decode("gb18030", "replace"), True)
            return 2
        if 0x30 <= b2 <= 0x39:
            if pos + 3 >= len(buf):
                return 0
            b3, b4 = buf[pos + 2], buf[pos + 3]
            if 0x81 <= b3 <= 0xFE and 0x30 <= b4 <= 0x39:
                ch = bytes(buf[pos : pos + 4]).decode("gb18030", "replace")
                self._add_char(ch[:1] or "?", True)
                return 4
        self._add_char("?", True)
        return 1

    # --- commands -----------------------------------------------------------------------
    def _step(self, pos: int) -> int:
        b = self._buf[pos]
        if b == 0x0A:
            self._print_row()
            return 1
        if b == 0x09:
            self._add_char(" ", False)
            return 1
        if b in (ESC, GS, FS, DLE):
            if len(self._buf) - pos < 2:
                return 0  # the command byte is still to come
            command = {ESC: self._esc, GS: self._gs, FS: self._fs, DLE: self._dle}[b]
            return command(pos, self._buf[pos + 1])
        if b == 0x18:  # CAN: drop the unprinted row
            self._runs = []
            return 1
        if b < 0x20:  # CR, FF, NUL and other controls: nothing to draw
            return 1
        return self._text_byte(pos)

    def _param(self, pos: int, n: int) -> bytes | None:
        end = pos + n
        return bytes(self._buf[pos:end]) if end <= len(self._buf) else None

    def _whole(self, pos: int, size: int) -> int:
        """`size` when the buffer holds all `size` bytes of the command at `pos`, else 0."""
        return size if len(self._buf) - pos >= size else 0

    def _nul_terminated(self, pos: int, start: int, most: int, skip: int) -> int:
        """The length of the command at `pos` whose data, from `start`, ends with a NUL within
        `most` bytes; 0 to wait for more; `skip` (its head only) when no NUL comes in time."""
        end = self._buf.find(0, start, start + most)
        if end >= 0:
            return end - pos + 1
        return 0 if len(self._buf) - start < most else skip

    def _esc(self, pos: int, cmd: int) -> int:
        head = self._param(pos, 3)
        s = self.style
        if cmd == ord("@"):
            self._runs = []
            self.style = _Style()
            self._out.append(Init())
            return 2
        if cmd == ord("2"):
            s.spacing = DEFAULT_LINE_SPACING
            return 2
        if cmd in _ESC_SKIP:
            return self._whole(pos, 2 + _ESC_SKIP[cmd])
        if cmd == ord("D"):  # tab stops, NUL terminated (at most 32)
            return self._nul_terminated(pos, pos + 2, 33, skip=2)
        if cmd == ord("*"):  # bit image (column): m nL nH d...
            p = self._param(pos, 5)
            if p is None:
                return 0
            count = (p[3] | p[4] << 8) * (3 if p[2] in (32, 33) else 1)
            return self._whole(pos, 5 + count)
        if head is None:
            return 0
        n = head[2]
        if cmd == ord("a"):
            s.align = n % 48 if n % 48 <= 2 else s.align
        elif cmd in (ord("E"), ord("G")):
            s.bold = bool(n & 1)
        elif cmd == ord("!"):
            s.bold = bool(n & 0x08)
            s.height = 2 if n & 0x10 else 1
            s.width = 2 if n & 0x20 else 1
        elif cmd == ord("3"):
            s.spacing = n
        elif cmd == ord("d"):
            lines = n
            if self._runs:
                self._flush_row()
                lines = max(0, n - 1)
            if lines:
                self._out.append(Feed(s.spacing * lines))
        elif cmd == ord("J"):
            self._flush_row()
            self._out.append(Feed(n))
        # any other ESC x n: one parameter byte assumed, nothing drawn
        return 3

    def _gs(self, pos: int, cmd: int) -> int:
        s = self.style
        if cmd in _GS_SKIP:
            return self._whole(pos, 2 + _GS_SKIP[cmd])
        if cmd == ord("!"):
            p = self._param(pos, 3)
            if p is None:
                return 0
            s.width, s.height = (p[2] >> 4 & 7) + 1, (p[2] & 7) + 1
            return 3
        if cmd == ord("V"):
            p = self._param(pos, 3)
            if p is None:
                return 0
            if p[2] in (65, 66):
                q = self._param(pos, 4)
                if q is None:
                    return 0
                self._flush_row()
                self._out.append(Cut(p[2] == 66, q[3]))
                return 4
            if p[2] in (0, 1, 48, 49):
                self._flush_row()
                self._out.append(Cut(p[2] in (1, 49)))
            return 3
        if cmd == ord("("):
            return self._gs_paren(pos)
        if cmd == ord("8"):  # GS 8 L p1 p2 p3 p4 ...: graphics with a 4-byte length
            p = self._param(pos, 7)
            if p is None:
                return 0
            size = int.from_bytes(p[3:7], "little")
            if size > MAX_RASTER_BYTES:
                return 3
            return self._whole(pos, 7 + size)
        if cmd == ord("v"):
            return self._raster(pos)
        if cmd == ord("k"):
            return self._barcode(pos)
        if cmd == ord("*"):  # downloaded bit image: x y d(x*y*8)
            p = self._param(pos, 4)
            if p is None:
                return 0
            size = p[2] * p[3] * 8
            return self._whole(pos, 4 + size)
        return 2

    def _gs_paren(self, pos: int) -> int:
        p = self._param(pos, 5)
        if p is None:
            return 0
        length = p[3] | p[4] << 8
        body = self._param(pos + 5, length)
        if body is None:
            return 0
        if p[2] == ord("k") and length >= 2 and body[0] == 49:
            self._qr(body[1], body[2:])
        return 5 + length

    def _qr(self, fn: int, args: bytes) -> None:
        s = self.style
        if fn == 67 and args:
            s.qr_module = args[0] if 1 <= args[0] <= 16 else s.qr_module
        elif fn == 69 and args:
            s.qr_ec = args[0] - 48 if 48 <= args[0] <= 51 else s.qr_ec
        elif fn == 80 and args:
            s.qr_data = args[1:]  # m=48, then the data
        elif fn == 81 and s.qr_data:
            self._flush_row()
            self._out.append(QrPrint(s.qr_data, s.qr_module, s.qr_ec, s.align))

    def _raster(self, pos: int) -> int:
        p = self._param(pos, 8)
        if p is None:
            return 0
        if p[2] not in (0x30, 0):
            return 3
        mode, xb, yh = p[3], p[4] | p[5] << 8, p[6] | p[7] << 8
        size = xb * yh
        if size > MAX_RASTER_BYTES or xb == 0 or yh == 0:
            return 8  # a header no printer accepts: skip it, print what follows as text
        data = self._param(pos + 8, size)
        if data is None:
            return 0
        self._flush_row()
        sx, sy = (2 if mode % 48 in (1, 3) else 1), (2 if mode % 48 in (2, 3) else 1)
        self._out.append(RasterImage(xb, yh, data, self.style.align, sx, sy))
        return 8 + size

    def _barcode(self, pos: int) -> int:
        p = self._param(pos, 3)
        if p is None:
            return 0
        m = p[2]
        if m <= 6:
            return self._nul_terminated(pos, pos + 3, MAX_BARCODE + 1, skip=3)
        q = self._param(pos, 4)
        if q is None:
            return 0
        return self._whole(pos, 4 + q[3])

    def _fs(self, pos: int, cmd: int) -> int:
        s = self.style
        if cmd == ord("&"):
            s.chinese = True
            return 2
        if cmd == ord("."):
            s.chinese = False
            return 2
        if cmd in _FS_SKIP:
            return self._whole(pos, 2 + _FS_SKIP[cmd])
        if cmd in (ord("!"), ord("W")):
            p = self._param(pos, 3)
            if p is None:
                return 0
            if cmd == ord("W"):
                s.width = s.height = 2 if p[2] & 1 else 1
            else:
                s.width = 2 if p[2] & 0x04 else 1
                s.height = 2 if p[2] & 0x08 else 1
            return 3
        if cmd == ord("2"):  # user-defined Chinese character: c1 c2 + 72 bytes
            return self._whole(pos, 76)
        return 2

    def _dle(self, pos: int, cmd: int) -> int:
        if cmd == 0x04:
            p = self._param(pos, 3)
            if p is None:
                return 0
            if 1 <= p[2] <= 4:
                self._out.append(StatusQuery(p[2]))
            return 3
        if cmd == 0x05:
            return self._whole(pos, 3)
        if cmd == 0x14:
            return self._whole(pos, 5)
        return 1
