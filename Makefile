# burnwise: the two commands a new user runs are `make demo` and `make test`.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
BURNWISE ?= $(PYTHON) -m burnwise
PYTEST_ARGS ?=

.PHONY: setup demo test generate check validate backtest bench clean

## setup: install Debian packages (prometheus, alertmanager) where missing, and the Python package
setup:
	./scripts/install-system-deps.sh
	$(PIP) install --quiet --disable-pip-version-check -e '.[test]'

## demo: install what is missing, then show a real burn become a page and an incident (KEEP=1 keeps it running)
demo: setup
	$(BURNWISE) demo $(if $(KEEP),--keep,)

## test: the whole suite, real binaries included
test:
	$(PYTHON) -m pytest $(PYTEST_ARGS)

## generate: render slo_specs/ into rendered_rules/
generate:
	$(BURNWISE) generate

## check: the GitOps gate: rendered_rules/ matches the specs and passes promtool
check:
	$(BURNWISE) check

validate:
	$(BURNWISE) validate

## backtest: replay error scenarios through promtool and print detection/reset times per tier
backtest:
	$(BURNWISE) backtest

## bench: rule cost/accuracy, generation speed, receiver throughput (BENCH=full for large sizes)
bench: setup
	$(PYTHON) -m bench $(if $(BENCH),--mode $(BENCH),)

clean:
	rm -rf build dist *.egg-info .pytest_cache burnwise.db burnwise.db-*
