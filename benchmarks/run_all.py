"""Run every benchmark, record every figure, and fail at the end if any budget failed.

    python benchmarks/run_all.py                  (make bench, python course.py bench)
    python benchmarks/run_all.py render backends  only the scripts whose names contain these
    python benchmarks/run_all.py render -- --repeats 1   options after -- go to each script

Each ``benchmarks/bench_*.py`` runs in its own process, one after the other, so that a
failing one does not stop the others; then a summary lists each script's verdict, the
machine with its CPU flags, and the result lines (``name: value unit``). Exit status 1
when any script failed (a budget not met, or an error).

The run is recorded, whatever its verdicts: ``benchmarks/results/<date>-<time>-<cpu>.json``
holds the machine, its CPU flags, the versions, the date, each script's verdict and every
figure it printed; ``benchmarks/RESULTS.md`` is then written anew from all the JSON files
there (the latest value of every figure, and every run). Commit both: the JSON files are
the history of the machines the course was measured on. ``--no-record`` records nothing.
"""

import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import benchutils

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"
RESULT = re.compile(r"^([a-z0-9_]+): ([-+0-9.e]+|nan|inf) (\S+)$")  # benchutils.result's lines
VERSIONS = ("tensorflow", "keras", "numpy", "h5py", "pillow", "jax", "torch")
# The flags that decide which of oneDNN's kernels run (grep -o -w -E 'avx512f|avx2' /proc/cpuinfo).
KEY_FLAGS = ("avx512f", "avx2")
HISTORY_COLUMNS = 6  # the newest runs shown side by side in RESULTS.md


def parse_results(lines):
    """The figures among ``lines``: a list of {"name", "value" (float), "unit"}."""
    figures = []
    for line in lines:
        match = RESULT.match(line.strip())
        if match:
            figures.append(
                {"name": match.group(1), "value": float(match.group(2)), "unit": match.group(3)}
            )
    return figures


def installed_versions():
    """{package: version} of the packages the figures depend on (those installed)."""
    versions = {"python": platform.python_version()}
    for name in VERSIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def machine():
    """What the figures were measured on, as a dict."""
    model, mhz, flags = benchutils.cpuinfo()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu": model,
        "cpu_generation": benchutils.cpu_generation(),
        "cpu_mhz": mhz,
        "cpus": benchutils.cpu_count(),
        "cpu_flags": [flag for flag in KEY_FLAGS if flag in flags],
        "vector_flags": benchutils.vector_flags(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
    }


def run_script(script, options):
    """Run one benchmark, echoing its output; returns its record."""
    print(f"\n== {script.name}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=HERE.parent,
    )
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    code = process.wait()
    return {
        "script": script.name,
        "options": list(options),
        "exit_status": code,
        "verdict": "PASS" if code == 0 else "FAIL",
        "seconds": round(time.perf_counter() - start, 1),
        "figures": parse_results(lines),
    }


def slug(text):
    for noise in ("(R)", "(TM)", "(tm)", "Processor", "CPU"):
        text = text.replace(noise, " ")
    text = re.sub(r"\b\d+-Core\b", " ", text)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "unknown-cpu"


def record_path(record, results_dir):
    when = datetime.fromisoformat(record["date"])
    return results_dir / f"{when:%Y-%m-%d-%H%M%S}-{slug(record['machine']['cpu'])}.json"


