"""benchmarks/run_all.py records every figure: a JSON file per run and RESULTS.md.

Tested on tiny fake benchmarks that print ``name: value unit`` lines, not by running the
real ones."""

import json
import re
import sys

from resnets_utils import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
import run_all  # noqa: E402

GUIDES = ["benchmarks/README.md", "INSTRUCTORS.md"]  # README.md too once it is rewritten

FAST = """print("some chatter: 3 of 5 done")
print("repeat 1/3: 10.1 s wall, 9.0 s CPU")
print("fast_throughput: 104.2 img/s")
print("fast_latency: 10.5 ms")
"""
SLOW = """import sys
print("slow_total: 407 s")
print("budget: 360 s, FAIL")
sys.exit(1)
"""


def fake_benchmarks(tmp_path):
    scripts = tmp_path / "benchmarks"
    scripts.mkdir()
    (scripts / "bench_fast.py").write_text(FAST)
    (scripts / "bench_slow.py").write_text(SLOW)
    (scripts / "helper.py").write_text("raise SystemExit('not a benchmark')\n")
    return scripts


def run(tmp_path, argv):
    scripts = (
        fake_benchmarks(tmp_path)
        if not (tmp_path / "benchmarks").exists()
        else tmp_path / "benchmarks"
    )
    return run_all.main(
        argv,
        scripts_dir=scripts,
        results_dir=scripts / "results",
        results_md=scripts / "RESULTS.md",
    )


def test_parse_results_keeps_only_figure_lines():
    lines = [
        "some chatter: 3 of 5 done",
        "repeat 1/3: 10.1 s wall, 9.0 s CPU",
        "fast_throughput: 104.2 img/s\n",
        "fast_latency: 1e-3 s",
        "Name: 1 s",
        "x: 1 two units",
    ]
    assert run_all.parse_results(lines) == [
        {"name": "fast_throughput", "value": 104.2, "unit": "img/s"},
        {"name": "fast_latency", "value": 0.001, "unit": "s"},
    ]


def test_a_run_records_machine_versions_date_and_every_figure(tmp_path, capsys):
    assert run(tmp_path, []) == 1  # bench_slow failed
    out = capsys.readouterr().out
    assert "FAIL  bench_slow.py" in out and "PASS  bench_fast.py" in out
    (path,) = (tmp_path / "benchmarks" / "results").glob("*.json")
    record = json.loads(path.read_text())
    assert record["date"].endswith("+00:00") and path.name.startswith(record["date"][:10])
    machine = record["machine"]
    assert machine["cpus"] >= 1 and machine["cpu"]
    assert set(machine["cpu_flags"]) <= {"avx512f", "avx2"}
    assert record["versions"]["tensorflow"].startswith("2.21") and "python" in record["versions"]
    scripts = {s["script"]: s for s in record["scripts"]}
    assert set(scripts) == {"bench_fast.py", "bench_slow.py"}
    assert (
        scripts["bench_slow.py"]["verdict"] == "FAIL"
        and scripts["bench_slow.py"]["exit_status"] == 1
    )
    assert [f["name"] for f in scripts["bench_fast.py"]["figures"]] == [
        "fast_throughput",
        "fast_latency",
    ]
    assert scripts["bench_slow.py"]["figures"] == [
        {"name": "slow_total", "value": 407.0, "unit": "s"}
    ]

    text = (tmp_path / "benchmarks" / "RESULTS.md").read_text()
    assert "| `fast_throughput` | 104.2 | img/s | `bench_fast.py` (PASS) |" in text
    assert "| `slow_total` | 407 | s | `bench_slow.py` (FAIL) |" in text
    assert f"(results/{path.name})" in text and "do not edit it by hand" in text


def test_results_md_keeps_every_run_and_the_newest_value(tmp_path, monkeypatch):
    run(tmp_path, ["fast"])
    results = tmp_path / "benchmarks" / "results"
    (first,) = results.glob("*.json")
    older = json.loads(first.read_text())
    older["date"] = "2026-11-29T10:00:00+00:00"
    older["machine"].update(cpu="AMD EPYC 7B13", cpu_generation=None, cpu_flags=["avx2"])
    older["scripts"][0]["figures"][0]["value"] = 12.0
    (results / "2026-11-29-100000-amd-epyc-7b13.json").write_text(json.dumps(older))
    run(tmp_path, ["fast", "--no-record"])  # records nothing
    assert len(list(results.glob("*.json"))) == 2
    run(tmp_path, ["fast", "--", "--repeats", "1"])  # options go to each script; a third run
    records = run_all.load_records(results)
    assert len(records) == 3 and records[-1]["date"].startswith("2026-11-29")
    assert records[0]["scripts"][0]["options"] == ["--repeats", "1"]
    text = (tmp_path / "benchmarks" / "RESULTS.md").read_text()
    latest = text.split("## Runs")[0]
    assert "| `fast_throughput` | 104.2 |" in latest and "| 12 |" not in latest
    assert "AMD EPYC 7B13, flags avx2" in text  # the older machine stays, as a run
    assert "side by side" in text and "| 12 |" in text.split("side by side")[1]


def test_the_slug_names_the_cpu():
    assert run_all.slug("AMD EPYC 9R45 96-Core Processor") == "amd-epyc-9r45"
    assert run_all.slug("Intel(R) Xeon(R) CPU @ 2.20GHz") == "intel-xeon-2-20ghz"
    assert run_all.slug("") == "unknown-cpu"


def test_the_committed_results_md_is_what_the_records_give():
    results = REPO_ROOT / "benchmarks" / "results"
    expected = run_all.results_markdown(run_all.load_records(results))
    assert (REPO_ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8") == expected, (
        "benchmarks/RESULTS.md is edited by hand or stale: it is written by `make bench`"
    )


FIGURE = re.compile(r"\b\d+(?:\.\d+)? ?(?:img/s|GFLOP/s|GB/s|ms/step|ms a step|s a step)\b")


def test_no_guide_retypes_a_measured_figure():
    """Measured speeds live in RESULTS.md, written by make bench; the guides link to it."""
    for name in GUIDES:
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        assert not FIGURE.findall(text), (
            f"{name} types figures {FIGURE.findall(text)[:5]}: link RESULTS.md"
        )
