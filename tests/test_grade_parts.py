"""The parts of `make grade`, each on its own: what is read from a solution's text, the
kernel's audit hook, points from the instructors' notebook, unreadable submissions, and
what a learner sees in JupyterLab when a check fails."""

import json
import re
import subprocess
import sys
import textwrap

import nbformat
import pytest

import grading_helpers as g
from resnets_graders import grading, source_checks
from resnets_graders.kernel import fingerprint

SOLUTIONS = sorted((g.REPO_ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))


# ------------------------------------------------------------------ a solution's text


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_the_reference_solutions_are_accepted_and_flagged(path):
    course = grading.read_course_notebook(path.name)
    for exercise in course.exercises:
        source = course.references[exercise]
        solved = g.without_fences(source)
        assert source_checks.refusal(exercise, source_checks.python_source(solved)) is None
        assert source_checks.same_as_reference(solved, source, exercise)


def test_renamed_respaced_recommented_copies_are_flagged():
    reference = g.solved_source()
    copy = re.sub(r"\bX\b", "tensor", reference.replace("X_shortcut", "skip"))
    copy = (
        copy.replace("F2", "second")
        .replace('"same"', "'same'")
        .replace("# Second component of main path", "# my own words")
        .replace("strides=(1, 1), padding", "strides=(1, 1),  padding")
    )
    assert copy != reference and "tensor = Conv2D" in copy
    assert source_checks.same_as_reference(copy, reference, "identity_block")
    assert not source_checks.same_as_reference(g.own_solution(), reference, "identity_block")
    changed = copy.replace(
        'Activation("relu")(tensor)\n\n    # Third', "keras.layers.ReLU()(tensor)\n\n    # Third"
    )
    assert changed != copy
    assert not source_checks.same_as_reference(changed, reference, "identity_block")


REFUSED = {
    "from resnets_reference import identity_block": "imports resnets_reference",
    "import resnets_graders.blocks as b": "imports resnets_graders.blocks",
    "from tools import grade": "imports tools",
    "m = __import__('resnets_reference')": "uses `__import__`",
    "path = 'resnets_reference.py'": "names 'resnets_reference'",
    "import importlib": "imports the module importlib",
    "exec(source)": "uses `exec`",
    "f = open(path)": "uses `open`",
    "x = sys.modules": "uses `.modules`",
    "g = identity_block.__globals__": "uses `.__globals__`",
    "setattr(numpy, 'all' + 'close', mine)": "calls setattr() with a name computed",
    "e = getattr(print, '__self__')": "calls getattr(..., '__self__')",
    "t = tf.io.gfile.GFile(path).read()": "uses `.GFile`",
    "text = 'notebooks/solutions/02_identity_block.ipynb'": "names 'notebooks/solutions'",
    "get_ipython().run_cell(code)": "uses `.run_cell`",
    "from . import x": "a relative import",
}


ACCEPTED = (
    "names = [layer.__class__.__name__ for layer in model.layers]",
    "kernel = getattr(layer, attribute, None)",
    "import os\nimport tensorflow as tf\nfrom keras import layers",
    "%time x = 1",
    '"""Returns the solutions of the block, as resnets_reference does."""',
)


@pytest.mark.parametrize("line", ACCEPTED)
def test_ordinary_code_is_accepted(line):
    source = f"# GRADED FUNCTION: identity_block\n\n{line}\n"
    assert source_checks.refusal("identity_block", source_checks.python_source(source)) is None


@pytest.mark.parametrize("line", REFUSED)
def test_routes_to_the_reference_are_refused_with_a_message(line):
    source = f"# GRADED FUNCTION: identity_block\n\n{line}\n"
    message = source_checks.refusal("identity_block", source)
    assert message.startswith("Exercise identity_block: not accepted: the solution ")
    assert REFUSED[line] in message


# ------------------------------------------------------------------ the kernel's guard


