# Sluice — developer entry points.  `make help` lists the targets.
#
# GNU make, bash.  Everything here is also what CI runs (`.ci/run` → `make test`).

SHELL        := bash
.SHELLFLAGS  := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS    += --no-builtin-rules --no-print-directory

# ---- knobs (override on the command line: `make run PORT=8443 ARGS='--workers 1'`)
HOST    ?= 127.0.0.1
PORT    ?= 4443
ARGS    ?=
SWIFT   ?= swift
PYTHON  ?= python3
VENV    ?= .venv

# The stamp names what the venv holds: adding a package renames it, so an existing
# .venv gets the new packages on the next `make venv`.
VENV_STAMP := $(VENV)/.sluice-venv.schemathesis-aiortc-pymediasoup.stamp

# Debian packages the build, the tests and the tools need.
DEB_PACKAGES := \
	libssl-dev libsrtp2-dev \
	libavformat-dev libavcodec-dev libavutil-dev ffmpeg \
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
	gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
	pkg-config curl jq python3-venv

SHELL_SCRIPTS := .ci/run $(wildcard Tests/Integration/*.sh) $(wildcard Benchmarks/*.sh)

.PHONY: help deps venv build release run test unit integration bench bench-recording lint clean distclean

help: ## Show this help
	@echo "Sluice make targets:"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: HOST=$(HOST) PORT=$(PORT) ARGS='$(ARGS)' SWIFT=$(SWIFT) PYTHON=$(PYTHON) VENV=$(VENV)"
	@echo "Example:   make run PORT=8443 ARGS='--workers 1 --log-level debug'"

deps: ## Install the Debian packages we need (apt-get as root; else prints the sudo command)
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "deps: dpkg-query not found (not Debian/Ubuntu?); install by hand: $(DEB_PACKAGES)" >&2; \
		exit 0; \
	fi; \
	missing=(); \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$$p"); \
	done; \
	if [ $${#missing[@]} -eq 0 ]; then \
		echo "deps: all $(words $(DEB_PACKAGES)) Debian packages present"; \
		exit 0; \
	fi; \
	echo "deps: missing: $${missing[*]}"; \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$${missing[@]}"; \
	else \
		echo "deps: not root; run:" >&2; \
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $${missing[*]}" >&2; \
		exit 1; \
	fi

venv: $(VENV_STAMP) ## Create .venv with schemathesis, aiortc and pymediasoup (once; stamp file)

$(VENV_STAMP):
	@echo "venv: creating $(VENV) with $$(command -v $(PYTHON)) ($$($(PYTHON) --version 2>&1))"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check schemathesis aiortc pymediasoup
	@$(VENV)/bin/schemathesis --version
	@touch $@

build: ## Debug build (swift build)
	$(SWIFT) build

release: ## Release build of the sluice binary
	$(SWIFT) build -c release --product sluice

run: deps release ## Build (release) and run the server on HOST:PORT (127.0.0.1:4443); extra flags via ARGS=
	@bin="$$($(SWIFT) build -c release --show-bin-path)/sluice"; \
	echo; \
	echo "Sluice on http://$(HOST):$(PORT)"; \
	echo "Try:  curl -s http://$(HOST):$(PORT)/rooms/demo | jq ."; \
	echo "      curl -s http://$(HOST):$(PORT)/healthz | jq ."; \
	echo "Recordings go to ./recordings (--recordings-dir via ARGS=)."; \
	echo "Stop with Ctrl-C."; \
	echo; \
	exec "$$bin" --host $(HOST) --port $(PORT) $(ARGS)

test: deps venv ## Unit tests (swift test) + integration tests (real server, curl, schemathesis)
	$(SWIFT) build --build-tests
	$(SWIFT) test
	bash Tests/Integration/run.sh

unit: ## Unit tests only (swift test)
	$(SWIFT) build --build-tests
	$(SWIFT) test

integration: deps venv ## Integration tests only, against the current debug build
	$(SWIFT) build
	bash Tests/Integration/run.sh

bench: ## Run the benchmarks (Benchmarks/run.sh) if present
	@if [ -x Benchmarks/run.sh ]; then \
		Benchmarks/run.sh; \
	elif [ -f Benchmarks/run.sh ]; then \
		bash Benchmarks/run.sh; \
	else \
		echo "bench: Benchmarks/run.sh not present yet; nothing to do"; \
	fi

bench-recording: ## Recording CPU benchmark (Benchmarks/recording), release build
	swift build -c release --product sluice
	python3 Benchmarks/recording/recording_bench.py --sluice "$$(swift build -c release --show-bin-path)/sluice" \
		--json Benchmarks/results/recording.json

lint: ## bash -n and shellcheck (if installed) on the shell scripts
	@for f in $(SHELL_SCRIPTS); do bash -n "$$f"; done
	@if command -v shellcheck >/dev/null 2>&1; then \
		shellcheck -x $(SHELL_SCRIPTS); \
		echo "lint: shellcheck ok"; \
	else \
		echo "lint: shellcheck not installed (apt-get install shellcheck); bash -n ok"; \
	fi

clean: ## Remove build products (keeps .venv)
	$(SWIFT) package clean || true
	rm -rf .build/debug .build/release

distclean: clean ## clean + remove .build and .venv entirely
	rm -rf .build $(VENV)
