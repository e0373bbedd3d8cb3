"""Where frames come from: a camera, a stream URL, a video, an image, a folder, or a callable.

`open_source(spec)` looks the spec's scheme up in CAMERA_SOURCES (peripherals.transport):
- "0", 1 ...                      an OpenCV device index (/dev/videoN)           bare value
- a .png/.jpg/... file            that image, again and again                   bare value
- a folder                        its images in name order, looping             bare value
- any other file                  a video, looping                              bare value
- "emu://HOST:PORT"               the camera emulator's stream (http://HOST:PORT/stream.mjpg),
                                  read by MjpegSource (no FFmpeg)
- "mjpeg://HOST:PORT/PATH"        any MJPEG-over-HTTP camera (http://HOST:PORT/PATH), MjpegSource
- http(s)://, rtsp(s)://, ...     an IP camera stream (OpenCV's FFMPEG backend): STREAM_SCHEMES

MjpegSource reads multipart/x-mixed-replace over a plain socket (http.client) and gives each
JPEG as it came (`read_encoded`, the scanner decodes only what it needs) or decoded by
cv2.imdecode (`read`): no FFmpeg demuxer or decoder state in the process, ~10 MB less at rest
(docs/bench-kiosk.md), and it opens in a few ms.
- an object with .frame()         an in-process frame source (the emulator, for fast tests)
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import cv2
import numpy as np

from peripherals.camera.errors import CameraError
from peripherals.transport import BARE, Registry

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
OPEN_TIMEOUT_MS = 3000
READ_TIMEOUT_MS = 3000


class FrameSource(Protocol):
    # True for a live camera: frames arrive at the device's pace and pile up if not read.
    live: bool

    def read(self) -> np.ndarray | None:
        """The next frame (BGR), or None when the source has failed."""
        ...

    def close(self) -> None: ...


class CaptureSource:
    """OpenCV VideoCapture: a device index, a stream URL or a video file."""

    def __init__(self, target: int | str, live: bool, loop: bool = False) -> None:
        self.live = live
        self.loop = loop
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS]
        params += [cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
        backend = cv2.CAP_FFMPEG if isinstance(target, str) else cv2.CAP_ANY
        self._capture = cv2.VideoCapture(target, backend, params)
        if not self._capture.isOpened():
            self._capture.release()
            raise CameraError("not_found", f"cannot open camera {target!r}", "无法打开摄像头")
        fps = self._capture.get(cv2.CAP_PROP_FPS) or 0.0
        self.period = 0.0 if live or not 1 <= fps <= 120 else 1.0 / fps

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        if not ok and self.loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if self.period:
            time.sleep(self.period)
        return frame if ok else None

    def close(self) -> None:
        self._capture.release()


class MjpegSource:
    """An MJPEG-over-HTTP stream (multipart/x-mixed-replace of JPEG parts), without FFmpeg."""

    live = True

    def __init__(self, url: str, timeout: float = READ_TIMEOUT_MS / 1000.0) -> None:
        """`timeout`: seconds for opening, and for each read on the socket."""
        parts = urlsplit(url)
        self.url = url
        try:
            self._conn = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout
            )
            self._conn.request(
                "GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            )
            self._response = self._conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise CameraError(
                "not_found", f"cannot open camera {url!r}: {exc}", "无法打开摄像头"
            ) from exc
        kind = self._response.getheader("Content-Type", "")
        if self._response.status != 200 or "multipart" not in kind:
            self._conn.close()
            raise CameraError("not_found", f"no MJPEG stream at {url!r}", "无法打开摄像头")

    def read(self) -> np.ndarray | None:
        """The next part's JPEG, decoded; None when the stream ended or broke."""
        data = self.read_encoded()
        return None if data is None else decode_jpeg(data)

    def read_encoded(self) -> bytes | None:
        """The next part's JPEG as it came (the scanner decodes only the frames it needs, see
        peripherals.camera.driver); None when the stream ended or broke."""
        try:
            length = 0
            while True:  # the part's headers, after its boundary line
                line = self._response.fp.readline(1024)
                if not line:
                    return None
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
                elif line in (b"\r\n", b"\n") and length:
                    break
            data = self._response.fp.read(length)
        except (OSError, ValueError, http.client.HTTPException):
            return None
        if len(data) < length:
            return None
        return data

    def close(self) -> None:
        self._conn.close()


