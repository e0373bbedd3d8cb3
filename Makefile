# The two commands: `make demo` and `make test`. Each installs what it needs first.
.PHONY: install demo test test-postgres fuzz lint format backend emulators clean

VENV := .venv
PY := $(VENV)/bin/python

install:
	bash deploy/install.sh

# e.g. `make demo DEMO_ARGS="--payments wechat-sandbox"` (the real WeChat Pay adapter against
# its sandbox; alipay-sandbox likewise): `kiosk demo --help` lists the options
demo: install
	$(VENV)/bin/kiosk demo --windowed $(DEMO_ARGS)

# the backend tests run on SQLite and on PostgreSQL (a private cluster the tests start and stop
# themselves: tests/fixtures/postgres.py); the flows on SQLite
test: install
	$(VENV)/bin/ruff check .
	bash tests/run.sh

# the backend and flow tests against PostgreSQL only (KIOSK_TEST_DB, tests/fixtures/backend.py)
test-postgres: install
	KIOSK_TEST_DB=postgres bash tests/run.sh tests/backend -k postgres
	KIOSK_TEST_DB=postgres bash tests/run.sh tests/flows

# a longer fuzz than `make test` runs: schemathesis (every route, every check) and the
# stateful order/pay/refund/rebook sequences, each with a bigger example budget
fuzz: install
	KIOSK_FUZZ_EXAMPLES=$${KIOSK_FUZZ_EXAMPLES:-200} KIOSK_STATEFUL_EXAMPLES=$${KIOSK_STATEFUL_EXAMPLES:-200} \
	  bash tests/run.sh -s --timeout 1800 tests/backend/test_fuzz_schemathesis.py tests/backend/test_stateful_orders.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

backend: install
	$(VENV)/bin/kiosk backend --db var/backend.db --port 8700 --seed demo

emulators: install
	$(VENV)/bin/kiosk emulators

clean:
	rm -rf var .pytest_cache build *.egg-info
