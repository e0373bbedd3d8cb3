"""The kiosk application on member and staff cards: AID, APDUs and the BER-TLV record.

A card carries one application, selected by `KIOSK_AID`, with one record (record 1 of
SFI 1) read by READ RECORD. The record is a BER-TLV template:

    70 LL                      record template
       80 01 01                layout version (1)
       81 01 KK                kind: 01 member, 02 staff
       82 LL "M1001"           member number (ASCII), member cards
       83 LL "S001"            staff id (ASCII), staff cards
       84 LL "supervisor"      staff role (ASCII), staff cards

Unknown tags inside the template are skipped so later layouts can add fields.
Pure functions, no I/O: the driver decodes with them and the emulator encodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from peripherals.smartcard.errors import SmartCardError

KIOSK_AID = bytes.fromhex("F04B494F534B01")  # F0 (proprietary) + "KIOSK" + version 01
RECORD_NUMBER = 1
RECORD_SFI = 1
LAYOUT_VERSION = 1

TAG_RECORD = 0x70
TAG_VERSION = 0x80
TAG_KIND = 0x81
TAG_MEMBER_ID = 0x82
TAG_STAFF_ID = 0x83
TAG_ROLE = 0x84

KIND_BYTES = {"member": 0x01, "staff": 0x02}
KINDS_BY_BYTE = {value: name for name, value in KIND_BYTES.items()}
MAX_TEXT = 32

# PC/SC pseudo-APDU the reader (or the emulated card) answers with the card's UID.
GET_UID_APDU = bytes.fromhex("FFCA000000")
SW_OK = 0x9000
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_CONDITIONS = 0x6985
SW_INS_UNKNOWN = 0x6D00
SW_CLA_UNKNOWN = 0x6E00
SW_WRONG_P1P2 = 0x6B00


@dataclass(frozen=True)
class CardRecord:
    """What the kiosk record says about the holder."""

    kind: str  # "member" or "staff"
    member_id: str = ""
    staff_id: str = ""
    role: str = ""


def select_apdu(aid: bytes = KIOSK_AID) -> bytes:
    """SELECT by DF name (AID), first occurrence, FCI requested, Le 00."""
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00"


def read_record_apdu(record: int = RECORD_NUMBER, sfi: int = RECORD_SFI) -> bytes:
    """READ RECORD `record` of short file `sfi` (P2 = SFI << 3 | 4), Le 00."""
    return bytes([0x00, 0xB2, record, (sfi << 3) | 0x04, 0x00])


def split_status(response: bytes) -> tuple[bytes, int]:
    """(data, SW1SW2) of an R-APDU; a response shorter than 2 bytes is malformed."""
    if len(response) < 2:
        raise SmartCardError("transmit_failed", f"short response of {len(response)} bytes")
    return response[:-2], (response[-2] << 8) | response[-1]


def _encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    return bytes([0x82, length >> 8, length & 0xFF])


def encode_tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _encode_length(len(value)) + value


def parse_tlv(data: bytes) -> list[tuple[int, bytes]]:
    """BER-TLV items in `data` (multi-byte tags as one int, 9F01 -> 0x9F01).

    Raises SmartCardError("bad_record") on anything malformed.
    """
    items: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag in (0x00, 0xFF):  # padding between items
            continue
        if tag & 0x1F == 0x1F:  # tag continues while bit 8 of the next byte is set
            while True:
                if pos >= len(data) or tag > 0xFFFFFF:
                    raise SmartCardError("bad_record", "tag cut short")
                tag = (tag << 8) | data[pos]
                pos += 1
                if not tag & 0x80:
                    break
        if pos >= len(data):
            raise SmartCardError("bad_record", f"tag {tag:02X} has no length")
        first = data[pos]
        pos += 1
        if first < 0x80:
            length = first
        elif first in (0x81, 0x82):
            count = first & 0x7F
            if pos + count > len(data):
                raise SmartCardError("bad_record", f"tag {tag:02X} length cut short")
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        else:
            raise SmartCardError("bad_record", f"tag {tag:02X} length form {first:02X}")
        if pos + length > len(data):
            raise SmartCardError("bad_record", f"tag {tag:02X} value cut short")
        items.append((tag, data[pos : pos + length]))
        pos += length
    return items


def _text(value: bytes, tag: int) -> str:
    if not value or len(value) > MAX_TEXT:
        raise SmartCardError("bad_record", f"tag {tag:02X} length {len(value)}")
    if not all(0x21 <= b <= 0x7E for b in value):
        raise SmartCardError("bad_record", f"tag {tag:02X} is not printable ASCII")
    return value.decode("ascii")


def encode_record(record: CardRecord) -> bytes:
    """The record template a card of this kind carries."""
    if record.kind not in KIND_BYTES:
        raise SmartCardError("bad_record", f"kind {record.kind!r}")
    body = encode_tlv(TAG_VERSION, bytes([LAYOUT_VERSION]))
    body += encode_tlv(TAG_KIND, bytes([KIND_BYTES[record.kind]]))
    if record.kind == "member":
        body += encode_tlv(TAG_MEMBER_ID, record.member_id.encode("ascii"))
    else:
        body += encode_tlv(TAG_STAFF_ID, record.staff_id.encode("ascii"))
        body += encode_tlv(TAG_ROLE, record.role.encode("ascii"))
    return encode_tlv(TAG_RECORD, body)


def decode_record(data: bytes) -> CardRecord:
    """Decode the record template; raises SmartCardError("bad_record") on anything wrong."""
    outer = parse_tlv(data)
    if len(outer) != 1 or outer[0][0] != TAG_RECORD:
        raise SmartCardError("bad_record", "no record template (70)")
    fields: dict[int, bytes] = {}
    for tag, value in parse_tlv(outer[0][1]):
        fields.setdefault(tag, value)
    if fields.get(TAG_VERSION) != bytes([LAYOUT_VERSION]):
        raise SmartCardError("bad_record", f"layout version {fields.get(TAG_VERSION)!r}")
    kind_byte = fields.get(TAG_KIND, b"")
    if len(kind_byte) != 1 or kind_byte[0] not in KINDS_BY_BYTE:
        raise SmartCardError("bad_record", f"kind {kind_byte.hex()}")
    kind = KINDS_BY_BYTE[kind_byte[0]]
    if kind == "member":
        return CardRecord(kind, member_id=_text(fields.get(TAG_MEMBER_ID, b""), TAG_MEMBER_ID))
    return CardRecord(
        kind,
        staff_id=_text(fields.get(TAG_STAFF_ID, b""), TAG_STAFF_ID),
        role=_text(fields.get(TAG_ROLE, b""), TAG_ROLE),
    )
