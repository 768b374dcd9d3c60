# Two commands for a newcomer: `make run` (set up and start the app on the embedded SQLite
# database) and `make test` (set up and run every test, on SQLite and on a PostgreSQL server
# the tests start themselves, with real-browser tests in Debian's chromium).

PYTHON_SYSTEM ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
PORT ?= 8501
# Only this machine can reach `make run` unless told otherwise: `make run ADDRESS=0.0.0.0` opens it to
# the network (production: docs/deploy.md). Until an administrator exists, `ledger init` prints the
# one-time set-up code that the set-up screen asks for.
ADDRESS ?= 127.0.0.1

.PHONY: run test bench lint system-deps clean-db

$(STAMP): requirements.txt
	test -x $(PYTHON) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

run: $(STAMP)
	$(PYTHON) -m ledger init
	$(PYTHON) -m streamlit run streamlit_app.py --server.port $(PORT) --server.address $(ADDRESS)

test: $(STAMP) system-deps
	$(PYTHON) -m pytest

bench: $(STAMP)
	$(PYTHON) bench/run.py

lint: $(STAMP)
	$(PYTHON) -m ruff check .

clean-db:
	rm -f data/ledger.db data/ledger.db-wal data/ledger.db-shm
