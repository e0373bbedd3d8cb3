"""A hard corpus of 1280×720 camera frames for the scanner benchmark, from a seed.

Each frame is drawn by peripherals.camera.emulator.frames (the camera emulator's own drawing):
payment codes as phones show them (Code 128 above a QR; WeChat 18-digit and Alipay 16-24-digit
codes), order QRs, member QRs and signed tickets on screens and paper, tilted up to 45°, with
blur, glare, low contrast, noise, JPEG artifacts and modules down to 2 px, plus frames with no
code. `manifest.json` maps each file name to the text it holds, or null.

With `motion_share` > 0 that share of the code frames also carries hand motion: a linear smear
of 1-2.5 module widths in any direction, on top of whatever other faults the frame drew (the
corpus of seed 1 and 2 is unchanged: no random number is drawn for motion at share 0).
`moving_presentations` draws the stream mode: the same code over 10-20 successive frames as a
hand brings it in and steadies it (bench.scan_moving).
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from peripherals.camera.emulator import FRAME_H, FRAME_W, CodeLook, compose, fits, scene

NO_CODE_SHARE = 0.12


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(int(d)) for d in rng.integers(0, 10, n))


def random_text(rng: np.random.Generator) -> tuple[str, str, str]:
    """(text, kind, medium) of a code a kiosk camera meets."""
    roll = rng.random()
    if roll < 0.30:  # WeChat payment code
        return f"1{int(rng.integers(0, 6))}" + _digits(rng, 16), "payment", "screen"
    if roll < 0.55:  # Alipay payment code, 16-24 digits
        length = int(rng.integers(16, 25))
        return str(int(rng.integers(25, 31))) + _digits(rng, length - 2), "payment", "screen"
    if roll < 0.75:  # order QR, on a phone or a printed voucher
        medium = "screen" if rng.random() < 0.5 else "paper"
        return f"KO1:{_digits(rng, 14)}", "qr", medium
    if roll < 0.82:  # member QR
        return f"KM1:M{_digits(rng, 4)}", "qr", "screen"
    # a signed ticket: payload and an Ed25519-sized signature, base64url
    payload = base64.urlsafe_b64encode(rng.bytes(int(rng.integers(40, 70)))).rstrip(b"=")
    signature = base64.urlsafe_b64encode(rng.bytes(64)).rstrip(b"=")
    medium = "paper" if rng.random() < 0.7 else "screen"
    return f"KT1.{payload.decode()}.{signature.decode()}", "qr", medium


def random_look(rng: np.random.Generator, seed: int, motion_share: float = 0.0) -> CodeLook:
    """A code at a random size, pose and quality, within what a person could still read;
    `motion_share` of them smeared by a moving hand (1-2.5 modules, any direction)."""
    text, kind, medium = random_text(rng)
    module = float(rng.choice([2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0]))
    if kind == "qr" and len(text) > 60:
        module = max(2.0, module * 0.7)  # long tickets are dense on paper
    angle = float(rng.uniform(0, 45)) if rng.random() < 0.7 else 0.0
    # blur stays within what the module size can bear (a 2 px module cannot survive sigma 2)
    blur = float(rng.uniform(0.3, 0.45 * module)) if rng.random() < 0.35 else 0.0
    motion, motion_angle = 0.0, 0.0
    if motion_share > 0 and rng.random() < motion_share:
        motion = float(rng.uniform(1.0, 2.5)) * module
        motion_angle = float(rng.uniform(0, 180))
    return CodeLook(
        text=text,
        kind=kind,
        medium=medium,
        module_px=module,
        angle=angle,
        tilt_axis=float(rng.uniform(0, 180)),
        rotation=float(rng.uniform(-40, 40) if rng.random() < 0.8 else rng.uniform(-180, 180)),
        blur=blur,
        glare=bool(rng.random() < 0.35),
        glare_strength=float(rng.uniform(0.5, 0.8)),
        contrast=float(rng.uniform(0.3, 0.6)) if rng.random() < 0.25 else 1.0,
        noise=float(rng.uniform(3, 12)) if rng.random() < 0.4 else 0.0,
        jpeg_quality=int(rng.integers(35, 85)) if rng.random() < 0.5 else 0,
        center=(float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.7))),
        seed=seed,
        motion=motion,
        motion_angle=motion_angle,
    )


def make_corpus(
    folder: Path, seed: int = 1, count: int = 300, motion_share: float = 0.0
) -> dict[str, str | None]:
    """Write `count` frames and manifest.json into `folder`; returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    manifest: dict[str, str | None] = {}
    looks: dict[str, dict] = {}
    for index in range(count):
        frame_seed = seed * 100_000 + index
        background = scene(frame_seed)
        look: CodeLook | None = None
        if rng.random() >= NO_CODE_SHARE:
            for _ in range(20):  # redraw the pose until the whole code is in the frame
                look = random_look(rng, frame_seed, motion_share)
                if fits(look):
                    break
            else:
                look = None
        frame = compose(background, look)
        name = f"frame_{index:04d}.png"
        cv2.imwrite(str(folder / name), frame)
        manifest[name] = look.text if look else None
        if look:
            looks[name] = {k: v for k, v in look.__dict__.items() if k != "text"}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    # how each frame was drawn, to explain a miss
    (folder / "looks.json").write_text(json.dumps(looks, indent=1))
    return manifest


def moving_presentation(
    rng: np.random.Generator, seed: int, hold_frames: int = 40
) -> list[CodeLook]:
    """One code as a hand brings it in: 10-20 frames of movement, then held until
    `hold_frames` frames in all (see bench.scan_moving for what moves and how)."""
    for _ in range(20):
        rest = random_look(rng, seed)
        if fits(rest):
            break
    moving = int(rng.integers(10, 21))
    smear0 = float(rng.uniform(1.0, 2.5))  # module widths, the first frame's smear
    decay = float((0.15 / smear0) ** (1.0 / moving))  # down to ~0.15 module at the end
    heading = float(rng.uniform(0, 360))
    shaky = rng.random() < 1 / 3
    m = rest.module_px
    # the smears along the way, in px at the rest size; the path is their sum (a smear is the
    # distance moved during the exposure, about half the frame period)
    smears = [smear0 * decay**i * m for i in range(moving)]
    path = 2.0 * np.cumsum(smears[::-1])[::-1]  # distance still to go at each frame, px
    looks: list[CodeLook] = []
    dx, dy = np.cos(np.radians(heading)), np.sin(np.radians(heading))
    for i in range(max(hold_frames, moving + 1)):
        if i < moving:
            togo = float(path[i])
            progress = i / moving
            smear, direction = smears[i], heading + float(rng.uniform(-10, 10))
            module = m * (0.8 + 0.2 * progress)
            angle = min(45.0, rest.angle + 10.0 * (1 - progress))
            rotation = rest.rotation + 6.0 * (1 - progress)
        else:
            togo, module, angle, rotation = 0.0, m, rest.angle, rest.rotation
            tremor = rng.uniform(0.5, 1.2) if shaky else rng.uniform(0.0, 0.3)
            smear, direction = float(tremor) * m, float(rng.uniform(0, 180))
        cx = min(0.8, max(0.2, rest.center[0] - dx * togo / FRAME_W))
        cy = min(0.8, max(0.2, rest.center[1] - dy * togo / FRAME_H))
        looks.append(
            replace(
                rest,
                module_px=max(1.6, module),
                angle=angle,
                rotation=rotation,
                motion=smear if smear >= 0.5 else 0.0,
                motion_angle=direction % 180.0,
                center=(cx, cy),
                seed=seed + i,
            )
        )
    return looks
