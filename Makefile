# The course's commands, for those who have make. Each one runs `course.py`, which works
# without make too (`python3 course.py lab`, on Windows `py course.py lab`), sets up .venv/
# on first use (a few minutes), then starts at once. Nothing is installed outside this folder.
#   make lab            start JupyterLab on notebooks/
#   make test           the whole test suite: unit tests + nbval on the instructors' notebooks
#   make grade [NB=02]  grade your own notebooks (or only notebook NB)
#   make grade CLASS=submissions/ [NB=02]  grade a class (INSTRUCTORS.md, Grading a class)
#   make setup          only create or update .venv/
# Instructors: make lab-solutions, notebooks [FORCE=1], datasets, pretrained, bench, clean-venv
# (INSTRUCTORS.md). Options pass through LAB_ARGS, PYTEST_ARGS, GRADE_ARGS, TRAIN_ARGS, BENCH_ARGS.

PYTHON ?= python3
COURSE := $(PYTHON) course.py

.PHONY: lab lab-solutions test grade notebooks datasets pretrained bench setup clean-venv

lab:
	@$(COURSE) lab $(LAB_ARGS)

lab-solutions:
	@$(COURSE) lab --solutions $(LAB_ARGS)

test:
	@$(COURSE) test $(PYTEST_ARGS)

grade:
	@$(COURSE) grade $(if $(CLASS),--class $(CLASS) $(if $(NB),--nb $(NB)),$(NB)) $(GRADE_ARGS)

notebooks:
	@$(COURSE) notebooks $(if $(FORCE),--force)

datasets:
	@$(COURSE) datasets

pretrained:
	@$(COURSE) pretrained $(TRAIN_ARGS)

bench:
	@$(COURSE) bench $(BENCH_ARGS)

setup:
	@$(COURSE) setup

clean-venv:
	@$(COURSE) clean-venv
