# Two set-up commands (see README): `make demo` runs the main job on the built-in demo,
# `make test` runs the whole test suite. Both create .venv and install silkscope into it first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= outputs/demo

.PHONY: install demo test lint bench browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/silkscope report --lang en --out $(DEMO_OUT)
	$(BIN)/silkscope report --lang zh --out $(DEMO_OUT)/zh

browser:
	bash scripts/ensure-chromium.sh

test: install browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) outputs .pytest_cache
