"""The provisioning QR (kiosk.domain.code_kinds.parse_provisioning): what the console's kiosks
page shows is read back; foreign, altered or incomplete payloads are refused."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from backend_stub.console.fleet import provisioning_uri
from kiosk.domain.code_kinds import CodeKind, classify, parse_provisioning

TOKEN = "Qx3v0_9kLmZp-7RtYw2bNc8dEf4GhJk5sTuVwXyZ01A"


def test_the_consoles_payload_reads_back() -> None:
    found = parse_provisioning(provisioning_uri("http://10.0.0.5:8700/", "kiosk-07", TOKEN))
    assert found is not None
    assert (found.backend_url, found.kiosk_id, found.token) == (
        "http://10.0.0.5:8700",
        "kiosk-07",
        TOKEN,
    )
    assert classify(provisioning_uri("https://park.example", "k2", TOKEN)).kind == (
        CodeKind.PROVISION
    )


def test_the_credential_is_masked_on_screen_and_in_its_repr() -> None:
    found = parse_provisioning(provisioning_uri("http://h:1", "kiosk-07", TOKEN))
    assert found is not None
    assert found.token_masked == "Qx3v…Z01A"
    assert TOKEN not in repr(found) and TOKEN not in str(found)


def _uri(**query: str) -> str:
    return "kiosk-provision:?" + urlencode(query)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "KO1:12345",  # an order QR
        "https://example.com/?backend=http://h&kiosk=k1&token=" + TOKEN,  # not our scheme
        "KIOSK-PROVISION:?" + urlencode({"backend": "http://h", "kiosk": "k1", "token": TOKEN}),
        _uri(backend="http://h", kiosk="k1"),  # no credential
        _uri(backend="http://h", token=TOKEN),  # no kiosk
        _uri(kiosk="k1", token=TOKEN),  # no backend
        _uri(backend="http://h", kiosk="k1", token=TOKEN, extra="1"),  # something more
        _uri(backend="http://h", kiosk="k1", token=TOKEN) + "&kiosk=k2",  # twice
        _uri(backend="ftp://h", kiosk="k1", token=TOKEN),  # not http(s)
        _uri(backend="javascript:alert(1)", kiosk="k1", token=TOKEN),
        _uri(backend="http://", kiosk="k1", token=TOKEN),  # no host
        _uri(backend="http://u:p@h", kiosk="k1", token=TOKEN),  # a password in the URL
        _uri(backend="http://h:port", kiosk="k1", token=TOKEN),
        _uri(backend="http://h/?x=1", kiosk="k1", token=TOKEN),
        _uri(backend="http://h", kiosk="Kiosk 07!", token=TOKEN),  # not a kiosk id
        _uri(backend="http://h", kiosk="k1", token="short"),
        _uri(backend="http://h", kiosk="k1", token=TOKEN + "<script>"),
        _uri(backend="http://h", kiosk="k1", token=TOKEN).replace("kiosk=k1", "kiosk=k%E4%B8%AD"),
        "kiosk-provision:?backend=http://h&&kiosk=k1",  # malformed query
    ],
)
def test_bad_or_foreign_payloads_are_refused(text: str) -> None:
    assert parse_provisioning(text) is None
    assert classify(text).kind != CodeKind.PROVISION
