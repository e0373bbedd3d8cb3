"""The accessibility check: every registered screen, both orientations, every language, measured
on the real Kivy widget tree at the configured panel (kiosk config `display`).

Rules (docs/accessibility.md):
  text_cap_height_mm  >= 4.8   every visible text: its rendered font size x the font's cap height
  touch_target_mm     >= 15    every enabled control (ButtonBehavior): its shorter side
  contrast_ratio      >= 4.5   every visible text: its colour against what is painted under it
  reach_mm            380-1220 every enabled control of the screen body (not the frame's top
                               bar): its centre above the floor (the panel's bottom edge + y)
  inside_body_px      >= 0     every visible widget of the screen body: inside the window and
                               below the top bar (what a scroll view clips counts as clipped)
  tap_overlap_px      >= 0     no two visible enabled controls overlap (the margin is the
                               smallest gap between two, negative by the deepest overlap)
  text_overflow_px    <= 4     every visible text's texture fits its box (no clipped or
                               spilling words), by at most TEXT_SPILL_PX
The frame's controls (back, large text, read aloud, languages) are measured too and listed as
`frame_reach_mm`, for information: on a tall portrait panel they sit at its top.

`check_all` is a driver script (`kiosk app --drive tests.ui.accessibility_check:check_all`): one
app, the screens switched, the window resized for the other orientation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.graphics import Color, Ellipse, Rectangle, RoundedRectangle
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView
from kivy.uix.widget import Widget

from tests.ui.accessibility_samples import SAMPLES
from ui.driver import Driver
from ui.screens import SCREENS

CAP_MIN_MM = 4.8
TOUCH_MIN_MM = 15.0
CONTRAST_MIN = 4.5
REACH_LOW_MM, REACH_HIGH_MM = 380.0, 1220.0
TEXT_SPILL_PX = 4.0
FRAME = frozenset({"TopBar", "AccessBar", "StaffCorner"})
SIZES = ((1080, 1920), (1920, 1080))


# --- colour -------------------------------------------------------------------------------------
def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, ...]) -> float:
    r, g, b = (_linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def over(top: tuple[float, ...], alpha: float, under: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(t * alpha + u * (1 - alpha) for t, u in zip(top[:3], under[:3], strict=True))


@dataclass
class Fill:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in window pixels
    rgb: tuple[float, ...]
    alpha: float
    source: str = ""

    def covers(self, x: float, y: float) -> bool:
        return self.box[0] <= x <= self.box[2] and self.box[1] <= y <= self.box[3]


_texture_means: dict[int, tuple[float, ...]] = {}


def _texture_mean(texture: Any) -> tuple[float, ...]:
    key = id(texture)
    if key not in _texture_means:
        import numpy as np

        pixels = np.frombuffer(texture.pixels, dtype=np.uint8).reshape(-1, 4) / 255.0
        weight = pixels[:, 3:4]
        mean = (pixels[:, :3] * weight).sum(axis=0) / max(float(weight.sum()), 1e-6)
        _texture_means[key] = (*(float(v) for v in mean), float(weight.mean()))
    return _texture_means[key]


def _box(widget: Widget, pos: Any, size: Any) -> tuple[float, float, float, float]:
    x0, y0 = widget.to_window(pos[0], pos[1])
    return (x0, y0, x0 + size[0], y0 + size[1])


def paint_order(root: Widget) -> Iterator[tuple[str, Any, float]]:
    """("fill", Fill) and ("label", Label) in the order they are drawn, with the opacity."""

    def walk(widget: Widget, opacity: float) -> Iterator[tuple[str, Any, float]]:
        opacity *= widget.opacity
        if opacity <= 0:
            return
        groups = [widget.canvas.before] if widget.canvas.before else []
        if not isinstance(widget, Label):  # a label's own canvas is its text
            groups.append(widget.canvas)
        for group in groups:
            rgba: tuple[float, ...] = (1, 1, 1, 1)
            for instruction in group.children:
                if isinstance(instruction, Color):
                    rgba = tuple(instruction.rgba)
                elif isinstance(instruction, Rectangle | RoundedRectangle | Ellipse):
                    if instruction.size[0] < 1 or instruction.size[1] < 1:
                        continue
                    if isinstance(widget, Image):  # a picture: its average colour
                        if instruction.texture is None:
                            continue
                        mean = _texture_mean(instruction.texture)
                        rgb = tuple(m * c for m, c in zip(mean[:3], rgba[:3], strict=True))
                        alpha = mean[3] * rgba[3]
                    else:  # a plain shape (kivy gives it a blank 1-px texture)
                        rgb, alpha = rgba[:3], rgba[3]
                    box = _box(widget, instruction.pos, instruction.size)
                    if isinstance(widget, Image):  # a picture is drawn inside its widget
                        x0, y0, x1, y1 = _box(widget, widget.pos, widget.size)
                        box = (max(box[0], x0), max(box[1], y0), min(box[2], x1), min(box[3], y1))
                    yield "fill", Fill(box, rgb, alpha * opacity, type(widget).__name__), opacity
        if isinstance(widget, Label):
            yield "label", widget, opacity
        for child in reversed(widget.children):
            yield from walk(child, opacity)

    yield from walk(root, 1.0)


# --- measuring ----------------------------------------------------------------------------------
@dataclass
class Panel:
    dpi: float
    bottom_mm: float

    def mm(self, px: float) -> float:
        return px / self.dpi * 25.4


def ancestors(widget: Widget) -> Iterator[Any]:
    """The widget and its parents up to the window (whose parent is itself)."""
    node: Any = widget
    while node is not None and node is not Window:
        yield node
        node = node.parent


def in_frame(widget: Widget) -> bool:
    return any(type(node).__name__ in FRAME for node in ancestors(widget))


def describe(widget: Widget) -> str:
    text = getattr(widget, "text", "") or getattr(widget, "test_id", "")
    return f"{type(widget).__name__} {text!r}"[:70]


def measure_screen(root: Widget, panel: Panel, cap_ratio: float) -> dict[str, dict[str, Any]]:
    """The worst value of each rule on what is on screen now: {rule: {worst, limit, margin, at}}."""
    worst: dict[str, dict[str, Any]] = {}

    def note(
        rule: str, value: float, margin: float, limit: str, widget: Widget, extra: str = ""
    ) -> None:
        if rule not in worst or margin < worst[rule]["margin"]:
            worst[rule] = {
                "worst": round(value, 2),
                "limit": limit,
                "margin": round(margin, 2),
                "at": describe(widget) + extra,
            }

    background = tuple(Window.clearcolor[:3])
    fills: list[Fill] = []
    for kind, item, opacity in paint_order(root):
        if kind == "fill":
            fills.append(item)
            continue
        label: Label = item
        if not label.text.strip() or label.width < 2 or label.texture_size[1] < 2:
            continue
        options = label._label.options
        size = float(options.get("font_size", label.font_size))
        cap_mm = panel.mm(size * cap_ratio)
        note("text_cap_height_mm", cap_mm, cap_mm - CAP_MIN_MM, f">= {CAP_MIN_MM}", label)
        # where the text is: the label's centre (its texture is centred by the layouts here)
        x, y = label.to_window(label.center_x, label.center_y)
        under = background
        for fill in fills:
            if fill.covers(x, y):
                under = over(fill.rgb, fill.alpha, under)
        colour = tuple(options.get("color", label.color))
        text = over(colour[:3], colour[3] * opacity, under)
        ratio = contrast(text, under)
        colours = f" {_hex(text)} on {_hex(under)}"
        note("contrast_ratio", ratio, ratio - CONTRAST_MIN, f">= {CONTRAST_MIN}", label, colours)

    for widget in root.walk(restrict=True):
        if not isinstance(widget, ButtonBehavior) or widget.disabled:
            continue
        if not _seen(widget) or widget.width < 2 or widget.height < 2:
            continue
        side = panel.mm(min(widget.width, widget.height))
        note("touch_target_mm", side, side - TOUCH_MIN_MM, f">= {TOUCH_MIN_MM}", widget)
        _x, cy = widget.to_window(widget.center_x, widget.center_y)
        height = panel.bottom_mm + panel.mm(cy)
        margin = min(height - REACH_LOW_MM, REACH_HIGH_MM - height)
        rule = "frame_reach_mm" if in_frame(widget) else "reach_mm"
        note(rule, height, margin, f"{REACH_LOW_MM:.0f}-{REACH_HIGH_MM:.0f}", widget)
    measure_layout(root, note)
    return worst


Box = tuple[float, float, float, float]


def visible_box(widget: Widget) -> Box | None:
    """The widget's box in window pixels as far as it is drawn: cut by every clipping ancestor
    (a scroll view), None when nothing of it shows."""
    x0, y0, x1, y1 = _box(widget, widget.pos, widget.size)
    for node in ancestors(widget):
        if node is not widget and isinstance(node, StencilView):
            c0, d0, c1, d1 = _box(node, node.pos, node.size)
            x0, y0, x1, y1 = max(x0, c0), max(y0, d0), min(x1, c1), min(y1, d1)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return (x0, y0, x1, y1)


def _top_bar_bottom(root: Widget) -> float:
    """The window y under the screen's top bar (the window's top when it has none)."""
    for widget in root.walk(restrict=True):
        if type(widget).__name__ == "TopBar" and _seen(widget) and widget.height > 0:
            return widget.to_window(widget.x, widget.y)[1]
    return float(Window.height)


def _gap(a: Box, b: Box) -> float:
    """How far apart two boxes are; negative by the depth they overlap."""
    dx = max(a[0] - b[2], b[0] - a[2])
    dy = max(a[1] - b[3], b[1] - a[3])
    return max(dx, dy)  # overlapping: the shallower depth, what moving one apart would take


def text_needs(label: Label) -> tuple[float, float]:
    """The size the label's words take: its texture's, or, when a fixed text box height cuts
    lines off (kivy drops them silently), the height they would take unclipped."""
    tw, th = label.texture_size
    box_w, box_h = label.text_size
    if box_h is None or box_w is None or label.shorten:
        return tw, th
    options = {k: v for k, v in label._label.options.items() if k != "text"}
    core = type(label._label)(**options)
    core.text = label.text
    core.text_size = (box_w, None)
    _w, full_h = core.render()
    return tw, max(th, full_h)


def measure_layout(root: Widget, note: Any) -> None:
    """inside_body_px, tap_overlap_px and text_overflow_px on what is on screen now."""
    ceiling = _top_bar_bottom(root)
    width = float(Window.width)
    controls: list[tuple[Widget, Box]] = []
    for widget in root.walk(restrict=True):
        if not _seen(widget) or widget.width < 2 or widget.height < 2:
            continue
        box = visible_box(widget)
        if box is None:
            continue
        framed = in_frame(widget) or any(
            type(node).__name__ in FRAME for node in widget.walk(restrict=True)
        )
        if not framed and (isinstance(widget, Label | ButtonBehavior | Image)):
            margin = min(box[0], box[1], width - box[2], ceiling - box[3])
            note("inside_body_px", margin, margin + 1, ">= 0", widget)  # 1 px of rounding
        if isinstance(widget, ButtonBehavior) and not widget.disabled:
            controls.append((widget, box))
        if isinstance(widget, Label) and widget.text.strip():
            tw, th = text_needs(widget)
            spill = max(tw - widget.width, th - widget.height)
            note("text_overflow_px", spill, TEXT_SPILL_PX - spill, f"<= {TEXT_SPILL_PX:.0f}",
                 widget)  # fmt: skip
    for i, (a, box_a) in enumerate(controls):
        for b, box_b in controls[i + 1 :]:
            if a in ancestors(b) or b in ancestors(a):
                continue
            gap = _gap(box_a, box_b)
            note("tap_overlap_px", gap, gap + 1, ">= 0", a, f" and {describe(b)}")  # rounding


def _hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb[:3])


def _seen(widget: Widget) -> bool:
    return all(node.opacity > 0 for node in ancestors(widget))


def cap_height_ratio(font_path: str) -> float:
    """The font's cap height per pixel of font size, measured from its rendered "H"."""
    from PIL import ImageFont

    font = ImageFont.truetype(font_path, 1000)
    _l, top, _r, bottom = font.getbbox("H")
    return (bottom - top) / 1000.0