def load_records(results_dir):
    """Every recorded run, newest first."""
    records = []
    for path in sorted(results_dir.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["file"] = path.name
        records.append(record)
    return sorted(records, key=lambda record: record["date"], reverse=True)


def format_value(value):
    return f"{value:.4g}"


def machine_text(record):
    m = record["machine"]
    generation = f" ({m['cpu_generation']})" if m.get("cpu_generation") else ""
    return f"{m['cpus']} CPUs, {m['cpu']}{generation}, flags {' '.join(m['cpu_flags']) or 'none'}"


def run_label(record):
    return f"{record['date'][:10]}, {record['machine']['cpus']} CPUs {' '.join(record['machine']['cpu_flags']) or 'no AVX2'}"


def _latest_figures(records, results_link):
    """RESULTS.md's table of the newest value of every figure, from ``records`` (newest
    first): a list of lines."""
    out = [
        "## The latest value of every figure",
        "",
        "| figure | value | unit | script | run |",
        "|---|---|---|---|---|",
    ]
    seen = set()
    for record in records:
        for script in record["scripts"]:
            for figure in script["figures"]:
                if figure["name"] in seen:
                    continue
                seen.add(figure["name"])
                out.append(
                    f"| `{figure['name']}` | {format_value(figure['value'])} | "
                    f"{figure['unit']} | `{script['script']}` ({script['verdict']}) | "
                    f"[{record['date'][:16]}]({results_link}/{record['file']}) |"
                )
    return out


def _runs(records, results_link):
    """RESULTS.md's table of every run: its machine, load, versions and scripts' verdicts."""
    out = [
        "## Runs",
        "",
        "| date (UTC) | machine | load at start | versions | scripts |",
        "|---|---|---|---|---|",
    ]
    for record in records:
        load = record["machine"].get("load_average_at_start")
        versions = ", ".join(f"{name} {version}" for name, version in record["versions"].items())
        scripts = ", ".join(
            f"`{s['script']}` {s['verdict']} ({s['seconds']:.0f} s)" for s in record["scripts"]
        )
        out.append(
            f"| [{record['date'][:16]}]({results_link}/{record['file']}) | "
            f"{machine_text(record)} | {' '.join(map(str, load)) if load else '?'} | "
            f"{versions} | {scripts} |"
        )
    return out


def _side_by_side(columns):
    """RESULTS.md's table of the runs ``columns`` (newest first), one column each."""
    out = [
        f"## The newest {len(columns)} runs side by side",
        "",
        "| figure | unit | " + " | ".join(run_label(r) for r in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    rows = {}
    for index, record in enumerate(columns):
        for script in record["scripts"]:
            for figure in script["figures"]:
                row = rows.setdefault(figure["name"], [figure["unit"]] + [""] * len(columns))
                row[1 + index] = format_value(figure["value"])
    for name, row in sorted(rows.items()):
        out.append(f"| `{name}` | " + " | ".join(row) + " |")
    return out


def results_markdown(records, results_link="results"):
    """RESULTS.md's text for ``records`` (newest first)."""
    where = f"[{results_link}/]({results_link}/)" if records else f"`{results_link}/`"
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run_all.py`) from the runs recorded in",
        f"{where}, one JSON file per run; do not edit it by hand.",
        "How each figure is measured: [README.md](README.md).",
        "",
    ]
    if not records:
        out += [
            "No run is recorded yet: run `make bench` on a quiet machine, "
            "then commit this file and the JSON file it names.",
        ]
        return "\n".join(out) + "\n"
    out += _latest_figures(records, results_link) + [""] + _runs(records, results_link)
    columns = records[:HISTORY_COLUMNS]
    if len(columns) > 1:
        out += [""] + _side_by_side(columns)
    return "\n".join(out) + "\n"


def write_record(record, results_dir=RESULTS_DIR, results_md=RESULTS_MD):
    """Save ``record`` as a JSON file in ``results_dir`` and rewrite ``results_md``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = record_path(record, results_dir)
    number = 1
    while path.exists():  # two runs in the same second (the tests' fake benchmarks)
        number += 1
        path = record_path(record, results_dir).with_stem(
            f"{record_path(record, results_dir).stem}-{number}"
        )
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    link = Path(os.path.relpath(results_dir, results_md.parent)).as_posix()
    results_md.write_text(results_markdown(load_records(results_dir), link), encoding="utf-8")
    return path


def split_argv(argv):
    argv = list(argv)
    options = argv[argv.index("--") + 1 :] if "--" in argv else []
    words = argv[: argv.index("--")] if "--" in argv else argv
    record = "--no-record" not in words
    return [word for word in words if word != "--no-record"], options, record


def main(argv=None, scripts_dir=HERE, results_dir=RESULTS_DIR, results_md=RESULTS_MD):
    wanted, options, record = split_argv(sys.argv[1:] if argv is None else argv)
    scripts = [
        script
        for script in sorted(scripts_dir.glob("bench_*.py"))
        if not wanted or any(word in script.stem for word in wanted)
    ]
    print(benchutils.machine_line(), flush=True)
    run = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": installed_versions(),
        "scripts": [],
    }
    for script in scripts:
        run["scripts"].append(run_script(script, options))

    print("\n== summary")
    print(benchutils.machine_line())
    for script in run["scripts"]:
        print(
            f"{script['verdict']:4}  {script['script']} ({script['seconds']:.0f} s)"
            + ("" if script["exit_status"] == 0 else f", exit status {script['exit_status']}")
        )
    for script in run["scripts"]:
        for figure in script["figures"]:
            print(f"{figure['name']}: {format_value(figure['value'])} {figure['unit']}")
    if record and scripts:
        path = write_record(run, results_dir, results_md)
        print(f"\nRecorded in {path} and {results_md}.")
    failed = [s["script"] for s in run["scripts"] if s["exit_status"] != 0]
    if failed:
        print(f"\n{len(failed)} of {len(scripts)} benchmark(s) failed: {', '.join(failed)}")
        return 1
    print(f"\nAll {len(scripts)} benchmarks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
