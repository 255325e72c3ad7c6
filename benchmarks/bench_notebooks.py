"""Wall time to execute each instructors' notebook, and all of them.

Usage::

    python benchmarks/bench_notebooks.py [--repeats 1] [notebooks/solutions/04_resnet50_signs.ipynb ...]

Each notebook (default: every ``notebooks/solutions/NN_*.ipynb``) is read into memory and
executed top to bottom with nbclient in a fresh kernel of this environment, from the
notebook's folder, offline (RESNETS_NO_NETWORK=1), kernel fd capture off, as
``tools/run_solutions.py`` runs them; the executed copy goes to a temporary folder and is
thrown away: the committed notebooks are never modified. The time includes the kernel's
start. Target: all notebooks together in at most 6 minutes on 2 CPU cores (the training
notebook's two epochs included); PASS/FAIL, exit status 1 on FAIL or on an error in a cell.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchutils

TARGET_SECONDS = 360


def execute(path, timeout=900):
    """Execute a copy of the notebook at ``path``; returns the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

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
    seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        nbformat.write(nb, Path(tmp) / path.name)  # the executed copy, never the original
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each notebook")
    args = parser.parse_args(argv)
    os.environ["RESNETS_NO_NETWORK"] = "1"
    paths = [p.resolve() for p in args.notebooks] or sorted(
        (benchutils.REPO_ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print("no notebook found in notebooks/solutions/")
        return 1
    print(benchutils.machine_line())

    medians = {}
    for path in paths:
        times = []
        for r in range(args.repeats):
            times.append(execute(path))
            print(f"{path.name} run {r + 1}/{args.repeats}: {times[-1]:.1f} s", flush=True)
        medians[path.stem] = statistics.median(times)
    total = sum(medians.values())
    verdict = "PASS" if total <= TARGET_SECONDS else "FAIL"
    print(f"{verdict}: all {len(paths)} notebooks in {total:.0f} s "
          f"(target at most {TARGET_SECONDS} s on 2 CPU cores)")
    for stem, seconds in medians.items():
        benchutils.result(f"notebook_{stem}", seconds, "s", "{:.1f}")
    benchutils.result("notebooks_total", total, "s", "{:.1f}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
