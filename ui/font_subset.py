"""The kiosk's own subset of the CJK font: fewer glyphs, so each FreeType face is smaller.

SDL_ttf opens one FreeType face per (font file, pixel size), and a face of Noto Sans CJK SC
(65,535 glyphs, 16 MB) holds ~2.5 MB; a face of a font with a fifth of the glyphs holds about a
third of that (docs/bench-kiosk.md, "Memory at rest"). The subset covers what the kiosk itself
shows: every character of the message catalogues (assets/locale/*/LC_MESSAGES/kiosk.po), all of
GB2312 (the 6,763 common hanzi, so most names and product names typed in the console are in),
kana, Latin-1, digits, punctuation and the symbol blocks the screens use. A text with any other
character is drawn with the full face (ui/fonts.py, `install_face_picker`).

Building takes 15-20 s a font and ~170 MB (fontTools loads the whole CFF), so it never runs in
the app's process: `kiosk fonts` builds it at install (deploy/install.sh), and the app starts
`python -m ui.font_subset --delay 30` in the background when its subset is missing (a process
of its own at nice 10, after the first frame; the app uses the full face, or the newest older
subset, until the next start). Subsets live in the user's cache (`shared_cache()`:
~/.cache/kiosk-fonts, or $KIOSK_FONT_CACHE), shared by every data_dir, so a test or a bench
with a fresh data_dir does not build again. A subset is keyed by the configured font (path,
size, mtime) and the catalogues' contents, so it is rebuilt when either changes. Next to each
subset, `<name>.cover` holds the bitmap of the code points it has (U+0000-U+FFFF, 8 KB), for
the face picker.
This module needs no Kivy.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from ui.sc_face import simplified_chinese_font

LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locale"
SUBSET_VERSION = 1  # bump when the character set below changes
BMP = 0x10000
# blocks kept whole: Latin-1, general punctuation, currency, letterlike, number forms, arrows,
# math operators, technical, enclosed alphanumerics, box drawing, geometric shapes, misc symbols,
# dingbats, CJK symbols and punctuation, kana, half/full-width forms
BLOCKS = (
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x218F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x2300, 0x23FF),
    (0x2460, 0x24FF),
    (0x2500, 0x257F),
    (0x25A0, 0x25FF),
    (0x2600, 0x26FF),
    (0x2700, 0x27BF),
    (0x3000, 0x303F),
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0xFF00, 0xFFEF),
)
STALE_BUILD_SECONDS = 600  # a build lock older than this is from a build that died
KEEP_OLD = 86400.0  # seconds an outdated subset is kept
# a background build waits this long before it starts, so it never competes with the app's
# start (first frame) for the CPU; it then runs at nice 10
BUILD_DELAY = float(os.environ.get("KIOSK_FONT_BUILD_DELAY", "30"))


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The message catalogues whose characters the subset covers."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/kiosk.po"))


def gb2312() -> set[int]:
    """The code points of GB2312 (rows 0xA1-0xF7 × cells 0xA1-0xFE): hanzi and symbols."""
    points = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def subset_codepoints(catalogue_files: Iterable[Path]) -> set[int]:
    """Every code point the subset should hold (see the module)."""
    points = gb2312()
    for first, last in BLOCKS:
        points.update(range(first, last + 1))
    for po in catalogue_files:
        points.update(ord(ch) for ch in po.read_text(encoding="utf-8") if ch.isprintable())
    return points


def subset_key(origin: Path, catalogue_files: Iterable[Path]) -> str:
    """12 hex digits that change when the configured font (`origin`, the .ttc) or a catalogue
    changes."""
    digest = hashlib.sha1(f"v{SUBSET_VERSION}".encode())
    stat = origin.stat()
    digest.update(f"{origin.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for po in catalogue_files:
        digest.update(po.name.encode() + po.read_bytes())
    return digest.hexdigest()[:12]


def shared_cache() -> Path:
    """Where subsets are kept: $KIOSK_FONT_CACHE, else the user's cache (~/.cache/kiosk-fonts),
    shared by every data_dir of this user, so that a test or a bench with a fresh data_dir
    finds the subset built once."""
    explicit = os.environ.get("KIOSK_FONT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk-fonts"


def subset_path(origin: Path, cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{origin.stem}-kiosk-{key}.otf"


def cover_path(subset: Path) -> Path:
    return subset.with_suffix(".cover")


def ready_subset(origin: Path, cache_dir: Path, key: str) -> Path | None:
    """The subset of `origin` for this key if it was built (font and coverage), else None."""
    subset = subset_path(origin, cache_dir, key)
    return subset if subset.exists() and cover_path(subset).exists() else None


def newest_subset(origin: Path, cache_dir: Path) -> Path | None:
    """The newest subset of `origin` built for any key: still correct to draw with while the
    one for the current key is built (the face picker draws what it lacks with the full face)."""
    built = [p for p in cache_dir.glob(f"{origin.stem}-kiosk-*.otf") if cover_path(p).exists()]
    return max(built, key=lambda p: p.stat().st_mtime, default=None)


def coverage_bitmap(points: Iterable[int]) -> bytearray:
    bitmap = bytearray(BMP // 8)
    for cp in points:
        if cp < BMP:
            bitmap[cp >> 3] |= 1 << (cp & 7)
    return bitmap


def covers(bitmap: bytes, text: str) -> bool:
    """Whether every character of `text` is in the coverage bitmap (ASCII always is)."""
    if text.isascii():
        return True
    for ch in text:
        cp = ord(ch)
        if cp >= BMP or not bitmap[cp >> 3] >> (cp & 7) & 1:
            return False
    return True


def build_subset(source: Path, target: Path, points: set[int]) -> int:
    """Write the subset of `source` with `points` to `target` (and its coverage bitmap);
    returns the number of code points it covers."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # keep vertical forms, locale forms, kerning
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    font = TTFont(str(source), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=points)
    subsetter.subset(font)
    covered = set(font.getBestCmap())
    tmp = target.with_name(target.name + ".tmp")
    font.save(str(tmp))
    font.close()
    cover_tmp = cover_path(target).with_name(cover_path(target).name + ".tmp")
    cover_tmp.write_bytes(bytes(coverage_bitmap(covered)))
    cover_tmp.replace(cover_path(target))
    tmp.replace(target)  # the font last: it existing means the pair is complete
    return len(covered)


