"""The instructors' notebooks' solution regions hold the reference code, line for line.

For every graded function (a code cell starting ``# GRADED FUNCTION: name``) of every
notebook in notebooks/solutions/, each region between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` must equal the region of the same function in resnets_reference.py,
the one home of every reference solution, ignoring indentation, trailing spaces and blank
lines.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPO_ROOT / "notebooks" / "solutions"
REFERENCE_MODULE = REPO_ROOT / "resnets_reference.py"
GRADED = re.compile(r"^\s*# GRADED FUNCTION: (\w+)\s*$", re.MULTILINE)


def solution_regions(source):
    """The solution regions of ``source``, each a list of stripped, non-blank lines."""
    regions, current = [], None
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == "### BEGIN SOLUTION":
            current = []
        elif stripped == "### END SOLUTION":
            assert current is not None, "### END SOLUTION without ### BEGIN SOLUTION"
            regions.append(current)
            current = None
        elif current is not None and stripped:
            current.append(stripped)
    assert current is None, "### BEGIN SOLUTION without ### END SOLUTION"
    return regions


def reference_functions():
    """{function name: source} of every top-level function of resnets_reference.py."""
    source = REFERENCE_MODULE.read_text()
    return {
        node.name: ast.get_source_segment(source, node)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }


def graded_functions():
    """(notebook, function name, cell source) for every graded function cell."""
    found = []
    for path in sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            match = GRADED.search(cell.source)
            if match:
                found.append((path.name, match.group(1), cell.source))
    return found


GRADED_FUNCTIONS = graded_functions()


@pytest.mark.parametrize(
    "notebook, name, source",
    GRADED_FUNCTIONS,
    ids=[f"{notebook}:{name}" for notebook, name, _ in GRADED_FUNCTIONS],
)
def test_solution_regions_equal_reference(notebook, name, source):
    references = reference_functions()
    if name not in references:
        pytest.fail(f"{notebook}: graded function {name} has no reference in resnets_reference.py")
    expected = solution_regions(references[name])
    got = solution_regions(source)
    assert expected, f"the reference {name} has no ### BEGIN SOLUTION region"
    assert len(got) == len(expected), (
        f"{notebook}: {name} has {len(got)} solution region(s), the reference {len(expected)}"
    )
    for i, (got_lines, expected_lines) in enumerate(zip(got, expected), start=1):
        assert got_lines == expected_lines, (
            f"{notebook}: solution region {i} of {name} differs from the reference; "
            "copy the reference's region into the notebook (or change both)"
        )


def test_every_reference_is_taught_by_one_notebook():
    """Each reference function is the graded function of exactly one notebook, in order."""
    taught = [(notebook[:2], name) for notebook, name, _ in GRADED_FUNCTIONS]
    assert taught == [
        ("01", "layer_gradient_norms"),
        ("02", "identity_block"),
        ("03", "convolutional_block"),
        ("04", "ResNet50"),
        ("05", "remove_residual_branch"),
    ]
    assert set(reference_functions()) == {name for _, name in taught}


def test_no_other_module_defines_a_reference():
    """The graders, tools and benchmarks import the references; none keeps its own copy."""
    names = set(reference_functions())
    for path in sorted(REPO_ROOT.glob("*.py")) + sorted(
        p
        for folder in ("resnets_graders", "tools", "benchmarks", "signs_renderer")
        for p in (REPO_ROOT / folder).rglob("*.py")
    ):
        if path == REFERENCE_MODULE or path.name == "conftest.py":
            continue
        tree = ast.parse(path.read_text())
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert not defined & names, f"{path.relative_to(REPO_ROOT)} defines {defined & names}"
