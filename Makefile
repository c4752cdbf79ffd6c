# Every target builds .venv by itself when it is missing or pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint serve bench walkthrough clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## the offline demo: a simulated round end to end, reports in ./demo-out
	$(BIN)/cx-assess demo

# PYTHONDONTWRITEBYTECODE emptied: every test process (and each `cx-assess` it starts) reuses
# the compiled modules and pytest's rewritten test modules instead of compiling them again.
test: lint  ## lint, format check, type check, then the whole test suite (on every core)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot

serve: $(STAMP)  ## run the Slack app (Socket Mode with SLACK_APP_TOKEN, HTTP otherwise)
	$(BIN)/cx-assess serve

bench: $(STAMP)  ## the benchmarks, each printing its figures
	$(BIN)/python -m benchmarks

walkthrough: $(STAMP)  ## docs/walkthrough.md: a scripted round against the fake Slack, message by message
	$(BIN)/python -m tests.walkthrough

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
