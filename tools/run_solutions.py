"""Re-execute instructors' notebooks in place, storing the outputs that nbval compares.

Runs each notebook top to bottom in a fresh kernel of this environment, from the
notebook's own folder, offline (RESNETS_NO_NETWORK=1), with the kernel's file-descriptor
capture off so that TensorFlow's C++ start-up lines are not stored as outputs (nbval
would never see them again). Then writes the learners' notebooks from the result.

    python tools/run_solutions.py                      # every notebooks/solutions/NN_*.ipynb
    python tools/run_solutions.py notebooks/solutions/02_identity_block.ipynb
"""

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))
import make_learner_notebooks  # noqa: E402


def run(path, timeout=900):
    """Execute the notebook at ``path`` top to bottom as the course's tests do, writing
    nothing; returns (the executed notebook, the seconds it took, kernel start included)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def execute(path, timeout=900):
    """Execute the notebook at ``path`` in place; returns the seconds it took."""
    nb, seconds = run(path, timeout)
    nb.nbformat, nb.nbformat_minor = 4, 4
    nb.metadata["kernelspec"] = dict(make_learner_notebooks.KERNELSPEC)
    for cell in nb.cells:
        cell.pop("id", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument(
        "--no-learners",
        action="store_true",
        help="do not rewrite the learners' notebooks afterwards",
    )
    args = parser.parse_args(argv)
    os.environ["RESNETS_NO_NETWORK"] = "1"
    paths = args.notebooks or sorted(
        (REPO_ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb")
    )
    for path in paths:
        seconds = execute(path.resolve())
        print(f"executed {path} in {seconds:.0f} s")
    if not args.no_learners:
        return make_learner_notebooks.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
