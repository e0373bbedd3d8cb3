"""The adapters' shared request/sign/verify skeleton (payments/signed_api.py) against each
provider's sandbox, in this process: a signed call gets a verified answer, and every call
that gets no usable answer (keys that do not match, nobody listening, a wrong path, a body
that is not the provider's format) is ProviderUnreachable, never a business answer."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backend_stub.payments.alipay import Alipay
from backend_stub.payments.config import load_config
from backend_stub.payments.provider import ProviderUnreachable
from backend_stub.payments.sandboxes import Sandboxes
from backend_stub.payments.wechat import WechatPay

ADAPTERS: dict[str, Any] = {"wechat": WechatPay, "alipay": Alipay}


def adapter(provider: str, sandboxes: Sandboxes, **change: str) -> Any:
    config = getattr(load_config(sandboxes.config_path), provider)
    return ADAPTERS[provider](dataclasses.replace(config, **change))


def secret_file(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    path.chmod(0o600)
    return str(path)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_signed_call_gets_the_providers_verified_answer(provider: str, sandboxes: Sandboxes):
    assert adapter(provider, sandboxes).query("no-such-trade").state == "not_found"


def test_keys_that_do_not_match_give_no_answer(provider: str, sandboxes: Sandboxes, tmp_path: Path):
    if provider == "wechat":  # our sign is refused: return_code FAIL, no business answer
        wrong = adapter(provider, sandboxes, api_key_file=secret_file(tmp_path / "k", b"0" * 32))
        expected = "签名错误"
    else:  # the answer's signature does not verify with the key we were given
        pem = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        wrong = adapter(
            provider, sandboxes, alipay_public_key_file=secret_file(tmp_path / "pub.pem", pem)
        )
        expected = "answer signature does not verify"
    with pytest.raises(ProviderUnreachable, match=expected):
        wrong.query("no-such-trade")


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        (f"http://127.0.0.1:{closed_port()}", "ConnectError"),
        ("{url}/nowhere", "HTTP 404"),
    ],
)
def test_no_http_answer_is_unreachable(
    provider: str, sandboxes: Sandboxes, base_url: str, expected: str
):
    url = sandboxes.servers[provider].url
    with pytest.raises(ProviderUnreachable, match=f"{provider} .*: {expected}"):
        adapter(provider, sandboxes, base_url=base_url.format(url=url)).query("no-such-trade")


@pytest.fixture(scope="module")
def plain_text_server() -> Iterator[str]:
    """A server that answers every POST 200 with plain text (a proxy's error page, say)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"upstream timed out"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_not_in_the_providers_format_is_unreachable(
    provider: str, sandboxes: Sandboxes, plain_text_server: str
):
    expected = {"wechat": "not XML", "alipay": "not JSON"}
    with pytest.raises(ProviderUnreachable, match=f"{provider} .*: {expected[provider]}"):
        adapter(provider, sandboxes, base_url=plain_text_server).query("no-such-trade")
