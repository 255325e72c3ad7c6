"""The repository keeps its promises: layout, the two commands, JupyterLab serving the course."""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from resnets_utils import REPO_ROOT

NOTEBOOKS = sorted(
    p.name for p in (REPO_ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb")
)


def test_layout():
    for path in [
        "README.md",
        "LICENSE",
        "Makefile",
        "environment.yml",
        "requirements.txt",
        "resnets_utils.py",
        "resnets_reference.py",
        "resnets_graders",
        "datasets/README.md",
        "images/README.md",
        "notebooks/solutions",
        ".ci/run",
    ]:
        assert (REPO_ROOT / path).exists(), f"{path} is missing"


def test_the_five_lessons_in_order():
    assert [name[:3] for name in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_"]


def test_readme_names_every_notebook_and_the_two_commands():
    readme = (REPO_ROOT / "README.md").read_text()
    for name in NOTEBOOKS:
        assert name in readme, f"README.md does not list {name}"
    assert "make lab" in readme and "make test" in readme and "make grade NB=02" in readme
    # Without make: python3 on Linux and macOS (where `python` may not exist), py on Windows.
    for without_make in ("python3 course.py lab", "py course.py lab", "python3 course.py test"):
        assert without_make in readme, f"README.md does not give {without_make!r}"


def test_ci_runs_exactly_make_test():
    lines = [
        line
        for line in (REPO_ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[-1].strip() == "make test"


def test_make_test_collects_every_instructors_notebook_without_edits():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "notebooks/solutions",
            "--nbval",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    for name in NOTEBOOKS:
        assert f"notebooks/solutions/{name}::" in result.stdout, result.stdout[-2000:]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_serves_the_notebooks(tmp_path):
    """What `make lab` starts: JupyterLab on the learners' notebooks, solutions hidden, the
    course's kernel as the default, answering over HTTP."""
    import course

    port, token = free_port(), "resnets-test"
    env = {**course.course_environment(), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    server = subprocess.Popen(
        course.lab_command(
            extra=[
                "--no-browser",
                f"--port={port}",
                "--ip=127.0.0.1",
                f"--IdentityProvider.token={token}",
            ]
        ),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def get(path):
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}{path}?token={token}", timeout=10
        ) as r:
            return r.status, r.read()

    try:
        deadline, listing = time.monotonic() + 60, None
        while time.monotonic() < deadline and listing is None:
            try:
                listing = json.loads(get("/api/contents/")[1])
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 60 s"
        names = {item["name"] for item in listing["content"]}
        assert set(NOTEBOOKS) <= names
        assert "solutions" not in names, "learners should not see the solutions one click away"
        status, page = get("/lab")
        assert status == 200 and re.search(rb"JupyterLab", page)
        kernelspecs = json.loads(get("/api/kernelspecs")[1])
        assert kernelspecs["default"] == "resnets"
        assert kernelspecs["kernelspecs"]["resnets"]["spec"]["display_name"] == (
            "Residual Networks (TF 2.21)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def nbval_marker_lines(source):
    """The lines of a cell's source that mention nbval (NBVAL_..., any case), stripped."""
    return [line.strip() for line in source.splitlines() if "nbval" in line.lower()]


def misspelled_nbval_markers(notebook_path):
    """(cell index, line) of each line naming nbval that nbval would not take as a marker.

    nbval honours a marker only when the whole line is a comment holding the marker alone,
    spelt exactly (``# NBVAL_SKIP``): ``# NBVAL_IGNORE_OUTPUT (why)``, ``x = f()  #
    NBVAL_SKIP`` and ``# nbval_skip`` are read as ordinary code and comments, and the
    cell's output is then compared after all.
    """
    from nbval.plugin import comment_markers

    cells = json.loads(Path(notebook_path).read_text(encoding="utf-8"))["cells"]
    return [
        (index, line)
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "code"
        for line in nbval_marker_lines("".join(cell["source"]))
        if not (line.startswith("#") and line.lstrip("#").strip() in comment_markers)
    ]


def test_every_nbval_marker_is_one_nbval_honours(tmp_path):
    notebooks = sorted((REPO_ROOT / "notebooks").glob("**/[0-9][0-9]_*.ipynb"))
    assert notebooks
    for path in notebooks:
        assert misspelled_nbval_markers(path) == [], (
            f"{path.relative_to(REPO_ROOT)}: nbval ignores these comments; put the marker "
            "alone on its line and the reason on the next one"
        )
    wrong = tmp_path / "wrong.ipynb"
    wrong.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "code", "source": ["# NBVAL_IGNORE_OUTPUT (why)\n", "print(1)"]},
                    {
                        "cell_type": "code",
                        "source": ["# NBVAL_IGNORE_OUTPUT\n", "# why\n", "print(2)"],
                    },
                    {"cell_type": "code", "source": ["print(3)  # NBVAL_SKIP\n"]},
                    {"cell_type": "code", "source": ["# nbval_skip\n", "print(4)"]},
                    {"cell_type": "markdown", "source": ["# NBVAL_SKIP (markdown is not run)"]},
                ]
            }
        )
    )
    assert misspelled_nbval_markers(wrong) == [
        (0, "# NBVAL_IGNORE_OUTPUT (why)"),
        (2, "print(3)  # NBVAL_SKIP"),
        (3, "# nbval_skip"),
    ]
