"""The alert webhook: a WeCom (企业微信) or DingTalk (钉钉) group robot, which both take
`{"msgtype": "text", "text": {"content": ...}}` posted as JSON over HTTPS.

The URL comes from the console (admin, stored in `meta` as `alerts.webhook_url`) or else from
`--alert-webhook URL`. Only https, except to this machine (127.0.0.1 / localhost: a test's
receiver). The URL holds the robot's key: it is never logged or shown in full."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from backend_stub.context import Backend

log = logging.getLogger("backend_stub.webhook")
META_KEY = "alerts.webhook_url"
TIMEOUT = 5.0
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def valid_url(url: str) -> bool:
    """https://host/..., or http:// to this machine only."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.hostname or len(url) > 500:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)


def masked(url: str) -> str:
    """The URL without its query (the robot's key): scheme://host/path?…"""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


def url_of(bk: Backend) -> str:
    stored = bk.store.meta(META_KEY)
    return stored if stored is not None else bk.settings.alert_webhook


def set_url(bk: Backend, url: str) -> None:
    with bk.store.transaction():
        bk.store.set_meta(META_KEY, url)


def post_text(url: str, content: str) -> str:
    """Post one text message; "" when the robot took it, else why not (never raises)."""
    import httpx  # here, not at start: a backend without an alert sent never needs it

    body = {"msgtype": "text", "text": {"content": content}}
    try:
        answer = httpx.post(url, json=body, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return f"unreachable: {type(exc).__name__}"
    if answer.status_code >= 300:
        return f"HTTP {answer.status_code}"
    try:  # both robots answer 200 with {"errcode": 0, ...}; another errcode is a refusal
        code = answer.json().get("errcode", 0)
    except (ValueError, AttributeError):
        code = 0
    return "" if code in (0, None) else f"errcode {code}"
