"""course.py, the one implementation of the course's commands: it finds a Python that can run
the course or says clearly why not, on Windows, macOS and Linux alike."""

import ast
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import course
from resnets_utils import REPO_ROOT

PYENV = Path.home() / ".pyenv" / "versions"


def fake_python(folder, major, minor, has_venv=True):
    """An executable that answers course.py's probe like Python major.minor would."""
    path = folder / f"python{major}.{minor}"
    path.write_text(f"#!/bin/sh\necho {major} {minor} {1 if has_venv else 0}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.mark.skipif(os.name == "nt", reason="the fake interpreters are shell scripts")
@pytest.mark.parametrize("major, minor", [(3, 14), (3, 10), (3, 9), (2, 7)])
def test_an_unsupported_python_gets_one_clear_message(tmp_path, monkeypatch, major, minor):
    monkeypatch.setenv("RESNETS_PYTHON", str(fake_python(tmp_path, major, minor)))
    with pytest.raises(course.SetupError) as error:
        course.find_python()
    message = str(error.value)
    assert f"Python {major}.{minor}" in message and "3.11, 3.12, 3.13" in message
    for way in (
        "uv python install",
        "pyenv install",
        "brew install",
        "deadsnakes",
        "environment.yml",
        "py course.py",
    ):
        assert way in message, f"the message does not say how to get Python with {way!r}"


@pytest.mark.skipif(os.name == "nt", reason="the fake interpreters are shell scripts")
def test_a_python_without_venv_says_which_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("RESNETS_PYTHON", str(fake_python(tmp_path, 3, 12, has_venv=False)))
    with pytest.raises(course.SetupError, match=r"sudo apt install python3\.12-venv"):
        course.find_python()


def test_a_supported_python_is_found():
    assert tuple(course.probe(course.find_python())[0]) in course.SUPPORTED


@pytest.mark.skipif(
    not (PYENV / "3.9.18" / "bin" / "python3.9").exists(),
    reason="needs pyenv's Python 3.9.18 (macOS's system Python is 3.9)",
)
def test_setup_with_python_3_9_stops_before_downloading(tmp_path):
    """`python3.9 course.py lab` with no other Python on PATH: a message, no traceback, no .venv."""
    for name in course.SET_UP_FROM:
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    env = {key: value for key, value in os.environ.items() if key != "RESNETS_PYTHON"}
    env["PATH"] = str(tmp_path / "empty")
    result = subprocess.run(
        [str(PYENV / "3.9.18" / "bin" / "python3.9"), "course.py", "lab"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "The course needs Python 3.11, 3.12, 3.13" in result.stderr
    assert "Python 3.9" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_course_py_runs_on_old_pythons():
    """course.py must parse on Python 3.6+ to be able to say that the version is wrong."""
    tree = ast.parse((REPO_ROOT / "course.py").read_text(), feature_version=(3, 6))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)], "no f-strings"
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [node])
        if getattr(alias, "name", None) or getattr(alias, "module", None)
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_paths_inside_the_environment_on_windows_and_elsewhere(monkeypatch):
    assert course.venv_python("v").replace("\\", "/") in ("v/bin/python",)
    monkeypatch.setattr(course.os, "name", "nt")
    assert course.venv_python("v").replace("\\", "/") == "v/Scripts/python.exe"
    assert course.venv_script("jupyter", "v").replace("\\", "/") == "v/Scripts/jupyter.exe"


def test_lab_hides_the_solutions_and_picks_the_course_kernel():
    command = course.lab_command(extra=["--no-browser"])
    assert command[1] == "lab" and command[-1] == "--no-browser"
    assert "--notebook-dir=" + str(REPO_ROOT / "notebooks") in command
    assert "--MappingKernelManager.default_kernel_name=resnets" in command
    hidden = next(arg for arg in command if arg.startswith("--ContentsManager.hide_globs="))
    assert "'solutions'" in hidden
    solutions = course.lab_command(solutions=True)
    assert "--notebook-dir=" + str(REPO_ROOT / "notebooks" / "solutions") in solutions


