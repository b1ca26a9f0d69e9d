# ssegate — the two quick-start commands are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= conf/ssegate.yaml

# System packages the build and the tests use (Debian names).
APT_PACKAGES := libssl-dev libnghttp2-dev libjemalloc-dev zlib1g-dev pkg-config openssl curl nghttp2-client python3 python3-pip
# The scale-out engine's tests start their own redis-server.
APT_PACKAGES += redis-server
# The ACME tests run a real ACME server (Pebble) on loopback.
APT_PACKAGES += pebble
# The real-browser test (headless Chromium driven by selenium) and the systemd unit check (systemd-analyze).
APT_PACKAGES += chromium chromium-driver systemd
PYTHON_PACKAGES := h2 selenium schemathesis
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Suites that drive a whole browser or a fuzzer against a gateway: they run after the others, alone, so
# on a 2-core runner they do not starve the timing-sensitive stream tests (and are not starved by them).
SOLO_SUITES := BrowserDemoTests BrowserCORSTests OpenAPITests AdminOpenAPITests
# Attack suites that keep the cores busy on purpose (1,000 connections opened and reset; tens of thousands
# of streams reset during a fan-out; every slow-client probe at once for 50 s): they run after the main run,
# one suite at a time, so they neither starve the timing-sensitive suites (paced drain, resume lifetimes)
# nor each other, and `ClosedConnectionMemoryTests`' process-wide object counts see no other suite's
# connections.
ATTACK_SUITES := GatewayServerTests.DeadlineTests GatewayServerTests.ClosedConnectionMemoryTests GatewayServerTests.ResetChurnTests
empty :=
space := $(empty) $(empty)

.PHONY: run test build release deps python-deps check-config config-reference demo-screenshot fuzz clean

## run: install what is missing, build (release), and start the gateway on $(CONFIG)
run: deps release
	.build/release/ssegate run --config $(CONFIG)

## test: install what is missing, build, and run every test (unit + real clients over loopback)
# The tests make certificates, configs, redis and Pebble folders under the temp dir (about 1,400 folders a
# run); they all go under one scratch TMPDIR that is removed when the run ends, passed or failed, so runs
# leave nothing behind, not even after a crash.
test: deps python-deps
	$(SWIFT) build --build-tests
	@scratch=$$(mktemp -d "$${TMPDIR:-/tmp}/ssegate-tests.XXXXXX") && trap 'rm -rf "$$scratch"' EXIT && \
	export TMPDIR="$$scratch" && set -x && \
	$(SWIFT) test --skip-build $(foreach suite,$(SOLO_SUITES) $(ATTACK_SUITES),--skip $(suite)) && \
	$(foreach suite,$(ATTACK_SUITES),$(SWIFT) test --skip-build --filter '$(suite)' && ) \
	$(SWIFT) test --skip-build --filter '$(subst $(space),|,$(SOLO_SUITES))'

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product ssegate

check-config: release
	.build/release/ssegate check-config --config $(CONFIG)

## deps: Debian packages, installed only when one is missing (apt-get update first, as CI needs)
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## python-deps: hyper-h2 (the stalled-stream test client), selenium (the browser test), schemathesis (the OpenAPI check)
python-deps:
	@python3 -c 'import h2, selenium' 2>/dev/null && command -v schemathesis >/dev/null || \
		python3 -m pip install --quiet --disable-pip-version-check $(PYTHON_PACKAGES)

## config-reference: rewrite README.md's configuration reference from the schema (a test fails while it is stale)
config-reference: build
	scripts/config-reference.sh

## demo-screenshot: docs/demo.png, taken by the browser test's headless Chromium
demo-screenshot: deps python-deps
	$(SWIFT) build --build-tests
	SSEGATE_DEMO_SCREENSHOT=$(CURDIR)/docs/demo.png $(SWIFT) test --skip-build --filter BrowserDemoTests

## fuzz: build the libFuzzer harnesses in Fuzz/ and run each for FUZZ_SECONDS (default 60)
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz.sh --seconds $(FUZZ_SECONDS)

clean:
	rm -rf .build
