# policygen: the two commands of the quick start, and the few around them.
#   make demo   deploy the specs in specs/ against the embedded Access Analyzer endpoint, show, destroy
#   make test   lint, type-check and run the whole test suite
#   make package   build the provider as a package that runs without Python, with its mirrors and lock entry
# Each target installs what it needs first (a virtual environment in .venv; Node.js 22 LTS, cdktf-cli and
# cdktn-cli in node_modules); the second run finds both up to date and skips the installs.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make

export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := true
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := true
# The Node.js that package.json pins (npm's `node` package, 22 LTS) comes first on PATH, for jsii and the CLIs.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup demo test lint deploy destroy bench package clean

setup: $(STAMP)/venv $(STAMP)/node

$(STAMP)/venv: pyproject.toml
	@mkdir -p $(STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(STAMP)/node: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	$(BIN)/python scripts/demo.py

lint: $(STAMP)/venv
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/mypy src

test: setup lint
	$(BIN)/pytest

# Against a real AWS account: credentials and Region from the usual AWS variables or profile.
deploy: setup
	npx cdktf deploy

destroy: setup
	npx cdktf destroy

# Benchmarks (bench/README.md): synth, plan/apply, one-at-a-time scheduling and import cost, against
# Terraform's own terraform_data; writes bench/results.json, bench/results.md and bench/scaling.png.
bench: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	$(BIN)/python bench/run.py

# The provider as a package that runs without Python (linux_amd64, glibc), with its release files, mirrors and
# lock entry, in dist/provider (README, "The provider package"). SIGN=<gpg key> signs SHA256SUMS.
package: $(STAMP)/venv
	rm -rf dist/provider
	$(BIN)/policygen package --out dist/provider $(if $(SIGN),--sign '$(SIGN)')

clean:
	rm -rf $(STAMP) $(VENV) node_modules cdktf.out dist .pytest_cache .mypy_cache .ruff_cache
