"""Per-user API tokens on the ops API, over real HTTP, on SQLite and PostgreSQL: the demo ops
token is the ops user's; a token acts within its user's role (a viewer's reads, never
writes); a revoked token, or a disabled user's, is refused on the very next call; a
read-only token only reads; the console's tables work on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from tests.fixtures.console import http_login

STORES = ("sqlite", "postgres")
PUT, GATE = "PUT", "/ops/gates/G-TEST"  # a write: set up a gate
GATE_BODY = {"component": "ADM", "name_zh": "测试闸机", "name_en": "Test gate"}


@pytest.fixture(scope="module", params=STORES)
def api_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendProcess]:
    db: str | Path = tmp_path_factory.mktemp("console-api") / "backend.db"
    if request.param == "postgres":
        db = request.getfixturevalue("postgres_database")("")
    with BackendProcess(db) as backend:
        yield backend


def _token(client: httpx.Client, name: str, scope: str = "role") -> str:
    page = client.post("/console/tokens", data={"csrf_token": client.csrf, "name": name,
                                                "scope": scope})  # fmt: skip
    assert page.status_code == 200, page.text
    start = page.text.index('id="new-token">') + len('id="new-token">')
    return page.text[start : page.text.index("</code>", start)].strip()


def _ops(backend: BackendProcess, token: str, method: str = "GET", path: str = "/ops/kiosks",
         **kw: object) -> httpx.Response:  # fmt: skip
    return httpx.request(method, backend.url + "/api/v1" + path,
                         headers={"Authorization": f"Bearer {token}"}, timeout=10, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_demo_ops_token_is_the_ops_users_and_roles_decide(api_backend: BackendProcess):
    assert _ops(api_backend, "demo-ops-token").status_code == 200
    viewer = http_login(api_backend.url, "viewer")
    read_token = _token(viewer, "viewer script")
    assert _ops(api_backend, read_token).status_code == 200
    refused = _ops(api_backend, read_token, PUT, GATE, json=GATE_BODY)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "ops_forbidden"
    assert "无权" in refused.json()["error"]["message"]["zh"]
    finance = http_login(api_backend.url, "finance")
    finance_token = _token(finance, "reports")
    assert _ops(api_backend, finance_token, PUT, GATE, json=GATE_BODY).status_code == 403
    ops = http_login(api_backend.url, "ops")
    ops_token = _token(ops, "deploy")
    assert ops_token.startswith("kco_") and len(ops_token) > 40
    assert _ops(api_backend, ops_token, PUT, GATE, json=GATE_BODY).status_code == 200
    narrow = _token(ops, "read only", "read")
    assert _ops(api_backend, narrow).status_code == 200
    assert _ops(api_backend, narrow, PUT, GATE, json=GATE_BODY).status_code == 403
    assert _ops(api_backend, "kco_not-a-token").status_code == 401


def test_revoked_token_and_disabled_user_are_refused_at_once(api_backend: BackendProcess):
    ops = http_login(api_backend.url, "ops")
    token = _token(ops, "to revoke")
    assert _ops(api_backend, token).status_code == 200
    listing = ops.get("/console/tokens").text
    row = listing[listing.index('data-token-name="to revoke"') :]
    token_id = row[row.index("/console/tokens/") + len("/console/tokens/") : row.index("/revoke")]
    answer = ops.post(f"/console/tokens/{token_id}/revoke", data={"csrf_token": ops.csrf})
    assert answer.status_code == 303
    refused = _ops(api_backend, token)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "ops_unauthorized"
    # a disabled user's tokens stop with him, and come back when he is enabled again
    admin = http_login(api_backend.url, "admin")
    created = admin.post("/console/users", data={
        "csrf_token": admin.csrf, "username": "script-owner", "display_name": "Script",
        "role": "operations", "password": "Scr1pt-owner-pass"})  # fmt: skip
    assert created.status_code == 303, created.text
    owner = http_login(api_backend.url, "script-owner", "Scr1pt-owner-pass")
    owned = _token(owner, "nightly")
    assert _ops(api_backend, owned).status_code == 200
    users = admin.get("/console/users").text
    row = users[users.index('data-username="script-owner"') :]
    user_id = row[
        row.index("/console/users/") + len("/console/users/") : row.index(
            '"', row.index("/console/users/")
        )
    ]
    off = admin.post(f"/console/users/{user_id}/disabled",
                     data={"csrf_token": admin.csrf, "disabled": "1"})  # fmt: skip
    assert off.status_code == 303
    assert _ops(api_backend, owned).status_code == 401
    assert owner.get("/console/").status_code == 303  # his session ended too
    admin.post(f"/console/users/{user_id}/disabled",
               data={"csrf_token": admin.csrf, "disabled": "0"})  # fmt: skip
    assert _ops(api_backend, owned).status_code == 200
    # the last use shows on the tokens page
    assert "nightly" in admin.get("/console/tokens").text
