"""Virtual member and staff cards: what a card is (UID, ATR, the kiosk record) and what it
answers to each APDU (`CardApplet`). The card side of peripherals.smartcard.card_layout; the
emulator (server.py) carries these answers to pcscd's vpcd driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peripherals.smartcard.card_layout import (
    GET_UID_APDU,
    KIOSK_AID,
    RECORD_NUMBER,
    RECORD_SFI,
    SW_CLA_UNKNOWN,
    SW_CONDITIONS,
    SW_FILE_NOT_FOUND,
    SW_INS_UNKNOWN,
    SW_OK,
    SW_RECORD_NOT_FOUND,
    SW_WRONG_P1P2,
    CardRecord,
    encode_record,
    encode_tlv,
)


def make_atr(historical: bytes) -> bytes:
    """ATR offering T=1 (TS 3B, T0, TD1=80, TD2=01, historical bytes, TCK)."""
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])


DEFAULT_ATR = make_atr(b"KIOSK-CARD")


@dataclass(frozen=True)
class VirtualCard:
    """A card: its UID, ATR and, when it carries the kiosk application, its record."""

    label: str
    uid: bytes
    record: CardRecord | None = None
    atr: bytes = DEFAULT_ATR


def member_card(member_id: str, uid: bytes) -> VirtualCard:
    return VirtualCard(f"member {member_id}", uid, CardRecord("member", member_id=member_id))


def staff_card(staff_id: str, role: str, uid: bytes) -> VirtualCard:
    return VirtualCard(f"staff {staff_id}", uid, CardRecord("staff", staff_id=staff_id, role=role))


# The demo people (see the demo staff and members shared with the backend seed).
DEMO_CARDS: dict[str, VirtualCard] = {
    "M1001": member_card("M1001", bytes.fromhex("04A1100101")),
    "M2002": member_card("M2002", bytes.fromhex("04A2200202")),
    "S001": staff_card("S001", "supervisor", bytes.fromhex("04B5000101")),
    "S002": staff_card("S002", "operator", bytes.fromhex("04B5000202")),
    "unknown": VirtualCard("unknown card", bytes.fromhex("DEADBEEF")),
}


@dataclass
class CardApplet:
    """The card's APDU answers: UID, SELECT of the kiosk AID, READ RECORD."""

    card: VirtualCard
    selected: bool = False
    received: list[bytes] = field(default_factory=list)  # C-APDUs received, for tests to inspect

    def reset(self) -> None:
        self.selected = False

    def respond(self, apdu: bytes) -> bytes:
        self.received.append(apdu)
        if len(apdu) < 4:
            return _sw(SW_WRONG_P1P2)
        cla, ins, p1, p2 = apdu[:4]
        if apdu[:4] == GET_UID_APDU[:4]:
            return self.card.uid + _sw(SW_OK)
        if cla == 0xFF:
            return _sw(SW_INS_UNKNOWN)
        if cla & 0xF0 != 0x00:
            return _sw(SW_CLA_UNKNOWN)
        if ins == 0xA4:
            return self._select(apdu, p1)
        if ins == 0xB2:
            return self._read_record(p1, p2)
        return _sw(SW_INS_UNKNOWN)

    def _select(self, apdu: bytes, p1: int) -> bytes:
        if p1 != 0x04 or len(apdu) < 5:
            return _sw(SW_FILE_NOT_FOUND)
        aid = apdu[5 : 5 + apdu[4]]
        self.selected = self.card.record is not None and aid == KIOSK_AID
        if not self.selected:
            return _sw(SW_FILE_NOT_FOUND)
        fci = encode_tlv(0x6F, encode_tlv(0x84, KIOSK_AID) + encode_tlv(0x50, b"KIOSK"))
        return fci + _sw(SW_OK)

    def _read_record(self, p1: int, p2: int) -> bytes:
        if not self.selected or self.card.record is None:
            return _sw(SW_CONDITIONS)
        if p1 != RECORD_NUMBER or p2 != (RECORD_SFI << 3) | 0x04:
            return _sw(SW_RECORD_NOT_FOUND)
        return encode_record(self.card.record) + _sw(SW_OK)


def _sw(sw: int) -> bytes:
    return bytes([sw >> 8, sw & 0xFF])
