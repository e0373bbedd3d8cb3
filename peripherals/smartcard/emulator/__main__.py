"""`python -m peripherals.smartcard.emulator M1001`: hold a demo card until Ctrl-C."""

from peripherals.smartcard.emulator.server import main

raise SystemExit(main())
