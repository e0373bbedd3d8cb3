"""The default font: Noto Sans CJK, Simplified Chinese face, so no text shows missing-glyph boxes.

Debian ships Noto Sans CJK as a collection (.ttc) whose first face is the Japanese one; Kivy's
text providers always open face 0, which draws some Chinese characters in Japanese forms. So
the Simplified Chinese face is copied out of the collection into a standalone font in the cache
(ui/sc_face.py).

The font-size ladder: SDL_ttf opens one FreeType face per (font file, pixel size), 2.5 MB each
for Noto Sans CJK, kept for the life of the process. `install_font_ladder()` snaps every size
a label renders at to the nearest rung of FONT_LADDER (steps of ~19 %, so a text moves by at
most ~9 % of its size), so the start screen opens 7 faces instead of 12 (docs/bench-kiosk.md).
`KIOSK_FONT_LADDER=0` in the environment turns it off.

The subset face (ui/font_subset.py): the default fonts are a subset of the SC face with the
kiosk's own characters (catalogues, GB2312, kana, Latin-1, symbols): ~1 MB a face instead of
2.5. `install_face_picker()` draws a text with any character outside it with the full face.
Until the subset is built (in the background at first start, or by `kiosk fonts` at install),
the full face is the default. `KIOSK_FONT_SUBSET=0` turns the subset off.

The large-text, high-contrast mode (`set_text_style`) goes through the same hook: every label
renders LARGE_TEXT_SCALE times bigger (two rungs up the ladder), bold, and its greys as black.
Layouts that size themselves to their text (KLabel, the keypad, the message panel) grow with it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ui import font_subset
from ui.sc_face import simplified_chinese_font

FULL_FONT = "KioskFontFull"  # the full SC face, for texts the subset does not cover
# pixel sizes a label renders at: each ~1.19 × the one before
FONT_LADDER = (12, 14, 17, 20, 24, 28, 32, 38, 45, 54, 64, 76, 90, 107, 128, 152)
LARGE_TEXT_SCALE = 1.4  # two rungs of the ladder


class TextStyle:
    """How every label renders right now: its size scale, and high contrast (greys to black)."""

    scale = 1.0
    high_contrast = False


TEXT_STYLE = TextStyle()
STYLED = ("font_size", "bold", "color")
_UNSET = object()


def set_text_style(large: bool) -> None:
    """Large text and high contrast on or off for every label rendered from now on (the caller
    re-renders the labels on screen)."""
    TEXT_STYLE.scale = LARGE_TEXT_SCALE if large else 1.0
    TEXT_STYLE.high_contrast = large


def contrast_colour(rgba: tuple[float, ...] | list[float]) -> tuple[float, ...]:
    """A text colour for high contrast: dark text (greys, muted tones) becomes black; light text
    (white on a coloured button) stays as it is."""
    r, g, b = rgba[0], rgba[1], rgba[2]
    alpha = rgba[3] if len(rgba) > 3 else 1.0
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (0.0, 0.0, 0.0, alpha) if luminance < 0.5 else tuple(rgba)


def ladder_size(size: float) -> float:
    """The rung of FONT_LADDER nearest to `size` (by ratio); sizes beyond the ladder unchanged."""
    if size <= 0 or size < FONT_LADDER[0] / 1.1 or size > FONT_LADDER[-1] * 1.1:
        return size
    return float(min(FONT_LADDER, key=lambda rung: abs(rung / size - 1.0) + abs(size / rung - 1)))


def install_font_ladder() -> bool:
    """Make Kivy's core labels render at ladder sizes and in the current TEXT_STYLE (see the
    module); False when the ladder is turned off by KIOSK_FONT_LADDER=0 (the style still
    applies). Idempotent."""
    ladder = os.environ.get("KIOSK_FONT_LADDER", "1") != "0"
    from kivy.core.text import LabelBase

    if getattr(LabelBase.refresh, "font_ladder", False):
        return ladder
    plain_refresh = LabelBase.refresh

    def refresh(self: LabelBase) -> None:
        options = self.options
        # the label widget writes its own values into options; the styled ones written here
        # are told apart by identity, so a style is never applied on top of itself
        for key in STYLED:
            if options.get(f"_styled_{key}", _UNSET) is not options[key]:
                options[f"_base_{key}"] = options[key]
        size = float(options["_base_font_size"]) * TEXT_STYLE.scale
        options["font_size"] = ladder_size(size) if ladder else size
        contrast = TEXT_STYLE.high_contrast
        options["bold"] = True if contrast else options["_base_bold"]
        base_colour = options["_base_color"]
        options["color"] = contrast_colour(base_colour) if contrast else base_colour
        for key in STYLED:
            options[f"_styled_{key}"] = options[key]
        plain_refresh(self)

    refresh.font_ladder = True  # type: ignore[attr-defined]
    LabelBase.refresh = refresh  # type: ignore[method-assign]
    return ladder


def install_face_picker(full_of: dict[str, str], coverage: bytes) -> None:
    """Make every core label whose font resolves to a subset file (a key of `full_of`) use the
    full face instead (its value) when its text has a character outside `coverage`.
    Replaces an earlier picker."""
    from kivy.core.text import LabelBase

    plain_resolve = getattr(LabelBase.resolve_font_name, "plain", LabelBase.resolve_font_name)

    def resolve_font_name(self: LabelBase) -> None:
        plain_resolve(self)
        options = self.options
        full = full_of.get(options.get("font_name_r") or "")
        if full and not font_subset.covers(coverage, str(self.text)):
            options["font_name_r"] = full

    resolve_font_name.plain = plain_resolve  # type: ignore[attr-defined]
    LabelBase.resolve_font_name = resolve_font_name  # type: ignore[method-assign]


def subset_faces(path: Path, cache_dir: Path) -> tuple[list[str], bytes] | None:
    """The subsets (regular, bold) of the configured font and their coverage, or None (the
    subset is off, or none was built yet). When the subsets for the current font and
    catalogues are not built, a background build is started (unless one runs) and the newest
    older subsets, if any, are used meanwhile."""
    if os.environ.get("KIOSK_FONT_SUBSET", "1") == "0":
        return None
    origins = [path, font_subset.bold_of(path) or path]
    try:
        files = font_subset.catalogues()
        keys = [font_subset.subset_key(o, files) for o in origins]
        ready = [
            font_subset.ready_subset(o, cache_dir, k) for o, k in zip(origins, keys, strict=True)
        ]
        if not all(ready):
            font_subset.start_background_build(sorted(set(origins)), cache_dir)
            ready = [font_subset.newest_subset(o, cache_dir) for o in origins]
        if not all(ready):
            return None
        covers = [font_subset.cover_path(r).read_bytes() for r in ready]  # type: ignore[union-attr]
        both = int.from_bytes(covers[0], "little") & int.from_bytes(covers[1], "little")
        cover = both.to_bytes(len(covers[0]), "little")  # a character both faces have
        return [str(r) for r in ready], cover
    except OSError:  # an unwritable cache: the full face, as before
        return None


def register_default_font(path: str | Path, cache_dir: Path) -> str:
    """Make the CJK font Kivy's default (Roboto is replaced): its subset when built (see the
    module), the full SC face otherwise and for uncovered texts; returns the full regular
    font's path."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    regular = simplified_chinese_font(path, cache_dir)
    bold_source = Path(str(path).replace("-Regular", "-Bold"))
    bold = simplified_chinese_font(bold_source, cache_dir) if bold_source.exists() else regular
    LabelBase.register(FULL_FONT, fn_regular=regular, fn_bold=bold)
    faces = [regular, bold]
    subsets = subset_faces(Path(path), font_subset.shared_cache()) if Path(path).exists() else None
    if subsets is not None:
        faces, coverage = subsets
        install_face_picker({faces[0]: regular, faces[1]: bold}, coverage)
    LabelBase.register(DEFAULT_FONT, fn_regular=faces[0], fn_bold=faces[1])
    LabelBase.register("KioskFont", fn_regular=faces[0], fn_bold=faces[1])
    install_font_ladder()
    return regular
