# Two set-up commands: `make demo` and `make test`. Both create .venv when missing and install
# Saline into it (editable, with the test tools). `make bench` compares start-up with real Salt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint bench clean

# A venv without pip (Debian without python3-venv) is removed again, so the next run retries.
$(BIN)/pip:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Saline needs Python >= 3.11 (found: $$($(PYTHON) --version 2>&1))" >&2; exit 1; }
	@rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "'$(PYTHON) -m venv' failed: install the venv module (Debian: apt-get install python3-venv)" >&2; \
		exit 1; }
	@test -x $(BIN)/pip || { rm -rf $(VENV); echo "the new venv has no pip (Debian: apt-get install python3-venv)" >&2; exit 1; }

$(STAMP): $(BIN)/pip pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[test]'
	@# Byte-compile once: start-up then never pays for compiling, even with PYTHONDONTWRITEBYTECODE set.
	$(BIN)/python -m compileall -q core master minion modules states pillar
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python docs/examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/call_startup.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
