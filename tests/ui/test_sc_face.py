"""The Simplified Chinese face copied out of the Noto Sans CJK collection (ui/sc_face.py): a
font of its own whose every table is the collection's SC face's, byte for byte, named SC; the
cached file is the same bytes. No Kivy."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont

from ui import sc_face

COLLECTION = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not COLLECTION.exists(), reason="no Noto Sans CJK collection")
def test_the_sc_face_is_a_font_of_its_own_with_the_collections_tables(tmp_path: Path) -> None:
    path = Path(sc_face.simplified_chinese_font(COLLECTION, tmp_path))
    assert path.parent == tmp_path and path.suffix == ".otf"
    data = COLLECTION.read_bytes()
    offsets = sc_face._face_offsets(data)
    index = next(i for i, o in enumerate(offsets) if sc_face._face_is(data, o, b"Noto Sans CJK SC"))
    assert path.read_bytes() == sc_face.extract_face(data, offsets[index])
    face = TTFont(path, lazy=True)
    assert face["name"].getDebugName(1) == "Noto Sans CJK SC"
    collected = TTCollection(COLLECTION, lazy=True).fonts[index]
    tags = sorted(face.reader.keys())
    assert tags == sorted(collected.reader.keys())
    for tag in tags:
        assert face.reader[tag] == collected.reader[tag], tag
    # built once: a second call finds it in the cache
    assert sc_face.simplified_chinese_font(COLLECTION, tmp_path) == str(path)
