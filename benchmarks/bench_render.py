"""Time the rendering of the whole SIGNS set (1080 + 120 pictures).

Usage::

    python benchmarks/bench_render.py [--repeats 3] [--workers 2] [--seed 0]

Each repeat runs ``signs_renderer.build.build`` into a temporary folder. The last lines
have the form ``name: value unit``. Target: render_full_set_median <= 120 s on 2 cores.
``render_cpu_per_image_median`` (CPU seconds of all processes per picture) does not depend
on other programs sharing the cores.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from signs_renderer.build import PER_CLASS, build  # noqa: E402


def _cpu_seconds():
    """User + system CPU time of this process and its finished children (the workers)."""
    import resource  # POSIX only: imported here so that Windows can still collect this file

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv=None):
    """Run the benchmark and print its results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n_images = 6 * sum(PER_CLASS.values())
    times, cpu = [], []
    for r in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            cpu_start = _cpu_seconds()
            start = time.perf_counter()
            build(args.seed, tmp, args.workers)
            times.append(time.perf_counter() - start)
            cpu.append(_cpu_seconds() - cpu_start)
        print(
            f"repeat {r + 1}/{args.repeats}: {times[-1]:.1f} s wall, {cpu[-1]:.1f} s CPU",
            flush=True,
        )
    median = statistics.median(times)
    print(f"images: {n_images} count")
    print(f"workers: {args.workers} count")
    print(f"render_full_set_median: {median:.1f} s")
    print(f"render_per_image_median: {1000 * median / n_images:.1f} ms")
    print(f"render_cpu_per_image_median: {1000 * statistics.median(cpu) / n_images:.1f} ms")


if __name__ == "__main__":
    main()
