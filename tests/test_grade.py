"""`make grade`: passes a learner's notebook whose exercise is right, names the failing one otherwise."""

import shutil
import subprocess
import sys

import nbformat
import pytest

from resnets_utils import REPO_ROOT

GRADE = REPO_ROOT / "tools" / "grade.py"
LEARNER = REPO_ROOT / "notebooks" / "02_identity_block.ipynb"
SOLVED = REPO_ROOT / "notebooks" / "solutions" / "02_identity_block.ipynb"


def grade(folder, prefix="02"):
    return subprocess.run([sys.executable, str(GRADE), prefix, "--dir", str(folder)],
                          capture_output=True, text=True, timeout=600)


def learner_copy(folder, edit=None):
    """Write the learner's notebook 02 into ``folder``, its exercise cell edited by ``edit``."""
    nb = nbformat.read(LEARNER, as_version=4)
    if edit:
        exercise = next(c for c in nb.cells if "# GRADED FUNCTION: identity_block" in c.source)
        exercise.source = edit(exercise.source)
    nbformat.write(nb, folder / LEARNER.name)


def solved_exercise():
    nb = nbformat.read(SOLVED, as_version=4)
    cell = next(c for c in nb.cells if "# GRADED FUNCTION: identity_block" in c.source)
    return cell.source.replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION\n", "")


def test_grade_names_the_exercise_left_to_write(tmp_path):
    learner_copy(tmp_path)
    result = grade(tmp_path)
    assert result.returncode == 1
    assert "Exercise identity_block is not written yet" in result.stdout


def test_grade_passes_a_right_exercise(tmp_path):
    learner_copy(tmp_path, edit=lambda source: solved_exercise())
    result = grade(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All exercises pass in 1 notebook(s)." in result.stdout


def test_grade_says_what_is_wrong_with_a_mistake(tmp_path):
    wrong = solved_exercise().replace('padding="same"', 'padding="valid"')
    assert wrong != solved_exercise()
    learner_copy(tmp_path, edit=lambda source: wrong)
    result = grade(tmp_path)
    assert result.returncode == 1
    assert "padding" in result.stdout and "branch2b" in result.stdout


def test_grade_without_a_matching_notebook(tmp_path):
    result = grade(tmp_path, prefix="07")
    assert result.returncode == 2 and "make grade NB=02" in result.stderr


def test_grade_reads_only_the_course_notebook_and_names_it(tmp_path):
    """A backup the tools advise (.mine.ipynb) and an Untitled notebook are never graded."""
    learner_copy(tmp_path, edit=lambda source: solved_exercise())
    shutil.copy(LEARNER, tmp_path / "02_identity_block.mine.ipynb")  # unwritten exercise
    shutil.copy(LEARNER, tmp_path / "Untitled.ipynb")
    shutil.copy(LEARNER, tmp_path / "02_Untitled1.ipynb")
    result = grade(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert str((tmp_path / LEARNER.name).resolve()) in result.stdout
    assert ".mine" not in result.stdout and "Untitled" not in result.stdout


def test_grade_stops_after_the_last_check(tmp_path):
    """Cells after the last graded check are not run: a failure there does not count."""
    learner_copy(tmp_path, edit=lambda source: solved_exercise())
    nb = nbformat.read(tmp_path / LEARNER.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('not graded')"))
    nbformat.write(nb, tmp_path / LEARNER.name)
    result = grade(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_grading_leaves_the_learners_file_unchanged(tmp_path):
    learner_copy(tmp_path)
    before = (tmp_path / LEARNER.name).read_bytes()
    grade(tmp_path)
    assert (tmp_path / LEARNER.name).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [LEARNER.name]
