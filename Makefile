# The two commands a new user needs: `make demo` and `make test`. Each creates .venv on first use,
# and the bundled example's own virtual environment (examples/azora/.venv: the example runs with
# its own interpreter, `[target] python`, never golive's).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/azora

# An in-process Prefect run starts a temporary API server: no telemetry, and patience on slow machines.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90

.PHONY: demo test lint clean example-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Made again only when the example's requirements files change (a stamp keeps their hash).
example-venv:
	PYTHON=$(PYTHON) sh examples/target-venv.sh $(EXAMPLE)

demo: $(STAMP) example-venv
	$(VENV)/bin/golive run full --manifest examples/azora/launch.toml --rehearsal

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The suite runs on TEST_WORKERS pytest-xdist workers (each on ports of its own: tests/conftest.py
# `port`); most of its time is spent waiting on launches, so more workers than cores pay off.
TEST_WORKERS ?= 4

test: lint example-venv
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(EXAMPLE)/.venv .golive .pytest_cache .mypy_cache .ruff_cache
