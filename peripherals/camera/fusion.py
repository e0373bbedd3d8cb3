"""Reading a moving code from several successive frames: follow its region back frame by frame,
register each earlier frame onto the newest, average them, enlarge the average.

A code of under 2 px modules still moving reads in no single frame, but successive frames hold
its modules at other sub-pixel phases with their own noise and JPEG blocks: averaged, they read
(docs/bench-scan.md, "fourth pass"). The hand moves the code several px a frame and brings it
closer (its scale grows 1-2.5 % a frame) and turns it a little, so a shift of the same box is
not enough: at the box's corners three frames back that leaves 5-13 px of misregistration, while
the affine transform found by ECC (OpenCV's `findTransformECC`, the correlation of the region's
grey levels) leaves under 1 px. Each transform links one frame to the next (`Trail`): the newest
link is found for the region of the frame being decoded, the older ones were found on earlier
frames for the same region and are reused, so a frame pays for one registration per region.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

__all__ = ["Link", "Trail", "fused_region", "register"]

Box = tuple[int, int, int, int]
# a transform found from one kept frame onto the next, with the region (in the next frame's
# coordinates) it was found for
Link = tuple[Box, np.ndarray]

ECC_HALF_ITERATIONS = 8  # at half size: the coarse transform (4× cheaper per iteration)
ECC_FULL_ITERATIONS = 2  # then at full size: the sub-pixel part
ECC_EPS = 1e-3
MARGIN = 24  # px of the earlier frame around the region's shifted place that ECC may look at
MIN_RESPONSE = 0.05  # a phase correlation weaker than this: the earlier crop is something else
MIN_ECC = 0.6  # the correlation ECC ends with: below it, the region is not the same code
MAX_SCALE_STEP = 0.15  # a link that scales or shears more than this between frames is wrong
LINK_OVERLAP = 0.6  # a link found for a region covering this share of the one asked is reused
# links found per region and frame at most: the chain grows by one a frame (a registration is
# 2-10 ms; three at once would not fit beside the other steps, and never fitting, a region's
# chain would never start)
NEW_LINKS = 1


def _shift(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _translation(ref: np.ndarray, earlier: np.ndarray, box: Box) -> tuple[float, float] | None:
    """Where the region of `ref` is in `earlier`, as a shift (phase correlation at half size,
    the box moved by it and correlated again once)."""
    x0, y0, x1, y1 = box
    small_ref = cv2.resize(ref[y0:y1, x0:x1], None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ref_f = small_ref.astype(np.float32)
    window = cv2.createHanningWindow(ref_f.shape[::-1], cv2.CV_32F)
    tx = ty = 0.0
    for _ in range(2):
        ix, iy = round(tx), round(ty)
        h, w = earlier.shape[:2]
        if x0 + ix < 0 or y0 + iy < 0 or x1 + ix > w or y1 + iy > h:
            return None
        crop = earlier[y0 + iy : y1 + iy, x0 + ix : x1 + ix]
        small = cv2.resize(crop, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        if small.shape != small_ref.shape:
            return None
        (dx, dy), response = cv2.phaseCorrelate(ref_f, small.astype(np.float32), window)
        if response < MIN_RESPONSE:
            return None
        tx, ty = ix + 2.0 * dx, iy + 2.0 * dy
        if abs(dx) < 1.0 and abs(dy) < 1.0:
            break
    return tx, ty


def register(
    ref: np.ndarray, earlier: np.ndarray, box: Box, guess: np.ndarray | None = None
) -> np.ndarray | None:
    """The transform (3×3, frame coordinates) taking `earlier` onto `ref` over the region
    `box` of `ref`, or None when the region is not found there. `guess`: a transform to start
    from (the link before, as the hand moves smoothly); without, a phase correlation."""
    x0, y0, x1, y1 = box
    if guess is None:
        shift = _translation(ref, earlier, box)
        if shift is None:
            return None
        start = _shift(-shift[0], -shift[1])
    else:
        start = guess
    # ECC warps the template's coordinates (the region of ref) into the input's (a window of
    # earlier around where the region was): start from the inverse of `start`
    back = np.linalg.inv(start)
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], np.float64)
    seen = (back @ corners.T).T
    seen = seen[:, :2] / seen[:, 2:]
    h, w = earlier.shape[:2]
    ix0, iy0 = max(0, int(seen[:, 0].min()) - MARGIN), max(0, int(seen[:, 1].min()) - MARGIN)
    ix1, iy1 = min(w, int(seen[:, 0].max()) + MARGIN), min(h, int(seen[:, 1].max()) + MARGIN)
    if ix1 - ix0 < (x1 - x0) // 2 or iy1 - iy0 < (y1 - y0) // 2:
        return None
    template = ref[y0:y1, x0:x1]
    window = earlier[iy0:iy1, ix0:ix1]
    # template crop coords -> input window coords
    warp = _shift(-ix0, -iy0) @ back @ _shift(x0, y0)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ECC_HALF_ITERATIONS, ECC_EPS)
    try:
        half = np.diag([0.5, 0.5, 1.0])
        small_warp = (half @ warp @ np.linalg.inv(half))[:2].astype(np.float32)
        _, small_warp = cv2.findTransformECC(
            cv2.resize(template, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
            cv2.resize(window, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
            small_warp,
            cv2.MOTION_AFFINE,
            criteria,
            None,
            3,
        )
        warp = np.linalg.inv(half) @ np.vstack([small_warp, [0, 0, 1]]) @ half
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ECC_FULL_ITERATIONS, ECC_EPS)
        score, full_warp = cv2.findTransformECC(
            template, window, warp[:2].astype(np.float32), cv2.MOTION_AFFINE, criteria, None, 3
        )
    except cv2.error:  # did not converge (a region with no texture in common)
        return None
    linear = full_warp[:, :2]
    if score < MIN_ECC or np.abs(linear - np.eye(2)).max() > MAX_SCALE_STEP:
        return None
    warp = np.vstack([full_warp, [0, 0, 1]]).astype(np.float64)
    # earlier frame -> ref frame: undo (template -> window) between the two offsets
    return _shift(x0, y0) @ np.linalg.inv(warp) @ _shift(-ix0, -iy0)


def _moved_box(transform: np.ndarray, box: Box, shape: tuple[int, ...]) -> Box:
    """The box's place in the earlier frame (the bounding box of its corners taken back)."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], np.float64)
    seen = (np.linalg.inv(transform) @ corners.T).T
    seen = seen[:, :2] / seen[:, 2:]
    h, w = shape[:2]
    return (
        max(0, round(float(seen[:, 0].min()))),
        max(0, round(float(seen[:, 1].min()))),
        min(w, round(float(seen[:, 0].max()))),
        min(h, round(float(seen[:, 1].max()))),
    )


