"""The ID card reader emulator: a SAM device on a pty pair (and TCP) answering for the card
placed on it (server.py), and the demo cards with the card side of the text block (cards.py)."""

from peripherals.idcard.emulator.cards import DEMO_CARDS, demo_blob, demo_card, encode_text_block
from peripherals.idcard.emulator.server import FAULTS, IdCardEmulator

__all__ = ["DEMO_CARDS", "FAULTS", "IdCardEmulator", "demo_blob", "demo_card", "encode_text_block"]
