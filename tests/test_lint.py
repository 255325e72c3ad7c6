"""The code and the instructors' notebooks pass ruff, the linter and formatter, as
configured in pyproject.toml (`[tool.ruff]`): `make test` fails on a violation.

Run them yourself with `.venv/bin/ruff check .` (`--fix` mends what it can) and
`.venv/bin/ruff format .` (rewrites the files in ruff's style)."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def ruff(*args, cwd=REPO_ROOT):
    """Run ``python -m ruff *args`` without its cache; the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_check_finds_nothing():
    result = ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, (
        "ruff check found problems (fix them, or run `.venv/bin/ruff check --fix .`):\n"
        + result.stdout[-4000:]
        + result.stderr[-2000:]
    )


def test_ruff_format_would_change_nothing():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, (
        "some files are not in ruff's format; run `.venv/bin/ruff format .`:\n"
        + result.stdout[-4000:]
        + result.stderr[-2000:]
    )


def test_ruff_would_catch_an_unused_import(tmp_path):
    """The rule set is live: a file with an unused import fails the same check."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    result = ruff("check", "--config", str(REPO_ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1 and "F401" in result.stdout


def test_ruff_would_catch_unformatted_code(tmp_path):
    """The formatter is live too: a cramped call fails the same format check."""
    bad = tmp_path / "bad.py"
    bad.write_text("x = dict( a=1,b = 2 )\n")
    result = ruff("format", "--check", "--config", str(REPO_ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1 and "bad.py" in result.stdout