def _overlap(a: Box, b: Box) -> float:
    """The share of `b` that `a` covers."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = (b[2] - b[0]) * (b[3] - b[1])
    return max(0, w) * max(0, h) / area if area > 0 else 0.0


@dataclass
class _Kept:
    """A frame decoded while the scene moved, with the links found from it to the next one:
    (the region in the next frame, the transform taking this frame onto it)."""

    gray: np.ndarray
    links: list[Link] = field(default_factory=list)


class Trail:
    """The last few frames of a moving scene and the transforms between them (see the module)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep  # earlier frames kept
        self._frames: list[_Kept] = []

    def __len__(self) -> int:
        return len(self._frames)

    def clear(self) -> None:
        self._frames.clear()

    def push(self, gray: np.ndarray, links: list[Link]) -> None:
        """Keep `gray` (just decoded, unread); `links`: those found onto it from the frame
        before, now stored with that frame."""
        if self._frames:
            self._frames[-1].links = links
        self._frames = [*self._frames[-(self.keep - 1) :], _Kept(gray)] if self.keep else []

    def registrations_needed(self, box: Box, pending: list[Link]) -> int:
        """How many links `follow` would find for `box` (what its cost follows: a registration
        is most of it), taking the region as staying about where it is."""
        chain = [pending] + [kept.links for kept in reversed(self._frames[:-1])]
        missing = sum(
            1 for links in chain if not any(_overlap(b, box) >= LINK_OVERLAP for b, _ in links)
        )
        return min(NEW_LINKS, missing)

    def follow(
        self, gray: np.ndarray, box: Box, pending: list[Link]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """The earlier frames, newest first, each with the transform taking it onto `gray` over
        `box`: the newest link found now (and added to `pending`, for `push`), older ones
        reused when found for about the same region, or found now (NEW_LINKS at most).
        Stops at the first frame where the region is lost or a link is left to find."""
        out: list[tuple[np.ndarray, np.ndarray]] = []
        total = np.eye(3)
        region, later = box, gray
        guess: np.ndarray | None = None
        new = NEW_LINKS
        for depth, kept in enumerate(reversed(self._frames)):
            links = pending if depth == 0 else kept.links
            link = next((t for b, t in links if _overlap(b, region) >= LINK_OVERLAP), None)
            if link is None:
                if new <= 0:
                    break
                new -= 1
                link = register(later, kept.gray, region, guess)
                if link is None:
                    break
                links.append((region, link))
            total = total @ link
            out.append((kept.gray, total))
            guess = link
            region, later = _moved_box(link, region, kept.gray.shape), kept.gray
        return out


def fused_region(
    gray: np.ndarray, box: Box, earlier: list[tuple[np.ndarray, np.ndarray]], scale: float
) -> np.ndarray:
    """The region of `gray` averaged with the earlier frames taken onto it (each warped
    straight from its own frame by its transform, bicubic), then enlarged by `scale`
    (bicubic), as float32. Averaging on the enlarged grid instead reads no more (on the late
    presentations of seeds 18 and 21: the same first frame on 9 of 12) at 5-8× the cost."""
    x0, y0, x1, y1 = box
    size = (x1 - x0, y1 - y0)
    into = _shift(-x0, -y0)  # frame coordinates -> the region's
    acc = gray[y0:y1, x0:x1].astype(np.float32)
    for frame, transform in earlier:
        acc += cv2.warpAffine(
            frame,
            (into @ transform)[:2],
            size,
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_REPLICATE,
        )
    acc /= 1 + len(earlier)
    enlarged = (round(size[0] * scale), round(size[1] * scale))
    return cv2.resize(acc, enlarged, interpolation=cv2.INTER_CUBIC)
