"""Grade a learner's notebooks: run each one up to its last graded check with nbval in lax
mode, then say which exercise fails and why, in one line each.

    python tools/grade.py            # every course notebook in notebooks/ (01_..., 02_..., ...)
    python tools/grade.py 02         # only notebooks/02_identity_block.ipynb

Only the course's own notebooks are graded, under their own names: a backup such as
``02_identity_block.mine.ipynb`` or an ``Untitled.ipynb`` is never picked up. The cells after
a notebook's last check cell hold no exercise, so grading stops there; the notebook is
copied to a temporary folder for that, and the learner's file is only read.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))
from make_learner_notebooks import SOLUTIONS_DIR  # noqa: E402


def course_notebook_names():
    """The file names of the course's notebooks, e.g. ['01_vanishing_gradients.ipynb', ...]."""
    return sorted(p.name for p in SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb"))


def up_to_last_check(nb):
    """``nb`` without the cells after its last cell tagged ``check`` (unchanged if none)."""
    checks = [i for i, cell in enumerate(nb.cells) if "check" in cell.metadata.get("tags", [])]
    if checks:
        nb.cells = nb.cells[:checks[-1] + 1]
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", nargs="?", default="", help="e.g. 02 (default: all notebooks)")
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / "notebooks",
                        help="folder of the learner's notebooks (default: notebooks/)")
    args = parser.parse_args(argv)

    names = [n for n in course_notebook_names() if n.startswith(args.prefix)]
    notebooks = [args.dir / n for n in names if (args.dir / n).is_file()]
    if not notebooks:
        wanted = ", ".join(names) or f"a course notebook whose name starts with '{args.prefix}'"
        print(f"Nothing to grade: {args.dir} has no {wanted}. Name a notebook by its number, "
              "e.g. `make grade NB=02` (or `python course.py grade 02`).", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="resnets-grade-") as folder:
        copies = []
        for notebook in notebooks:
            copy = Path(folder) / notebook.name
            nbformat.write(up_to_last_check(nbformat.read(notebook, as_version=4)), copy)
            copies.append(copy)
        env = {**os.environ, "RESNETS_NO_NETWORK": "1", "KERAS_BACKEND": "tensorflow"}
        command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
                   "-p", "no:cacheprovider", "-o", "testpaths=", "--rootdir", str(REPO_ROOT),
                   "-c", str(REPO_ROOT / "pyproject.toml"), "--tb=short", "-q",
                   *map(str, copies)]
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True,
                                text=True)
    report = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # no colours

    print("Graded:", *(f"  {nb.resolve()}" for nb in notebooks), "", sep="\n")
    failures = failed_exercises(report)
    if result.returncode == 0:
        print(f"All exercises pass in {len(notebooks)} notebook(s).")
        return 0
    if failures:
        print("To fix:")
        for message in failures:
            print(f"  - {message}")
    else:
        print(report[-4000:])
        print("A cell failed outside the graded checks; see the report above.")
    return 1


def failed_exercises(report):
    """The graders' one-line messages found in nbval's report, in order, without repeats."""
    messages = []
    for match in re.finditer(r"AssertionError: ([^\n]+)", report):
        message = match.group(1).strip()
        if message not in messages:
            messages.append(message)
    return messages


if __name__ == "__main__":
    sys.exit(main())
