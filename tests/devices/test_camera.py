"""The camera scanner over the camera emulator's real MJPEG-over-HTTP stream."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import date

import cv2

from kiosk.domain.code_kinds import CodeKind, PaymentProvider, classify
from kiosk.domain.ticket_code import TicketClaims, new_private_key, sign_ticket, verify_ticket
from peripherals.camera.driver import CameraScanner
from peripherals.status import DeviceState

WECHAT = "134567890123456789"
ALIPAY = "2812345678901234567"
ORDER = "KO1:20240501000123"


def test_scanner_reads_a_wechat_payment_code_at_an_angle_in_glare(camera_emulator, start_scanner):
    scanner, codes = start_scanner(camera_emulator.url)
    camera_emulator.show_code(WECHAT, kind="payment", angle=35, glare=True, module_px=4)
    assert codes.wait_for(WECHAT), f"nothing read; reported {codes.codes}"
    assert classify(codes.codes[0]).value == PaymentProvider.WECHAT
    assert scanner.status().state == DeviceState.OK


def test_scanner_reads_an_alipay_code_from_a_tilted_blurred_phone(camera_emulator, start_scanner):
    _, codes = start_scanner(camera_emulator.url)
    camera_emulator.show_code(ALIPAY, kind="payment", angle=25, blur=1.0, rotation=-20)
    assert codes.wait_for(ALIPAY)
    assert classify(ALIPAY).value == PaymentProvider.ALIPAY


def test_scanner_reads_an_order_qr_printed_on_paper(camera_emulator, start_scanner):
    _, codes = start_scanner(camera_emulator.url)
    camera_emulator.show_code(ORDER, kind="qr", medium="paper", angle=40, module_px=4)
    assert codes.wait_for(ORDER)
    assert classify(codes.codes[0]).kind == CodeKind.ORDER


def test_scanner_reads_a_signed_ticket_that_still_verifies(camera_emulator, start_scanner):
    key = new_private_key()
    claims = TicketClaims("T000123", "P-ADMIT", date(2024, 5, 1), "S0900", "adult")
    ticket = sign_ticket(claims, key)
    _, codes = start_scanner(camera_emulator.url)
    camera_emulator.show_code(ticket, kind="qr", medium="paper", angle=20, module_px=4)
    assert codes.wait_for(ticket)
    assert verify_ticket(codes.codes[0], key.public_key()) == claims


def test_a_code_held_still_is_reported_once(camera_emulator, start_scanner):
    _, codes = start_scanner(camera_emulator.url)
    camera_emulator.show_code(WECHAT, kind="payment", angle=10)
    assert codes.wait_for(WECHAT)
    time.sleep(2.5)  # well past repeat_after, the code never left the view
    assert codes.codes == [WECHAT]


def test_a_code_shown_again_after_removal_is_reported_again(camera_emulator, start_scanner):
    _, codes = start_scanner(camera_emulator.url, repeat_after=0.6)
    camera_emulator.show_code(ORDER, kind="qr", seconds=0.8)
    assert codes.wait_for(ORDER)
    time.sleep(1.8)  # the code went away on its own after 0.8 s and stayed away
    assert camera_emulator.showing() is None
    assert codes.count(ORDER) == 1
    camera_emulator.show_code(ORDER, kind="qr", angle=15)
    deadline = time.monotonic() + 5
    while codes.count(ORDER) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert codes.count(ORDER) == 2


def test_nothing_is_reported_for_a_scene_without_a_code(camera_emulator, start_scanner):
    scanner, codes = start_scanner(camera_emulator.url)
    time.sleep(2.0)
    assert scanner.frames_decoded >= 5, "the scanner did not look at the stream"
    assert codes.codes == []
    assert scanner.latest_frame().shape == (720, 1280, 3)


def test_an_unreadable_source_is_missing_not_an_exception(tmp_path, start_scanner):
    for source in ("http://127.0.0.1:9/stream.mjpg", str(tmp_path / "nothing.png"), "emu://x:1"):
        scanner = CameraScanner(source)
        status = scanner.status()
        assert status.state == DeviceState.MISSING, source
        assert status.code == "not_found"
        assert status.message_zh and status.message_en
    running, codes = start_scanner(tmp_path / "no-such-folder")
    time.sleep(0.3)
    assert running.status().state == DeviceState.MISSING
    assert running.latest_frame() is None and codes.codes == []


def test_the_stream_recovers_when_the_camera_comes_back(camera_emulator, start_scanner):
    scanner, codes = start_scanner(camera_emulator.url)
    time.sleep(0.5)
    port = camera_emulator.port
    camera_emulator.stop()
    deadline = time.monotonic() + 10
    while scanner.status().healthy and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not scanner.status().healthy
    camera_emulator.port = port
    camera_emulator.start()
    camera_emulator.show_code(WECHAT, kind="payment")
    assert codes.wait_for(WECHAT, timeout=10)


def test_the_emulator_is_controlled_over_http_too(camera_emulator, start_scanner):
    _, codes = start_scanner(f"emu://127.0.0.1:{camera_emulator.port}")
    base = f"http://127.0.0.1:{camera_emulator.port}"
    body = json.dumps({"text": ALIPAY, "kind": "payment", "angle": 30, "glare": True}).encode()
    request = urllib.request.Request(f"{base}/show", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert json.load(reply) == {"showing": ALIPAY}
    assert codes.wait_for(ALIPAY)
    with urllib.request.urlopen(f"{base}/frame.jpg", timeout=5) as reply:
        assert reply.headers["Content-Type"] == "image/jpeg"


def test_scanner_reads_an_image_folder(tmp_path, camera_emulator, start_scanner):
    camera_emulator.show_code(ORDER, kind="qr", angle=30)
    cv2.imwrite(str(tmp_path / "a.png"), camera_emulator.frame())
    camera_emulator.clear()
    cv2.imwrite(str(tmp_path / "b.png"), camera_emulator.frame())
    _, codes = start_scanner(tmp_path)
    assert codes.wait_for(ORDER)


def test_scanner_reads_the_emulator_in_process(camera_emulator, start_scanner):
    _, codes = start_scanner(camera_emulator)  # frames straight from emulator.frame()
    camera_emulator.show_code(WECHAT, kind="code128", module_px=2, angle=20)
    assert codes.wait_for(WECHAT)
