"""backend_stub/console/export_cells.py on its own: which cells are made inert, and how (the
HTTP exports are checked in test_names_as_text.py)."""

from __future__ import annotations

import io

import openpyxl

from backend_stub.console.export_cells import attachment, csv_rows, xlsx_append, xlsx_inert


def test_csv_cells_starting_like_a_formula_get_a_quote_numbers_do_not():
    rows = csv_rows([["=1+1", "+1", "-1", "@A1", "\t=1", "plain", "a=b", -500, 3.5, ""]])
    assert rows == [["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "plain", "a=b", -500, 3.5, ""]]


def test_xlsx_cells_are_quoted_strings_never_formulas():
    book = openpyxl.Workbook()
    xlsx_append(book.active, ['=HYPERLINK("http://evil.example","x")', "ok", -5])
    other = book.create_sheet("other")
    other.append(["=SUM(1,1)", "@x"])  # written plainly, then fixed as a whole
    xlsx_inert(book)
    out = io.BytesIO()
    book.save(out)
    back = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    first = back.worksheets[0]
    assert (first["A1"].value, first["A1"].data_type, first["A1"].quotePrefix) == (
        '=HYPERLINK("http://evil.example","x")', "s", True)  # fmt: skip
    assert (first["B1"].quotePrefix, first["C1"].value) == (False, -5)
    assert [(c.value, c.data_type) for c in back["other"][1]] == [("=SUM(1,1)", "s"), ("@x", "s")]


def test_a_download_name_from_user_text_is_a_valid_header():
    header = attachment('group-春游"团"\r\n.csv')
    header.encode("latin-1")  # Starlette sends headers as latin-1: a Chinese name once broke it
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="group-')
    assert "filename*=UTF-8''group-%E6%98%A5" in header
