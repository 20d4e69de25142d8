# Two commands a newcomer needs: `make run` and `make test`.
# Both create .venv and install the project into it on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2  # two workers: most tests wait on sockets and subprocesses, not CPU

bench: $(STAMP)
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/digest_fanout.py
	$(BIN)/python bench/many_workspaces.py
	$(BIN)/python bench/ack_under_lock.py
	$(BIN)/python bench/crash_trials.py
	$(BIN)/python bench/several_processes.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
