# The commands a newcomer needs. `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run demo test lint audit unit bench drills screenshots fuzz clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Run Squeaky on the embedded defaults (SQLite, in-process coordination) against the local Slack and X stand-ins.
run: install
	$(PY) -m sandbox

## Lint (ruff, mypy, import-linter, no file over 400 lines) and the whole test suite, against the real PostgreSQL and Redis:
## most tests two at a time, then those marked `alone` (several processes, a browser) one at a time.
test: install lint
	$(PY) -m pytest -n 2 -m "not alone"
	$(PY) -m pytest -m alone

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) .ci/file_length.py

## The pinned requirements against known vulnerabilities (pip-audit, OSV): one found fails, naming the package.
audit: install
	$(PY) .ci/audit_dependencies.py

## Only the unit tests (no services needed).
unit: install
	$(PY) -m pytest tests/unit

## Benchmarks and measurements (real PostgreSQL and Redis); results go to docs/benchmarks.md and docs/threading.md.
bench: install
	$(PY) -m bench

## The drill suite: the whole deployment on its own PostgreSQL and Redis through every fault; table in docs/drills.md.
drills: install
	$(PY) -m drills --write docs/drills.md

## Property-based fuzzing of every outside input with 10,000 examples each (CI runs 150; real PostgreSQL and Redis).
fuzz: install
	SQUEAKY_FUZZ_EXAMPLES=10000 $(PY) -m pytest -p no:cacheprovider --timeout 7200 tests/e2e/test_fuzz.py

## The sandbox journey in Debian's Chromium, one screenshot per step, into docs/screenshots/ (apt install chromium).
screenshots: install
	$(PY) -m sandbox.screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache squeaky.db squeaky.db-wal squeaky.db-shm
