"""Demo cards for the ID card emulator, and the card side of the text block (the encoder).

The encoder is written field by field in card order, apart from the driver's offset tables,
so the emulator and the driver check each other.
"""

from __future__ import annotations

import hashlib

from peripherals.idcard.card_tables import ETHNICITY_CODES, SEX_CODES
from peripherals.idcard.protocol import IdCardData

PHOTO_LEN = 1024


def demo_blob(seed: str, size: int = PHOTO_LEN) -> bytes:
    """Stand-in for a WLT photo (or fingerprint): deterministic bytes, different per card.
    A real WLT block is compressed and encrypted; decoding it needs the vendor's library."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def _field(value: str, size: int) -> bytes:
    """UCS-2LE, cut to the field and padded with spaces as cards are."""
    raw = value.encode("utf-16-le")[:size]
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


def _sex_code(sex: str) -> str:
    return SEX_CODES.get(sex, sex)


def encode_text_block(card: IdCardData) -> bytes:
    """The 256-byte text block a card of this type holds."""
    if card.doc_type == "foreign_permanent" and card.type_flag != "Y":
        chinese = card.name if card.name != card.english_name else ""
        block = (
            _field(card.english_name, 120)
            + _field(_sex_code(card.sex), 2)
            + _field(card.id_number, 30)
            + _field(card.ethnicity, 6)  # nationality code
            + _field(chinese, 30)
            + _field(card.valid_from, 16)
            + _field(card.valid_until, 16)
            + _field(card.birth_date, 16)
            + _field(card.card_version, 4)
            + _field(card.authority, 8)
            + _field("I", 2)
            + _field("", 6)
        )
    elif card.doc_type == "foreign_permanent":
        block = (
            _field(card.name if card.name != card.english_name else "", 30)
            + _field(_sex_code(card.sex), 2)
            + _field(card.issue_count, 4)
            + _field(card.birth_date, 16)
            + _field(card.english_name[:35], 70)
            + _field(card.id_number, 36)
            + _field("", 30)
            + _field(card.valid_from, 16)
            + _field(card.valid_until, 16)
            + _field(card.english_name[35:].strip(), 22)
            + _field(card.ethnicity, 6)
            + _field("Y", 2)
            + _field("", 6)
        )
    else:
        permit = card.doc_type == "gat_residence"
        block = (
            _field(card.name, 30)
            + _field(_sex_code(card.sex), 2)
            + _field("" if permit else ETHNICITY_CODES.get(card.ethnicity, card.ethnicity), 4)
            + _field(card.birth_date, 16)
            + _field(card.address, 70)
            + _field(card.id_number, 36)
            + _field(card.authority, 30)
            + _field(card.valid_from, 16)
            + _field(card.valid_until, 16)
        )
        if permit:
            block += (
                _field(card.permit_number, 18)
                + _field(card.issue_count, 4)
                + _field("", 6)
                + _field("J", 2)
                + _field("", 6)
            )
        else:
            block += _field("", 36)
    assert len(block) == 256, len(block)
    return block


def chip_serial_of(card: IdCardData) -> bytes:
    """The 8-byte chip serial number the emulated card answers select with: its own
    `chip_serial` when it has one, else one made from its ID number (each demo card, and each
    card the bench makes, is another chip)."""
    if card.chip_serial:
        return bytes.fromhex(card.chip_serial)
    return demo_blob("chip:" + card.id_number, 8)


def _card(*, with_fingerprint: bool = False, **fields: str) -> IdCardData:
    """A demo card with a stand-in photo (and fingerprint) made from its ID number."""
    seed = fields["id_number"]
    photo = demo_blob("photo:" + seed)
    fingerprint = demo_blob("fingerprint:" + seed) if with_fingerprint else b""
    return IdCardData(photo=photo, fingerprint=fingerprint, **fields)  # type: ignore[arg-type]


DEMO_CARDS: dict[str, IdCardData] = {
    "zhang_wei": _card(
        with_fingerprint=True,
        doc_type="resident",
        name="张伟",
        sex="男",
        ethnicity="汉",
        birth_date="19900307",
        address="北京市东城区景山前街4号",
        id_number="110101199003072375",
        authority="北京市公安局东城分局",
        valid_from="20200315",
        valid_until="20400315",
    ),
    "li_na": _card(
        doc_type="resident",
        name="李娜",
        sex="女",
        ethnicity="汉",
        birth_date="19851012",
        address="广东省深圳市福田区福华三路100号",
        id_number="440304198510121540",
        authority="深圳市公安局福田分局",
        valid_from="20150601",
        valid_until="20350601",
    ),
    "wang_xiuying": _card(
        doc_type="resident",
        name="王秀英",
        sex="女",
        ethnicity="汉",
        birth_date="19520815",
        address="四川省成都市武侯区武侯祠大街231号",
        id_number="510107195208156622",
        authority="成都市公安局武侯区分局",
        valid_from="20100820",
        valid_until="长期",
    ),
    "chen_chen": _card(
        doc_type="resident",
        name="陈晨",
        sex="男",
        ethnicity="汉",
        birth_date="20150601",
        address="江苏省昆山市玉山镇前进中路1号",
        id_number="320583201506013321",
        authority="昆山市公安局",
        valid_from="20230701",
        valid_until="20280701",
    ),
    "foreign_smith": _card(
        doc_type="foreign_permanent",
        name="史密斯",
        english_name="SMITH, JOHN MICHAEL",
        sex="男",
        ethnicity="USA",
        birth_date="19800515",
        address="",
        id_number="USA110080051501",
        authority="1100",
        valid_from="20190410",
        valid_until="20290410",
        card_version="02",
        type_flag="I",
    ),
    "hk_chan": _card(
        doc_type="gat_residence",
        name="陈家明",
        sex="男",
        ethnicity="",
        birth_date="19920101",
        address="广东省深圳市福田区福田街道福华一路6号",
        id_number="810000199201011235",
        authority="深圳市公安局福田分局",
        valid_from="20220301",
        valid_until="20270301",
        permit_number="H12345678",
        issue_count="01",
        type_flag="J",
    ),
}


def demo_card(name: str) -> IdCardData:
    try:
        return DEMO_CARDS[name]
    except KeyError:
        raise KeyError(f"no demo card {name!r}; there are {', '.join(DEMO_CARDS)}") from None
