"""`python course.py grade --class submissions/`: a class of fifteen submissions for
notebook 02, right, wrong, tampered, broken and endless ones, each in the gradebook with
its reason, nothing under submissions/ modified, and an interrupted run resumed without
grading anything twice."""

import csv

import pytest

import grading_helpers as g

NOT_WRITTEN = (
    "Exercise identity_block is not written yet: replace `raise "
    "NotImplementedError()` in the cell '# GRADED FUNCTION: identity_block' with "
    "your code and run it again."
)
REFUSED = (
    "Exercise identity_block: not accepted: the solution imports {}, one of the "
    "course's reference implementations or graders. A solution must be your own "
    "code: remove the import and write the function yourself."
)
EXPECTED = [  # learner, points, result, message, flags, file
    ("ada", "1", "pass", "All tests passed.", "", "ada/02_identity_block.ipynb"),
    ("ben", "1", "pass", "All tests passed.", "same-as-reference", "ben.ipynb"),
    (
        "cy",
        "0",
        "fail",
        "Exercise identity_block: the second convolution of the main path, "
        "res1a_branch2b, should use padding 'same', not 'valid'.",
        "",
        "cy.ipynb",
    ),
    ("dee", "0", "fail", NOT_WRITTEN, "", "dee/02_identity_block.ipynb"),
    ("eve", "0", "fail", REFUSED.format("resnets_reference"), "refused-access", "eve.ipynb"),
    ("fay", "0", "fail", REFUSED.format("resnets_graders.blocks"), "refused-access", "fay.ipynb"),
    (
        "gus",
        "0",
        "fail",
        "Exercise identity_block: not graded: the file gus.ipynb is not a "
        "notebook (not valid JSON: Expecting property name enclosed in double quotes: line 1 "
        "column 3 (char 2)).",
        "not-graded",
        "gus.ipynb",
    ),
    (
        "hal",
        "0",
        "fail",
        "Exercise identity_block: not graded: the file hal.ipynb is empty.",
        "not-graded",
        "hal.ipynb",
    ),
    (
        "ivy",
        "0",
        "fail",
        "Exercise identity_block: not graded: the submission holds no "
        "02_identity_block.ipynb: its notebooks have the exercises convolutional_block, none "
        "of this notebook's (identity_block).",
        "not-graded",
        "ivy",
    ),
    (
        "jo",
        "0",
        "fail",
        "Exercise identity_block: stopped after 45 s, the time limit for "
        "grading 02_identity_block.ipynb, while running the cell '# GRADED FUNCTION: "
        "identity_block'. Is there an endless loop, or a computation much bigger than the "
        "exercise needs?",
        "limit-reached",
        "jo.ipynb",
    ),
    (
        "kim",
        "0",
        "fail",
        "Exercise identity_block: the kernel crashed (SIGABRT) while "
        "running your identity_block. Run the notebook from the top to see where.",
        "not-graded",
        "kim.ipynb",
    ),
    (
        "lu",
        "0",
        "fail",
        "Exercise identity_block: no cell of lu.ipynb starts with the line "
        "'# GRADED FUNCTION: identity_block' (it has cells for: my_block). Grading takes your "
        "solution from that cell: put the line back, exactly, as the first line of the cell "
        "that defines identity_block.",
        "not-graded",
        "lu.ipynb",
    ),
    ("max", "1", "pass", "All tests passed.", "", "max/homework/my copy.ipynb"),
    (
        "ned",
        "0",
        "fail",
        "Exercise identity_block raised MemoryError: Unable to allocate "
        "381. MiB for an array with shape (50000000,) and data type float64 (grading lets a "
        "notebook use 4 GB of memory: does the code allocate more than it needs, in a loop?)",
        "limit-reached",
        "ned.ipynb",
    ),
    (
        "oz",
        "0",
        "fail",
        "Exercise identity_block: not graded: the folder oz holds no notebook (.ipynb file).",
        "not-graded",
        "oz",
    ),
]
ARGS = ("--nb", "02", "--time-limit", "45", "--memory-gb", "4")


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def as_expected(row):
    return (row["learner"], row["points"], row["result"], row["message"], row["flags"], row["file"])


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The class graded once: (submissions folder, grades folder, digest before, result)."""
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    g.class_of_learners(submissions)
    before = g.tree_digest(submissions)
    result = g.grade("--class", submissions, *ARGS)
    return submissions, root / "submissions-grades", before, result


def test_the_gradebook_is_exactly_as_expected(graded_class):
    _, grades, _, result = graded_class
    assert result.returncode == 0, result.stdout + result.stderr
    book = rows(grades / "gradebook.csv")
    assert list(book[0]) == [
        "learner",
        "notebook",
        "exercise",
        "points",
        "max_points",
        "result",
        "message",
        "flags",
        "file",
    ]
    assert all(
        r["notebook"] == "02_identity_block.ipynb"
        and r["exercise"] == "identity_block"
        and r["max_points"] == "1"
        for r in book
    )
    assert [as_expected(r) for r in book] == EXPECTED


def test_every_learner_gets_a_feedback_file(graded_class):
    _, grades, _, _ = graded_class
    assert sorted(p.stem for p in (grades / "feedback").iterdir()) == [
        learner for learner, *_ in EXPECTED
    ]
    text = (grades / "feedback" / "cy.txt").read_text()
    assert text.startswith(
        "Feedback for cy\n\n02_identity_block.ipynb\n  identity_block: "
        "fail, 0/1 point(s). Exercise identity_block: the second"
    )
    assert text.endswith("\nTotal: 0/1 point(s).\n")


def test_nothing_under_submissions_is_modified(graded_class):
    submissions, _, before, _ = graded_class
    assert g.tree_digest(submissions) == before


def test_the_run_shows_its_progress_over_the_submissions(graded_class):
    _, _, _, result = graded_class
    assert "15/15 submissions" in result.stderr
    assert "Graded 15 submission(s): 3 of 15 exercise rows pass." in result.stdout


def test_an_interrupted_run_resumes_without_grading_twice(graded_class):
    submissions, grades, before, _ = graded_class
    book = rows(grades / "gradebook.csv")
    # As if the run had stopped before grading eve and gus, with ben's row marked so that
    # grading him again would show.
    kept = [
        dict(r, message="kept from the first run") if r["learner"] == "ben" else r
        for r in book
        if r["learner"] not in ("eve", "gus")
    ]
    with open(grades / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(book[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    result = g.grade("--class", submissions, *ARGS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Resuming: 13 submission(s) already graded" in result.stderr
    assert "2/2 submissions" in result.stderr
    again = rows(grades / "gradebook.csv")
    assert [r["learner"] for r in again] == [learner for learner, *_ in EXPECTED]
    assert next(r for r in again if r["learner"] == "ben")["message"] == "kept from the first run"
    expected = {e[0]: e for e in EXPECTED}
    assert as_expected(next(r for r in again if r["learner"] == "eve")) == expected["eve"]
    assert as_expected(next(r for r in again if r["learner"] == "gus")) == expected["gus"]
    assert g.tree_digest(submissions) == before


def test_grades_are_never_written_under_the_class_folder(tmp_path):
    submissions = tmp_path / "submissions"
    g.write(g.notebook(), submissions / "ada.ipynb")
    result = g.grade("--class", submissions, "--out", submissions / "grades")
    assert result.returncode == 2
    assert "nothing under the class folder is modified" in result.stderr
    assert sorted(p.name for p in submissions.iterdir()) == ["ada.ipynb"]
