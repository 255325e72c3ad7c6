"""Run every benchmark, print every figure, and fail at the end if any budget failed.

    python benchmarks/run_all.py                  (make bench, python course.py bench)
    python benchmarks/run_all.py render backends  only the scripts whose names contain these

Each ``benchmarks/bench_*.py`` runs in its own process, one after the other, so that a
failing one does not stop the others; then a summary lists each script's verdict, the
machine with its CPU flags, and the result lines (``name: value unit``). Exit status 1
when any script failed (a budget not met, or an error).
"""

import re
import subprocess
import sys
import time
from pathlib import Path

import benchutils

HERE = Path(__file__).resolve().parent
RESULT = re.compile(r"^[a-z0-9_]+: [-+0-9.e]+ \S+$")  # benchutils.result's "name: value unit"


def main(argv=None):
    wanted = sys.argv[1:] if argv is None else argv
    scripts = [script for script in sorted(HERE.glob("bench_*.py"))
               if not wanted or any(word in script.stem for word in wanted)]
    print(benchutils.machine_line(), flush=True)
    verdicts, results = [], []
    for script in scripts:
        print(f"\n== {script.name}", flush=True)
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, cwd=HERE.parent)
        for line in process.stdout:
            print(line, end="", flush=True)
            if RESULT.match(line):
                results.append(line.rstrip())
        code = process.wait()
        verdicts.append((script.name, code, time.perf_counter() - start))

    print("\n== summary")
    print(benchutils.machine_line())
    for name, code, seconds in verdicts:
        print(f"{'PASS' if code == 0 else 'FAIL':4}  {name} ({seconds:.0f} s)"
              + ("" if code == 0 else f", exit status {code}"))
    print("\n".join(results))
    failed = [name for name, code, _ in verdicts if code != 0]
    if failed:
        print(f"\n{len(failed)} of {len(verdicts)} benchmark(s) failed: {', '.join(failed)}")
        return 1
    print(f"\nAll {len(verdicts)} benchmarks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
