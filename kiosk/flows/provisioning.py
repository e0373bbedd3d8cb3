"""Staff mode's "接入后台 / Connect to backend": the provisioning QR the console's Kiosks page
shows (backend URL, kiosk id, credential; kiosk.domain.code_kinds.parse_provisioning) is read
by the camera, shown for the staff to confirm (the credential masked), checked with an
authenticated call to that backend, saved and used at once.

Screens (flow `staff`): `provision_scan` (show the QR; `scan`, `menu`), `provision_confirm`
(data: backend_url, kiosk_id, token_masked; `confirm`, `menu`), `provision_checking`. It ends
back on the staff menu with `staff.provisioned` or the error that refused it (nothing saved).

Saved (kiosk.config): the credential alone in `<data_dir>/kiosk.token` (mode 0600), and
`<data_dir>/provisioned.toml` (backend_url, kiosk_id, kiosk_token_file) that load_config reads
over kiosk.toml, so a restart keeps it. The running kiosk switches at once: the same client
(`BackendClient.rebind`) speaks to the new backend as the new kiosk from its next call, and a
heartbeat announces it. The credential is never logged, journaled or shown in full.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.client import BackendClient, BackendError
from kiosk.config import KioskConfig
from kiosk.domain.code_kinds import Provisioning, parse_provisioning
from kiosk.flows.base import SCAN, Action, Msg, Ports
from kiosk.flows.recovery import work_left
from kiosk.upkeep import send_heartbeat


class StaffFlow(Protocol):
    """What this action uses of kiosk.flows.staff.StaffFlow (which imports this module)."""

    ports: Ports
    staff_id: str

    def audit(self, action: str, **details: Any) -> None: ...

    def publish(self, screen: str, *messages: Msg, data: Any = None,
                actions: tuple[str, ...] = ()) -> Any: ...  # fmt: skip

    async def wait(self, *allowed: str, idle: bool = True) -> Action: ...

    def rule_msg(self, code: str) -> Msg: ...


log = logging.getLogger("kiosk.provisioning")

TOKEN_FILE = "kiosk.token"


async def connect_to_backend(flow: StaffFlow, pin: str = "") -> Msg:
    """The whole action, from the staff menu back to it: the message the menu then shows.

    `pin`: the staff member could not be checked because this kiosk's own credential is
    refused (revoked): the new backend checks the staff id and PIN with the new credential
    (`POST /staff/verify`), and nothing is saved unless both pass."""
    if work_left(flow.ports.journal):
        flow.audit("provision_refused", code="provision_open_work")
        return flow.rule_msg("provision_open_work")
    message = Msg("staff.provision_kiosk_refused" if pin else "staff.provision_show_qr")
    while True:
        flow.publish("provision_scan", message, actions=(SCAN, "menu"))
        action = await flow.wait(SCAN, "menu")
        if action.name == "menu":
            return Msg("staff.menu")
        found = parse_provisioning(str(action.params.get("text", "")))
        if found is None:
            flow.audit("provision_refused", code="provision_code_invalid")
            message = flow.rule_msg("provision_code_invalid")
            continue
        shown = {"backend_url": found.backend_url, "kiosk_id": found.kiosk_id,
                 "token_masked": found.token_masked}  # fmt: skip
        flow.publish(
            "provision_confirm",
            Msg("staff.provision_confirm", shown),
            data=shown,
            actions=("confirm", "menu"),
        )
        if (await flow.wait("confirm", "menu")).name == "menu":
            flow.audit("provision_declined", backend=found.backend_url, kiosk_id=found.kiosk_id)
            return Msg("staff.menu")
        flow.publish("provision_checking", Msg("staff.provision_checking"), data=shown)
        return await _check_save_and_switch(flow, found, pin)


async def _check_save_and_switch(flow: StaffFlow, found: Provisioning, pin: str) -> Msg:
    where = {"backend": found.backend_url, "kiosk_id": found.kiosk_id}
    staff = (flow.staff_id, pin) if pin else None
    refused = await check_credential(found, flow.ports.config.timeouts.http_seconds, staff)
    if refused:
        flow.audit("provision_refused", code=refused, **where)
        return flow.rule_msg(refused)
    if work_left(flow.ports.journal):  # a journey's work cannot move to another backend
        flow.audit("provision_refused", code="provision_open_work", **where)
        return flow.rule_msg("provision_open_work")
    try:
        await asyncio.to_thread(save, flow.ports.config, found, flow.staff_id)
    except OSError as exc:
        flow.audit("provision_refused", code="provision_not_saved", error=type(exc).__name__,
                   **where)  # fmt: skip
        return flow.rule_msg("provision_not_saved")
    switch(flow.ports.client, flow.ports.config, found)
    sent = await send_heartbeat(flow.ports)
    try:
        await flow.ports.client.poll_catalog()  # the new backend's catalog, not the old one's
    except BackendError as exc:
        log.warning("catalog after provisioning: %s", exc.code)
    flow.audit("provision", heartbeat=sent, **where)
    return Msg("staff.provisioned", {"kiosk_id": found.kiosk_id, "backend_url": found.backend_url})


async def check_credential(
    found: Provisioning, timeout: float, staff: tuple[str, str] | None = None
) -> str:
    """Empty when the backend of `found` accepts its credential (an authenticated catalog read:
    it changes nothing; with `staff` (id, PIN) the staff check, which needs the credential
    too), else the code to show: provision_unreachable, provision_refused, or the staff
    check's own (wrong_pin, staff_locked)."""
    client = BackendClient(found.backend_url, found.kiosk_id, found.token, timeout=timeout,
                           retries=1)  # fmt: skip
    try:
        if staff is not None:
            await client.staff_verify(*staff)
        else:
            await client.catalog()
    except BackendError as exc:
        log.info("provisioning check of %s refused: %s", found.kiosk_id, exc.code)
        if exc.unreachable:
            return "provision_unreachable"
        return exc.code if exc.code in ("wrong_pin", "staff_locked") else "provision_refused"
    finally:
        await client.aclose()
    return ""


def save(config: KioskConfig, found: Provisioning, staff_id: str = "") -> Path:
    """Write the token file (0600) and provisioned.toml into the data dir; the latter's path.
    Each file is written whole then renamed over the old one: a power cut leaves the old or
    the new, never half of one."""
    folder = Path(config.data_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    token_path = folder / TOKEN_FILE
    _write_private(token_path, found.token + "\n")
    when = datetime.now(UTC).isoformat(timespec="seconds")
    text = (
        f'# Written by staff mode\'s "connect to backend" (kiosk/flows/provisioning.py), {when},'
        f" staff {staff_id or '?'}.\n"
        "# kiosk/config.py reads it over kiosk.toml; delete it to use kiosk.toml's backend.\n"
        f"backend_url = {json.dumps(found.backend_url)}\n"
        f"kiosk_id = {json.dumps(found.kiosk_id)}\n"
        f"kiosk_token_file = {json.dumps(str(token_path))}\n"
    )
    _write_private(config.provisioned_path, text)
    return config.provisioned_path


def switch(client: BackendClient, config: KioskConfig, found: Provisioning) -> None:
    """The running kiosk speaks to the new backend as the new kiosk from its next call."""
    client.rebind(found.backend_url, found.kiosk_id, found.token)
    config.backend_url, config.kiosk_id = found.backend_url, found.kiosk_id
    config.kiosk_token = found.token
    config.kiosk_token_file = str(Path(config.data_dir).resolve() / TOKEN_FILE)
    log.info("now kiosk %s of %s", found.kiosk_id, found.backend_url)


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file's mode does not carry over
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
