"""The bundled backend: HTTP on SQLite, payment simulator, channel import, ops API."""
