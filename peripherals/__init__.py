"""The devices: one package per device (camera, idcard, printer, smartcard), all of one shape:
protocol.py (the interface and the data it hands over), errors.py, driver.py (with
`open_<device>(setting)`, picking the transport by the setting's scheme: transport.py),
watcher.py where the device reports on its own, and emulator/ (the device on a real
transport, for tests and the demo). status.py is the health every device reports. Imports
nothing of kiosk, ui or backend_stub: a driver hands over what it read."""
