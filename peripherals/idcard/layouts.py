"""The read reply's payload and the three layouts of the 256-byte UCS-2LE text block.

Offsets are in bytes of the text block. The card type flag sits at byte 248 in every layout:
' ' (or NUL) for a resident ID card, 'I' for the foreign permanent residence card (2017),
'Y' for the 2023 foreign permanent residence card, 'J' for the HK/Macau/Taiwan residence permit.
"""

from __future__ import annotations

from peripherals.idcard.card_tables import ethnicity_name, sex_name
from peripherals.idcard.errors import IdCardError
from peripherals.idcard.protocol import IdCardData

TEXT_LEN = 256
PHOTO_LEN = 1024
TYPE_FLAG_OFFSET = 248

# (field, offset, size) — resident ID card (居民身份证), GA 467-2013.
RESIDENT = (
    ("name", 0, 30),
    ("sex", 30, 2),
    ("ethnicity", 32, 4),
    ("birth_date", 36, 16),
    ("address", 52, 70),
    ("id_number", 122, 36),
    ("authority", 158, 30),
    ("valid_from", 188, 16),
    ("valid_until", 204, 16),
    # 220..256 reserved (36 bytes)
)
# HK/Macau/Taiwan residence permit (港澳台居民居住证): the resident layout with the ethnicity
# slot left blank, then 通行证号码 and 签发次数 in the reserved area.
GAT_RESIDENCE = (
    *(f for f in RESIDENT if f[0] != "ethnicity"),
    ("permit_number", 220, 18),
    ("issue_count", 238, 4),
    # 242..248 reserved, 248 type flag 'J', 250..256 reserved
)
# Foreign permanent residence card, 2017 version (外国人永久居留身份证, flag 'I').
FOREIGN_2017 = (
    ("english_name", 0, 120),
    ("sex", 120, 2),
    ("id_number", 122, 30),
    ("nationality", 152, 6),
    ("chinese_name", 158, 30),
    ("valid_from", 188, 16),
    ("valid_until", 204, 16),
    ("birth_date", 220, 16),
    ("card_version", 236, 4),
    ("authority", 240, 8),  # 签发机关代码 (the accepting authority's code)
    # 248 type flag 'I', 250..256 reserved
)
# Foreign permanent residence card, 2023 version (flag 'Y'); the English name is split in two.
FOREIGN_2023 = (
    ("chinese_name", 0, 30),
    ("sex", 30, 2),
    ("renewal_count", 32, 4),
    ("birth_date", 36, 16),
    ("english_name", 52, 70),
    ("id_number", 122, 36),
    # 158..188 reserved
    ("valid_from", 188, 16),
    ("valid_until", 204, 16),
    ("english_name_more", 220, 22),
    ("nationality", 242, 6),
    # 248 type flag 'Y', 250..256: the holder's previous (2017) card number link
)


def _decode_text(block: bytes) -> str:
    try:
        text = block.decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise IdCardError(
            "bad_payload", "text block is not UCS-2", "文字信息不是UCS-2编码"
        ) from exc
    return text.replace("\x00", " ").strip()


def _fields(block: bytes, layout: tuple[tuple[str, int, int], ...]) -> dict[str, str]:
    return {name: _decode_text(block[off : off + size]) for name, off, size in layout}


def card_type_flag(text: bytes) -> str:
    return _decode_text(text[TYPE_FLAG_OFFSET : TYPE_FLAG_OFFSET + 2])


def _card(
    doc_type: str, f: dict[str, str], photo: bytes, fingerprint: bytes, **specific: str
) -> IdCardData:
    """IdCardData from one layout's fields: what every card type holds alike, then `specific`
    (what this type holds, or holds differently)."""
    common = {
        "name": f.get("name", ""),
        "sex": sex_name(f["sex"]),
        "ethnicity": "",
        "birth_date": f["birth_date"],
        "address": f.get("address", ""),
        "id_number": f["id_number"],
        "authority": f.get("authority", ""),
        "valid_from": f["valid_from"],
        "valid_until": f["valid_until"],
    }
    return IdCardData(
        doc_type=doc_type, photo=photo, fingerprint=fingerprint, **(common | specific)
    )


def decode_text_block(text: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> IdCardData:
    """IdCardData from a 256-byte text block, whichever of the layouts it is."""
    if len(text) != TEXT_LEN:
        raise IdCardError(
            "bad_payload", f"text block is {len(text)} bytes, not 256", "文字信息长度错误"
        )
    flag = card_type_flag(text)
    if flag in ("I", "Y"):
        f = _fields(text, FOREIGN_2017 if flag == "I" else FOREIGN_2023)
        english = f["english_name"]
        if flag == "Y":  # 46 characters over two fields, joined as written (may split a word)
            english = _decode_text(text[52:122] + text[220:242])
        return _card(
            "foreign_permanent",
            f,
            photo,
            fingerprint,
            name=f["chinese_name"] or english,
            ethnicity=f["nationality"],
            english_name=english,
            card_version=f.get("card_version", "2023" if flag == "Y" else ""),
            issue_count=f.get("renewal_count", ""),
            type_flag=flag,
        )
    if flag == "J":
        f = _fields(text, GAT_RESIDENCE)
        return _card(
            "gat_residence",
            f,
            photo,
            fingerprint,
            permit_number=f["permit_number"],
            issue_count=f["issue_count"],
            type_flag=flag,
        )
    if flag != "":
        raise IdCardError("unknown_card_type", f"card type flag {flag!r}", "无法识别的证件类型")
    f = _fields(text, RESIDENT)
    return _card("resident", f, photo, fingerprint, ethnicity=ethnicity_name(f["ethnicity"]))


def decode_read_payload(data: bytes, with_fingerprint: bool = False) -> IdCardData:
    """The data of a successful `30 01` reply (text length, photo length, text, photo) or of a
    `30 10` reply (text length, photo length, fingerprint length, text, photo, fingerprint)."""
    n_lengths = 3 if with_fingerprint else 2
    if len(data) < 2 * n_lengths:
        raise IdCardError("bad_payload", "read reply too short for its lengths", "读卡应答过短")
    lengths = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(n_lengths)]
    if lengths[0] != TEXT_LEN:
        raise IdCardError("bad_payload", f"text length {lengths[0]}, not 256", "文字信息长度错误")
    if 2 * n_lengths + sum(lengths) != len(data):
        raise IdCardError("bad_payload", "read reply lengths do not add up", "读卡应答长度不符")
    pos = 2 * n_lengths
    text = data[pos : pos + lengths[0]]
    photo = data[pos + lengths[0] : pos + lengths[0] + lengths[1]]
    fingerprint = data[pos + lengths[0] + lengths[1] :] if with_fingerprint else b""
    return decode_text_block(text, photo, fingerprint)
