# Two commands do all the set-up on a fresh machine with Python >= 3.10:
#   make demo        # creates .venv, installs, runs `tdn demo`
#   make test        # creates .venv, installs, lints and runs every test
#   make test-fast   # the same without the slow end-to-end tests
#   make test-compile  # the torch.compile (inductor) tests, minutes each
#   make docs        # the docs site (MkDocs, strict: broken links fail) in site/
# PYTHON=/path/to/python3.X picks the interpreter (default: the first of
# python3, python3.13 ... python3.10 that is >= 3.10).
# On a CUDA machine use TORCH=torch (or a CUDA wheel of your choice).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11 \
	python3.10; do command -v $$p >/dev/null 2>&1 && $$p -c \
	'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null && \
	{ echo $$p; break; }; done)
VENV ?= .venv
TORCH ?= torch==2.13.0
MMCV ?= lite
# test processes (pytest-xdist; auto: one per core), each on one thread
TEST_WORKERS ?= auto
BIN := $(VENV)/bin

.PHONY: install demo test test-fast test-compile lint check-python docs

check-python:
	@test -n "$(PYTHON)" || { echo "make: no python3 >= 3.10 found;" \
		"install one, or name it: make PYTHON=/path/to/python3.X"; exit 2; }
	@command -v "$(PYTHON)" >/dev/null 2>&1 && "$(PYTHON)" --version \
		>/dev/null 2>&1 || { echo "make: PYTHON=$(PYTHON) not found"; \
		exit 2; }
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "make: $(PYTHON) is Python" \
		"$$("$(PYTHON)" -c 'import platform; print(platform.python_version())');" \
		"tdn_plugin needs >= 3.10 (make PYTHON=/path/to/python3.X)"; exit 2; }

$(BIN)/tdn: setup.py
	@$(MAKE) --no-print-directory check-python PYTHON="$(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[$(MMCV),deploy,tests]"
	touch $@

install: $(BIN)/tdn

demo: install
	$(BIN)/tdn demo

lint: install
	$(BIN)/ruff check tdn_plugin tests configs
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile \
		-m "not inductor" tests

test-compile: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile \
		-m inductor tests

test-fast: lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile \
		-m "not slow" tests

$(BIN)/mkdocs: $(BIN)/tdn
	$(BIN)/pip install -q -e ".[docs]"
	touch $@

docs: $(BIN)/mkdocs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --clean
