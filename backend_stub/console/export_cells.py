"""Cells of the console's CSV and XLSX exports that a spreadsheet never runs: text starting
with `=`, `+`, `-`, `@`, a tab or a carriage return (a formula, or DDE, to Excel and
LibreOffice: `=HYPERLINK(...)`) is made inert (OWASP "CSV injection").

- CSV: such a cell gets a leading `'` (Excel shows the text as typed after it).
- XLSX: such a cell is written as a string with Excel's quote prefix, never as a formula
  (openpyxl would otherwise store any text starting with `=` as a formula); its value stays
  exactly the text.
Numbers are left alone (a negative amount is a number, not text)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(RISKY_STARTS)


def csv_cell(value: Any) -> Any:
    return "'" + value if risky(value) else value


def csv_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[csv_cell(v) for v in row] for row in rows]


def xlsx_append(sheet: Any, row: Sequence[Any]) -> None:
    """`sheet.append(row)`, with each risky text cell a quoted string."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if risky(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def xlsx_inert(book: Any) -> None:
    """Every risky text cell of every sheet of a finished workbook made a quoted string."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or risky(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def attachment(filename: str) -> str:
    """A Content-Disposition for a download named from user text (a group's reference may be
    Chinese, or hold quotes): an ASCII fallback, and the exact name as RFC 6266 `filename*`."""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "export"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
