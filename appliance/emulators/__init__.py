"""The four device emulators run together: started as one bundle (bundle.py), driven over a
local HTTP control endpoint (control.py), and run until Ctrl-C by `kiosk emulators`
(runner.py). The device servers themselves are in peripherals/<device>/emulator/."""
