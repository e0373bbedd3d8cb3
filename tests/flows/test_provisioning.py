"""Staff mode's "connect to backend" against the real backend: an admin provisions a kiosk id on
the console (over its HTTP forms), the camera emulator shows the console's QR, staff confirm,
the kiosk saves the credential (0600, never logged nor journaled) and switches at once: its
next heartbeat is accepted under the new id; revoked on the console, its next call is refused
and the start screen says out of service / credential revoked. A forged, foreign or
unreachable QR is refused with nothing saved."""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import re
import stat
import time
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig, load_config
from kiosk.flows.base import SMART_CARD
from kiosk.flows.home import JourneyLoop
from kiosk.flows.staff import StaffFlow
from kiosk.journal import Journal
from kiosk.startup import open_kiosk
from kiosk.upkeep import send_heartbeat
from peripherals.smartcard.protocol import SmartCardData
from tests.fixtures.console import http_login

STAFF_CARD = SmartCardData(uid="04A1B2C3", kind="staff", staff_id="S002", role="operator")
PIN = "135790"


def provision_on_console(base: str, kiosk_id: str) -> tuple[str, str]:
    """What an admin does on the Kiosks page: (the QR's payload as a camera reads it, the
    token shown once)."""
    console = http_login(base, "admin")
    page = console.post("/console/kiosks", data={"csrf_token": console.csrf, "kiosk_id": kiosk_id,
                        "name": "QR test", "group": ""})  # fmt: skip
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'id="kiosk-token">([^<]+)<', page.text).group(1).strip()
    png = re.search(r'src="data:image/png;base64,([^"]+)"[^>]*id="kiosk-qr"', page.text).group(1)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(png))).convert("L"))
    return found[0].text, token


def revoke_on_console(base: str, kiosk_id: str) -> None:
    console = http_login(base, "admin")
    answer = console.post(f"/console/kiosks/{kiosk_id}/revoke", data={"csrf_token": console.csrf})
    assert answer.status_code == 303, answer.text[:500]


def fleet_entry(backend: BackendProcess, kiosk_id: str) -> dict:
    fleet = httpx.get(f"{backend.url}/api/v1/ops/kiosks", headers=backend.ops_headers()).json()
    kiosks = fleet.get("kiosks", fleet) if isinstance(fleet, dict) else fleet
    return next((k for k in kiosks if k.get("id", k.get("kiosk_id")) == kiosk_id), {})


async def to_staff_menu(session: JourneyLoop) -> StaffFlow:
    session.current.act("staff")
    while session.current.name != "staff" or session.current.state.screen != "staff_card":
        await asyncio.sleep(0.02)
    session.current.act(SMART_CARD, card=STAFF_CARD)
    while session.current.state.screen != "staff_pin":
        await asyncio.sleep(0.02)
    session.current.act("enter_pin", pin=PIN)
    while session.current.state.screen != "staff_menu":
        await asyncio.sleep(0.02)
    return session.current  # type: ignore[return-value]


