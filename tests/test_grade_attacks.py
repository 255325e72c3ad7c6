"""`make grade` cannot be fooled: each way a learner tried to pass notebook 02 without
writing the exercise (issue 22's table), and a few more, graded as `make grade NB=02` does.

Every case gets its own folder and one run of tools/grade.py, all started together (two at
a time) by one fixture; each test then checks one verdict. Before the grading was split
from the learner's notebook, the first four passed and the endless loop hung.
"""

import concurrent.futures
import os

import pytest

import grading_helpers as g

TIME_LIMIT_S = 45  # the endless loop's notebook; a right one takes about 15 s here


def _delete_check_cell(nb):
    nb.cells.remove(g.check_cell(nb))


def _replace_check_cell(nb):
    g.check_cell(nb).source = 'print("All tests passed.")'


def _move_check_cell_first(nb):
    check = g.check_cell(nb)
    nb.cells.remove(check)
    check.source = "check_identity_block = lambda f: print('All tests passed.')"
    nb.cells.insert(0, check)


CASES = {
    # The table of issue 22, row by row.
    "check cell replaced": dict(edit=_replace_check_cell),
    "checker redefined in the exercise cell": dict(
        exercise_source=g.unwritten_with(
            'def check_identity_block(f):\n    print("All tests passed.")'
        )
    ),
    "reference imported": dict(exercise_source=g.IMPORTED),
    "grader patched when called": dict(exercise_source=g.PATCHED_GRADER),
    "check cell deleted, exercise right": dict(
        exercise_source=g.solved_source(), edit=_delete_check_cell
    ),
    "endless loop": dict(exercise_source=g.ENDLESS),
    # More of the same kind.
    "check cell deleted, exercise unwritten": dict(edit=_delete_check_cell),
    "check cell moved and rewritten": dict(edit=_move_check_cell_first),
    "reference imported by __import__": dict(
        exercise_source=(
            "# GRADED FUNCTION: identity_block\n\n"
            "identity_block = __import__('resnets_' + 'reference').identity_block\n"
        )
    ),
    "reference file read and run": dict(
        exercise_source=(
            "# GRADED FUNCTION: identity_block\n\n"
            f"exec(open({str(g.REPO_ROOT)!r} + '/resnets_' + 'reference.py').read())\n"
        )
    ),
    "grader patched without naming it": dict(exercise_source=g.PATCHED_GRADER_QUIETLY),
    "numpy's comparison patched": dict(
        exercise_source=(
            "# GRADED FUNCTION: identity_block\n\nimport numpy\n\n"
            "def identity_block(X, f, filters, stage, block):\n"
            "    numpy.allclose = lambda *args, **kwargs: True\n"
            "    numpy.array_equal = lambda *args, **kwargs: True\n"
            "    return X\n"
        )
    ),
    "reference read by TensorFlow and run": dict(
        exercise_source=(
            "# GRADED FUNCTION: identity_block\n\nimport tensorflow as tf\n\n"
            "def identity_block(X, f, filters, stage, block):\n    pass\n\n"
            "files = getattr(getattr(tf, 'io'), 'gf' + 'ile')\n"
            f"text = getattr(files, 'GF' + 'ile')({str(g.REPO_ROOT)!r} + '/resnets_'"
            " + 'reference.py').read()\n"
            "getattr(getattr(print, '__se' + 'lf__'), 'ex' + 'ec')(text)\n"
        )
    ),
    "grading process killed": dict(
        exercise_source=(
            "# GRADED FUNCTION: identity_block\n\nimport os, signal\n\n"
            "def identity_block(X, f, filters, stage, block):\n"
            "    os.kill(os.getppid(), signal.SIGKILL)\n    return X\n"
        )
    ),
    "solution cell renamed": dict(
        exercise_source=g.solved_source().replace(g.HEADER, "# GRADED FUNCTION: identity")
    ),
    "right, own code": dict(exercise_source=g.own_solution()),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{case: (CompletedProcess, stdout + stderr)} for every case, graded as `make grade
    NB=02` would; "endless loop" with a right notebook 03 beside it, both graded."""
    env = {**os.environ, "RESNETS_GRADE_TIME_LIMIT": str(TIME_LIMIT_S)}
    folders = {}
    for number, (case, edits) in enumerate(CASES.items()):
        folder = tmp_path_factory.mktemp(f"case{number}")
        g.write(g.notebook(**edits), folder / g.LEARNER_02.name)
        folders[case] = folder
    g.write(
        g.notebook(
            g.solved_source(g.SOLVED_03, "# GRADED FUNCTION: convolutional_block"),
            learner=g.LEARNER_03,
            header="# GRADED FUNCTION: convolutional_block",
        ),
        folders["endless loop"] / g.LEARNER_03.name,
    )

    def run(case):
        prefix = [] if case == "endless loop" else ["02"]
        result = g.grade(*prefix, "--dir", folders[case], env=env)
        return case, result

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, CASES))


def _failing(graded, case, *expected):
    result = graded[case]
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert "FAIL  identity_block (02_identity_block.ipynb)  0/1" in result.stdout, text
    assert "All exercises pass" not in result.stdout, text
    for words in expected:
        assert words in result.stdout, text
    return result.stdout


def test_a_replaced_check_cell_changes_nothing(graded):
    _failing(graded, "check cell replaced", "Exercise identity_block is not written yet")


def test_a_checker_redefined_in_the_exercise_cell_changes_nothing(graded):
    _failing(
        graded,
        "checker redefined in the exercise cell",
        "Exercise identity_block is not written yet",
    )


def test_importing_the_reference_is_not_accepted(graded):
    _failing(
        graded,
        "reference imported",
        "not accepted: the solution imports resnets_reference, one of the course's reference",
    )


def test_patching_the_grader_from_the_solution_cannot_pass(graded):
    _failing(
        graded,
        "grader patched when called",
        "not accepted: the solution imports resnets_graders.blocks",
    )


def test_a_deleted_check_cell_changes_nothing(graded):
    result = graded["check cell deleted, exercise right"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  identity_block (02_identity_block.ipynb)  1/1  All tests passed." in result.stdout
    assert "A cell failed outside the graded checks" not in result.stdout
    _failing(graded, "check cell deleted, exercise unwritten", "is not written yet")


def test_an_endless_loop_is_stopped_and_grading_goes_on(graded):
    output = _failing(
        graded,
        "endless loop",
        f"stopped after {TIME_LIMIT_S} s, the time limit for grading 02_identity_block.ipynb",
        "endless loop",
    )
    assert "PASS  convolutional_block (03_convolutional_block.ipynb)  1/1" in output
    assert "Total: 1/2 points; 1 of 2 exercise(s) pass." in output


def test_a_check_cell_moved_and_rewritten_changes_nothing(graded):
    _failing(graded, "check cell moved and rewritten", "is not written yet")


def test_the_reference_reached_dynamically_is_not_accepted(graded):
    _failing(
        graded, "reference imported by __import__", "not accepted: the solution uses `__import__`"
    )
    _failing(graded, "reference file read and run", "not accepted")


def test_patching_without_naming_the_grader_cannot_pass(graded):
    _failing(graded, "grader patched without naming it", "not accepted")
    # Patching numpy in the learner's kernel does not reach the grading process.
    _failing(graded, "numpy's comparison patched", "Exercise identity_block")


def test_what_the_text_does_not_show_is_refused_while_it_runs(graded):
    """Routes no reading of the text can see: the kernel's audit hook refuses them."""
    _failing(
        graded,
        "reference read by TensorFlow and run",
        "not accepted: while it ran, the solution tried to compile code copied from "
        "the course's reference solution",
    )
    _failing(
        graded,
        "grading process killed",
        "not accepted: while it ran, the solution tried to send a signal to another process",
    )


def test_a_renamed_solution_cell_gets_its_own_message(graded):
    _failing(
        graded,
        "solution cell renamed",
        "no cell of 02_identity_block.ipynb starts with the line '# GRADED FUNCTION: "
        "identity_block' (it has cells for: identity)",
    )


def test_a_right_solution_in_the_learners_own_words_passes(graded):
    """(Unflagged too: learner ada's row in test_grade_class.)"""
    result = graded["right, own code"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "PASS  identity_block (02_identity_block.ipynb)  1/1  All tests passed.\n" in result.stdout
    )
