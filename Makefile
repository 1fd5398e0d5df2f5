# burnwise: the two commands a new user runs are `make demo` and `make test`.
# Every target runs in the project's own virtual environment (.venv/, made by `make setup`), so a
# machine's system Python is left alone. PYTHON may name another interpreter to build it from.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# made by setup; targets that run burnwise depend on it, so `make test` on a fresh clone sets up first
INSTALLED := $(VENV)/.burnwise-installed
BURNWISE := $(PY) -m burnwise
PYTEST_ARGS ?=

.PHONY: setup venv demo test generate check validate backtest bench faults fuzz clean

## setup: install Debian packages (prometheus, alertmanager, chromium) where missing, and burnwise into .venv/
setup: venv
	./scripts/install-system-deps.sh
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALLED)

$(INSTALLED): pyproject.toml | $(PY)
	$(MAKE) setup

venv: $(PY)

$(PY):
	$(PYTHON) -m venv $(VENV)

## demo: install what is missing, then show a real burn become a page and an incident (KEEP=1 keeps it running)
demo: setup
	$(BURNWISE) demo $(if $(KEEP),--keep,)

## test: the whole suite, real binaries included
test: $(INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

## generate: render slo_specs/ into rendered_rules/
generate: $(INSTALLED)
	$(BURNWISE) generate

## check: the GitOps gate: rendered_rules/ matches the specs and passes promtool
check: $(INSTALLED)
	$(BURNWISE) check

validate: $(INSTALLED)
	$(BURNWISE) validate

## faults: the delivery fault suite against real receivers (SQLite, two replicas on PostgreSQL): prints the table
faults: $(INSTALLED)
	$(PY) -m bench.faults

## backtest: replay error scenarios through promtool and print detection/reset times per tier
backtest: $(INSTALLED)
	$(BURNWISE) backtest

## bench: rule cost/accuracy, generation speed, receiver throughput (BENCH=full for large sizes)
bench: setup
	$(PY) -m bench $(if $(BENCH),--mode $(BENCH),)

## fuzz: schemathesis against a real receiver, >= 5,000 requests on SQLite and on PostgreSQL (FUZZ_EXAMPLES per operation and mode)
FUZZ_EXAMPLES ?= 320
fuzz: $(INSTALLED)
	$(PY) -m bench.fuzz_receiver --database sqlite --examples $(FUZZ_EXAMPLES)
	$(PY) -m bench.fuzz_receiver --database postgres --examples $(FUZZ_EXAMPLES)

clean:
	rm -rf build dist *.egg-info .pytest_cache burnwise.db burnwise.db-*
