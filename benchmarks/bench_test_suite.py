"""Wall time of `make test`, the whole test suite, against its budget of 10 minutes.

Usage::

    python benchmarks/bench_test_suite.py [--repeats 1] [-- more pytest options]

Runs exactly what `make test` runs (``course.pytest_command``: the unit tests and nbval on
the instructors' notebooks, in two pytest-xdist processes, offline, with the course's
environment), ``--repeats`` times, and times each run from start to exit. Prints the
pytest summary line, the tests that failed (pytest's short summary) and the slowest tests
of the first run. Target: the median at most 600 s on 2 CPU cores without AVX-512
(PASS/FAIL); exit status 1 on FAIL or when a test failed. Options after ``--`` go to
pytest (``-- -n 0`` times a single process).
"""

import argparse
import re
import statistics
import subprocess
import sys
import time

import benchutils

sys.path.insert(0, str(benchutils.REPO_ROOT))
import course  # noqa: E402

TARGET_SECONDS = 600
SUMMARY = re.compile(r"^=+ (.*\b(passed|failed|error)\b.*) =+$")


def run_suite(extra):
    """(seconds, exit status, output) of one run of the test suite."""
    env = course.course_environment()
    env["RESNETS_NO_NETWORK"] = "1"
    start = time.perf_counter()
    result = subprocess.run(
        course.pytest_command(extra),
        cwd=benchutils.REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return time.perf_counter() - start, result.returncode, result.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs of the whole suite")
    parser.add_argument(
        "--slowest", type=int, default=12, help="list this many of the slowest tests (first run)"
    )
    parser.add_argument("pytest_args", nargs="*", help="more pytest options, after --")
    args = parser.parse_args(argv)
    print(benchutils.machine_line(), flush=True)

    times, failed = [], False
    for r in range(args.repeats):
        seconds, code, output = run_suite(
            ["-p", "no:cacheprovider", "-rfE", f"--durations={args.slowest}", *args.pytest_args]
        )
        times.append(seconds)
        lines = output.splitlines()
        summary = next(
            (m.group(1) for m in map(SUMMARY.match, reversed(lines)) if m), "no pytest summary line"
        )
        print(
            f"run {r + 1}/{args.repeats}: {seconds:.0f} s, exit status {code}: {summary}",
            flush=True,
        )
        if code != 0:
            failed = True
            named = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
            print("\n".join(named or lines[-40:]))  # pytest's short summary (-rfE) names them
        if r == 0 and "slowest" in output:
            start = next(i for i, line in enumerate(lines) if "slowest" in line)
            print("\n".join("  " + line for line in lines[start + 1 : start + 1 + args.slowest]))
    median = statistics.median(times)
    ok = median <= TARGET_SECONDS and not failed
    print(
        f"{'PASS' if ok else 'FAIL'}: make test in {median:.0f} s, median of {len(times)} "
        f"(target at most {TARGET_SECONDS} s on 2 CPU cores)"
        + ("; a test failed" if failed else "")
    )
    benchutils.result("make_test", median, "s", "{:.0f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
