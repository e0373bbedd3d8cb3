"""Group pages (团体): download a roster template (XLSX or CSV), upload the filled one, see it
checked row by row (document, one ID per slot, eligibility: services.roster) before anything
is booked, fix the bad rows on the page, book (services.groups.book_group); later amend the
group (remove, add or replace members: services.groups.amend_group) and export its ticket
list. Operations and finance; viewers read.

Personal data: the page shows names and ID numbers masked only. Between the upload and the
booking the roster travels as a sealed value (AES-GCM under the personal-data key,
services.personal_data.seal_text) in a hidden field: the browser never holds it in clear and
nothing is stored before the booking. An amendment reads kept members' numbers back from
their sealed columns on the server."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from backend_stub.console import export_cells
from backend_stub.console.audit import audit
from backend_stub.console.auth import FINANCE, OPERATIONS, ConsoleUser, page_user
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import RawForm, field_errors, one_error
from backend_stub.console.render import render
from backend_stub.schemas import GroupOrder, GroupRoster, RosterEntry
from backend_stub.services import groups
from backend_stub.services.catalog import get_product, get_slot
from backend_stub.services.personal_data import open_text, reveal_holder, seal_text
from backend_stub.services.roster import check_roster
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_id, mask_name

router = APIRouter(dependencies=[Depends(csrf_checked)])
Anyone = Annotated[ConsoleUser, Depends(page_user())]
Staff = Annotated[ConsoleUser, Depends(page_user(OPERATIONS, FINANCE))]
DRAFT = "group_draft"  # the sealed roster's kind (its AAD)
COLUMNS = ("name", "doc_type", "doc_number", "ticket_type_id", "nationality")
HEADER = ("姓名 name", "证件类型 doc_type", "证件号码 doc_number", "票种 ticket_type_id",
          "国籍 nationality")  # fmt: skip
EXAMPLE = ("张伟", "id_card", "110101199003072375", "", "")
HEAD_FIELDS = ("group_ref", "slot_id", "ticket_type_id", "guide_name", "guide_phone",
               "guide_doc_number")  # fmt: skip
MAX_FILE = 512 * 1024
ADD_ROWS = 3


# -- the roster file ----------------------------------------------------------------------------
def template(kind: str) -> bytes:
    if kind == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows([HEADER, EXAMPLE])
        return ("\ufeff" + buf.getvalue()).encode()
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "roster"
    sheet.append(list(HEADER))
    sheet.append(list(EXAMPLE))
    for column in "ABCDE":
        sheet.column_dimensions[column].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cells(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text (XLSX by its signature, else CSV in UTF-8 or GB18030)."""
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        return [["" if v is None else str(v).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)]  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def parse_roster(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Rows {row, name, doc_type, doc_number, ticket_type_id, nationality}: the header (row 1)
    names the columns (zh or en, as in the template), blank rows are skipped, each row keeps
    its sheet row number. Raises ValueError when it is not a roster."""
    try:
        rows = _cells(data, filename)
    except Exception as exc:  # a damaged or foreign file: said on the page
        raise ValueError("unreadable") from exc
    if not rows:
        raise ValueError("empty")
    header = [c.lower() for c in rows[0]]
    where = {}
    for key in COLUMNS:
        found = [i for i, c in enumerate(header) if key in c]
        where[key] = found[0] if found else None
    if where["doc_number"] is None:
        raise ValueError("no_header")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        entry = {"row": number}
        for key, i in where.items():
            entry[key] = row[i] if i is not None and i < len(row) else ""
        entry["doc_type"] = entry["doc_type"] or "id_card"
        out.append(entry)
    if not out:
        raise ValueError("empty")
    return out


# -- the draft between upload and booking -------------------------------------------------------
def _seal(bk: Any, draft: dict[str, Any]) -> str:
    return seal_text(bk, DRAFT, json.dumps(draft, ensure_ascii=False))


def _open(bk: Any, sealed: str) -> dict[str, Any] | None:
    try:
        return json.loads(open_text(bk, DRAFT, sealed)) if sealed else None
    except Exception:  # tampered, or sealed under an older key: start again
        return None


def _apply_fixes(draft: dict[str, Any], form: Any) -> None:
    """A bad row's fields typed again on the page; a row ticked to be dropped."""
    kept = []
    for entry in draft["rows"]:
        row = entry["row"]
        if form.get(f"drop-{row}") == "on":
            continue
        for key in COLUMNS:
            value = str(form.get(f"fix-{row}-{key}", "")).strip()
            if value:
                entry[key] = value
        kept.append(entry)
    draft["rows"] = kept


def _head_of(form: Any, before: dict[str, Any] | None) -> dict[str, str]:
    head = dict((before or {}).get("head", {}))
    for key in HEAD_FIELDS:
        value = str(form.get(key, "")).strip()
        if value or key not in head:
            head[key] = value
    return head


def _order_body(draft: dict[str, Any]) -> GroupOrder:
    head = draft["head"]
    slot_id = head["slot_id"]
    return GroupOrder.model_validate({
        "group_ref": head["group_ref"], "slot_id": slot_id,
        "product_id": head.get("product_id", ""),
        "ticket_type_id": head["ticket_type_id"],
        "guide": {"doc_type": "id_card", "doc_number": head["guide_doc_number"],
                  "name": head["guide_name"], "phone": head["guide_phone"]},
        "roster": [{k: e[k] for k in ("row", *COLUMNS) if e.get(k) not in (None, "")}
                   for e in draft["rows"]],
    })  # fmt: skip


def _check(bk: Any, draft: dict[str, Any]) -> tuple[dict[str, Any], dict[int, list[dict]]]:
    """(errors by head field, problems by row) of the draft as it stands; nothing written."""
    if not draft["rows"]:
        return one_error("_form", "groups.no_rows"), {}
    slot = bk.store.one("SELECT * FROM slots WHERE id = ?", (draft["head"]["slot_id"],))
    if slot is None:
        return one_error("slot_id", "groups.pick_slot"), {}
    draft["head"]["product_id"] = slot["product_id"]
    try:
        body = _order_body(draft)
    except ValidationError as exc:
        errors = field_errors(exc)
        mapped = {("guide_" + k if k in ("name", "phone", "doc_number") else k): v
                  for k, v in errors.items()}  # fmt: skip
        return mapped or one_error("_form", "groups.head_invalid"), {}
    try:
        product = get_product(bk, slot["product_id"])
        if body.ticket_type_id not in product.ticket_types:
            return one_error("ticket_type_id", "groups.type_not_of_product"), {}
        check_roster(bk, product, slot, body.ticket_type_id, body, bk.now())
    except RuleError as exc:
        if exc.code != "roster_invalid":
            return {"_form": next(iter(field_errors(exc).values()))}, {}
        problems: dict[int, list[dict]] = {}
        for p in exc.extra.get("rows", []):
            problems.setdefault(p["row"], []).append(p)
        return {}, problems
    return {}, {}


# -- pages --------------------------------------------------------------------------------------
def _choices(bk: Any) -> dict[str, Any]:
    today = bk.today()
    slots = bk.store.all(
        'SELECT s.id, s.product_id, s.date, s.start, s."end", s.remaining FROM slots s '
        "JOIN products p ON p.id = s.product_id WHERE s.date >= ? AND s.date <= ? "
        "AND s.closed = 0 AND s.remaining > 0 AND p.kind = 'admission' "
        "ORDER BY s.date, s.start LIMIT 300",
        (today.isoformat(), (today + timedelta(days=14)).isoformat()),
    )
    types = bk.store.all(
        "SELECT t.id, t.product_id, t.name_zh, t.name_en FROM ticket_types t "
        "JOIN products p ON p.id = t.product_id WHERE p.kind = 'admission' ORDER BY t.id"
    )
    return {"slots": slots, "types": types}


def _list(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    rows = bk.store.all(
        "SELECT g.order_id, g.group_ref, g.product_id, g.slot_id, g.amendments, g.updated_at, "
        "o.order_no, o.status, o.total_fen, (SELECT COUNT(*) FROM tickets t WHERE "
        "t.order_id = g.order_id AND t.status IN ('issued', 'printed', 'used')) AS members "
        "FROM group_rosters g JOIN orders o ON o.id = g.order_id ORDER BY g.updated_at DESC "
        "LIMIT 100"
    )
    context = _choices(bk) | {"groups": rows, "draft": None, "sealed": "", "problems": {},
                              "head": {}, "checked": False} | ctx  # fmt: skip
    return render(request, "groups_list.html", context, user=user, status=status)


@router.get("/groups", response_class=HTMLResponse)
def groups_page(request: Request, user: Anyone) -> HTMLResponse:
    return _list(request, user)


@router.get("/groups/template.{kind}")
def roster_template(request: Request, kind: str, user: Anyone) -> Response:
    if kind not in ("csv", "xlsx"):
        raise Refused("not_found")
    media = ("text/csv; charset=utf-8" if kind == "csv"
             else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
    headers = {"Content-Disposition": f'attachment; filename="group-roster.{kind}"'}
    return Response(template(kind), media_type=media, headers=headers)


def _masked_rows(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"row": e["row"], "name": mask_name(e.get("name", "")),
             "doc_type": e.get("doc_type", ""), "doc": mask_id(e.get("doc_number", "")),
             "ticket_type_id": e.get("ticket_type_id", ""), "nationality": e.get("nationality", "")}
            for e in draft["rows"]]  # fmt: skip


def _draft_from(bk: Any, form: FormData) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The draft this post makes (an uploaded file, or the sealed one with its fixes)."""
    before = _open(bk, str(form.get("draft", "")))
    head = _head_of(form, before)
    upload = form.get("roster")
    if upload is not None and hasattr(upload, "read") and getattr(upload, "filename", ""):
        data = upload.file.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            return None, one_error("roster", "groups.file_too_big") | {"head": head}
        try:
            rows = parse_roster(data, upload.filename or "")
        except ValueError as exc:
            return None, one_error("roster", f"groups.file_{exc}") | {"head": head}
        return {"head": head, "rows": rows}, {}
    if before is None:
        return None, one_error("roster", "groups.file_needed") | {"head": head}
    draft = {"head": head, "rows": before["rows"]}
    _apply_fixes(draft, form)
    return draft, {}


def _shown_head(head: dict[str, str]) -> dict[str, str]:
    shown = dict(head)
    if shown.get("guide_doc_number"):
        shown["guide_doc_number"] = ""
        shown["guide_doc_masked"] = mask_id(head["guide_doc_number"])
    return shown


@router.post("/groups/check", response_class=HTMLResponse)
def check(request: Request, user: Staff, form: RawForm) -> HTMLResponse:
    bk = request.app.state.backend
    draft, errors = _draft_from(bk, form)
    if draft is None:
        head = errors.pop("head", {})
        return _list(request, user, errors=errors, values=_shown_head(head), status=422)
    errors, problems = _check(bk, draft)
    context = {"draft": _masked_rows(draft), "sealed": _seal(bk, draft), "problems": problems,
               "errors": errors, "values": _shown_head(draft["head"]), "checked": True}  # fmt: skip
    bad = bool(errors or problems)
    return _list(request, user, **context, status=422 if bad else 200)


@router.post("/groups/book")
def book(request: Request, user: Staff, form: RawForm) -> Response:
    bk = request.app.state.backend
    draft, errors = _draft_from(bk, form)
    if draft is None:
        head = errors.pop("head", {})
        return _list(request, user, errors=errors, values=_shown_head(head), status=422)
    errors, problems = _check(bk, draft)
    if not errors and not problems:
        try:
            order, _ = groups.book_group(bk, _order_body(draft), bk.now())
        except RuleError as exc:
            errors = {"_form": next(iter(field_errors(exc).values()))}
    if errors or problems:
        context = {"draft": _masked_rows(draft), "sealed": _seal(bk, draft),
                   "problems": problems, "errors": errors, "values": _shown_head(draft["head"]),
                   "checked": True}  # fmt: skip
        return _list(request, user, **context, status=422)
    audit(bk.store, user, "group.book", f"order:{order['id']}", None,
          {"group_ref": draft["head"]["group_ref"], "members": len(draft["rows"])},
          at=bk.now())  # fmt: skip
    return RedirectResponse(f"/console/groups/{order['id']}?ok=ok.group_booked", status_code=303)


# -- one group ----------------------------------------------------------------------------------
def _group(bk: Any, order_id: str) -> dict[str, Any]:
    group = bk.store.one(
        "SELECT g.*, o.order_no, o.status, o.total_fen, o.guide_doc_masked, o.buyer_name "
        "FROM group_rosters g JOIN orders o ON o.id = g.order_id WHERE g.order_id = ?",
        (order_id,),
    )
    if group is None:
        raise Refused("not_found")
    group["members"] = bk.store.all(
        "SELECT id, ticket_type_id, holder_doc_type, holder_doc_masked, holder_name, status, "
        "holder_nationality, printed_count, used_at FROM tickets WHERE order_id = ? ORDER BY rowid",
        (order_id,),
    )
    group["slot"] = get_slot(bk, group["slot_id"])
    return group


def _group_page(request: Request, user: ConsoleUser, order_id: str, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    group = _group(bk, order_id)
    types = [t for t in _choices(bk)["types"] if t["product_id"] == group["product_id"]]
    context = {"group": group, "types": types, "add_rows": ADD_ROWS} | ctx
    return render(request, "groups_group.html", context, user=user, status=status)


@router.get("/groups/{order_id}", response_class=HTMLResponse)
def group_page(request: Request, order_id: str, user: Anyone) -> HTMLResponse:
    return _group_page(request, user, order_id)


LIVE = ("issued", "printed", "used")


@router.post("/groups/{order_id}/amend")
def amend(request: Request, order_id: str, user: Staff, form: RawForm) -> Response:
    bk = request.app.state.backend
    group = _group(bk, order_id)
    roster: list[RosterEntry] = []
    removed = 0
    for position, t in enumerate(m for m in group["members"] if m["status"] in LIVE):
        if form.get(f"remove-{t['id']}") == "on":
            removed += 1
            continue
        row = bk.store.one("SELECT * FROM tickets WHERE id = ?", (t["id"],))
        number = reveal_holder(bk.personal_keys, row)["doc_number"] if row else ""
        roster.append(RosterEntry.model_construct(
            doc_type=t["holder_doc_type"] or "none", doc_number=number, name=t["holder_name"],
            phone="", nationality=t["holder_nationality"] or "", staff_grant="",
            ticket_type_id=t["ticket_type_id"], row=position + 2))  # fmt: skip
    added = 0
    values: dict[str, Any] = {}
    for i in range(ADD_ROWS):
        entry = {k: str(form.get(f"add-{i}-{k}", "")).strip()
                 for k in ("name", "doc_type", "doc_number", "ticket_type_id")}  # fmt: skip
        values |= {f"add-{i}-{k}": v for k, v in entry.items() if k != "doc_number"}
        if not entry["doc_number"] and not entry["name"]:
            continue
        added += 1
        roster.append(RosterEntry.model_construct(
            doc_type=entry["doc_type"] or "id_card", doc_number=entry["doc_number"],
            name=entry["name"], phone="", nationality="", staff_grant="",
            ticket_type_id=entry["ticket_type_id"] or None, row=1000 + i))  # fmt: skip
    if not removed and not added:
        return _group_page(request, user, order_id, errors=one_error("_form", "groups.no_change"),
                           values=values, status=422)  # fmt: skip
    try:
        body = GroupRoster.model_construct(roster=roster, seats=None,
                                           confirm_missing_documents=False)  # fmt: skip
        answer = groups.amend_group(bk, order_id, body, bk.now())
    except RuleError as exc:
        errors: dict[str, Any] = {}
        for p in exc.extra.get("rows", []) if exc.code == "roster_invalid" else []:
            key = f"add-{p['row'] - 1000}-doc_number" if p["row"] >= 1000 else "_form"
            errors.setdefault(key, p["message"])
        if not errors:
            errors = {"_form": next(iter(field_errors(exc).values()))}
        return _group_page(request, user, order_id, errors=errors, values=values, status=422)
    audit(bk.store, user, "group.amend", f"order:{order_id}", None, answer["amendment"],
          at=bk.now())  # fmt: skip
    return RedirectResponse(f"/console/groups/{order_id}?ok=ok.group_amended", status_code=303)


@router.get("/groups/{order_id}/tickets.{kind}")
def export_tickets(request: Request, order_id: str, kind: str, user: Anyone) -> Response:
    bk = request.app.state.backend
    group = _group(bk, order_id)
    if kind not in ("csv", "xlsx"):
        raise Refused("not_found")
    header = ["ticket", "ticket_type_id", "name", "doc_type", "doc_number", "status", "printed"]
    rows = [[m["id"], m["ticket_type_id"], m["holder_name"], m["holder_doc_type"],
             mask_id(m["holder_doc_masked"] or ""), m["status"], m["printed_count"]]
            for m in group["members"]]  # fmt: skip
    headers = {"Content-Disposition": export_cells.attachment(f"group-{group['group_ref']}.{kind}")}
    if kind == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows(export_cells.csv_rows([header, *rows]))
        return Response(("\ufeff" + buf.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                        headers=headers)  # fmt: skip
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "tickets"
    for row in [
        [f"{group['group_ref']} · {group['order_no']} · {group['slot_id']}"],
        header,
        *rows,
    ]:
        export_cells.xlsx_append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(out.getvalue(), media_type=media, headers=headers)
