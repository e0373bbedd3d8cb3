"""The screen's colours (RGBA, 0-1), for Python and for widgets.kv (`#:import INK ...`)."""

from __future__ import annotations

Colour = tuple[float, float, float, float]

INK: Colour = (0.106, 0.122, 0.137, 1)
MUTED: Colour = (0.33, 0.37, 0.40, 1)
GREEN: Colour = (0.09, 0.376, 0.29, 1)
ORANGE: Colour = (0.72, 0.30, 0.07, 1)  # 4.5:1 under white text and on the background
BLUE: Colour = (0.122, 0.373, 0.659, 1)
RED: Colour = (0.702, 0.149, 0.118, 1)
CARD: Colour = (1, 1, 1, 1)
LINE: Colour = (0.82, 0.83, 0.82, 1)
