# The two commands: `make demo` and `make test`. Each installs what it needs first.
.PHONY: install demo test lint format backend emulators clean

VENV := .venv
PY := $(VENV)/bin/python

install:
	bash deploy/install.sh

demo: install
	$(VENV)/bin/kiosk demo --windowed

test: install
	$(VENV)/bin/ruff check .
	bash tests/run.sh

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
