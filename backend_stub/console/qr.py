"""A QR code as a PNG data URI (python `qrcode`, already a dependency of the kiosk's printer)."""

from __future__ import annotations

import base64
import io


def qr_data_uri(text: str) -> str:
    import qrcode  # here, not at start: it brings Pillow and numpy (about 0.15 s of CPU)
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=3)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
