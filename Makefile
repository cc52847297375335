# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PRISM  := node_modules/.bin/prism
AXE    := node_modules/axe-core/axe.min.js
NPM_CI := npm ci --no-audit --no-fund --loglevel=error
DEV    := FEEDBACK_ENV=development

.PHONY: install run test lint bench clean chromium

# Create or update .venv with the package (editable) and its test tools.
install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench,redis]'
	touch $(STAMP)

$(STAMP): pyproject.toml
	$(MAKE) install

# Twilio's API served as a mock (Stoplight Prism) and axe-core for the browser tests, pinned in package-lock.json.
$(PRISM): package.json package-lock.json
	$(NPM_CI)
	touch $(PRISM) $(AXE)

$(AXE): $(PRISM)
	$(NPM_CI)
	touch $(AXE)

# The browser tests drive the system Chromium (Debian's package); Playwright never downloads a browser.
chromium:
	@command -v chromium >/dev/null || (echo "Installing Chromium from Debian's packages for the browser tests" \
		&& apt-get update -qq && apt-get install -y -qq chromium)

# Migrate the embedded SQLite database, load the defaults, then serve with the worker and the scheduler.
run: $(STAMP)
	$(DEV) $(BIN)/feedback db upgrade
	$(DEV) $(BIN)/feedback defaults load
	@echo "Serving on http://127.0.0.1:5000 (staff pages at /staff; create an account with"
	@echo "  FEEDBACK_ENV=development $(BIN)/feedback users create you@example.org --role admin)"
	$(DEV) $(BIN)/feedback scheduler & scheduler=$$!; \
	$(DEV) $(BIN)/feedback worker & worker=$$!; \
	trap 'kill $$scheduler $$worker 2>/dev/null' INT TERM EXIT; \
	$(DEV) $(BIN)/feedback run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check feedback tests bench migrations/env.py
	$(BIN)/ruff format --check feedback tests bench
	$(BIN)/mypy

# The whole suite, on SQLite and on PostgreSQL (TEST_POSTGRES_URL, default the local server), and the young
# person's pages in Chromium, spread over every core (each pytest-xdist worker has its own databases).
test: $(STAMP) $(PRISM) $(AXE) chromium lint
	$(BIN)/pytest -n auto --dist worksteal

bench: $(STAMP)
	$(BIN)/python bench/webhook.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