# --- the driver script --------------------------------------------------------------------------
def samples() -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    """(shot, screen, params, representative) for every registered screen."""
    for screen in SCREENS:
        entries = SAMPLES.get(screen)
        if entries:
            for shot, params in entries:
                yield shot, screen, params, True
        else:
            yield screen, screen, {}, False


def _layout_of(root: Widget) -> list[tuple[float, ...]]:
    return [(*w.to_window(*w.pos), *w.size) for w in root.walk(restrict=True)]


async def settle(d: Driver, root: Widget, most: int = 20) -> None:
    """Wait until the layout stops moving (a screen first shown after the window turned lays
    itself out over a few frames): two frames alike, at most `most`."""
    await d.frames(3)
    before = _layout_of(root)
    for _ in range(most):
        await d.frames(1)
        now = _layout_of(root)
        if now == before:
            return
        before = now


async def check_all(d: Driver) -> dict[str, Any]:
    app = d.app
    display = app.kiosk_config.display
    panel = Panel(display.panel_dpi, display.panel_bottom_mm)
    cap_ratio = cap_height_ratio(app.font_path)
    shots = Path(os.environ["KIOSK_UI_SHOTS"]) / "accessibility"
    await d.wait_screen("start")
    app.remaining_today = 1234
    rows: list[dict[str, Any]] = []
    for width, height in SIZES:
        Window.size = (width, height)
        await d.frames(3)
        orientation = "landscape" if width > height else "portrait"
        for lang in app.tr.languages:
            app.switch_language(lang)
            for shot, screen, params, representative in samples():
                await d.frames(1)
                errors_before = app.errors_seen
                app.navigator.show(screen, params)
                await d.wait_screen(screen)
                await settle(d, app.root)
                if app.errors_seen != errors_before:  # the app recovered to the start screen
                    rows.append(
                        {
                            "screen": shot,
                            "registered_as": screen,
                            "orientation": orientation,
                            "lang": lang,
                            "representative": representative,
                            "rules": {
                                "renders": {
                                    "worst": 0,
                                    "limit": "no error",
                                    "margin": -1,
                                    "at": "see the log",
                                }
                            },
                        }
                    )
                    continue
                if lang == app.tr.languages[-1]:
                    await d.screenshot(shots / orientation / f"{shot}_{lang}.png")
                rows.append(
                    {
                        "screen": shot,
                        "registered_as": screen,
                        "orientation": orientation,
                        "lang": lang,
                        "representative": representative,
                        "rules": measure_screen(app.root, panel, cap_ratio),
                    }
                )
            app.navigator.show("start")
            await d.wait_screen("start")
    return {
        "panel": {"dpi": panel.dpi, "bottom_mm": panel.bottom_mm, "cap_ratio": cap_ratio},
        "rows": rows,
    }


