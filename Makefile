# stanceframe: `make run` (set up, train, evaluate, label the seed document) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SEED_DOC ?= seeds/000_a25c22efd439cb62.txt
# Every model loads from a local path: never ask a hub.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS := 1

.PHONY: setup run train evaluate label test clean

setup: $(VENV)/.installed

# torch first, pinned: that release is a CPU build here; an unpinned one pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

run: setup train evaluate label

train: setup
	$(PY) -m training

evaluate: setup
	$(PY) -m eval --split test --model runs/model --out runs/eval

label: setup
	$(PY) -m model $(SEED_DOC) --model runs/model

test: setup
	$(PY) -m pytest

clean:
	rm -rf runs $(VENV)
