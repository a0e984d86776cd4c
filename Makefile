# Two commands do all the set-up on a fresh Python 3.11 machine:
#   make demo   # creates .venv, installs, runs `tdn demo`
#   make test   # creates .venv, installs, lints and runs the test suite
# On a CUDA machine use TORCH=torch (or a CUDA wheel of your choice).
PYTHON ?= python3.11
VENV ?= .venv
TORCH ?= torch==2.13.0
MMCV ?= lite
BIN := $(VENV)/bin

.PHONY: install demo test lint

$(BIN)/tdn: setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[$(MMCV),tests]"
	touch $@

install: $(BIN)/tdn

demo: install
	$(BIN)/tdn demo

lint: install
	$(BIN)/ruff check tdn_plugin tests configs

test: lint
	$(BIN)/python -m pytest -q tests
