"""Issue 18: the truth behind bench.scan_bound: where each QR module lands in an emulated frame,
and the reader that is told it (the ceiling of a single-frame reader)."""

from __future__ import annotations

import cv2
import pytest

from bench.scan_bound import ceiling_read
from peripherals.camera.emulator import CodeLook, compose, qr_modules, scene
from peripherals.camera.gridread import called_dark, sampled

PAYMENT = "134567890123456789"
ORDER = "KO1:12345678901234"


@pytest.mark.parametrize(
    "look",
    [
        CodeLook(ORDER, module_px=2.0, rotation=127.0, medium="paper"),
        CodeLook(ORDER, module_px=2.1, angle=30.0, tilt_axis=40.0, rotation=-20.0),
        CodeLook(PAYMENT, kind="payment", module_px=3.5, angle=20.0, rotation=33.0),
        CodeLook("A" * 90, module_px=2.5, rotation=8.0, center=(0.3, 0.6)),
    ],
    ids=["paper-2px-turned", "tilted-2.1px", "payment-screen", "version-4"],
)
def test_every_module_centre_lands_on_its_module(look: CodeLook):
    frame = compose(scene(5), look)
    truth = qr_modules(look, frame.shape[1], frame.shape[0])
    assert truth is not None
    centres, dark = truth
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    assert (called_dark(sampled(gray, centres)) == dark).all()


def test_a_code128_has_no_qr_modules():
    assert qr_modules(CodeLook("KO1:123", kind="code128")) is None


def test_told_the_truth_a_two_module_smear_reads_and_a_wrong_grid_does_not():
    look = CodeLook(PAYMENT, kind="payment", module_px=3.0, motion=6.3, motion_angle=50.0)
    frame = compose(scene(9), look)
    assert ceiling_read(frame, look)["read"]
    # the same frame, with a look one module off: the truth is what makes it read
    shifted = CodeLook(**{**look.__dict__, "center": (0.5 + 3.0 / 1280, 0.5)})
    assert not ceiling_read(frame, shifted)["read"]
