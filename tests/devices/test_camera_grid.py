"""Issue 18: a smeared QR read module by module once zxing-cpp has found it but cannot decode
it (peripherals.camera.gridread, the decoder's `grid` step)."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp

from kiosk.devices import known_code
from peripherals.camera import decode
from peripherals.camera.emulator import CodeLook, compose, scene
from peripherals.camera.gridread import function_modules

# two frames of the seed-18 and seed-20 motion corpora (bench.scan --make-corpus … --motion-share
# 0.38) that the decoder reads only by the grid: a paper slip of 2 px modules smeared by 2.1
# modules, and a payment screen of 2 px modules smeared by 2.4 modules
PAPER = CodeLook(
    "KO1:90101366127020", kind="qr", medium="paper", module_px=2.0, angle=42.42,
    tilt_axis=80.01, rotation=14.55, motion=4.178, motion_angle=65.16,
    center=(0.5647, 0.4495), seed=1800083,
)  # fmt: skip
PAYMENT = CodeLook(
    "111408024686625961", kind="payment", medium="screen", module_px=2.0, angle=37.81,
    tilt_axis=96.2, rotation=37.0, motion=4.859, motion_angle=118.0,
    center=(0.69517, 0.34887), seed=2000195,
)  # fmt: skip


@pytest.mark.parametrize("version", range(1, 10))
def test_the_fixed_modules_are_those_of_a_real_symbol(version: int):
    known, dark = function_modules(version)
    barcode = zxingcpp.create_barcode(
        "KO1:90101366127020", zxingcpp.BarcodeFormat.QRCode, ec_level="M", version=version
    )
    image = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False))
    assert image.shape[0] == 17 + 4 * version
    assert ((image < 128)[known] == dark[known]).all()


@pytest.mark.parametrize("look", [PAPER, PAYMENT], ids=["paper", "payment"])
def test_a_two_module_smear_is_read_by_its_grid(look: CodeLook, monkeypatch: pytest.MonkeyPatch):
    frame = compose(scene(look.seed), look)
    decoder = decode.FrameDecoder(remember_region=False, accept_code128=known_code)
    assert [d.text for d in decoder.decode(frame)] == [look.text]
    assert decoder.last_step == "grid"
    # without the grid step the same frame reads nothing
    monkeypatch.setattr(decode, "detections", lambda found: [])
    blind = decode.FrameDecoder(remember_region=False, accept_code128=known_code)
    assert blind.decode(frame) == []