def build_all(
    origins: Sequence[Path], cache_dir: Path, locale_dir: Path = LOCALE_DIR
) -> list[Path]:
    """Build the subset of each configured font (a .ttc: its SC face) that is not built yet;
    subsets of the same font older than a day are removed. Returns the subsets' paths."""
    files = catalogues(locale_dir)
    points = subset_codepoints(files)
    built = []
    cache_dir.mkdir(parents=True, exist_ok=True)
    for origin in origins:
        key = subset_key(origin, files)
        target = subset_path(origin, cache_dir, key)
        if ready_subset(origin, cache_dir, key) is None:
            source = Path(simplified_chinese_font(origin, cache_dir))
            build_subset(source, target, points)
        for old in cache_dir.glob(f"{origin.stem}-kiosk-*"):
            # a running app may still open new sizes of an older subset: kept for a day
            if (
                not old.name.startswith(target.stem)
                and old.stat().st_mtime < time.time() - KEEP_OLD
            ):
                old.unlink(missing_ok=True)
        built.append(target)
    return built


def start_background_build(origins: Sequence[Path], cache_dir: Path) -> subprocess.Popen | None:
    """Start `python -m ui.font_subset` for `origins` in its own low-priority process (it goes on
    if the app ends), unless another build holds the lock; returns the process or None."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    lock = cache_dir / "subset.building"
    try:
        if time.time() - lock.stat().st_mtime < STALE_BUILD_SECONDS:
            return None
        lock.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return None
    os.close(fd)
    command = [sys.executable, "-m", "ui.font_subset", "--lock", str(lock), "--delay"]
    command += [str(BUILD_DELAY), str(cache_dir)]
    return subprocess.Popen(
        [*command, *map(str, origins)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=str(Path(__file__).resolve().parent.parent),
    )


def bold_of(origin: Path) -> Path | None:
    """The bold font of the same family as the configured regular one, if installed."""
    bold = Path(str(origin).replace("-Regular", "-Bold"))
    return bold if bold != origin and bold.exists() else None


def fonts_command(argv: list[str]) -> int:
    """`kiosk fonts [--config FILE]`: build the subsets of the configured font (regular and
    bold) now, so the app's first start already uses them (deploy/install.sh runs it)."""
    import argparse

    from kiosk.config import load_config

    parser = argparse.ArgumentParser(prog="kiosk fonts", description=fonts_command.__doc__)
    parser.add_argument("--config", default=None, help="kiosk.toml (default: $KIOSK_CONFIG)")
    args = parser.parse_args(argv)
    origin = Path(load_config(args.config).font_path)
    if not origin.exists():
        print(f"kiosk fonts: {origin} is not installed (fonts-noto-cjk); nothing built")
        return 1
    origins = [origin, *filter(None, [bold_of(origin)])]
    started = time.monotonic()
    for target in build_all(origins, shared_cache()):
        print(f"kiosk fonts: {target} ({target.stat().st_size / 1e6:.1f} MB)")
    print(f"kiosk fonts: ready in {time.monotonic() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m ui.font_subset [--lock FILE] [--delay SECONDS] CACHE_DIR FONT...`: build the
    subsets (FONT: the configured .ttc); with --delay, after a sleep and at nice 10."""
    args = list(sys.argv[1:] if argv is None else argv)
    lock = None
    if args[:1] == ["--lock"]:
        lock, args = Path(args[1]), args[2:]
    try:
        if args[:1] == ["--delay"]:
            os.nice(10)
            time.sleep(float(args[1]))
            args = args[2:]
        cache_dir, origins = Path(args[0]), [Path(a) for a in args[1:]]
        for target in build_all(origins, cache_dir):
            print(f"{target} ({target.stat().st_size / 1e6:.1f} MB)")
    finally:
        if lock is not None:
            lock.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
