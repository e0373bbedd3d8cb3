"""The kiosk's brain: flows, domain rules, the backend client and the journal. No Kivy here."""

__version__ = "0.1.0"