def test_staff_read_the_consoles_qr_and_the_kiosk_switches_then_a_revocation_stops_it(
    backend: BackendProcess,
    kiosk_config: KioskConfig,
    emulators: Emulators,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    payload, token = provision_on_console(backend.url, "kiosk-qr")
    assert payload.startswith("kiosk-provision:?") and token in payload

    async def go() -> dict:
        seen: dict = {}
        async with open_kiosk(kiosk_config) as k:
            session = JourneyLoop(k.ports, k.hub)
            run = asyncio.create_task(session.run_once())
            while session.current.state.screen != "home":
                await asyncio.sleep(0.02)
            # a tourist showing it on the start screen: an unknown code, nothing opens
            home = session.current
            emulators.camera.show_code(payload, seconds=1.5)
            await asyncio.sleep(2.0)
            emulators.camera.clear()
            emulators.last_shown[payload] = time.monotonic()  # shown again after a pause
            seen["home_after_qr"] = (session.current is home, home.state.screen)
            staff = await to_staff_menu(session)
            t = Tourist(staff, emulators, k.hub)
            t.tap("provision")
            await t.until("provision_scan")
            await t.show_code(payload)
            state = await t.until("provision_confirm")
            seen["confirm"] = dict(state.data)
            seen["confirm_text"] = repr(state.as_dict())
            t.tap("confirm")
            await t.until("staff_menu", timeout=20)
            seen["menu_msg"] = staff.state.messages[0].key
            seen["client_kiosk"] = k.ports.client.kiosk_id
            token_file = Path(kiosk_config.data_dir) / "kiosk.token"
            seen["saved"] = (
                token_file.read_text().strip(),
                stat.S_IMODE(token_file.stat().st_mode),
            )
            seen["heartbeat_again"] = await send_heartbeat(k.ports, session.service)
            t.tap("logout")
            await run
            # revoked on the console: the next call is refused, the start screen says so
            revoke_on_console(backend.url, "kiosk-qr")
            seen["heartbeat_revoked"] = await send_heartbeat(k.ports, session.service)
            seen["backend_state"] = session.service.backend
            run = asyncio.create_task(session.run_once())
            while session.current.state.screen != "out_of_service":
                await asyncio.sleep(0.02)
            seen["out_of_service"] = [m.key for m in session.current.state.messages]
            # staff cannot be checked by a backend that refuses the kiosk: they connect it to a
            # new credential (the console provisions the id again), whose backend checks the PIN
            again, token2 = provision_on_console(backend.url, "kiosk-qr")
            seen["token2"] = token2
            session.current.act("staff")
            while session.current.name != "staff" or session.current.state.screen != "staff_card":
                await asyncio.sleep(0.02)
            staff = session.current
            t = Tourist(staff, emulators, k.hub)
            t.tap(SMART_CARD, card=STAFF_CARD)
            await t.until("staff_pin")
            t.tap("enter_pin", pin=PIN)
            await t.until("provision_scan")
            seen["reconnect_prompt"] = staff.state.messages[0].key
            await t.show_code(again)
            await t.until("provision_confirm")
            t.tap("confirm")
            await t.until("staff_menu", timeout=20)
            seen["reconnected"] = staff.state.messages[0].key
            t.tap("logout")
            await run
            seen["heartbeat_back"] = await send_heartbeat(k.ports, session.service)
            run = asyncio.create_task(session.run_once())
            while session.current.name != "home" or session.current.state.screen == "loading":
                await asyncio.sleep(0.02)
            seen["back_in_service"] = session.current.state.screen
            run.cancel()
        return seen

    seen = asyncio.run(asyncio.wait_for(go(), 90))
    assert seen["home_after_qr"] == (True, "home")
    assert seen["confirm"] == {"backend_url": backend.url, "kiosk_id": "kiosk-qr",
                               "token_masked": f"{token[:4]}…{token[-4:]}"}  # fmt: skip
    assert token not in seen["confirm_text"]
    assert seen["menu_msg"] == "staff.provisioned" and seen["client_kiosk"] == "kiosk-qr"
    # accepted under the new id: the console's fleet saw its heartbeat
    assert seen["heartbeat_again"] and fleet_entry(backend, "kiosk-qr").get("last_seen")
    # saved: the credential alone in a 0600 file, the override naming it; a restart reads it
    data_dir = Path(kiosk_config.data_dir)
    token_file = data_dir / "kiosk.token"
    assert seen["saved"] == (token, 0o600)
    toml = data_dir / "kiosk.toml"
    toml.write_text(f'kiosk_id = "kiosk-01"\nkiosk_token = "demo-kiosk-token"\n'
                    f'data_dir = "{data_dir}"\nbackend_url = "http://127.0.0.1:1"\n')  # fmt: skip
    restarted = load_config(toml, env={})
    assert (restarted.kiosk_id, restarted.kiosk_token, restarted.backend_url) == (
        "kiosk-qr",
        seen["token2"],  # the last one saved: the reconnection
        backend.url,
    )
    # never in the logs nor the journal; the action audited
    assert token not in caplog.text and seen["token2"] not in caplog.text
    journal_bytes = b"".join(p.read_bytes() for p in data_dir.glob("journal.sqlite*"))
    assert token.encode() not in journal_bytes and seen["token2"].encode() not in journal_bytes
    audit = Journal(kiosk_config.journal_path).audit_log()
    provision = next(a for a in audit if a["action"] == "provision")
    assert provision["staff_id"] == "S002"
    assert "kiosk-qr" in repr(provision) and token not in repr(audit)
    # revoked: refused at once, the kiosk out of service saying why (no crash)
    assert seen["heartbeat_revoked"] is False and seen["backend_state"] == "refused"
    assert seen["out_of_service"] == ["service.out_of_service", "service.credential_refused"]
    # reconnected by staff whose PIN the backend checked with the new credential
    assert seen["reconnect_prompt"] == "staff.provision_kiosk_refused"
    assert seen["reconnected"] == "staff.provisioned" and seen["heartbeat_back"]
    assert seen["back_in_service"] == "home"
    assert token_file.read_text().strip() == seen["token2"]


def test_a_forged_wrong_or_unreachable_qr_is_refused_and_nothing_is_saved(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    _, token = provision_on_console(backend.url, "kiosk-qr2")
    wrong = f"kiosk-provision:?backend={backend.url}&kiosk=kiosk-qr2&token={'x' * 43}"
    away = f"kiosk-provision:?backend=http://127.0.0.1:9&kiosk=kiosk-qr2&token={token}"

    async def go() -> dict:
        seen: dict = {}
        async with open_kiosk(kiosk_config) as k:
            staff = StaffFlow(k.ports, STAFF_CARD)
            t = Tourist(staff, emulators, k.hub)
            task = asyncio.create_task(staff.run())
            await t.until("staff_pin")
            t.tap("enter_pin", pin=PIN)
            await t.until("staff_menu")
            t.tap("provision")
            await t.until("provision_scan")
            await t.show_code("KO1:NOT-A-PROVISIONING-QR")  # foreign: said, still scanning
            seen["foreign"] = (staff.state.screen, staff.state.messages[0].key)
            for name, text in (("wrong", wrong), ("away", away)):
                if staff.state.screen != "provision_scan":
                    t.tap("provision")
                    await t.until("provision_scan")
                await t.show_code(text)
                await t.until("provision_confirm")
                t.tap("confirm")
                await t.until("staff_menu", timeout=20)
                msg = staff.state.messages[0]
                seen[name] = (msg.key, msg.params.get("zh", ""), msg.params.get("en", ""))
            seen["still"] = (k.ports.client.kiosk_id, await send_heartbeat(k.ports))
            t.tap("logout")
            await task
        return seen

    seen = asyncio.run(asyncio.wait_for(go(), 90))
    assert seen["foreign"] == ("provision_scan", "error.provision_code_invalid")
    assert seen["wrong"][0] == "error.provision_refused"
    assert "吊销" in seen["wrong"][1] and "nothing was saved" in seen["wrong"][2]
    assert seen["away"][0] == "error.provision_unreachable"
    # nothing saved, the kiosk still itself on its old backend
    data_dir = Path(kiosk_config.data_dir)
    assert not (data_dir / "kiosk.token").exists() and not (data_dir / "provisioned.toml").exists()
    assert seen["still"] == (kiosk_config.kiosk_id, True)
    audit = [a["action"] for a in Journal(kiosk_config.journal_path).audit_log()]
    assert audit.count("provision_refused") == 3 and "provision" not in audit
