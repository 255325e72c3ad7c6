"""Wall time to execute each instructors' notebook, and all of them.

Usage::

    python benchmarks/bench_notebooks.py [--repeats 1] [notebooks/solutions/04_resnet50_signs.ipynb ...]

Each notebook (default: every ``notebooks/solutions/NN_*.ipynb``) is read into memory and
executed top to bottom with nbclient in a fresh kernel of this environment, from the
notebook's folder, offline (RESNETS_NO_NETWORK=1), kernel fd capture off, by
``tools/run_solutions.py``'s ``run``, which writes nothing: the committed notebooks are
never modified. The time includes the kernel's start. The slowest cells of each notebook
are listed with their time (``--profile``). Targets, on 2 CPU cores: all
notebooks together in at most 6 minutes (the training notebook's two epochs included),
notebook 01 alone in at most 3; PASS/FAIL, exit status 1 on FAIL or on an error in a cell.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

import benchutils

sys.path.insert(0, str(benchutils.REPO_ROOT / "tools"))
from run_solutions import run  # noqa: E402

TARGET_SECONDS = 360  # all notebooks together
NOTEBOOK_TARGETS = {
    "01_vanishing_gradients": 180,  # the measuring notebooks on their own
    "05_why_resnets_work": 180,
}


def cell_seconds(cell):
    """Seconds from the kernel's start of a cell to its reply, from nbclient's timing record."""
    from datetime import datetime

    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def print_profile(nb, total, top):
    """The ``top`` slowest cells of an executed notebook, with their share of its time."""
    cells = [
        (cell_seconds(cell), index, cell)
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
    ]
    in_cells = sum(seconds for seconds, _, _ in cells)
    print(f"  cells: {in_cells:.1f} s; kernel start and the rest: {total - in_cells:.1f} s")
    for seconds, index, cell in sorted(cells, key=lambda c: c[0], reverse=True)[:top]:
        first = next(
            (
                line
                for line in cell.source.splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ),
            "",
        )
        print(f"  {seconds:6.1f} s {seconds / total:4.0%}  cell {index:2}: {first[:70]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each notebook")
    parser.add_argument(
        "--profile",
        type=int,
        default=5,
        help="show this many slowest cells of each notebook (first run)",
    )
    args = parser.parse_args(argv)
    os.environ["RESNETS_NO_NETWORK"] = "1"
    paths = [p.resolve() for p in args.notebooks] or sorted(
        (benchutils.REPO_ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb")
    )
    if not paths:
        print("no notebook found in notebooks/solutions/")
        return 1
    print(benchutils.machine_line())

    medians = {}
    for path in paths:
        times = []
        for r in range(args.repeats):
            nb, seconds = run(path)
            times.append(seconds)
            print(f"{path.name} run {r + 1}/{args.repeats}: {times[-1]:.1f} s", flush=True)
            if r == 0:
                print_profile(nb, seconds, args.profile)
        medians[path.stem] = statistics.median(times)
    total = sum(medians.values())
    verdict = "PASS" if total <= TARGET_SECONDS else "FAIL"
    print(
        f"{verdict}: all {len(paths)} notebooks in {total:.0f} s "
        f"(target at most {TARGET_SECONDS} s on 2 CPU cores)"
    )
    for stem, target in NOTEBOOK_TARGETS.items():
        if stem in medians:
            ok = medians[stem] <= target
            verdict = verdict if ok else "FAIL"
            print(
                f"{'PASS' if ok else 'FAIL'}: {stem} in {medians[stem]:.0f} s "
                f"(target at most {target} s on 2 CPU cores)"
            )
    for stem, seconds in medians.items():
        benchutils.result(f"notebook_{stem}", seconds, "s", "{:.1f}")
    benchutils.result("notebooks_total", total, "s", "{:.1f}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
