"""`python -m peripherals.idcard.emulator --card zhang_wei` (or `--dump zhang_wei`)."""

from peripherals.idcard.emulator.server import main

raise SystemExit(main())
