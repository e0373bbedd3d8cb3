"""The camera emulator: an MJPEG-over-HTTP camera on 127.0.0.1 showing the codes you ask for.

IP cameras speak MJPEG over HTTP (`multipart/x-mixed-replace`); OpenCV's FFMPEG backend opens
`http://127.0.0.1:PORT/stream.mjpg` like any of them, so the scanner's driver cannot tell this
from a real camera. Also usable in-process as a plain frame source (`frame()`) for fast tests.

Control from Python (`show_code`, `clear`) or over HTTP:
    POST /show  {"text": "...", "kind": "payment", "angle": 20, "glare": true, "seconds": 3}
    POST /clear
    GET  /frame.jpg   one frame;   GET /stream.mjpg   the stream
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from peripherals.camera.emulator.frames import FRAME_H, FRAME_W, KINDS, CodeLook, compose, scene

log = logging.getLogger(__name__)
BOUNDARY = "kioskframe"


class CameraEmulator:
    """A camera looking at a scene; a code appears when asked, for as long as asked."""

    def __init__(
        self,
        background: str | Path | np.ndarray | None = None,
        *,
        fps: float = 20.0,
        port: int = 0,
        seed: int = 7,
        jpeg_quality: int = 85,
    ) -> None:
        if isinstance(background, np.ndarray):
            self.background = cv2.resize(background, (FRAME_W, FRAME_H))
        elif background is not None:
            image = cv2.imread(str(background), cv2.IMREAD_COLOR)
            if image is None:
                raise ValueError(f"cannot read background image {background}")
            self.background = cv2.resize(image, (FRAME_W, FRAME_H))
        else:
            self.background = scene(seed)
        self.fps = fps
        self.port = port
        self.jpeg_quality = jpeg_quality
        self._lock = threading.Lock()
        self._look: CodeLook | None = None
        self._until: float | None = None
        self._frame = self.background.copy()
        self._jpeg = self._encode(self._frame)
        self._version = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # ----- control -----
    def show_code(
        self,
        text: str,
        kind: str = "qr",
        angle: float = 0.0,
        blur: float = 0.0,
        glare: bool = False,
        seconds: float | None = None,
        *,
        module_px: float = 5.0,
        medium: str = "screen",
        rotation: float = 0.0,
        contrast: float = 1.0,
        center: tuple[float, float] = (0.5, 0.5),
    ) -> None:
        """Hold a code in front of the camera; `seconds=None` keeps it there until clear()."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        look = CodeLook(
            text=text,
            kind=kind,
            medium=medium,
            module_px=module_px,
            angle=angle,
            tilt_axis=30.0,
            rotation=rotation,
            blur=blur,
            glare=glare,
            contrast=contrast,
            center=center,
        )
        frame = compose(self.background, look)
        with self._lock:
            self._look = look
            self._until = None if seconds is None else time.monotonic() + seconds
            self._set(frame)

    def clear(self) -> None:
        """Take the code away: the camera sees the bare scene."""
        with self._lock:
            self._look = None
            self._until = None
            self._set(self.background.copy())

    def showing(self) -> str | None:
        with self._lock:
            self._expire()
            return self._look.text if self._look else None

    # ----- frames -----
    def frame(self) -> np.ndarray:
        """The current frame (BGR, 1280×720): the in-process source."""
        with self._lock:
            self._expire()
            return self._frame.copy()

    def jpeg(self) -> tuple[int, bytes]:
        with self._lock:
            self._expire()
            return self._version, self._jpeg

    def _set(self, frame: np.ndarray) -> None:
        self._frame = frame
        self._jpeg = self._encode(frame)
        self._version += 1

    def _expire(self) -> None:
        if self._until is not None and time.monotonic() >= self._until:
            self._look = None
            self._until = None
            self._set(self.background.copy())

    def _encode(self, frame: np.ndarray) -> bytes:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        return data.tobytes() if ok else b""

    # ----- the HTTP camera -----
    def start(self) -> CameraEmulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._stopping.clear()
        self._thread = threading.Thread(  # a short poll: stop() returns in ~0.05 s, not 0.5
            target=self._server.serve_forever, args=(0.05,), name="camera-emulator", daemon=True
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> CameraEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_SHOW_FIELDS = {f.name for f in fields(CodeLook)} | {"seconds"}


class _Handler(BaseHTTPRequestHandler):
    emulator: CameraEmulator
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("camera emulator: " + format, *args)

    def do_GET(self) -> None:
        if self.path.startswith("/stream.mjpg"):
            self._stream()
        elif self.path.startswith("/frame.jpg"):
            _, data = self.emulator.jpeg()
            self._reply(200, data, "image/jpeg")
        else:
            self._reply(404, b'{"code": "not_found"}', "application/json")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path == "/show":
                args = {k: v for k, v in body.items() if k in _SHOW_FIELDS and k != "seed"}
                if "center" in args:
                    args["center"] = tuple(args["center"])
                self.emulator.show_code(**args)
            elif self.path == "/clear":
                self.emulator.clear()
            else:
                self._reply(404, b'{"code": "not_found"}', "application/json")
                return
        except (ValueError, TypeError) as exc:
            payload = {"code": "bad_request", "message": str(exc)}
            self._reply(400, json.dumps(payload).encode(), "application/json")
            return
        self._reply(
            200, json.dumps({"showing": self.emulator.showing()}).encode(), "application/json"
        )

    def _reply(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        period = 1.0 / self.emulator.fps
        next_at = time.monotonic()
        while not self.emulator._stopping.is_set():
            _, data = self.emulator.jpeg()
            head = (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode()
            try:
                self.wfile.write(head + data + b"\r\n")
                self.wfile.flush()
            except OSError:
                return  # the viewer went away
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))
