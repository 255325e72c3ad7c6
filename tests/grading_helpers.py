"""Learners' notebooks for the grading tests: notebook 02 (and 03) edited as a learner, or a
learner trying to pass without doing the work, would edit them."""

import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
GRADE = REPO_ROOT / "tools" / "grade.py"
LEARNER_02 = REPO_ROOT / "notebooks" / "02_identity_block.ipynb"
SOLVED_02 = REPO_ROOT / "notebooks" / "solutions" / "02_identity_block.ipynb"
LEARNER_03 = REPO_ROOT / "notebooks" / "03_convolutional_block.ipynb"
SOLVED_03 = REPO_ROOT / "notebooks" / "solutions" / "03_convolutional_block.ipynb"
HEADER = "# GRADED FUNCTION: identity_block"


def solved_source(solved=SOLVED_02, header=HEADER):
    """The instructors' solution cell, its fences removed: what a learner who solved it has."""
    nb = nbformat.read(solved, as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith(header))
    return without_fences(cell.source)


def without_fences(source):
    """``source`` without its ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines."""
    return "".join(
        line
        for line in source.splitlines(keepends=True)
        if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    )


def own_solution():
    """A right identity block written differently from the reference (not flagged)."""
    return """# GRADED FUNCTION: identity_block

def identity_block(X, f, filters, stage, block):
    names = f"{stage}{block}_branch"
    F1, F2, F3 = filters
    shortcut = X
    for letter, count, size in (("2a", F1, 1), ("2b", F2, f), ("2c", F3, 1)):
        X = Conv2D(count, (size, size), padding="same" if letter == "2b" else "valid",
                   name="res" + names + letter, kernel_initializer=glorot_uniform(seed=0))(X)
        X = BatchNormalization(axis=3, name="bn" + names + letter)(X)
        if letter != "2c":
            X = Activation("relu")(X)
    return Activation("relu")(Add()([X, shortcut]))
"""


def notebook(exercise_source=None, edit=None, learner=LEARNER_02, header=HEADER):
    """The learner's notebook, its exercise cell replaced by ``exercise_source`` (if given),
    then ``edit(nb)`` applied (if given)."""
    nb = nbformat.read(learner, as_version=4)
    if exercise_source is not None:
        cell = next(c for c in nb.cells if c.source.startswith(header))
        cell.source = exercise_source
    if edit:
        edit(nb)
    return nb


def check_cell(nb):
    """The notebook's locked check cell."""
    return next(c for c in nb.cells if "check" in c.metadata.get("tags", []))


def unwritten_with(extra):
    """The exercise cell as given (not written), with ``extra`` code added at its end."""
    source = nbformat.read(LEARNER_02, as_version=4)
    cell = next(c for c in source.cells if c.source.startswith(HEADER))
    return cell.source + "\n\n" + extra


def write(nb, path):
    """Write ``nb`` to ``path`` (its folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def grade(*args, env=None, timeout=900):
    """Run tools/grade.py with ``args``; the CompletedProcess."""
    return subprocess.run(
        [sys.executable, str(GRADE), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def tree_digest(folder):
    """A digest of every file's path, bytes and mode under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
            digest.update(str(path.stat().st_mode).encode())
    return digest.hexdigest()


# An endless loop in the cell and in the function. It waits instead of spinning: grading
# kills it at the time limit the same way, and a spinning loop would take a CPU from the
# rest of the test suite for the whole limit.
ENDLESS = unwritten_with("import time\n\nwhile True:\n    time.sleep(0.1)\n").replace(
    "    # YOUR CODE HERE\n    raise NotImplementedError()",
    "    while True:\n        time.sleep(0.1)",
)
PATCHED_GRADER = """# GRADED FUNCTION: identity_block

def identity_block(X, f, filters, stage, block):
    import resnets_graders.blocks as blocks
    blocks._compare_models = lambda *args, **kwargs: None
    return X
"""
PATCHED_GRADER_QUIETLY = """# GRADED FUNCTION: identity_block

import sys

def identity_block(X, f, filters, stage, block):
    loaded = getattr(sys, "modules")
    for name in list(loaded):
        if name.endswith("blocks"):
            setattr(loaded[name], "_compare_models", lambda *args, **kwargs: None)
    check_identity_block.__defaults__ = None
    return X
"""
IMPORTED = """# GRADED FUNCTION: identity_block

from resnets_reference import identity_block
"""
CRASH = """# GRADED FUNCTION: identity_block

import os

def identity_block(X, f, filters, stage, block):
    os.abort()
"""
RUNAWAY = """# GRADED FUNCTION: identity_block

import numpy as np

def identity_block(X, f, filters, stage, block):
    hoard = []
    while True:
        hoard.append(np.ones(50_000_000))
"""


def class_of_learners(folder):
    """Write a class of submissions for notebook 02 under ``folder``: right, wrong,
    tampered, broken and endless ones, one folder or one file per learner."""
    folder = Path(folder)
    right = solved_source()
    write(notebook(own_solution()), folder / "ada" / "02_identity_block.ipynb")
    write(notebook(right), folder / "ben.ipynb")
    write(notebook(right.replace('padding="same"', 'padding="valid"')), folder / "cy.ipynb")

    def tamper(nb):
        check_cell(nb).source = 'print("All tests passed.")'

    write(notebook(edit=tamper), folder / "dee" / "02_identity_block.ipynb")
    write(notebook(IMPORTED), folder / "eve.ipynb")
    write(notebook(PATCHED_GRADER), folder / "fay.ipynb")
    (folder / "gus.ipynb").write_text("{ this is not JSON")
    (folder / "hal.ipynb").write_bytes(b"")
    write(notebook(learner=LEARNER_03), folder / "ivy" / "03_convolutional_block.ipynb")
    write(notebook(ENDLESS), folder / "jo.ipynb")
    write(notebook(CRASH), folder / "kim.ipynb")
    write(notebook(right.replace(HEADER, "# GRADED FUNCTION: my_block")), folder / "lu.ipynb")
    write(notebook(own_solution()), folder / "max" / "homework" / "my copy.ipynb")
    write(notebook(RUNAWAY), folder / "ned.ipynb")
    (folder / "oz").mkdir()
