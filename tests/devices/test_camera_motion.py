"""Issue 18: codes smeared by a moving hand, the frame-time budget, the stream mode of the corpus,
the MJPEG source without FFmpeg."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from bench.corpus import moving_presentation, random_look
from peripherals.camera.deblur import estimate_smear, line_kernel, wiener
from peripherals.camera.decode import FrameDecoder, read_zbar, read_zxing
from peripherals.camera.emulator import CodeLook, compose, scene
from peripherals.camera.errors import CameraError
from peripherals.camera.sources import MjpegSource, open_source

ORDER = "KO1:12345678901234"


def test_a_line_kernel_is_a_normalised_segment_along_its_angle():
    kernel = line_kernel(6.0, 90.0)
    assert kernel.sum() == pytest.approx(1.0)
    ys, xs = np.nonzero(kernel > 0.01)
    assert xs.max() - xs.min() <= 1 and ys.max() - ys.min() >= 5  # vertical


def test_the_smear_is_estimated_near_its_direction_and_length():
    look = CodeLook(ORDER, module_px=4.0, motion=8.0, motion_angle=30.0)
    gray = cv2.cvtColor(compose(scene(21), look), cv2.COLOR_BGR2GRAY)
    crop = gray[200:520, 480:800]
    smear = estimate_smear(crop)
    assert abs((smear.angle - 30.0 + 90) % 180 - 90) < 20
    assert 4 <= smear.length <= 12 and smear.isotropy < 0.85
    sharp, scale = wiener(crop, smear.length, smear.angle)
    assert sharp.dtype == np.uint8 and scale == 1.0


def test_a_smeared_code_no_plain_decoder_reads_is_read_by_deconvolving_it():
    look = CodeLook(ORDER, module_px=3.0, motion=6.0, motion_angle=30, angle=15, rotation=10)
    frame = compose(scene(21), look)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    assert read_zxing(gray) == [] and read_zbar(gray) == []
    decoder = FrameDecoder(remember_region=False)
    assert [d.text for d in decoder.decode(frame)] == [ORDER]
    assert decoder.last_step == "deblur"


def test_no_frame_runs_past_its_budget_and_the_next_frame_goes_on_from_there():
    busy = scene(7)  # no code: every step is tried
    decoder = FrameDecoder(remember_region=False, budget_ms=20.0, spread=True)
    start = time.thread_time()
    assert decoder.decode(busy) == []
    took_ms = (time.thread_time() - start) * 1000
    assert decoder.over_budget
    assert took_ms < 20.0 + 40.0  # one step may run past the budget, never the whole list
    first_cursor = decoder._cursor
    assert first_cursor > 0
    decoder.decode(busy)
    assert decoder._cursor != first_cursor  # the slow steps went on where the last frame stopped


def test_without_a_budget_every_step_runs():
    decoder = FrameDecoder(remember_region=False)
    assert decoder.decode(scene(7)) == [] and not decoder.over_budget


def test_a_moving_presentation_slows_down_and_keeps_its_code():
    rng = np.random.default_rng(5)
    looks = moving_presentation(rng, 1, hold_frames=30)
    assert len(looks) == 30 and len({look.text for look in looks}) == 1
    assert looks[0].motion >= 0.8 * looks[0].module_px  # 1-2.5 rest-size modules at first
    moving = [look.motion for look in looks[:10]]
    assert moving[0] > moving[-1]


def test_the_corpus_draws_motion_only_when_asked():
    plain = random_look(np.random.default_rng(3), 1)
    assert plain.motion == 0.0
    smeared = [random_look(np.random.default_rng(s), 1, motion_share=1.0) for s in range(5)]
    assert all(1.0 * s.module_px <= s.motion <= 2.5 * s.module_px for s in smeared)


def test_the_mjpeg_source_reads_the_emulator_without_ffmpeg(camera_emulator):
    source = open_source(f"mjpeg://127.0.0.1:{camera_emulator.port}/stream.mjpg")
    try:
        assert isinstance(source, MjpegSource) and source.live
        frame = source.read()
        assert frame is not None and frame.shape == (720, 1280, 3)
    finally:
        source.close()
    assert isinstance(open_source(f"emu://127.0.0.1:{camera_emulator.port}"), MjpegSource)


def test_a_url_without_an_mjpeg_stream_is_no_camera(camera_emulator):
    with pytest.raises(CameraError):
        MjpegSource(f"http://127.0.0.1:{camera_emulator.port}/frame.jpg")
    with pytest.raises(CameraError):
        MjpegSource("http://127.0.0.1:9/stream.mjpg")