def decode_jpeg(data: bytes, quarter_grey: bool = False) -> np.ndarray | None:
    """A JPEG as a BGR frame, or as a greyscale quarter-size one (`quarter_grey`: libjpeg
    scales while decoding, ~0.5 ms instead of ~2 ms for a 720p frame); None when unreadable."""
    flag = cv2.IMREAD_REDUCED_GRAYSCALE_4 if quarter_grey else cv2.IMREAD_COLOR
    return cv2.imdecode(np.frombuffer(data, np.uint8), flag)


class ImageSource:
    """Still images, one after the other at `fps`, looping."""

    live = False

    def __init__(self, paths: list[Path], fps: float = 15.0) -> None:
        self.images = []
        for path in paths:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None:
                self.images.append(image)
        if not self.images:
            raise CameraError("not_found", "no readable image", "没有可读的图像")
        self.period = 1.0 / fps
        self._index = 0

    def read(self) -> np.ndarray | None:
        time.sleep(self.period)
        image = self.images[self._index % len(self.images)]
        self._index += 1
        return image

    def close(self) -> None:
        self.images = []


class CallableSource:
    """Frames from a function (e.g. CameraEmulator.frame), at `fps`."""

    live = False

    def __init__(self, frame: Callable[[], np.ndarray], fps: float = 20.0) -> None:
        self._frame = frame
        self.period = 1.0 / fps

    def read(self) -> np.ndarray | None:
        time.sleep(self.period)
        return self._frame()

    def close(self) -> None:
        pass


def describe(spec: Any) -> str:
    """The source as it may appear in logs and status details."""
    if hasattr(spec, "frame"):
        return f"in-process:{type(spec).__name__}"
    return str(spec)


def _live_stream(url: str) -> FrameSource:
    return CaptureSource(url, live=True)


def _emulator_stream(url: str) -> FrameSource:
    """emu://HOST:PORT: the camera emulator's MJPEG stream."""
    return MjpegSource(f"http://{url.strip()[len('emu://') :]}/stream.mjpg")


def _mjpeg_stream(url: str) -> FrameSource:
    """mjpeg://HOST:PORT/PATH: an MJPEG-over-HTTP camera, read without FFmpeg."""
    return MjpegSource(f"http://{url.strip()[len('mjpeg://') :]}")


def _local(text: str) -> FrameSource:
    """A bare value: a device index, an image folder, an image, or a video file."""
    text = text.strip()
    if text.isdigit():
        return CaptureSource(int(text), live=True)
    path = Path(text)
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return ImageSource(images)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path])
    if path.is_file():
        return CaptureSource(text, live=False, loop=True)
    raise CameraError("not_found", f"no camera source at {text!r}", "找不到摄像头")


# What OpenCV's FFMPEG backend opens by URL: IP camera streams, and file:// for a video.
STREAM_SCHEMES = (
    "http", "https", "rtsp", "rtsps", "rtmp", "rtmps", "rtp", "udp", "tcp", "srt", "file",
)  # fmt: skip

CAMERA_SOURCES: Registry[FrameSource] = Registry("camera", "摄像头")
CAMERA_SOURCES.register(_local, BARE)
CAMERA_SOURCES.register(_emulator_stream, "emu")
CAMERA_SOURCES.register(_mjpeg_stream, "mjpeg")
CAMERA_SOURCES.register(_live_stream, *STREAM_SCHEMES)


def open_source(spec: Any) -> FrameSource:
    """Open whatever `spec` names; raises CameraError (code not_found) when nothing answers
    there, UnknownTransport (a DeviceError) when no source speaks its scheme."""
    if hasattr(spec, "frame") and callable(spec.frame):
        return CallableSource(spec.frame)
    if isinstance(spec, int):
        return CaptureSource(spec, live=True)
    return CAMERA_SOURCES.open(str(spec).strip())
