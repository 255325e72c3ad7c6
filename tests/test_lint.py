"""The code and the instructors' notebooks pass the linter, ruff, as configured in
pyproject.toml (`[tool.ruff]`): `make test` fails on a violation. Run it yourself with
`.venv/bin/ruff check .` (`--fix` mends what it can)."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                             "--output-format", "concise", "."],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        "ruff check found problems (fix them, or run `.venv/bin/ruff check --fix .`):\n"
        + result.stdout[-4000:] + result.stderr[-2000:])


def test_ruff_would_catch_an_unused_import(tmp_path):
    """The rule set is live: a file with an unused import fails the same command."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                             "--config", str(REPO_ROOT / "pyproject.toml"), str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "F401" in result.stdout
