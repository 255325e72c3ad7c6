"""The learners' notebooks: written from the instructors', never over a learner's edits, and
failing, as they are, at the first exercise's check cell with a message naming the exercise."""

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from resnets_utils import REPO_ROOT

TOOL = REPO_ROOT / "tools" / "make_learner_notebooks.py"
SOLUTIONS = sorted((REPO_ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
LEARNERS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

sys.path.insert(0, str(REPO_ROOT / "tools"))
from make_learner_notebooks import (  # noqa: E402
    learner_notebook,
    strip_solutions,
    strip_test_markers,
)


def run_tool(*args):
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True)


def test_every_instructors_notebook_has_a_learners_twin():
    assert SOLUTIONS, "no instructors' notebooks in notebooks/solutions/"
    assert [p.name for p in LEARNERS] == [p.name for p in SOLUTIONS]


def test_committed_learners_notebooks_are_what_the_tool_writes():
    result = run_tool("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_strip_solutions_keeps_indentation_and_the_rest():
    source = "def f(x):\n    a = 1\n    ### BEGIN SOLUTION\n    b = 2\n    ### END SOLUTION\n    return b\n"
    assert strip_solutions(source) == (
        "def f(x):\n    a = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    return b"
    )


def test_strip_solutions_rejects_unbalanced_fences():
    with pytest.raises(ValueError, match="without '### END SOLUTION'"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")
    with pytest.raises(ValueError, match="unbalanced"):
        strip_solutions("x = 1\n### END SOLUTION\n")


def test_learners_notebooks_hold_no_solution_and_lock_the_check_cells():
    for path in SOLUTIONS:
        nb = learner_notebook(nbformat.read(path, as_version=4), path.name)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert not any("### BEGIN SOLUTION" in c.source for c in code)
        assert any("raise NotImplementedError()" in c.source for c in code), path.name
        checks = [c for c in code if "check" in c.metadata.get("tags", [])]
        assert checks, f"{path.name} has no cell tagged 'check'"
        assert all(
            c.metadata["editable"] is False and c.metadata["deletable"] is False for c in checks
        )
        for cell in code:
            assert cell.outputs == [] and cell.execution_count is None


def make_copy(tmp_path):
    """A copy of the notebooks folder layout, with one instructors' notebook."""
    (tmp_path / "solutions").mkdir()
    shutil.copy(SOLUTIONS[0], tmp_path / "solutions" / SOLUTIONS[0].name)
    return tmp_path / "solutions", tmp_path


def test_tool_never_overwrites_a_learners_edits(tmp_path):
    solutions, out = make_copy(tmp_path)
    args = ("--solutions", str(solutions), "--out", str(out))
    assert run_tool(*args).returncode == 0
    learner = out / SOLUTIONS[0].name
    nb = json.loads(learner.read_text())
    nb["cells"][0]["source"] = "my own notes"
    learner.write_text(json.dumps(nb))
    edited = learner.read_text()

    # The instructors change their notebook: the learner's edited copy is left alone.
    source_nb = nbformat.read(solutions / SOLUTIONS[0].name, as_version=4)
    source_nb.cells.append(nbformat.v4.new_markdown_cell("A new remark."))
    nbformat.write(source_nb, solutions / SOLUTIONS[0].name)
    result = run_tool(*args)
    assert result.returncode == 1
    assert "NOT overwritten" in result.stderr and ".mine.ipynb" in result.stderr
    assert "--force" in result.stderr
    assert learner.read_text() == edited

    # Keeping both, as the message says: move it aside, run again.
    learner.rename(out / (learner.stem + ".mine.ipynb"))
    assert run_tool(*args).returncode == 0
    assert "A new remark." in learner.read_text()

    # --force overwrites.
    learner.write_text(edited)
    assert run_tool(*args, "--force").returncode == 0
    assert "A new remark." in learner.read_text()


def test_tool_updates_an_unedited_notebook(tmp_path):
    solutions, out = make_copy(tmp_path)
    args = ("--solutions", str(solutions), "--out", str(out))
    assert run_tool(*args).returncode == 0
    source_nb = nbformat.read(solutions / SOLUTIONS[0].name, as_version=4)
    source_nb.cells.append(nbformat.v4.new_markdown_cell("Another remark."))
    nbformat.write(source_nb, solutions / SOLUTIONS[0].name)
    assert run_tool(*args).returncode == 0
    assert "Another remark." in (out / SOLUTIONS[0].name).read_text()


def test_check_fails_when_the_record_misses_a_committed_notebooks_hash(tmp_path):
    # A notebook written with --force elsewhere and committed without its record would make
    # the next `make notebooks` refuse to update it as if a learner had edited it.
    solutions, out = make_copy(tmp_path)
    args = ("--solutions", str(solutions), "--out", str(out))
    assert run_tool(*args).returncode == 0
    assert run_tool(*args, "--check").returncode == 0
    (out / ".generated.json").write_text(json.dumps({SOLUTIONS[0].name: "0" * 64}))
    result = run_tool(*args, "--check")
    assert result.returncode == 1
    assert ".generated.json does not hold the hash of" in result.stdout
    assert run_tool(*args).returncode == 0  # writing records it again
    assert run_tool(*args, "--check").returncode == 0


def first_exercise(nb):
    """(index of the first check cell, name of the function it grades)."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
            name = re.search(r"check_\w+\((\w+)\)", cell.source).group(1)
            return index, name
    raise AssertionError("no check cell")


@pytest.mark.parametrize("path", LEARNERS, ids=[p.stem for p in LEARNERS])
def test_learners_notebook_as_it_is_fails_at_its_first_exercise(path):
    nb = nbformat.read(path, as_version=4)
    check_index, exercise = first_exercise(nb)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    executed = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.get("execution_count") is not None
    ]
    assert executed[-1] == check_index, (
        f"{path.name} first failed at cell {executed[-1]}, not at the check cell {check_index}"
    )
    message = str(failure.value)
    assert "AssertionError" in message and f"Exercise {exercise} is not written yet" in message


def test_learners_code_cells_store_no_outputs_not_even_kept_ones():
    nb = nbformat.v4.new_notebook()
    kept = nbformat.v4.new_code_cell(
        "print(ok)", execution_count=3, outputs=[nbformat.v4.new_output("stream", text="True\n")]
    )
    kept.metadata["tags"] = ["keep-output"]
    cleared = nbformat.v4.new_code_cell(
        "print('mine')",
        execution_count=4,
        outputs=[nbformat.v4.new_output("stream", text="mine\n")],
    )
    nb.cells = [kept, cleared]
    learner = learner_notebook(nb)
    assert len(learner.cells) == 2, "a kept cell without a figure gets no Expected figure cell"
    for cell in learner.cells:
        assert cell.outputs == [] and cell.execution_count is None
    assert "editable" not in learner.cells[1].metadata


def test_a_kept_figure_moves_below_the_cell_so_it_stays_beside_the_learners_own():
    nb = nbformat.v4.new_notebook()
    png = "iVBORw0KGgo="  # any base64 PNG payload
    figure = nbformat.v4.new_output(
        "display_data", data={"image/png": png, "text/plain": "<Figure>"}
    )
    text = nbformat.v4.new_output("stream", text="final loss 0.61\n")
    plot = nbformat.v4.new_code_cell("plot()", execution_count=7, outputs=[text, figure])
    plot.metadata["tags"] = ["keep-output"]
    unkept = nbformat.v4.new_code_cell("plot()", execution_count=8, outputs=[figure])
    nb.cells = [plot, nbformat.v4.new_markdown_cell("Next section."), unkept]
    learner = learner_notebook(nb)
    assert [c.cell_type for c in learner.cells] == ["code", "markdown", "markdown", "code"]
    assert learner.cells[0].outputs == [], "the code cell looks as it does before it is run"
    assert learner.cells[3].outputs == [], "only keep-output cells show an expected figure"
    expected = learner.cells[1]
    assert "expected-figure" in expected.metadata["tags"]
    assert expected.source.startswith("**Expected figure**")
    ((name, attachment),) = expected.attachments.items()
    assert attachment == {"image/png": png} and f"(attachment:{name})" in expected.source
    nbformat.validate(learner)


def test_strip_test_markers_removes_the_marker_and_its_reason_only():
    source = (
        "# NBVAL_IGNORE_OUTPUT\n# The last decimal can differ.\nx = 1  # a comment\n"
        "# a learner's comment\n  # NBVAL_SKIP\n  y = 2\n"
    )
    assert strip_test_markers(source) == "x = 1  # a comment\n# a learner's comment\n  y = 2"
    assert strip_test_markers("print(1)\n# not a marker: NBVAL\n") == (
        "print(1)\n# not a marker: NBVAL"
    )


@pytest.mark.parametrize("path", LEARNERS, ids=[p.stem for p in LEARNERS])
def test_learners_notebook_shows_no_test_markers(path):
    # The markers are for the test suite; the instructors' notebooks keep them for nbval.
    nb = nbformat.read(path, as_version=4)
    shown = [
        (index, line)
        for index, cell in enumerate(nb.cells)
        for line in cell.source.splitlines()
        if re.search(r"nbval", line, re.IGNORECASE)
    ]
    assert not shown, f"{path.name} shows test markers to learners: {shown}"
    solution = nbformat.read(path.parent / "solutions" / path.name, as_version=4)
    for cell in solution.cells:
        if cell.cell_type == "code" and cell.source.startswith("# NBVAL_IGNORE_OUTPUT\n"):
            reason = cell.source.splitlines()[1]
            if reason.startswith("#"):
                assert not any(reason in c.source for c in nb.cells), (
                    f"{path.name}: the marker's reason line {reason!r} is still shown"
                )


def test_instructors_notebooks_keep_their_markers_for_nbval():
    # Stripping happens in the learners' copies only: nbval still ignores what varies.
    marked = {
        path.name: sum(
            "# NBVAL_IGNORE_OUTPUT" in cell.source.splitlines()
            for cell in nbformat.read(path, as_version=4).cells
        )
        for path in SOLUTIONS
    }
    assert marked.get("01_vanishing_gradients.ipynb", 0) >= 4, marked


@pytest.mark.parametrize("path", LEARNERS, ids=[p.stem for p in LEARNERS])
def test_learners_notebook_stores_no_outputs_only_expected_figures(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}, cell {index} stores outputs: it looks already run"
            )
        elif "expected-figure" in cell.metadata.get("tags", []):
            previous = nb.cells[index - 1]
            assert previous.cell_type == "code" and "keep-output" in previous.metadata.get(
                "tags", []
            ), f"{path.name}, cell {index}: an expected figure below no kept cell"


def test_every_learners_notebook_asks_for_the_course_kernel():
    for path in LEARNERS:
        spec = nbformat.read(path, as_version=4).metadata["kernelspec"]
        assert spec["name"] == "resnets", path.name
        assert spec["display_name"] == "Residual Networks (TF 2.21)", path.name
