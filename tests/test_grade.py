"""`make grade`: passes a learner's notebook whose exercise is right, names the failing one
otherwise, one line per exercise and a total."""

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
    return subprocess.run(
        [sys.executable, str(GRADE), prefix, "--dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )


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


@pytest.fixture(scope="module")
def unwritten(tmp_path_factory):
    """The learner's notebook 02 as it comes, graded once: (folder, its bytes before, result)."""
    folder = tmp_path_factory.mktemp("unwritten")
    learner_copy(folder)
    before = (folder / LEARNER.name).read_bytes()
    return folder, before, grade(folder)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """Notebook 02 with its exercise solved, graded once; each test below checks one thing.

    Beside it lie a backup the tools advise (.mine.ipynb) and two Untitled notebooks, each
    with the exercise unwritten, and after its last check a cell that raises: none of them
    may be graded. (Grading a notebook starts a kernel and TensorFlow, about 5 s each.)
    """
    folder = tmp_path_factory.mktemp("solved")
    learner_copy(folder, edit=lambda source: solved_exercise())
    nb = nbformat.read(folder / LEARNER.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('not graded')"))
    nbformat.write(nb, folder / LEARNER.name)
    shutil.copy(LEARNER, folder / "02_identity_block.mine.ipynb")
    shutil.copy(LEARNER, folder / "Untitled.ipynb")
    shutil.copy(LEARNER, folder / "02_Untitled1.ipynb")
    return folder, grade(folder)


def test_grade_names_the_exercise_left_to_write(unwritten):
    _, _, result = unwritten
    assert result.returncode == 1
    assert "Exercise identity_block is not written yet" in result.stdout


def test_grading_leaves_the_learners_file_unchanged(unwritten):
    folder, before, _ = unwritten
    assert (folder / LEARNER.name).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [LEARNER.name]


def test_grade_passes_a_right_exercise(solved):
    _, result = solved
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All exercises pass in 1 notebook(s)." in result.stdout


def test_grade_prints_one_line_per_exercise_and_a_total(solved, unwritten):
    _, result = solved
    lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert lines[1:] == [
        "  PASS  identity_block (02_identity_block.ipynb)  1/1  All tests passed."
    ]  # the flags are for the instructor's gradebook
    assert "Total: 1/1 points; 1 of 1 exercise(s) pass." in result.stdout
    _, _, result = unwritten
    assert (
        "  FAIL  identity_block (02_identity_block.ipynb)  0/1  Exercise identity_block "
        "is not written yet" in result.stdout
    )
    assert "Total: 0/1 points; 0 of 1 exercise(s) pass." in result.stdout


def test_grade_reads_only_the_course_notebook_and_names_it(solved):
    """A backup the tools advise (.mine.ipynb) and an Untitled notebook are never graded."""
    folder, result = solved
    assert str((folder / LEARNER.name).resolve()) in result.stdout
    assert ".mine" not in result.stdout and "Untitled" not in result.stdout


def test_grade_stops_after_the_last_check(solved):
    """Cells after the last graded check are not run: a failure there does not count."""
    _, result = solved
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not graded" not in result.stdout + result.stderr


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
