"""Second-generation resident ID card reader (SAM protocol over serial)."""
