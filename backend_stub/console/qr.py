"""A QR code as a PNG data URI (python `qrcode`, already a dependency of the kiosk's printer)."""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_data_uri(text: str) -> str:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=3)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