# --- the report ---------------------------------------------------------------------------------
ENFORCED = (
    "renders",
    "text_cap_height_mm",
    "touch_target_mm",
    "contrast_ratio",
    "reach_mm",
    "inside_body_px",
    "tap_overlap_px",
    "text_overflow_px",
)


def summarise(outcome: dict[str, Any]) -> dict[str, Any]:
    """Per screen (over orientations and languages): the worst value and margin of each rule;
    overall: the worst per rule; failures: every (screen, orientation, lang, rule) below 0."""
    screens: dict[str, dict[str, dict[str, Any]]] = {}
    overall: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for row in outcome["rows"]:
        where = f"{row['orientation']} {row['lang']}"
        table = screens.setdefault(row["screen"], {})
        for rule, found in row["rules"].items():
            entry = {**found, "where": where}
            if rule not in table or found["margin"] < table[rule]["margin"]:
                table[rule] = entry
            if rule not in overall or found["margin"] < overall[rule]["margin"]:
                overall[rule] = {**entry, "screen": row["screen"]}
            if rule in ENFORCED and found["margin"] < 0:
                failures.append(
                    f"{row['screen']} {where}: {rule} {found['worst']} "
                    f"(limit {found['limit']}) at {found['at']}"
                )
    defaults = sorted({row["screen"] for row in outcome["rows"] if not row["representative"]})
    return {
        "panel": outcome["panel"],
        "overall": overall,
        "screens": screens,
        "failures": failures,
        "default_content": defaults,
    }


