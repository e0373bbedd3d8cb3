"""The smart card emulator: virtual member and staff cards (cards.py) inserted into pcscd's
vpcd reader driver over TCP (server.py), and a pcscd made sure to run with vpcd (pcscd.py)."""

from peripherals.smartcard.emulator.cards import (
    DEMO_CARDS,
    CardApplet,
    VirtualCard,
    make_atr,
    member_card,
    staff_card,
)
from peripherals.smartcard.emulator.pcscd import PcscdError, PcscdHandle, ensure_pcscd
from peripherals.smartcard.emulator.server import VPCD_PORT, EmulatorError, SmartCardEmulator

__all__ = [
    "DEMO_CARDS",
    "VPCD_PORT",
    "CardApplet",
    "EmulatorError",
    "PcscdError",
    "PcscdHandle",
    "SmartCardEmulator",
    "VirtualCard",
    "ensure_pcscd",
    "make_atr",
    "member_card",
    "staff_card",
]
