# The two quick-start commands: `make serve` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint setup demo clean bench

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

serve: $(STAMP)
	$(BIN)/zhijian serve --demo

# The lint and type gate: ruff over the whole tree, mypy (strict) over the application packages.
# `make test` runs it first.
TYPED := domain application projections interfaces seeding
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy $(TYPED)

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks on a PostgreSQL server of their own: BENCH_SCALE=city (default, a few minutes) | province | tiny.
# BENCH_PROFILE=1 also installs py-spy (pinned) into the venv and saves flame graphs under bench/results/profiles/.
BENCH_SCALE ?= city
PY_SPY := py-spy==0.4.3
bench: $(STAMP)
	@if [ -n "$(BENCH_PROFILE)" ]; then $(BIN)/pip install --quiet --disable-pip-version-check $(PY_SPY); fi
	$(BIN)/python -m bench.run --scale $(BENCH_SCALE)

clean:
	rm -rf $(VENV) var
