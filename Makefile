# ssegate — the two quick-start commands are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= conf/ssegate.yaml

# System packages the build and the tests use (Debian names).
APT_PACKAGES := libssl-dev libnghttp2-dev pkg-config openssl curl nghttp2-client python3 python3-pip redis-server pebble
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test build release deps python-deps check-config clean

## run: install what is missing, build (release), and start the gateway on $(CONFIG)
run: deps release
	.build/release/ssegate run --config $(CONFIG)

## test: install what is missing, build, and run every test (unit + real clients over loopback)
test: deps python-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

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

## python-deps: the hyper-h2 library, used by the stalled-stream test client
python-deps:
	@python3 -c 'import h2' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check h2

clean:
	rm -rf .build
