"""Device protocols, real drivers and emulators on real transports. Never imports kiosk flows."""
