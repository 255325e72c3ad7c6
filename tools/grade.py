"""Grade a learner's notebooks: run them top to bottom with nbval in lax mode, then say which
exercise fails and why, in one line each.

    python tools/grade.py            # every notebooks/NN_*.ipynb
    python tools/grade.py 02         # the notebook(s) whose name starts with 02
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", nargs="?", default="", help="e.g. 02 (default: all notebooks)")
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / "notebooks",
                        help="folder of the learner's notebooks (default: notebooks/)")
    args = parser.parse_args(argv)

    notebooks = sorted(p for p in args.dir.glob(f"{args.prefix}*.ipynb") if p.is_file())
    if not notebooks:
        print(f"No notebook in {args.dir} starts with '{args.prefix}'. "
              "Try e.g. `make grade NB=02`.", file=sys.stderr)
        return 2

    env = {**os.environ, "RESNETS_NO_NETWORK": "1"}
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
               "-p", "no:cacheprovider", "-o", "testpaths=", "--rootdir", str(REPO_ROOT),
               "-c", str(REPO_ROOT / "pyproject.toml"), "--tb=short", "-q",
               *map(str, notebooks)]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    report = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # no colours

    failures = failed_exercises(report)
    print("\n".join(f"  {nb.name}" for nb in notebooks), "\n", sep="")
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
