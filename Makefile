# Pedalwrencher: `make run` opens the app, `make test` runs every test. Both install what a
# fresh Debian/Ubuntu machine is missing (apt packages, npm packages, tauri-driver) first.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APP := target/debug/pedalwrencher
# A clean CI checkout builds once: incremental caches would only cost disk (gigabytes) and time.
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif

# Build: what Tauri 2 needs on Linux (see https://v2.tauri.app/start/prerequisites/).
APT_BUILD := build-essential pkg-config curl wget file libssl-dev libxdo-dev \
             libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
# Tests: a headless desktop (Xvfb, D-Bus), the WebKit WebDriver, keyring and notifications; Python
# for the real SMTP server of the delivery tests, openssl for their test CA; libfaketime for the
# sync test of a device whose clock ran a year ahead.
APT_TEST := xvfb xauth x11-utils webkit2gtk-driver dbus-x11 gnome-keyring libsecret-tools dunst libnotify-bin imagemagick \
            python3 python3-venv openssl faketime
# The tests run real servers from PyPI, in one git-ignored virtualenv (tests/.venv): the delivery
# tests an SMTP server (aiosmtpd, tests/src/smtp_server.rs), the sync tests a WebDAV server
# (wsgidav on cheroot) and an S3 server (moto), tests/src/sync_servers.rs. Pinned exactly; the
# stamp file is named after the whole list, so changing a pin remakes the virtualenv.
PY_VENV := tests/.venv
# The ride file tests read files written by real devices and apps as the registries ship them:
# Garmin's FIT SDK (garmin-fit-sdk) and tcxreader are the independent readers they are checked
# against, and gpxpy's source package brings its GPX test files (unpacked into $(PY_VENV)/fixtures;
# imported from there as the GPX reader).
PY_TEST_PACKAGES := aiosmtpd==1.4.6 wsgidav==4.4.0 cheroot==11.1.2 moto[server]==5.2.5 garmin-fit-sdk==21.218.0 tcxreader==0.4.11
PY_FIXTURE_PACKAGES := gpxpy==1.6.2
PY_VENV_STAMP := $(PY_VENV)/.stamp-$(shell echo '$(PY_TEST_PACKAGES) $(PY_FIXTURE_PACKAGES)' | cksum | cut -d' ' -f1)

.PHONY: help deps deps-test py-venv ui app bindings bindings-check run test test-unit test-e2e bench bench-app lint screenshot clean

help:
	@echo "make run         build and open the app (installs what is missing)"
	@echo "make test        lint, then every test: unit, property, migration, CLI and end-to-end"
	@echo "make bench       evaluation and insert timings for a large garage; app start-up, memory, Rides and bike page"
	@echo "make lint        rustfmt and clippy"
	@echo "make bindings    regenerate ui/src/lib/bindings.ts from the Rust commands and events"
	@echo "make screenshot  demo garage screenshot under Xvfb -> ui/screenshots/dashboard.png"

# Installs only the packages that are missing, so a second run costs a second.
define apt_install
	missing=""; for p in $(1); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -q; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs), then re-run."; exit 1; }
	@$(call apt_install,$(APT_BUILD))
	@# Node may come from elsewhere (nodesource, nvm); only fall back to Debian's when absent.
	@command -v npm >/dev/null || { $(call apt_install,nodejs npm); }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)' \
	  || { echo "Node.js >= 20.19 is needed for the UI build (found $$(node --version))."; exit 1; }

deps-test: deps
	@$(call apt_install,$(APT_TEST))
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --locked

# Made once per package list; `make clean` removes it.
$(PY_VENV_STAMP):
	@$(call apt_install,python3 python3-venv openssl)
	rm -rf $(PY_VENV)
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check $(foreach p,$(PY_TEST_PACKAGES),'$(p)')
	$(PY_VENV)/bin/pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
	  -d $(PY_VENV)/fixtures $(foreach p,$(PY_FIXTURE_PACKAGES),'$(p)')
	cd $(PY_VENV)/fixtures && for a in *.tar.gz; do tar xzf "$$a"; done
	@touch $@

py-venv: $(PY_VENV_STAMP)

# npm ci only when the lock file changed since the last install.
ui/node_modules/.package-lock.json: ui/package-lock.json ui/package.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

ui: deps ui/node_modules/.package-lock.json
	cd ui && npm run build

# One invocation for the app and the CLI, so shared dependencies are built once.
app: ui
	$(CARGO) build -p pedalwrencher -p pedalwrencher-cli --features pedalwrencher/custom-protocol

# The window's TypeScript bindings (commands, events and their types) are generated from the Rust
# side (src-tauri/src/bindings.rs) by a small example program, built with `make app`'s features so
# it reuses that build (they embed ui/dist, hence `ui` first).
BINDINGS := ui/src/lib/bindings.ts
WRITE_BINDINGS := $(CARGO) run --quiet -p pedalwrencher --features custom-protocol --example bindings --

bindings: ui
	$(WRITE_BINDINGS) $(BINDINGS)

# Fails while the checked-in bindings differ from what the Rust side generates now.
bindings-check: ui
	@tmp=$$(mktemp --suffix=.ts); trap 'rm -f "$$tmp"' EXIT; \
	$(WRITE_BINDINGS) "$$tmp"; \
	if ! diff -u $(BINDINGS) "$$tmp"; then \
	  echo "$(BINDINGS) is stale: the Rust commands or events changed. Run 'make bindings' and commit it." >&2; \
	  exit 1; \
	fi

run: app
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "No display here. On a desktop, run 'make run' there; headless, 'make screenshot' shows the app."; exit 1; fi
	$(APP)

test: deps-test app lint test-unit test-e2e

test-unit: py-venv bindings-check
	cd ui && npm run check
	cd ui && npm test
	$(CARGO) test -p pedalwrencher-core -p pedalwrencher-cli -p pedalwrencher-tests

test-e2e: py-venv
	tests/scripts/headless.sh $(CARGO) test -p pedalwrencher-tests --features e2e --test e2e -- --test-threads=1

bench: deps
	$(CARGO) bench -p pedalwrencher-tests --bench garage
	$(MAKE) bench-app

# The release app beside an empty Tauri 2 window built with the same profile (start-up, memory);
# then the release app's Rides place and a bike page on 50,000 rides, timed in the page.
bench-app: deps-test ui
	$(CARGO) build --release -p pedalwrencher --features custom-protocol --bin pedalwrencher --example empty_window
	tests/scripts/headless.sh $(CARGO) bench -p pedalwrencher-tests --bench app
	tests/scripts/headless.sh $(CARGO) bench -p pedalwrencher-tests --bench places

lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --features pedalwrencher-tests/e2e -- -D warnings

screenshot: deps-test app
	tests/scripts/headless.sh tests/scripts/screenshot.sh ui/screenshots/dashboard.png

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules $(PY_VENV)
