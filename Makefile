# policygen: the two commands of the quick start, and the few around them.
#   make demo   deploy the specs in specs/ against the embedded Access Analyzer endpoint, show, destroy
#   make check  lint, type-check and the quick tier: every test that needs neither terraform nor a CDK CLI
#   make test   lint, type-check and the whole test suite, in parallel (CI's command)
#   make package   build the provider as a package that runs without Python, with its mirrors and lock entry
# Each target installs what it needs first (a virtual environment in .venv; Node.js 22 LTS, cdktf-cli and
# cdktn-cli in node_modules; for the CDK Terrain tests a second one in .make/venv-cdktn); the second run
# finds them up to date and skips the installs. No test builds an environment of its own.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make

export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := true
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := true
# The real-AWS side of tests/assumptions runs only by hand (docs/assumptions.md), never from make.
unexport POLICYGEN_REAL_AWS_ACCOUNT
# The Node.js that package.json pins (npm's `node` package, 22 LTS) comes first on PATH, for jsii and the CLIs.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup demo check test lint docs deploy destroy bench package clean

setup: $(STAMP)/venv $(STAMP)/node $(STAMP)/venv-cdktn.stamp

$(STAMP)/venv: pyproject.toml
	@mkdir -p $(STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(STAMP)/node: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The CDK Terrain tests' app environment (tests/e2e/test_cdktn_cli.py): policygen's base install first
# (`pip install -e .`, what a plain-Terraform user gets), recorded by tests/e2e/probe_base_install.py,
# then `.[cdktn]`, and cdktf alone in a folder beside it. Its own venv: cdktf and cdktn must never share one.
CDKTN_VENV := $(STAMP)/venv-cdktn
$(STAMP)/venv-cdktn.stamp: pyproject.toml tests/e2e/probe_base_install.py
	@mkdir -p $(STAMP)
	rm -rf $(CDKTN_VENV)
	$(PYTHON) -m venv $(CDKTN_VENV)
	$(CDKTN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e .
	$(CDKTN_VENV)/bin/python tests/e2e/probe_base_install.py specs > $(CDKTN_VENV)/base-install.json
	$(CDKTN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[cdktn]'
	$(CDKTN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--target $(CDKTN_VENV)/cdktf-too cdktf==0.21.0  # for the test of an app that mixes both
	@touch $@

demo: setup
	$(BIN)/python scripts/demo.py

lint: $(STAMP)/venv
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/mypy src

# The attribute tables of README.md and docs/attributes.md and the JSON Schema's field descriptions, written
# from the declarations (src/policygen/spec/attributes.py, fields.py); tests/test_docs_tables.py checks them.
docs: $(STAMP)/venv
	$(BIN)/python scripts/docs.py

# The quick tier: no test marked e2e (runs terraform) or cdk_cli (runs the cdktf or cdktn CLI).
check: $(STAMP)/venv $(STAMP)/node lint
	nice $(BIN)/pytest -n 2 -m "not e2e and not cdk_cli"

# Everything, two workers (this project's machines have two cores; see README "Tests").
test: setup lint
	$(BIN)/pytest -n 2

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
