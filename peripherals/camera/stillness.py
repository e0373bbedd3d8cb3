"""When the camera's scene is at rest: still, and without a code, for a while.

A kiosk's camera looks at an empty, unchanging scene most of the day, and decoding each of its
20 frames a second costs ~40 % of a core (the cheap steps on the full 1280x720 frame every
frame, the slow ones every third) and keeps the decode thread's working set in memory. Once
the scene has stayed still and empty for `settle` seconds, `StillScene.skip(frame)` says which
frames need no decoding: those that look like the last decoded frame within sensor noise, so
one frame in `every` seconds is still decoded (a safety net: lighting drifting slowly, a code
the decoder missed). A frame that differs (a hand, a phone, a code coming in) is decoded at
once, and the scene must then be still and empty for `settle` seconds again: a code held
perfectly still after appearing gets the decoder's full effort for that long, then one try
every `every` seconds. A frame with a code read is never at rest (the scanner's
once-per-presentation window needs every frame that shows it).

"Looks like": compared at a quarter of the size (each pixel the mean of 16), the frames differ
by more than `level` grey levels in more than `changed_values` of the values (pixels times
channels). Sensor noise of a few grey levels averages to well under one level there; a code
of 2 px modules coming in changes hundreds of values by tens of levels.
"""

from __future__ import annotations

import cv2
import numpy as np

SETTLE_SECONDS = 2.0  # still and empty this long: at rest
EVERY_SECONDS = 0.5  # at rest, a frame is still decoded this often
THUMB_SCALE = 0.25
CHANGE_LEVEL = 10  # grey levels, on the quarter-size frame
CHANGED_VALUES = 8  # more values than this changed: the scene moved


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """The frame at a quarter of its size (each pixel the mean of a 4x4 block)."""
    return cv2.resize(frame, None, fx=THUMB_SCALE, fy=THUMB_SCALE, interpolation=cv2.INTER_AREA)


def differs(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two thumbnails show different scenes (not merely sensor noise)."""
    if a.shape != b.shape:
        return True
    return int(np.count_nonzero(cv2.absdiff(a, b) > CHANGE_LEVEL)) > CHANGED_VALUES


class StillScene:
    """Which frames a live decode loop may leave undecoded; `decoded()` after each decode."""

    def __init__(self, settle: float = SETTLE_SECONDS, every: float = EVERY_SECONDS) -> None:
        self.settle = settle
        self.every = every
        self._reference: np.ndarray | None = None  # the scene since `_quiet_since`
        self._quiet_since: float | None = None  # None: a code was read, or never decoded
        self._decoded_at = float("-inf")
        self._thumb: np.ndarray | None = None  # the frame `skip` last looked at
        self.skipped = 0

    def at_rest(self, now: float) -> bool:
        return self._quiet_since is not None and now - self._quiet_since >= self.settle

    def skip(self, thumb: np.ndarray, now: float) -> bool:
        """True: the frame whose `thumbnail` (or a quarter-size decode) this is need not be
        decoded (the scene is at rest and it shows the same)."""
        self._thumb = thumb
        if not self.at_rest(now) or now - self._decoded_at >= self.every:
            return False
        assert self._reference is not None
        if differs(self._thumb, self._reference):
            return False
        self.skipped += 1
        return True

    def decoded(self, found: bool, now: float) -> None:
        """The frame `skip` last looked at was decoded; `found`: a code was read in it."""
        self._decoded_at = now
        thumb, self._thumb = self._thumb, None
        if found or thumb is None:
            self._reference, self._quiet_since = None, None
        elif self._reference is None or differs(thumb, self._reference):
            self._reference, self._quiet_since = thumb, now  # a new scene: settle again
