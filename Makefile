# Two commands on a fresh Debian 12 machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= /usr/bin/python3
VENV := .venv
VPY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := $(shell sed -e 's/\#.*//' tools/debian-packages.txt)
PYTEST_ARGS ?=
export PYTHONPATH := $(CURDIR)/src
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: all deps venv run test unit lint deb bench fuzz mediamtx system-test check-config clean \
	test-newest venv-newest

all: test

## deps: install the Debian packages (apt-get update first: a fresh machine's lists are stale)
deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -q '^installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

## venv: Debian's python3 with its packages, plus test-only tools Debian lacks
$(VENV)/.stamp: tools/requirements-dev.txt
	$(PYTHON) -m venv --system-site-packages $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check -r tools/requirements-dev.txt
	touch $@

venv: deps $(VENV)/.stamp

## run: the service with the development config (127.0.0.1, console logs, test pattern when no
## camera), and MediaMTX beside it where a binary exists (MEDIAMTX_BIN, PATH, .cache/mediamtx)
run: deps
	@echo "Web console: open http://127.0.0.1:8002/ and paste a token made in another shell with"
	@echo "  ./camera-ctl token --role admin --config etc/dev.yaml"
	@echo "camera-ctl from this checkout (in another shell):"
	@echo "  export CAMERA_SERVICE_TOKEN=\$$(./camera-ctl token --role operator --config etc/dev.yaml)"
	@echo "  ./camera-ctl list; ./camera-ctl watch; ./camera-ctl snapshot camera0"
	$(PYTHON) -m camera_service.devstack --config etc/dev.yaml

check-config: deps
	$(PYTHON) -m camera_service --config etc/dev.yaml --check-config

## test: every suite; real-system suites skip with a reason where their system is absent; the
## system suite runs in a second pytest process beside the others (tools/test-suites.sh)
test: venv lint
	FORBID_MOCKS=1 tools/test-suites.sh $(VPY) $(PYTEST_ARGS)

## test-newest: the suite (without `system`) against the newest PyPI releases of the runtime
## libraries (tools/requirements-newest.txt, nothing pinned), in a second venv over Debian's
## python3 whose pytest & co. stay Debian's; re-run `make venv-newest` to pick up new releases
NEWEST := .venv-newest
venv-newest: deps
	$(PYTHON) -m venv --system-site-packages $(NEWEST)
	$(NEWEST)/bin/python -m pip install -q --disable-pip-version-check --upgrade \
	  -r tools/requirements-newest.txt
	@$(NEWEST)/bin/python -m pip list --disable-pip-version-check 2>/dev/null | \
	  grep -i -E '^(aiohttp|websockets|pyjwt|voluptuous|pyyaml|prometheus.client|pyudev|paho.mqtt) '
	touch $(NEWEST)/.stamp

$(NEWEST)/.stamp: tools/requirements-newest.txt
	$(MAKE) venv-newest

test-newest: deps $(NEWEST)/.stamp
	FORBID_MOCKS=1 $(NEWEST)/bin/python -m pytest -m 'not system' $(PYTEST_ARGS)

unit: venv
	FORBID_MOCKS=1 $(VPY) -m pytest -m unit $(PYTEST_ARGS)

system-test: venv
	FORBID_MOCKS=1 $(VPY) -m pytest -m system tests/system $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bench
	$(VENV)/bin/mypy --explicit-package-bases tests

## fuzz: the time-budgeted fuzzers of tests/fuzz (frames, nesting, auth, links, headers,
## config), FUZZ_SECONDS each (default 100: 10 minutes in all); a failing or slow input is
## kept in tests/fuzz/corpus/; then the coverage of the fuzzed modules (a short pass)
FUZZ_SECONDS ?= 100
FUZZ_MODULES := */rpc/protocol.py,*/rpc/nesting.py,*/rpc/auth.py,*/rpc/params.py,*/links.py
FUZZ_MODULES := $(FUZZ_MODULES),*/web/files.py,*/web/hosts.py,*/web/security.py,*/config/*.py
fuzz: venv
	FORBID_MOCKS=1 FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_KEEP=1 $(VPY) -m pytest -q -s \
	  --timeout=$$(( $(FUZZ_SECONDS) * 2 + 300 )) tests/fuzz
	FORBID_MOCKS=1 $(VPY) -m coverage run --data-file=.cache/fuzz.coverage --branch \
	  --include='src/camera_service/*' -m pytest -q tests/fuzz
	$(VPY) -m coverage report --data-file=.cache/fuzz.coverage --include='$(FUZZ_MODULES)'

bench: venv
	mkdir -p bench/results
	for b in bench/bench_*.py; do echo "== $$b"; $(VPY) $$b || exit 1; done
	@cat bench/results/*.json

mediamtx:
	tools/fetch-mediamtx.sh

## deb: dpkg-buildpackage -us -uc -b on a copy of the tree, lintian --fail-on warning; into dist/
deb: deps
	tools/build-deb.sh dist

clean:
	rm -rf $(VENV) $(NEWEST) dist build .pytest_cache .mypy_cache .run src/*.egg-info
