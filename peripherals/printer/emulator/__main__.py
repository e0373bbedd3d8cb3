"""`python -m peripherals.printer.emulator --port 9100 --pty --out var/tickets`."""

from peripherals.printer.emulator.server import main

raise SystemExit(main())
