"""Kivy screens over kiosk.flows. Nothing imports ui."""
