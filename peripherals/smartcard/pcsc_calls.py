"""pyscard's PC/SC calls over pcscd, as the smart card driver and its watcher both use them.

Uses pyscard's low-level `smartcard.scard` API (result codes, never pyscard exceptions): a
context per use, so a restarted pcscd is picked up on the next call. Failures leave only as
`SmartCardError`; a card that is not there (any more) is None.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from smartcard import scard

from peripherals.redaction import redact
from peripherals.smartcard.card_layout import (
    GET_UID_APDU,
    SW_OK,
    decode_record,
    read_record_apdu,
    select_apdu,
    split_status,
)
from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.protocol import SmartCardData

log = logging.getLogger(__name__)

# Results that mean "the card is not there (any more)": read_card answers None.
NO_CARD_RESULTS = {
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_E_NOT_READY,
}
NO_SERVICE_RESULTS = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED}
LIFTED_SECONDS = 0.6  # a little over pcscd's 400 ms presence poll of readers like vpcd
UNKNOWN_READER_RESULTS = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}


def explain(result: int) -> str:
    try:
        return f"{scard.SCardGetErrorMessage(result)} (0x{result & 0xFFFFFFFF:08X})"
    except Exception:  # pyscard's message lookup is best effort
        return f"0x{result & 0xFFFFFFFF:08X}"


@contextmanager
def pcsc_context() -> Iterator[Any]:
    """A PC/SC context; SmartCardError("pcscd_unavailable") when pcscd does not answer."""
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        raise SmartCardError("pcscd_unavailable", explain(result))
    try:
        yield context
    finally:
        scard.SCardReleaseContext(context)


def readers_in(context: Any) -> list[str]:
    result, readers = scard.SCardListReaders(context, [])
    if result == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if result in NO_SERVICE_RESULTS:
        raise SmartCardError("pcscd_unavailable", explain(result))
    if result != scard.SCARD_S_SUCCESS:
        raise SmartCardError("reader_not_found", explain(result))
    return list(readers)


def list_readers() -> list[str]:
    """Reader names pcscd knows; raises SmartCardError("pcscd_unavailable")."""
    with pcsc_context() as context:
        return readers_in(context)


def pick_reader(readers: list[str], wanted: str) -> str:
    """The first reader whose name contains `wanted` (any reader when empty)."""
    for name in readers:
        if wanted.lower() in name.lower():
            return name
    detail = f"{wanted!r} not among {readers}" if wanted else "pcscd lists no reader"
    raise SmartCardError("reader_not_found", detail)


def transmit(card: Any, protocol: int, apdu: bytes) -> tuple[bytes, int]:
    """Send one APDU; follows 61XX (GET RESPONSE) and 6CXX (resend with Le). (data, SW)."""
    command = list(apdu)
    data = b""
    for _ in range(8):  # a card chaining more than 8 GET RESPONSEs is broken
        result, response = scard.SCardTransmit(card, protocol, command)
        if result in NO_CARD_RESULTS:
            raise _CardGone()
        if result != scard.SCARD_S_SUCCESS:
            raise SmartCardError("transmit_failed", explain(result))
        chunk, sw = split_status(bytes(response))
        data += chunk
        if sw >> 8 == 0x61:
            command = [0x00, 0xC0, 0x00, 0x00, sw & 0xFF]
        elif sw >> 8 == 0x6C:
            command = [*apdu[:4], sw & 0xFF]
        else:
            return data, sw
    raise SmartCardError("transmit_failed", "endless response chaining")


class _CardGone(Exception):
    """The card left the reader during a read: read_card answers None."""


def read_from(context: Any, reader: str) -> SmartCardData | None:
    """Read the card in `reader` within an open context; None when there is no card."""
    result, card, protocol = scard.SCardConnect(
        context, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    )
    if result in NO_CARD_RESULTS:
        return None
    if result in NO_SERVICE_RESULTS:
        raise SmartCardError("pcscd_unavailable", explain(result))
    if result in UNKNOWN_READER_RESULTS:
        raise SmartCardError("reader_not_found", f"{reader}: {explain(result)}")
    if result != scard.SCARD_S_SUCCESS:
        raise SmartCardError("connect_failed", explain(result))
    try:
        return _read_connected(card, protocol)
    except _CardGone:
        return None
    except SmartCardError as exc:
        # A card lifted mid-read may fail a transmit before pcscd reports it gone.
        if exc.code == "transmit_failed" and _gone_within(context, reader, LIFTED_SECONDS):
            log.info("card left %s during the read", reader)
            return None
        raise
    finally:
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)


def _gone_within(context: Any, reader: str, seconds: float) -> bool:
    """Whether the reader reports no card within `seconds`."""
    deadline = time.monotonic() + seconds
    state = scard.SCARD_STATE_UNAWARE
    while (remaining := deadline - time.monotonic()) > 0:
        result, states = scard.SCardGetStatusChange(
            context, int(remaining * 1000), [(reader, state)]
        )
        if result != scard.SCARD_S_SUCCESS:
            return False
        state = states[0][1] & ~scard.SCARD_STATE_CHANGED
        if not state & scard.SCARD_STATE_PRESENT:
            return True
    return False


def _read_connected(card: Any, protocol: int) -> SmartCardData:
    result, _reader, _state, _proto, atr = scard.SCardStatus(card)
    atr_hex = bytes(atr).hex().upper() if result == scard.SCARD_S_SUCCESS else ""
    uid_bytes, sw = transmit(card, protocol, GET_UID_APDU)
    uid = uid_bytes.hex().upper() if sw == SW_OK else ""
    _, sw = transmit(card, protocol, select_apdu())
    if sw != SW_OK:
        log.info("card %s has no kiosk application (SW %04X)", uid, sw)
        return SmartCardData(uid=uid, kind="unknown", atr=atr_hex)
    record_bytes, sw = transmit(card, protocol, read_record_apdu())
    if sw != SW_OK:
        log.warning("card %s: kiosk record unreadable (SW %04X)", uid, sw)
        return SmartCardData(uid=uid, kind="unknown", atr=atr_hex)
    try:
        record = decode_record(record_bytes)
    except SmartCardError as exc:
        log.warning("card %s: %s", uid, exc)
        return SmartCardData(uid=uid, kind="unknown", atr=atr_hex)
    log.info(
        "card %s read: %s %s",
        uid,
        record.kind,
        redact(record.member_id or record.staff_id, 2, 1),  # M1001 -> M1**1
    )
    return SmartCardData(
        uid=uid,
        kind=record.kind,
        member_id=record.member_id,
        staff_id=record.staff_id,
        role=record.role,
        atr=atr_hex,
    )


def card_present(context: Any, reader: str) -> bool:
    """Whether pcscd sees a card in `reader` now (no wait)."""
    result, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
    if result in NO_SERVICE_RESULTS:
        raise SmartCardError("pcscd_unavailable", explain(result))
    if result != scard.SCARD_S_SUCCESS:
        raise SmartCardError("reader_not_found", f"{reader}: {explain(result)}")
    event = states[0][1]
    if event & scard.SCARD_STATE_UNKNOWN:
        raise SmartCardError("reader_not_found", reader)
    return bool(event & scard.SCARD_STATE_PRESENT)