GUARDED = r"""
import os, socket, subprocess, sys
sys.path.insert(0, sys.argv[1])
from resnets_graders.kernel import install_guard, fingerprint
work, secret, report = sys.argv[2], sys.argv[3], sys.argv[4]
install_guard(work, [secret], report, [([fingerprint("x = reference_line_one()"),
                                         fingerprint("y = reference_line_two(x)")], 2)])
class Lying(str):  # a path whose str() names another file
    def __str__(self):
        return os.path.join(work, "mine.txt")
class LyingBytes(bytes):
    def decode(self, *args):
        return os.path.join(work, "mine.txt")
class LyingName(str):
    def __str__(self):
        return "os"
attempts = {
    "read": lambda: open(os.path.join(secret, "answer.py")).read(),
    "read by a str that lies": lambda: open(Lying(os.path.join(secret, "answer.py"))).read(),
    "read by bytes that lie": lambda: open(
        LyingBytes(os.fsencode(os.path.join(secret, "answer.py")))).read(),
    "read through a link": lambda: open("/proc/self/root" + secret + "/answer.py").read(),
    "write outside": lambda: open(os.path.join(secret, "..", "out.txt"), "w"),
    "import": lambda: __import__("resnets_reference"),
    "import by a name that lies": lambda: __import__(LyingName("course")),
    "process": lambda: subprocess.run(["true"]),
    "network": lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
    "signal": lambda: os.kill(os.getppid(), 0),
    "copy of the reference": lambda: exec("x = reference_line_one()\ny = reference_line_two(x)"),
    "patch the hook": lambda: setattr(install_guard, "__code__", (lambda: 0).__code__),
}
for name, attempt in attempts.items():
    try:
        attempt()
    except PermissionError as exc:
        print(name, "refused:", exc)
    else:
        print(name, "ALLOWED")
open(os.path.join(work, "mine.txt"), "w").write("fine")
exec("z = 1 + 1")
print("own work allowed")
"""


def test_the_kernels_guard_refuses_and_reports(tmp_path):
    work, secret = tmp_path / "work", tmp_path / "course"
    work.mkdir()
    secret.mkdir()
    (secret / "answer.py").write_text("reference = 1\n")
    report = tmp_path / "report.txt"
    result = subprocess.run(
        [sys.executable, "-c", GUARDED, str(g.REPO_ROOT), str(work), str(secret), str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=work,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split(" refused")[0] for line in lines if "refused:" in line] == [
        "read",
        "read by a str that lies",
        "read by bytes that lie",
        "read through a link",
        "write outside",
        "import",
        "import by a name that lies",
        "process",
        "network",
        "signal",
        "copy of the reference",
        "patch the hook",
    ], result.stdout
    assert lines[-1] == "own work allowed"
    reported = report.read_text().splitlines()
    assert len(reported) == 12 and all(line.startswith("VIOLATION ") for line in reported)
    for line in reported[:3]:  # the path itself, whatever the str or bytes say of it
        assert f"read {secret}/answer.py" in line, line
    assert "import resnets_reference" in reported[5]
    assert "import course," in reported[6]  # the name itself, not what its str() says


def test_reference_fingerprints_are_hashes_not_code():
    lines, needed = grading.reference_fingerprints(
        grading.read_course_notebook("02_identity_block.ipynb").references["identity_block"]
    )
    assert needed >= 2 and len(lines) >= needed
    assert all(len(line) == 64 and set(line) <= set("0123456789abcdef") for line in lines)
    assert fingerprint("X = Add()([X, X_shortcut])") in lines


# --------------------------------------------------------- the course's notebooks, points


def test_points_come_from_the_instructors_notebook(tmp_path):
    for path in SOLUTIONS:
        course = grading.read_course_notebook(path.name)
        assert set(course.points.values()) == {1}  # no metadata: one point each
    nb = nbformat.read(g.SOLVED_02, as_version=4)
    g.check_cell(nb).metadata["points"] = 3
    nbformat.write(nb, tmp_path / g.SOLVED_02.name)
    assert grading.read_course_notebook(g.SOLVED_02.name, tmp_path).points == {"identity_block": 3}
    cell = next(c for c in nb.cells if c.source.startswith(g.HEADER))
    cell.metadata["points"] = 2.5
    del g.check_cell(nb).metadata["points"]
    nbformat.write(nb, tmp_path / g.SOLVED_02.name)
    assert grading.read_course_notebook(g.SOLVED_02.name, tmp_path).points == {
        "identity_block": 2.5
    }


def test_set_up_and_check_cells_come_from_the_instructors_notebook():
    course = grading.read_course_notebook("02_identity_block.ipynb")
    kinds = [c["kind"] for c in course.cells]
    assert kinds[-1] == "solution" and "check" not in kinds[-1:]
    assert course.exercises == ["identity_block"]
    assert "setup_notebook(seed=0)" in course.cells[0]["source"]


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not text"),
        (b"{ not json", "not valid JSON"),
        (b"[1, 2, 3]", "is not a Jupyter notebook"),
        (json.dumps({"cells": "many"}).encode(), "is not a Jupyter notebook"),
    ],
)
def test_an_unreadable_submission_gets_its_reason(tmp_path, content, reason):
    path = tmp_path / "02_identity_block.ipynb"
    path.write_bytes(content)
    course = grading.read_course_notebook(path.name)
    [result] = grading.grade_notebook(path, course)
    assert not result.passed and result.points == 0 and reason in result.message
    assert result.message.startswith("Exercise identity_block: not graded: the file ")


