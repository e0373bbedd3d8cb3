"""`kiosk emulators` as a person uses it: started as its own process, driven over its control
endpoint, with the real drivers reading what was placed on the emulated devices."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from peripherals.idcard.driver import SamIdCardReader
from peripherals.printer.driver import EscposTicketPrinter
from peripherals.printer.sample import sample_ticket
from tests.fixtures.common import free_port


@pytest.fixture(scope="module")
def emulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tickets = tmp_path_factory.mktemp("tickets")
    ports = [free_port() for _ in range(3)]
    process = subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "emulators", "--json", "--no-smartcard",
         "--control-port", str(ports[0]), "--printer-port", str(ports[1]),
         "--camera-port", str(ports[2]), "--tickets", str(tickets)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line, "kiosk emulators printed nothing"
        yield json.loads(line)
    finally:
        process.terminate()
        process.wait(10)


def test_runner_says_where_each_emulator_listens(emulators: dict) -> None:
    assert emulators["control"].startswith("http://127.0.0.1:")
    assert emulators["printer"]["tcp"].startswith("127.0.0.1:")
    assert emulators["idcard"]["pty"].startswith("/dev/pts/")
    assert emulators["camera"]["mjpeg"].endswith("/stream.mjpg")
    assert emulators["kiosk_devices"]["printer"].startswith("tcp://127.0.0.1:")


def test_placing_an_id_card_over_control_is_read_by_the_real_driver(emulators: dict) -> None:
    control = emulators["control"]
    reader = SamIdCardReader(emulators["idcard"]["pty"])
    try:
        assert reader.read_card() is None
        reply = httpx.post(f"{control}/idcard/place", json={"card": "zhang_wei"})
        assert reply.status_code == 200
        card = reader.read_card()
        assert card is not None and card.id_number == "110101199003072375"
        assert card.name == "张伟"
        httpx.post(f"{control}/idcard/lift")
        assert reader.read_card() is None
    finally:
        reader.close()


def test_emptying_paper_over_control_shows_in_printer_status(emulators: dict) -> None:
    control = emulators["control"]
    printer = EscposTicketPrinter(emulators["kiosk_devices"]["printer"])
    try:
        printer.print_ticket(sample_ticket())
        tickets = httpx.get(f"{control}/printer/tickets").json()
        assert len(tickets) == 1 and tickets[0]["png"].endswith(".png")
        httpx.post(f"{control}/printer/paper", json={"empty": True})
        assert printer.status().code == "paper_out"
        httpx.post(f"{control}/printer/paper", json={"refill": True})
        assert printer.status().healthy
    finally:
        printer.close()


def test_bad_requests_get_clear_errors_and_change_nothing(emulators: dict) -> None:
    control = emulators["control"]
    unknown = httpx.post(f"{control}/idcard/place", json={"card": "nobody"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_card"
    garbage = httpx.post(f"{control}/camera/show", content=b"{not json")
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "bad_json"
    missing = httpx.post(f"{control}/camera/show", json={"kind": "qr"})
    assert missing.status_code == 400
    no_card = httpx.post(f"{control}/smartcard/insert", json={"card": "M1001"})
    assert no_card.status_code == 409  # started with --no-smartcard
    assert httpx.get(f"{control}/status").json()["idcard"]["card_on_reader"] is False


def test_showing_a_code_marks_the_camera_busy_until_cleared(emulators: dict) -> None:
    control = emulators["control"]
    shown = httpx.post(f"{control}/camera/show", json={"text": "KO1:SA1", "seconds": 30})
    assert shown.json()["status"]["camera"]["showing"] is True
    httpx.post(f"{control}/camera/clear")
    deadline = time.monotonic() + 2
    while httpx.get(f"{control}/status").json()["camera"]["showing"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