def write_report(summary: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accessibility.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    panel = summary["panel"]
    lines = [
        "# Accessibility check",
        "",
        f"Panel: {panel['dpi']} dpi, bottom edge {panel['bottom_mm']} mm above the floor; "
        f"font cap height {panel['cap_ratio']:.3f} of its size. Orientations: portrait "
        "1080x1920, landscape 1920x1080; every language. A margin below 0 fails.",
        "",
        "## Worst per rule",
        "",
        "| rule | worst | limit | margin | screen | where | widget |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rule, e in sorted(summary["overall"].items()):
        lines.append(
            f"| {rule} | {e['worst']} | {e['limit']} | {e['margin']} | {e['screen']} "
            f"| {e['where']} | {e['at']} |"
        )
    for screen, table in summary["screens"].items():
        default = " (default content)" if screen in summary["default_content"] else ""
        lines += [
            "",
            f"## {screen}{default}",
            "",
            "| rule | worst | limit | margin | where | widget |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for rule, e in sorted(table.items()):
            lines.append(
                f"| {rule} | {e['worst']} | {e['limit']} | {e['margin']} "
                f"| {e['where']} | {e['at']} |"
            )
    if summary["failures"]:
        lines += ["", "## Failures", ""] + [f"- {f}" for f in summary["failures"]]
    path = folder / "accessibility.md"
    path.write_text("\n".join(lines) + "\n")
    return path