# ---------------------------------------------------------------- what JupyterLab shows


SHELL = textwrap.dedent('''
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.run_cell("""
    from keras.layers import Conv2D
    from resnets_graders import check_identity_block
    def identity_block(X, f, filters, stage, block):
        return Conv2D(filters[2], (f, f), padding="same", name="res1a_branch2a")(X)
    """)
    shell.run_cell("check_identity_block(identity_block)")
''')


def test_a_failing_check_shows_the_message_alone():
    result = subprocess.run(
        [sys.executable, "-c", SHELL], capture_output=True, text=True, timeout=300, cwd=g.REPO_ROOT
    )
    shown = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(shown) == 1, result.stdout
    assert shown[0].startswith("AssertionError: Exercise identity_block")
    assert "resnets_graders" not in result.stdout and "Traceback" not in result.stdout


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_an_exercise_as_given_is_known_unwritten_without_running(path):
    course = grading.read_course_notebook(path.name)
    learners = nbformat.read(g.REPO_ROOT / "notebooks" / path.name, as_version=4)
    for exercise in course.exercises:
        given = next(
            c.source
            for c in learners.cells
            if c.source.startswith(f"# GRADED FUNCTION: {exercise}")
        )
        reference = course.references[exercise]
        assert source_checks.as_given(given, reference)
        assert source_checks.as_given(given + "\n# a comment of my own\n", reference)
        assert not source_checks.as_given(g.without_fences(reference), reference)
        assert not source_checks.as_given(given + "\nx = 1\n", reference)


NEUTRALISED = textwrap.dedent("""
    import resnets_reference
    from resnets_reference import identity_block
    from resnets_graders.kernel import _neutralise
    _neutralise("ResNet50")
    for route in (lambda: resnets_reference.ResNet50(),
                  lambda: identity_block.__globals__["ResNet50"]()):
        try:
            route()
        except PermissionError as error:
            print("refused:", error)
    print(identity_block.__name__, "still there")
""")


def test_the_exercises_reference_refuses_to_run_in_the_kernel():
    """Notebook 04's set-up imports resnets_reference for its blocks; its ResNet50 then refuses
    to run however it is reached."""
    result = subprocess.run(
        [sys.executable, "-c", NEUTRALISED],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=g.REPO_ROOT,
    )
    assert result.stdout.splitlines() == [
        "refused: grading does not accept a solution that calls the course's reference "
        "ResNet50; write the function yourself"
    ] * 2 + ["identity_block still there"], result.stdout + result.stderr


@pytest.mark.parametrize(
    "source, defined",
    [
        ("def identity_block(X, f, filters, stage, block):\n    return X", True),
        ("class identity_block:\n    pass", True),
        ("identity_block = make_block()", True),
        ("def identity(X, f, filters, stage, block):\n    return X", False),
        ("if True:\n    def identity_block(X): return X", False),
    ],
)
def test_a_cell_must_define_its_exercise(source, defined):
    assert source_checks.defines(source, "identity_block") is defined


def test_a_linked_submission_is_not_followed(tmp_path):
    (tmp_path / "02_identity_block.ipynb").symlink_to(g.SOLVED_02)
    [result] = grading.grade_notebook(
        tmp_path / "02_identity_block.ipynb", grading.read_course_notebook(g.SOLVED_02.name)
    )
    assert not result.passed
    assert "02_identity_block.ipynb is a link, not a file" in result.message


def test_an_installed_copy_of_the_references_is_out_of_reach_too(tmp_path, monkeypatch):
    (tmp_path / "resnets_reference.py").write_text("# a copy, as `pip install .` would make\n")
    (tmp_path / "resnets_graders").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    forbidden = grading.forbidden_paths()
    assert tmp_path / "resnets_reference.py" in forbidden
    assert tmp_path / "resnets_graders" in forbidden
    assert g.REPO_ROOT / "notebooks" in forbidden
