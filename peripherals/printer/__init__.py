"""80 mm thermal ticket printer (ESC/POS)."""
