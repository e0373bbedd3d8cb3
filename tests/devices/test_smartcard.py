"""The smart card driver through the real pcscd and pyscard, with virtual cards on vpcd."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from peripherals.smartcard.card_layout import CardRecord
from peripherals.smartcard.driver import PcscSmartCardReader
from peripherals.smartcard.emulator import (
    DEMO_CARDS,
    EmulatorError,
    PcscdError,
    SmartCardEmulator,
    VirtualCard,
    ensure_pcscd,
)
from peripherals.smartcard.emulator.pcscd import pcscd_binary
from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.protocol import SmartCardData
from peripherals.status import DeviceState
from tests.fixtures.common import free_port

REPO = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.mark.parametrize("member_id", ["M1001", "M2002"])
def test_member_card_reads_member_number_and_uid(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader, member_id: str
) -> None:
    smartcard_emulator.insert(member_id)
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    card = smartcard_reader.read_card()
    assert card is not None
    assert card.kind == "member"
    assert card.member_id == member_id
    assert card.uid == DEMO_CARDS[member_id].uid.hex().upper()
    assert (card.staff_id, card.role) == ("", "")
    assert card.atr.startswith("3B")


@pytest.mark.parametrize(("staff_id", "role"), [("S001", "supervisor"), ("S002", "operator")])
def test_staff_card_reads_staff_id_and_role(
    smartcard_emulator: SmartCardEmulator,
    smartcard_reader: PcscSmartCardReader,
    staff_id: str,
    role: str,
) -> None:
    smartcard_emulator.insert(staff_id)
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    card = smartcard_reader.read_card()
    assert card == SmartCardData(
        uid=DEMO_CARDS[staff_id].uid.hex().upper(),
        kind="staff",
        staff_id=staff_id,
        role=role,
        atr=card.atr if card else "",
    )


def test_card_without_kiosk_application_reads_as_unknown_with_its_uid(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader
) -> None:
    smartcard_emulator.insert("unknown")
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    card = smartcard_reader.read_card()
    assert card is not None
    assert (card.kind, card.uid, card.member_id, card.staff_id) == ("unknown", "DEADBEEF", "", "")
    # the driver asked for the kiosk application and did not read a record it was refused
    applet = smartcard_emulator.applet
    assert applet is not None
    assert [apdu[1] for apdu in applet.received] == [0xCA, 0xA4]


def test_a_custom_card_reads_back_what_was_written(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader
) -> None:
    card = VirtualCard("new member", bytes.fromhex("0102030405060708"), CardRecord("member", "M77"))
    smartcard_emulator.insert(card)
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    data = smartcard_reader.read_card()
    assert data is not None
    assert (data.uid, data.member_id) == ("0102030405060708", "M77")


def test_empty_reader_reads_none(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader
) -> None:
    assert smartcard_reader.read_card() is None
    smartcard_emulator.insert("M1001")
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    smartcard_emulator.remove()
    assert smartcard_reader.wait_for_card(present=False, timeout=3.0)
    assert smartcard_reader.read_card() is None


@pytest.mark.parametrize("lift_after", [0, 2])
def test_card_lifted_mid_read_reads_none(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader, lift_after: int
) -> None:
    smartcard_emulator.insert("M1001", lift_after=lift_after)
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    assert smartcard_reader.read_card() is None
    assert not smartcard_emulator.inserted


def test_card_lifted_mid_read_is_not_reported_and_the_next_card_is(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader
) -> None:
    events: list[str] = []
    stop = smartcard_reader.watch(
        lambda card: events.append(card.member_id), lambda: events.append("removed")
    )
    try:
        smartcard_emulator.insert("M1001", lift_after=1)
        assert smartcard_reader.wait_for_card(present=False, timeout=3.0)
        time.sleep(0.5)
        assert events == []
        smartcard_emulator.insert("M2002")
        assert wait_until(lambda: events == ["M2002"], 3.0)
    finally:
        stop()


def test_status_reports_reader_and_card_presence(
    smartcard_emulator: SmartCardEmulator,
    smartcard_reader: PcscSmartCardReader,
    smartcard_reader_name: str,
) -> None:
    empty = smartcard_reader.status()
    assert empty.state is DeviceState.OK and empty.healthy
    assert empty.details["reader"] == smartcard_reader_name
    assert empty.details["card_present"] is False
    smartcard_emulator.insert("S002")
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    assert smartcard_reader.status().details["card_present"] is True


def test_insert_and_remove_are_reported_once_each(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader
) -> None:
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def inserted(card: SmartCardData) -> None:
        with lock:
            events.append(("inserted", card.member_id or card.staff_id))

    def removed() -> None:
        with lock:
            events.append(("removed", ""))

    stop = smartcard_reader.watch(inserted, removed)
    try:
        time.sleep(0.3)
        assert events == []  # an empty reader reports nothing
        smartcard_emulator.insert("M1001")
        assert wait_until(lambda: len(events) >= 1, 3.0)
        time.sleep(1.0)  # more than two pcscd presence polls: a held card is not re-reported
        assert events == [("inserted", "M1001")]
        smartcard_emulator.remove()
        assert wait_until(lambda: len(events) >= 2, 3.0)
        smartcard_emulator.insert("S001")
        assert wait_until(lambda: len(events) >= 3, 3.0)
        smartcard_emulator.remove()
        assert wait_until(lambda: len(events) >= 4, 3.0)
        time.sleep(0.6)
    finally:
        stop()
    assert events == [("inserted", "M1001"), ("removed", ""), ("inserted", "S001"), ("removed", "")]


def test_card_already_in_reader_is_reported_when_watching_starts(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader
) -> None:
    smartcard_emulator.insert("M2002")
    assert smartcard_reader.wait_for_card(present=True, timeout=3.0)
    seen: list[SmartCardData] = []
    stop = smartcard_reader.watch(seen.append)
    try:
        assert wait_until(lambda: len(seen) == 1, 3.0)
        assert seen[0].member_id == "M2002"
    finally:
        stop()


def test_stopping_the_watcher_reports_no_removal(
    smartcard_emulator: SmartCardEmulator, smartcard_reader: PcscSmartCardReader
) -> None:
    removed: list[bool] = []
    seen: list[SmartCardData] = []
    stop = smartcard_reader.watch(seen.append, lambda: removed.append(True))
    smartcard_emulator.insert("S001")
    assert wait_until(lambda: len(seen) == 1, 3.0)
    started = time.monotonic()
    stop()
    assert time.monotonic() - started < 1.0
    smartcard_emulator.remove()
    time.sleep(0.6)
    assert removed == []


def test_unknown_reader_name_is_a_missing_status_not_an_exception(
    pcscd: object, smartcard_emulator: SmartCardEmulator
) -> None:
    reader = PcscSmartCardReader("No Such Reader 9000")
    status = reader.status()
    assert status.state is DeviceState.MISSING
    assert status.code == "reader_not_found"
    assert status.message_zh and status.message_en
    with pytest.raises(SmartCardError) as raised:
        reader.read_card()
    assert raised.value.code == "reader_not_found"
    # watching a missing reader neither raises nor reports; the stop function still works
    seen: list[SmartCardData] = []
    stop = reader.watch(seen.append)
    smartcard_emulator.insert("M1001")
    time.sleep(0.5)
    stop()
    assert seen == []


SNIPPET = """
import json
from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.driver import PcscSmartCardReader
reader = PcscSmartCardReader()
out = {"status": reader.status().as_dict()}
try:
    reader.read_card()
