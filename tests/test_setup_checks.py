"""Importing resnets_utils has no side effects; setup_notebook() checks the kernel.

A tool or a test that only needs a path imports resnets_utils without TensorFlow, and the
import sets no environment variable and leaves the import machinery alone. The kernel's
checks (another Keras backend, TensorFlow missing or not 2.21) run in setup_notebook(),
which each notebook's Setup cell calls before it imports Keras, so that the cell says
clearly that it is not running in the course's kernel.
"""

import ast
import json
import os
import subprocess
import sys
from importlib import metadata

import pytest

import resnets_utils
from resnets_utils import REPO_ROOT

BLOCK_TENSORFLOW = (
    "import sys\n"
    "for name in ('tensorflow', 'keras'):\n"
    "    sys.modules[name] = None  # `import tensorflow` now raises ImportError\n"
)


def run_python(code, cwd=REPO_ROOT, **env):
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **env},
        timeout=300,
    )


def test_paths_import_without_tensorflow_and_nothing_is_set():
    code = BLOCK_TENSORFLOW + (
        "import os\n"
        "before = dict(os.environ)\n"
        "import resnets_utils as ru\n"
        "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())\n"
        "for name in ('REPO_ROOT', 'DATASETS_DIR', 'IMAGES_DIR', 'MODELS_DIR', 'PRETRAINED_MODEL_PATH'):\n"
        "    print(name, getattr(ru, name))\n"
        "print('N_CLASSES', ru.N_CLASSES, ru.IMAGE_SHAPE)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    printed = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert printed["DATASETS_DIR"] == str(REPO_ROOT / "datasets")
    assert printed["PRETRAINED_MODEL_PATH"] == str(REPO_ROOT / "models" / "resnet50_signs.keras")
    assert printed["N_CLASSES"] == "6 (64, 64, 3)"


def test_another_tensorflow_version_does_not_stop_the_import():
    code = (
        "import importlib.metadata as m\n"
        "m.version = lambda name: '2.15.1'\n"
        "import resnets_utils\n"
        "print(resnets_utils.REPO_ROOT)\n"
        "try:\n"
        "    resnets_utils.setup_notebook()\n"
        "except resnets_utils.CourseEnvironmentError as error:\n"
        "    print(error)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == str(REPO_ROOT)
    assert "This kernel has TensorFlow 2.15.1" in result.stdout
    assert "Residual Networks (TF 2.21)" in result.stdout


@pytest.mark.parametrize(
    "installed, expected",
    [
        (None, "TensorFlow is not installed in this kernel's Python"),
        (
            "2.20.0",
            "This kernel has TensorFlow 2.20.0; the course is written and tested for "
            "TensorFlow 2.21",
        ),
    ],
)
def test_setup_notebook_says_what_is_wrong_with_tensorflow(monkeypatch, installed, expected):
    def version(name):
        if installed is None:
            raise metadata.PackageNotFoundError(name)
        return installed

    monkeypatch.setattr(resnets_utils.metadata, "version", version)
    with pytest.raises(resnets_utils.CourseEnvironmentError) as error:
        resnets_utils.setup_notebook()
    assert expected in str(error.value) and "make lab" in str(error.value)


def test_setup_notebook_refuses_another_backend(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    with pytest.raises(resnets_utils.CourseEnvironmentError, match="KERAS_BACKEND is set to 'jax'"):
        resnets_utils.setup_notebook()


def test_the_check_sets_the_courses_variables_where_unset(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    resnets_utils.check_environment()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # a learner's own choice stays
    resnets_utils.check_environment()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


def setup_cells():
    for path in sorted((REPO_ROOT / "notebooks" / "solutions").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = next(cell for cell in cells if cell["cell_type"] == "code")
        yield pytest.param("".join(code["source"]), id=path.stem)


@pytest.mark.parametrize("cell", list(setup_cells()))
def test_each_setup_cell_checks_the_kernel_before_keras(cell):
    """setup_notebook() is the cell's first statement after importing resnets_utils, before
    any import of Keras or TensorFlow, so its message speaks before Keras can fail."""
    statements = ast.parse(cell).body
    setup = next(i for i, node in enumerate(statements) if "setup_notebook(" in ast.unparse(node))
    imports_tensorflow = [
        i
        for i, node in enumerate(statements)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and any(name in ast.unparse(node) for name in ("keras", "tensorflow", "resnets_graders"))
    ]
    assert imports_tensorflow and setup < min(imports_tensorflow), ast.unparse(statements[setup])
    assert "import resnets_utils" in ast.unparse(statements[setup - 1])


@pytest.mark.parametrize("cell", list(setup_cells()))
def test_each_setup_cell_says_it_is_not_the_courses_kernel(cell):
    result = run_python(cell, cwd=REPO_ROOT / "notebooks", KERAS_BACKEND="jax")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("resnets_utils.CourseEnvironmentError: KERAS_BACKEND is set to 'jax'")
    assert "Kernel > Change Kernel... > 'Residual Networks (TF 2.21)'" in last


def test_setup_notebook_sets_the_courses_variables_before_tensorflow_is_imported():
    code = (
        "import os, sys, resnets_utils\n"
        "assert 'TF_CPP_MIN_LOG_LEVEL' not in os.environ\n"
        "assert 'tensorflow' not in sys.modules\n"
        "resnets_utils.setup_notebook()\n"
        "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], os.environ['KERAS_BACKEND'])\n"
    )
    result = run_python(code, cwd=REPO_ROOT / "notebooks")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "tensorflow"]


def test_the_import_leaves_the_import_machinery_as_it_was():
    code = (
        "import sys\n"
        "before = list(sys.meta_path), list(sys.path_hooks)\n"
        "import resnets_utils\n"
        "assert (list(sys.meta_path), list(sys.path_hooks)) == before\n"
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules\n"
        "print('ok')\n"
    )
    result = run_python(code, cwd=REPO_ROOT / "notebooks")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "ok\n"
