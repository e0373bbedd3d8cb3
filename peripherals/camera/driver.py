"""CameraScanner: the CodeScanner the flows use. Capture and decoding each in its own thread.

The capture thread reads frames as fast as the source gives them and keeps only the newest,
so a slow decode never leaves the scanner looking at the past (a live stream's buffer is
drained continuously). The decode thread always takes the newest frame. A code is reported
once per presentation: again only after it has been out of sight for `repeat_after` seconds.
A source that gives JPEGs (MjpegSource) is kept encoded until a frame is needed: the decode
thread first looks at a quarter-size greyscale decode of it, and a still, empty scene is
decoded in full only twice a second (peripherals.camera.stillness); the preview decodes the
newest frame when it asks for it.
A source that cannot be opened, or stops, is a status (MISSING / ERROR), never an exception;
the scanner keeps trying to reopen it.

`open_camera(setting)` is the scanner for a config value; which frame source a value names is
looked up by its scheme in peripherals.camera.sources.CAMERA_SOURCES.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from peripherals.camera.decode import CodeCheck, FrameDecoder
from peripherals.camera.errors import CameraError
from peripherals.camera.protocol import Decoded
from peripherals.camera.sources import (
    CAMERA_SOURCES,
    FrameSource,
    decode_jpeg,
    describe,
    open_source,
)
from peripherals.camera.stillness import SETTLE_SECONDS, StillScene, thumbnail
from peripherals.redaction import redact
from peripherals.status import DeviceError, DeviceState, DeviceStatus

log = logging.getLogger(__name__)

REOPEN_SECONDS = 1.0
STALL_SECONDS = 3.0
FRAME_BUDGET_MS = 40.0  # no frame's decode stalls the loop for more than ~one frame period


class CameraScanner:
    """Reads QR and Code 128 codes from `source` (see peripherals.camera.sources)."""

    def __init__(
        self,
        source: Any,
        *,
        repeat_after: float = 1.5,
        thorough_every: int = 3,
        on_decoded: Callable[[Decoded], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        accept_code128: CodeCheck | None = None,
        budget_ms: float | None = FRAME_BUDGET_MS,
        rest_after: float | None = SETTLE_SECONDS,
    ) -> None:
        """accept_code128: which Code 128 reads to trust (peripherals.camera.decode); None
        trusts QR codes only. budget_ms: a frame's decode starts no slow step past this (CPU
        ms of the decode thread); the slow steps go on over the next frames (spread).
        rest_after: once the scene was still and empty this many seconds, frames that show
        the same are decoded only twice a second (peripherals.camera.stillness); None: every
        frame is decoded."""
        self.source_spec = source
        self.repeat_after = repeat_after
        self.on_decoded = on_decoded
        self.clock = clock
        self._decoder = FrameDecoder(
            thorough_every=thorough_every,
            accept_code128=accept_code128,
            budget_ms=budget_ms,
            spread=True,
        )
        self._on_code: Callable[[str], None] | None = None
        self._stop = threading.Event()
        self._new_frame = threading.Condition()
        self._frame: np.ndarray | bytes | None = None  # the newest: a frame, or its JPEG
        self._shown: tuple[int, weakref.ref[np.ndarray]] | None = None  # latest_frame's last
        self._frame_id = 0
        self._frame_at: float | None = None
        self._threads: list[threading.Thread] = []
        self._last_seen: dict[str, float] = {}
        self._error: DeviceError | None = None
        self._problem = ""  # the source's trouble as last logged ("": none)
        self.frames_read = 0
        self.frames_decoded = 0
        self.decode_ms = 0.0
        self._still = StillScene(rest_after) if rest_after is not None else None

    # ----- CodeScanner -----
    def start(self, on_code: Callable[[str], None]) -> None:
        if self._threads:
            return
        self._on_code = on_code
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._capture_loop, name="camera-capture", daemon=True),
            threading.Thread(target=self._decode_loop, name="camera-decode", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._new_frame:
            self._new_frame.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def latest_frame(self) -> np.ndarray | None:
        """The newest frame (BGR); the same object again while no newer one came and the
        caller still holds it (a JPEG source's frame is decoded here, on demand)."""
        with self._new_frame:
            item, item_id, shown = self._frame, self._frame_id, self._shown
        if not isinstance(item, bytes):
            return item
        frame = shown[1]() if shown is not None and shown[0] == item_id else None
        if frame is None:
            frame = decode_jpeg(item)
            if frame is not None:
                self._shown = (item_id, weakref.ref(frame))
        return frame

    def status(self) -> DeviceStatus:
        details = {"source": describe(self.source_spec), "frames": self.frames_read}
        if not self._threads:
            try:
                probe = open_source(self.source_spec)
                frame = probe.read()
                probe.close()
            except DeviceError as exc:
                return _missing(exc, details)
            if frame is None:
                return _missing(CameraError("no_frames", "no frames"), details)
            return DeviceStatus("camera", DeviceState.OK, details=details)
        if self._error is not None:
            return _missing(self._error, details)
        now = self.clock()
        if self._frame_at is None or now - self._frame_at > STALL_SECONDS:
            return DeviceStatus(
                "camera",
                DeviceState.ERROR,
                "no_frames",
                "摄像头没有画面",
                "The camera gives no frames",
                details,
            )
        details["decode_ms"] = round(self.decode_ms, 1)
        return DeviceStatus("camera", DeviceState.OK, details=details)

    # ----- threads -----
    def _trouble(self, problem: str, text: str) -> None:
        """Log the source's trouble when it changed; the reopen loop retries it quietly."""
        if problem != self._problem:
            log.warning("camera: source %s %s", describe(self.source_spec), text)
        self._problem = problem

    def _capture_loop(self) -> None:
        source: FrameSource | None = None
        while not self._stop.is_set():
            if source is None:
                try:
                    source = open_source(self.source_spec)
                    self._error = None
                except DeviceError as exc:
                    self._error = exc
                    self._trouble(exc.code, f"cannot be opened: {exc.code}")
                    self._stop.wait(REOPEN_SECONDS)
                    continue
            read_encoded = getattr(source, "read_encoded", None)
            frame = read_encoded() if read_encoded is not None else source.read()
            if frame is None:
                self._trouble("no_frames", "stopped giving frames")
                source.close()
                source = None
                self._stop.wait(REOPEN_SECONDS)
                continue
            if self._problem:
                log.info("camera: source %s gives frames again", describe(self.source_spec))
                self._problem = ""
            with self._new_frame:
                self._frame = frame
                self._frame_id += 1
                self._frame_at = self.clock()
                self.frames_read += 1
                self._new_frame.notify_all()
        if source is not None:
            source.close()

    def _decode_loop(self) -> None:
        done_id = 0
        while not self._stop.is_set():
            with self._new_frame:
                if self._frame_id == done_id:
                    self._new_frame.wait(timeout=0.5)
                if self._frame_id == done_id or self._frame is None:
                    continue
                item, done_id = self._frame, self._frame_id  # the newest; older ones are dropped
            try:
                frame = self._to_decode(item)
            except Exception:  # a frame OpenCV cannot take must not end the loop either
                log.exception("camera: reading a frame failed")
                frame = None
            del item
            if frame is None:
                continue  # not needed (a still, empty scene), or unreadable: the next one
            started = time.perf_counter()
            try:
                found = self._decoder.decode(frame)
            except Exception:  # one bad frame (or a decoder's surprise) must not end the loop
                log.exception("camera: decoding a frame failed")
                found = []
            # not kept while waiting for the next one: the capture thread replaces the newest
            # frame, and a reference here would keep a second 1280x720 BGR frame (2.8 MB) alive
            del frame
            self.decode_ms = (time.perf_counter() - started) * 1000.0
            self.frames_decoded += 1
            if self._still is not None:
                self._still.decoded(bool(found), self.clock())
            self._report(found)

    def _to_decode(self, item: np.ndarray | bytes) -> np.ndarray | None:
        """The frame to decode (a JPEG decoded in full), or None: the scene is at rest and
        this frame shows the same (peripherals.camera.stillness), or it does not decode."""
        if self._still is not None:
            thumb = _thumbnail(item)
            if thumb is None or self._still.skip(thumb, self.clock()):
                return None
        return decode_jpeg(item) if isinstance(item, bytes) else item

    def _report(self, found: list[Decoded]) -> None:
        now = self.clock()
        texts_now: set[str] = set()
        for decoded in found:
            if decoded.text in texts_now:
                continue  # a payment screen's QR and Code 128 carry the same code
            texts_now.add(decoded.text)
            last = self._last_seen.get(decoded.text)
            self._last_seen[decoded.text] = now
            if last is not None and now - last <= self.repeat_after:
                continue  # still the same presentation
            # payment codes are money: the log shows the first and last 2 characters only
            log.info("camera: read %s %s", decoded.symbology, redact(decoded.text, 2, 2))
            self._deliver(decoded)
        horizon = now - 10 * self.repeat_after
        self._last_seen = {t: seen for t, seen in self._last_seen.items() if seen >= horizon}

    def _deliver(self, decoded: Decoded) -> None:
        for callback, arg in ((self.on_decoded, decoded), (self._on_code, decoded.text)):
            if callback is None:
                continue
            try:
                callback(arg)  # type: ignore[operator]
            except Exception:  # a broken listener must not stop the camera
                log.exception("camera: code listener failed")


def _thumbnail(item: np.ndarray | bytes) -> np.ndarray | None:
    """A frame at a quarter of its size, to compare with the last decoded one: a JPEG decoded
    straight to that size in grey (None when unreadable), a frame resized."""
    return decode_jpeg(item, quarter_grey=True) if isinstance(item, bytes) else thumbnail(item)


def _missing(exc: DeviceError, details: dict[str, Any]) -> DeviceStatus:
    return DeviceStatus(
        "camera",
        DeviceState.MISSING,
        exc.code,
        exc.message_zh,
        exc.message_en,
        details,
    )


def open_camera(setting: str, **options: Any) -> CameraScanner:
    """The scanner for a config value (devices.camera): an index, a file, a folder, a stream
    URL or emu://HOST:PORT. Raises UnknownTransport (a DeviceError) for a scheme no frame
    source speaks; a source that is merely absent is the scanner's status, not an error."""
    CAMERA_SOURCES.opener(setting)
    return CameraScanner(setting, **options)
