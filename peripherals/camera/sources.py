"""Where frames come from: a camera, a stream URL, a video, an image, a folder, or a callable.

`open_source(spec)` looks the spec's scheme up in CAMERA_SOURCES (peripherals.transport):
- "0", 1 ...                      an OpenCV device index (/dev/videoN)           bare value
- a .png/.jpg/... file            that image, again and again                   bare value
- a folder                        its images in name order, looping             bare value
- any other file                  a video, looping                              bare value
- "emu://HOST:PORT"               the camera emulator's stream (http://HOST:PORT/stream.mjpg)
- http(s)://, rtsp(s)://, ...     an IP camera stream (OpenCV's FFMPEG backend): STREAM_SCHEMES
- an object with .frame()         an in-process frame source (the emulator, for fast tests)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

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
    return CaptureSource(f"http://{url.strip()[len('emu://') :]}/stream.mjpg", live=True)


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
CAMERA_SOURCES.register(_live_stream, *STREAM_SCHEMES)


def open_source(spec: Any) -> FrameSource:
    """Open whatever `spec` names; raises CameraError (code not_found) when nothing answers
    there, UnknownTransport (a DeviceError) when no source speaks its scheme."""
    if hasattr(spec, "frame") and callable(spec.frame):
        return CallableSource(spec.frame)
    if isinstance(spec, int):
        return CaptureSource(spec, live=True)
    return CAMERA_SOURCES.open(str(spec).strip())