except SmartCardError as exc:
    out["read_error"] = exc.code
stop = reader.watch(print)
stop()
out["watch_stopped"] = True
print(json.dumps(out))
"""


def test_driver_without_pcscd_reports_missing(tmp_path: Path) -> None:
    # libpcsclite takes pcscd's socket from PCSCLITE_CSOCK_NAME: point it where no pcscd is
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "no-pcscd.comm"))
    done = subprocess.run(
        [sys.executable, "-c", SNIPPET],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"]["state"] == "missing"
    assert out["status"]["code"] == "pcscd_unavailable"
    assert "pcscd" in out["status"]["message"]["en"]
    assert out["read_error"] == "pcscd_unavailable"
    assert out["watch_stopped"]


def test_ensure_pcscd_reuses_a_running_daemon_and_leaves_it_running(pcscd: object) -> None:
    again = ensure_pcscd(timeout=5.0)
    assert not again.started_here
    assert again.vpcd_readers
    again.stop()
    assert PcscSmartCardReader(again.vpcd_readers[0]).status().state is DeviceState.OK


def test_missing_pcscd_binary_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PcscdError) as raised:
        pcscd_binary(search_path=str(tmp_path))
    assert raised.value.code == "pcscd_missing"
    assert "apt-get install pcscd" in raised.value.message_en


def test_inserting_with_nothing_listening_is_a_clear_error() -> None:
    emulator = SmartCardEmulator(port=free_port())
    with pytest.raises(EmulatorError) as raised:
        emulator.insert("M1001", timeout=1.0)
    assert raised.value.code == "vpcd_unreachable"
    assert not emulator.inserted