def test_make_test_runs_in_two_processes_unless_told_otherwise():
    def after_paths(extra=()):
        command = course.pytest_command(extra)
        assert command[1:3] == ["-m", "pytest"]
        assert command.index("notebooks/solutions") < command.index("tests")  # longest first
        return command[command.index("-rs") + 1 :]

    loadfile = ["--dist", "loadfile", "--no-loadscope-reorder"]  # a notebook stays in one kernel
    assert after_paths() == ["-n", "2"] + loadfile
    assert after_paths(["-k", "browser"]) == ["-n", "2"] + loadfile + ["-k", "browser"]
    # a worker count of one's own keeps the file-by-file distribution
    for own in (["-n", "4"], ["-n0"], ["-nauto"], ["--numprocesses=3"], ["--tx", "2*popen"]):
        assert after_paths(own) == loadfile + own
    # a distribution of one's own keeps the two workers
    assert after_paths(["--dist=loadgroup"]) == ["-n", "2", "--dist=loadgroup"]
    assert after_paths(["--dist", "load"]) == ["-n", "2", "--dist", "load"]
    # pytest-xdist turned off: none of its options
    assert after_paths(["-p", "no:xdist"]) == ["-p", "no:xdist"]
    assert after_paths(["-pno:xdist", "-x"]) == ["-pno:xdist", "-x"]
    # the debugger needs one process
    assert after_paths(["--pdb"]) == ["-n", "0"] + loadfile + ["--pdb"]
    assert after_paths(["--trace", "-n", "0"]) == loadfile + ["--trace", "-n", "0"]


def test_the_course_kernel_is_registered_inside_the_environment():
    kernel = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "resnets" / "kernel.json"
    assert kernel.is_file(), "run `python course.py setup`"
    spec = __import__("json").loads(kernel.read_text())
    assert spec["display_name"] == "Residual Networks (TF 2.21)"
    assert spec["env"]["KERAS_BACKEND"] == "tensorflow"
    assert Path(spec["argv"][0]).resolve() == Path(sys.executable).resolve()


def test_the_makefile_only_calls_course_py():
    recipes = [
        line.strip()
        for line in (REPO_ROOT / "Makefile").read_text().splitlines()
        if line.startswith("\t")
    ]
    assert recipes and all(line.startswith("@$(COURSE) ") for line in recipes), recipes


POSIX_ONLY = {"resource", "fcntl", "termios", "pwd", "grp", "posix"}


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for folder in ("", "tools", "benchmarks", "tests", "resnets_graders", "signs_renderer")
        for p in (REPO_ROOT / folder).glob("*.py")
    ),
    ids=lambda p: str(p.relative_to(REPO_ROOT)),
)
def test_no_module_imports_a_posix_only_module_at_import_time(path):
    """On Windows `import resource` fails: test collection and the tools would break."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = {
        alias.name.split(".")[0]
        for node in top_level
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    names |= {
        node.module.split(".")[0]
        for node in top_level
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not names & POSIX_ONLY, f"{path.name} imports {names & POSIX_ONLY} at import time"


def setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    return next(
        c.source for c in nb.cells if c.cell_type == "code" and "setup_notebook(" in c.source
    )


@pytest.mark.parametrize(
    "path",
    sorted((REPO_ROOT / "notebooks").glob("**/[0-9][0-9]_*.ipynb")),
    ids=lambda p: str(p.relative_to(REPO_ROOT / "notebooks")),
)
def test_the_setup_cell_in_another_kernel_says_how_to_pick_the_course_kernel(path, tmp_path):
    """A Python without the course's packages (Jupyter started elsewhere, another kernel)."""
    result = subprocess.run(
        [sys.executable, "-S", "-c", setup_cell(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: This notebook is not running in the course's")
    assert "'Residual Networks (TF 2.21)'" in last and "make lab" in last


@pytest.mark.skipif(
    os.name == "nt" or not (PYENV / "3.9.18" / "bin" / "python3.9").exists(),
    reason="needs pyenv's Python 3.9.18 and a POSIX shell",
)
def test_run_with_an_old_python_it_finds_a_supported_one_on_path(tmp_path):
    """`python3.9 course.py lab` where python3.12 is installed: it uses python3.12."""
    fake_python(tmp_path, 3, 12)
    env = {key: value for key, value in os.environ.items() if key != "RESNETS_PYTHON"}
    env["PATH"] = str(tmp_path)
    result = subprocess.run(
        [
            str(PYENV / "3.9.18" / "bin" / "python3.9"),
            "-c",
            "import course; print(course.find_python())",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == str([str(tmp_path / "python3.12")]), result.stderr
