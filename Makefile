# The two commands a new machine needs: `make run` and `make test`. Each installs what it needs.
# `make help` lists every target.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PY_SOURCES := app tests migrations benchmarks scripts hatch_build.py
COVERAGE_FLOOR ?= 94
# What `test-only` measures; CI's PostgreSQL run passes COVERAGE= (the SQLite run holds the floor,
# and tracing doubles the suite's CPU time).
COVERAGE ?= --cov=app --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

## List the targets and what each does.
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z-]+:/{if (doc) printf "  %-12s %s\n", substr($$1,1,length($$1)-1), doc; doc=""}' $(MAKEFILE_LIST)

.PHONY: help run test test-only test-fast lint install system-deps eval bench bench-load bench-scale lock

# Installs exactly the versions in requirements.lock (compiled from pyproject.toml by `make lock`).
$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The custom resources' published schemas (Argo CD, Flux, External Secrets), pinned in
# deploy/crd-schemas/package-lock.json; the deploy tests validate deploy/ against them.
CRD_SCHEMAS := deploy/crd-schemas/node_modules/.installed
$(CRD_SCHEMAS): deploy/crd-schemas/package.json deploy/crd-schemas/package-lock.json
	npm ci --prefix deploy/crd-schemas --no-audit --no-fund --loglevel=error
	touch $@

## Create .venv with the locked versions and the app installed editable.
install: $(BIN)/.installed $(CRD_SCHEMAS)

## Re-resolve requirements.lock after changing the dependencies in pyproject.toml.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

## Start the app with the embedded defaults (SQLite and media under ./var, in-process jobs).
run: install
	$(BIN)/gitops-coach serve --host $(HOST) --port $(PORT)

## Lint, format check, types, import order, JavaScript syntax, Dockerfile (hadolint), deploy/ base.
lint: install
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	@for js in static/js/*.js; do \
	  grep -q '^// @ts-check' $$js || { echo "$$js: the first line must be // @ts-check"; exit 1; }; \
	  node --check $$js || exit 1; \
	done
	$(BIN)/hadolint Dockerfile
	$(BIN)/python scripts/render_deploy.py --check

# Debian packages the tests and benchmarks drive: a real browser, real speech synthesisers
# (espeak-ng in the tests; flite and festival add voices to `make bench`) and sox for noise.
SYSTEM_PACKAGES := chromium espeak-ng sox flite festival
## Install the Debian packages the tests and benchmarks drive (as root; otherwise says which).
system-deps:
	@missing=""; for pkg in $(SYSTEM_PACKAGES); do command -v $$pkg >/dev/null || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing; \
	  else echo "The tests need:$$missing. Install them with: sudo apt-get install$$missing"; exit 1; fi; \
	fi

## Lint, then run every test with the coverage floor (COACH_TEST_DATABASE_URL selects PostgreSQL).
test: lint test-only

## Every test with the coverage floor, without linting (CI lints once, then tests on both databases).
test-only: install system-deps
	$(BIN)/pytest $(COVERAGE)

## The edit loop: every test except the slow and browser ones.
test-fast: install
	$(BIN)/pytest -q -m "not slow and not browser"

EVAL_SETS = dev validation calibration dev2 dev3 dev4 dev5 dev6 dev7 dev8 dev9 dev10 dev11 dev12 dev13 dev14 dev15 dev16 dev17 dev18 dev19 dev20 dev21 dev22 dev23 dev24 dev25 dev26 dev27 dev28 dev29 dev30 dev31 dev32 dev33 dev34 dev35 dev36 dev37 heldout heldout2 heldout3 heldout4 heldout5 heldout8 heldout9 heldout13 heldout15 heldout17 heldout22 heldout23 heldout24 heldout25 heldout31 heldout32 heldout39 heldout40 heldout41 heldout44 heldout45 heldout46 heldout47 heldout48 heldout49 heldout50 heldout51 heldout52 heldout53 heldout54 heldout55 heldout66 heldout67 heldout68 heldout69 heldout70 heldout71 heldout72 heldout73 heldout74 heldout75 long long2 long3

## The scorer against human grades: the tuning sets (dev, validation, calibration, dev 2-37), the held-out sets (never tuned on) and the long answers; the README says which set was used for what.
eval: install
	@for set in $(EVAL_SETS); do echo "== $$set"; $(BIN)/python benchmarks/eval.py benchmarks/eval/$${set}_set.jsonl --show none || exit 1; done

## The benchmarks: scoring, transcription, pipeline latency, long recordings, estimates, spoken answers.
bench: install system-deps bench-load
	$(BIN)/python benchmarks/score_batch.py
	$(BIN)/python benchmarks/transcription.py
	$(BIN)/python benchmarks/pipeline_latency.py
	$(BIN)/python benchmarks/long_recording.py
	$(BIN)/python benchmarks/processing_estimate.py
	$(BIN)/python benchmarks/spoken_answers.py

## Simulated candidates against `serve` on SQLite (and, with BENCH_PG_URL, PostgreSQL), loopback only.
BENCH_PG_URL ?=
bench-load: install
	$(BIN)/python benchmarks/load.py --clients 50,200 --seconds 15 $(if $(BENCH_PG_URL),--postgres-url $(BENCH_PG_URL))

## 1 web + 1 worker vs 2 web + 2 workers on PostgreSQL and Redis (database bench_scale, Redis db 13); BENCH_S3=1 adds moto's S3.
BENCH_S3 ?=
bench-scale: install system-deps
	$(BIN)/python benchmarks/scale.py $(if $(BENCH_S3),--s3)
