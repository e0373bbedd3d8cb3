"""Issue 11, finding 8 — the OpenAPI document listed only 200/201/422 while the server also
answered 400, 401, 404, 409 and 413. Now every route lists each error status it can answer,
with the one error body, so a client generated from /openapi.json handles them. Read from the
running backend over HTTP, and checked against what the server does answer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from backend_stub.process import BackendProcess
from kiosk.domain.errors import ERRORS
from tests.backend.roomy import ROOMY_LIMITS

API = "/api/v1"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """The demo backend, its limits out of the way (this module sends many calls)."""
    folder = tmp_path_factory.mktemp("finding8")
    with BackendProcess(folder / "backend.db", extra_args=ROOMY_LIMITS) as proc:
        yield proc


@pytest.fixture(scope="module")
def doc(backend: BackendProcess) -> dict:
    r = httpx.get(backend.url + "/openapi.json")
    assert r.status_code == 200
    return r.json()


def _operations(doc: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    ]


def _concrete(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # /orders/{order_id} -> /orders/order_id


def test_finding_8_every_error_answer_is_the_error_body(doc: dict):
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's 422 body is not what we answer
    body = schemas["ErrorBody"]
    assert body["required"] == ["error"]
    detail = schemas["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}
    message = schemas["ErrorMessage"]
    assert set(message["required"]) == {"zh", "en"}
    for method, path, op in _operations(doc):
        for status, answer in op["responses"].items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)


def test_finding_8_authenticated_routes_list_401_and_their_token(doc: dict, backend):
    open_routes = {f"{API}/health", f"{API}/keys"}
    for method, path, op in _operations(doc):
        if path in open_routes:
            assert "401" not in op["responses"] and not op.get("security"), path
            continue
        assert "401" in op["responses"], (method, path)
        scheme = "opsToken" if path.startswith((f"{API}/ops/", f"{API}/channels/")) else None
        assert op.get("security"), (method, path)
        if scheme:
            assert op["security"] == [{scheme: []}], (method, path)
        # and the server does answer 401 without a token, before anything else
        r = httpx.request(
            method, backend.url + _concrete(path), json={} if method != "GET" else None
        )
        assert r.status_code == 401, (method, path, r.text)
    assert set(doc["components"]["securitySchemes"]) >= {"kioskToken", "opsToken"}


def test_finding_8_routes_with_input_list_422_and_with_a_body_400_and_413(doc: dict):
    for method, path, op in _operations(doc):
        takes_input = bool(op.get("parameters")) or "requestBody" in op
        if takes_input:
            assert "422" in op["responses"], (method, path)
        if "requestBody" in op:
            assert {"400", "413"} <= set(op["responses"]), (method, path)


ROUTE_ERRORS = {
    ("POST", "/orders"): {"404", "409"},
    ("GET", "/orders/{order_id}"): {"404"},
    ("POST", "/orders/{order_id}/payments"): {"404", "409"},
    ("GET", "/orders/{order_id}/payments/{payment_id}"): {"404", "409"},
    ("POST", "/orders/{order_id}/payments/{payment_id}/cancel"): {"404", "409"},
    ("POST", "/orders/{order_id}/refund"): {"404", "409"},
    ("POST", "/orders/{order_id}/rebook"): {"404", "409"},
    ("POST", "/tickets/{ticket_id}/printed"): {"404", "409"},
    ("POST", "/tickets/verify"): {"404", "409"},
    ("GET", "/slots"): {"404"},
    ("GET", "/members/{member_id}"): {"404"},
    ("POST", "/channels/{channel}/orders"): {"404", "409"},
    ("POST", "/channels/{channel}/orders/{channel_order_id}/refund"): {"404", "409"},
    ("POST", "/ops/groups"): {"404", "409"},
    ("PUT", "/ops/groups/{order_id}"): {"404", "409"},
    ("PUT", "/ops/slots/{slot_id}"): {"404"},
}


def test_finding_8_routes_list_the_404_and_409_their_rules_answer(doc: dict):
    for (method, path), statuses in ROUTE_ERRORS.items():
        op = doc["paths"][API + path][method.lower()]
        assert statuses <= set(op["responses"]), (method, path, sorted(op["responses"]))
    order = doc["paths"][f"{API}/orders"]["post"]["responses"]
    assert {"200", "201"} <= set(order)  # 200: a replay of the same Idempotency-Key
    assert "202" in doc["paths"][f"{API}/orders/{{order_id}}/rebook"]["post"]["responses"]
    conflict = order["409"]["description"]
    assert "`sold_out`" in conflict and "`idempotency_conflict`" in conflict


def test_finding_8_what_the_server_answers_is_in_the_document(doc: dict, backend: BackendProcess):
    kiosk = backend.kiosk_headers()
    url = backend.url + API

    def documented(method: str, path: str, r: httpx.Response) -> None:
        assert str(r.status_code) in doc["paths"][API + path][method.lower()]["responses"], (
            method,
            path,
            r.status_code,
            r.text,
        )
        if r.status_code >= 400:
            error = r.json()["error"]
            assert error["code"] in ERRORS and set(error["message"]) == {"zh", "en"}

    headers = kiosk | {"Content-Type": "application/json"}
    malformed = httpx.post(url + "/orders", content=b'{"lines": [', headers=headers)
    assert malformed.status_code == 400
    documented("POST", "/orders", malformed)
    big = json.dumps({"lines": [], "buyer_name": "x" * 70_000}).encode()
    too_large = httpx.post(url + "/orders", content=big, headers=headers)
    assert too_large.status_code == 413
    documented("POST", "/orders", too_large)
    missing = httpx.get(url + "/orders/NOPE", headers=kiosk)
    assert missing.status_code == 404
    documented("GET", "/orders/{order_id}", missing)
    invalid = httpx.post(url + "/orders", json={"lines": [{"quantity": "3"}]}, headers=kiosk)
    documented("POST", "/orders", invalid)
    unknown_slot = {"product_id": "ADM", "slot_id": "ADM-19990101-1000", "ticket_type_id": "X"}
    no_slot = httpx.post(
        url + "/orders", json={"lines": [unknown_slot | {"quantity": 1}]}, headers=kiosk
    )
    assert no_slot.status_code == 404
    documented("POST", "/orders", no_slot)


def test_finding_8_an_unsupported_method_is_405_with_every_allowed_method(backend: BackendProcess):
    ops = backend.ops_headers()
    r = httpx.delete(backend.url + f"{API}/ops/calendar/templates", headers=ops)
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert set(r.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    counts = httpx.post(backend.url + f"{API}/ops/gates/counts", headers=ops)
    assert counts.status_code == 405 and counts.headers["Allow"] == "GET"
