"""The instructors' notebooks' solution regions hold the reference code, line for line.

For every graded function (a code cell starting ``# GRADED FUNCTION: name``) of every
notebook in notebooks/solutions/, each region between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` must equal the region of the same function in its reference module,
ignoring indentation, trailing spaces and blank lines: notebooks 02-04's functions live in
resnets_model.py, notebook 01's ``layer_gradient_norms`` in resnets_graders/gradients.py,
notebook 05's ``remove_residual_branch`` in resnets_graders/lesion.py.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPO_ROOT / "notebooks" / "solutions"
REFERENCE_MODULES = (
    REPO_ROOT / "resnets_model.py",
    REPO_ROOT / "resnets_graders" / "gradients.py",
    REPO_ROOT / "resnets_graders" / "lesion.py",
)
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
    """{function name: source} of every top-level function of the reference modules."""
    functions = {}
    for module in REFERENCE_MODULES:
        if not module.exists():
            continue
        source = module.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                functions[node.name] = ast.get_source_segment(source, node)
    return functions


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
        if name == "layer_gradient_norms":
            pytest.skip("resnets_graders/gradients.py has no reference layer_gradient_norms")
        pytest.fail(
            f"{notebook}: graded function {name} has no reference function in "
            f"{', '.join(m.name for m in REFERENCE_MODULES)}"
        )
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


def test_every_reference_function_with_a_solution_is_in_a_notebook():
    """Notebooks 02-04 teach all three graded functions of resnets_model.py."""
    names = {name for _, name, _ in GRADED_FUNCTIONS}
    assert {"identity_block", "convolutional_block", "ResNet50"} <= names
