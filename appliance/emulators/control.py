"""A small local HTTP control endpoint over an EmulatorBundle: what a person trying the demo,
a script or a test does to the devices (place an ID card, insert a member card, show a code,
empty the paper). JSON in, JSON out, on 127.0.0.1 only.

    POST /idcard/place     {"card": "zhang_wei"}       POST /idcard/lift
    POST /idcard/fault     {"fault": "sam" | "bad_checksum" | "lift_mid_read" | null}
    POST /smartcard/insert {"card": "M1001"}           POST /smartcard/remove
    POST /camera/show      {"text": "134567890123456780", "kind": "payment", "seconds": 5}
    POST /camera/clear
    POST /printer/paper    {"mm": 500} | {"empty": true} | {"refill": true}
    POST /printer/cover    {"open": true}
    GET  /status           where each emulator listens and what it holds
    GET  /printer/tickets  the tickets printed so far (PNG paths, text lines, QR payloads)
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from appliance.emulators.bundle import EmulatorBundle
from peripherals.status import DeviceError

MAX_BODY = 16 * 1024


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _need(emulator: Any, name: str) -> Any:
    if emulator is None:
        raise ControlError(409, "not_running", f"the {name} emulator is not running")
    return emulator


def _printer_paper(bundle: EmulatorBundle, body: dict[str, Any]) -> None:
    printer = _need(bundle.printer, "printer")
    if body.get("empty"):
        printer.empty_paper()
    elif body.get("refill"):
        printer.refill()
    elif isinstance(body.get("mm"), int | float) and body["mm"] >= 0:
        printer.set_paper(float(body["mm"]))
    else:
        raise ControlError(
            400, "bad_request", 'send {"mm": N}, {"empty": true} or {"refill": true}'
        )


def _printer_cover(bundle: EmulatorBundle, body: dict[str, Any]) -> None:
    printer = _need(bundle.printer, "printer")
    printer.open_cover() if body.get("open") else printer.close_cover()


def _camera_show(bundle: EmulatorBundle, body: dict[str, Any]) -> None:
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise ControlError(400, "bad_request", 'send {"text": "...", "kind": "qr|code128|payment"}')
    allowed = ("kind", "angle", "blur", "glare", "seconds", "module_px", "medium", "rotation")
    options = {key: body[key] for key in allowed if key in body}
    try:
        _need(bundle.camera, "camera").show_code(text, **options)
    except (TypeError, ValueError) as exc:
        raise ControlError(400, "bad_request", str(exc)) from exc


def _card_name(body: dict[str, Any]) -> str:
    card = body.get("card")
    if not isinstance(card, str) or not card:
        raise ControlError(400, "bad_request", 'send {"card": "<demo card name>"}')
    return card


def _idcard_place(bundle: EmulatorBundle, body: dict[str, Any]) -> None:
    try:
        _need(bundle.idcard, "idcard").place_card(_card_name(body))
    except KeyError as exc:
        raise ControlError(404, "unknown_card", f"no demo ID card {body.get('card')!r}") from exc


def _smartcard_insert(bundle: EmulatorBundle, body: dict[str, Any]) -> None:
    try:
        _need(bundle.smartcard, "smartcard").insert(_card_name(body))
    except DeviceError as exc:
        status = 404 if exc.code == "unknown_card" else 409
        raise ControlError(status, exc.code, exc.message_en) from exc


ACTIONS: dict[str, Callable[[EmulatorBundle, dict[str, Any]], None]] = {
    "/idcard/place": _idcard_place,
    "/idcard/lift": lambda b, _: _need(b.idcard, "idcard").lift_card(),
    "/idcard/fault": lambda b, body: _need(b.idcard, "idcard").set_fault(body.get("fault")),
    "/smartcard/insert": _smartcard_insert,
    "/smartcard/remove": lambda b, _: _need(b.smartcard, "smartcard").remove(),
    "/camera/show": _camera_show,
    "/camera/clear": lambda b, _: _need(b.camera, "camera").clear(),
    "/printer/paper": _printer_paper,
    "/printer/cover": _printer_cover,
}


def status_of(bundle: EmulatorBundle) -> dict[str, Any]:
    state = bundle.describe()
    if bundle.printer is not None:
        flags = bundle.printer.flags()
        state["printer"].update(
            paper_mm=round(bundle.printer.paper_mm, 1),
            flags=dataclasses.asdict(flags),
            tickets=len(bundle.printer.tickets),
        )
    if bundle.idcard is not None:
        card = bundle.idcard.card
        state["idcard"]["card_on_reader"] = card is not None
    if bundle.camera is not None:
        state["camera"]["showing"] = bundle.camera.showing() is not None
    return state


def tickets_of(bundle: EmulatorBundle) -> list[dict[str, Any]]:
    printer = _need(bundle.printer, "printer")
    return [
        {"png": str(t.png), "lines": list(t.lines), "qr": list(t.qr_payloads)}
        for t in printer.tickets
    ]


class _Handler(BaseHTTPRequestHandler):
    bundle: EmulatorBundle

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the runner prints its own
        return

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._reply(status, {"error": {"code": code, "message": message}})

    def do_GET(self) -> None:
        try:
            if self.path == "/status":
                self._reply(200, status_of(self.bundle))
            elif self.path == "/printer/tickets":
                self._reply(200, tickets_of(self.bundle))
            else:
                self._error(404, "not_found", f"no such endpoint {self.path}")
        except ControlError as exc:
            self._error(exc.status, exc.code, exc.message)

    def do_POST(self) -> None:
        action = ACTIONS.get(self.path)
        if action is None:
            self._error(404, "not_found", f"no such action {self.path}")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(413, "too_large", "body too large")
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise ControlError(400, "bad_request", "the body must be a JSON object")
            action(self.bundle, body)
            self._reply(200, {"ok": True, "status": status_of(self.bundle)})
        except json.JSONDecodeError:
            self._error(400, "bad_json", "the body is not valid JSON")
        except ControlError as exc:
            self._error(exc.status, exc.code, exc.message)


class ControlServer:
    """Serves the control endpoint for `bundle` on 127.0.0.1:port (0 picks a free port)."""

    def __init__(self, bundle: EmulatorBundle, port: int = 0) -> None:
        handler = type("BoundHandler", (_Handler,), {"bundle": bundle})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
