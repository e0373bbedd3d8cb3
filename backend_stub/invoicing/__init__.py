"""Issuing e-invoices through a tax platform (税务数字账户 / an invoicing service provider):
the interface (`provider.py`) and, for tests and the demo only, a sandbox platform that is a
real HTTP server on 127.0.0.1 (`sandbox.py`, imported only by appliance and tests)."""
