"""The camera at rest: a still, empty scene is decoded twice a second, not 20 times, and a code
coming in is still read at once (peripherals.camera.stillness)."""

from __future__ import annotations

import time

import numpy as np

from peripherals.camera.emulator import CodeLook, compose, scene
from peripherals.camera.stillness import StillScene, differs, thumbnail

ORDER = "KO1:20240501000123"


class NoisyScene:
    """The emulator's empty scene as a real sensor gives it: a new draw of noise every frame;
    `look` puts a code in front of it."""

    def __init__(self, sigma: float = 3.0) -> None:
        self.background = scene(7)
        self.sigma = sigma
        self.look: CodeLook | None = None
        self._rng = np.random.default_rng(18)

    def frame(self) -> np.ndarray:
        image = self.background if self.look is None else compose(self.background, self.look)
        noise = self._rng.normal(0.0, self.sigma, image.shape).astype(np.float32)
        return np.clip(image + noise, 0, 255).astype(np.uint8)


def test_sensor_noise_is_not_a_change_but_a_small_code_or_the_light_is():
    camera = NoisyScene(sigma=4.0)
    still = thumbnail(camera.frame())
    assert not any(differs(thumbnail(camera.frame()), still) for _ in range(10))
    camera.look = CodeLook(ORDER, module_px=2.0, center=(0.8, 0.3))  # a distant code, off centre
    assert differs(thumbnail(camera.frame()), still)
    camera.look = None
    dimmer = np.clip(camera.frame().astype(np.int16) - 15, 0, 255).astype(np.uint8)
    assert differs(thumbnail(dimmer), still)


def test_only_a_still_empty_scene_is_left_undecoded_and_never_for_long():
    camera, rest = NoisyScene(), StillScene(settle=1.0, every=0.5)
    empty = [thumbnail(camera.frame()) for _ in range(5)]  # noise drawn anew, 5 times
    camera.look = CodeLook(ORDER, module_px=2.5)
    with_code = [thumbnail(camera.frame()) for _ in range(5)]
    now, frames = 0.0, empty

    def step(found: bool = False) -> bool:
        nonlocal now
        now += 0.05  # 20 frames a second
        skipped = rest.skip(frames[int(now * 20) % len(frames)], now)
        if not skipped:
            rest.decoded(found, now)
        return skipped

    assert not any(step() for _ in range(20)), "skipped before the scene had settled"
    skipped = [step() for _ in range(40)]  # 2 s at rest: one frame in ~0.5 s decoded
    assert 3 <= skipped.count(False) <= 5
    frames = with_code
    assert not step(found=False), "a code coming in was not decoded"
    assert not any(step(found=False) for _ in range(19)), "a new scene must settle again"
    assert not any(step(found=True) for _ in range(60)), "a frame showing a read code skipped"


def test_the_scanner_rests_on_an_empty_scene_and_reads_a_code_brought_in(
    camera_emulator, start_scanner
):
    scanner, codes = start_scanner(f"emu://127.0.0.1:{camera_emulator.port}", rest_after=0.5)
    time.sleep(1.0)
    read_before, decoded_before = scanner.frames_read, scanner.frames_decoded
    time.sleep(1.5)
    read = scanner.frames_read - read_before
    decoded = scanner.frames_decoded - decoded_before
    assert read >= 20, "the stream stalled"
    assert decoded <= 5, f"{decoded} of {read} frames of a still, empty scene decoded"
    preview = scanner.latest_frame()  # kept as JPEG, decoded for the preview when asked
    assert preview is not None and preview.shape == (720, 1280, 3)
    shown = time.monotonic()
    camera_emulator.show_code(ORDER, kind="qr", angle=20, module_px=3)
    assert codes.wait_for(ORDER, timeout=2.0)
    assert time.monotonic() - shown < 1.0
    time.sleep(2.0)  # held still longer than repeat_after: every frame with it decoded
    assert codes.count(ORDER) == 1, "a code held still was reported again"
    camera_emulator.clear()
