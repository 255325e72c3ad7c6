# The course's commands. Each one sets up .venv/ on first use (a few minutes), then starts
# at once. Nothing is installed or registered outside this folder.
#   make lab            start JupyterLab on notebooks/
#   make test           the whole test suite: unit tests + nbval on the instructors' notebooks
#   make grade [NB=02]  grade your own notebooks (or only the one whose name starts with NB)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NB     ?=
SEED   ?= 0
export PYTHONHASHSEED := 0

.PHONY: lab test grade notebooks datasets pretrained bench check-graphviz clean-venv

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10 or newer is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation \
		-e . --config-settings editable_mode=compat
	@$(MAKE) --no-print-directory check-graphviz
	@touch $(STAMP)

check-graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "NOTE: Graphviz's 'dot' program is missing: notebook 04 will not draw the model."; \
	  echo "      Install it with 'sudo apt-get install graphviz' (Debian/Ubuntu),"; \
	  echo "      'brew install graphviz' (macOS) or 'conda install -c conda-forge graphviz'."; }

# JupyterLab refuses to run as root unless told (containers, CI); pass it along there.
lab: $(STAMP)
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --notebook-dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: $(STAMP)
	RESNETS_NO_NETWORK=1 $(BIN)/python -m pytest tests notebooks/solutions \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

grade: $(STAMP)
	$(BIN)/python tools/grade.py $(NB)

# Instructors: write the learners' notebooks from notebooks/solutions/ (refuses to overwrite
# a learner's edits; FORCE=1 overwrites).
notebooks: $(STAMP)
	$(BIN)/python tools/make_learner_notebooks.py $(if $(FORCE),--force)

# Regenerate datasets/train_signs.h5 and datasets/test_signs.h5 with the renderer.
datasets: $(STAMP)
	$(BIN)/python -m signs_renderer.build --seed $(SEED) --out datasets

# Train the reference ResNet-50 and write models/resnet50_signs.keras with its report.
pretrained: $(STAMP)
	$(BIN)/python tools/train_pretrained.py --seed $(SEED) $(TRAIN_ARGS)

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean-venv:
	rm -rf $(VENV)
