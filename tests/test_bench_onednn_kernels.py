"""benchmarks/bench_onednn_kernels.py: reading oneDNN's verbose lines into kernel groups."""

import sys

import pytest

from resnets_utils import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
import bench_onednn_kernels as bench  # noqa: E402

CONV = (
    "onednn_verbose,v1,primitive,exec,cpu,convolution,{kernel},{direction},"
    "src:f32::blocked:acdb::f0 wei:f32:a:blocked:cdba::f0 dst:f32::blocked:acdb::f0,,"
    "alg:convolution_direct,mb32_ic512oc512_ih2oh2kh3sh1dh0ph1_iw2ow2kw3sw1dw0pw1,{ms}"
)
REORDER = (
    "onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,"
    "src:f32::blocked:cdba::f0 dst:f32::blocked:Bcda32b::f0,,,512x512x3x3,{ms}"
)


def output(*measured, before=(), after=()):
    return (
        list(before)
        + ['STAGES {"32": "stem", "2": "stage 5"}', "MEASURE_START"]
        + list(measured)
        + ['MEASURE_END {"step": 0.5}']
        + list(after)
    )


def test_groups_by_kernel_and_stage_and_keeps_only_the_measured_steps():
    lines = output(
        CONV.format(kernel="x64:gemm:jit", direction="backward_weights", ms=20.0),
        CONV.format(kernel="x64:gemm:jit", direction="backward_weights", ms=22.0),
        REORDER.format(ms=5.0),
        "onednn_verbose,v1,info,cpu,runtime:threadpool",
        before=[CONV.format(kernel="jit:avx2", direction="backward_weights", ms=99.0)],
        after=[REORDER.format(ms=99.0)],
    )
    step, total, runs = bench.parse_verbose(lines)
    assert step == 0.5
    gemm = ("convolution", "backward_weights", "x64:gemm:jit", "stage 5")
    assert total[gemm] == pytest.approx(42.0) and runs[gemm] == 2
    assert total[("reorder", "", "", "weights")] == pytest.approx(5.0)
    assert (
        sum(runs.values()) == 3
    )  # the warm-up line before the marks and the one after are left out


def test_report_counts_generic_kernels_and_weight_reorders_per_step(capsys):
    lines = output(
        CONV.format(kernel="x64:gemm:jit", direction="backward_weights", ms=30.0),
        CONV.format(kernel="brg_conv_fwd:avx2", direction="forward_training", ms=10.0),
        REORDER.format(ms=6.0),
    )
    step, total, runs = bench.parse_verbose(lines)
    reorder, generic = bench.report("test", step, total, runs, steps=2)
    assert (reorder, generic) == (pytest.approx(3.0), pytest.approx(15.0))
    text = capsys.readouterr().out
    assert "x64:gemm:jit stage 5  <- generic kernel" in text
    assert "brg_conv_fwd:avx2 stage 5\n" in text  # a JIT kernel is not flagged


def test_a_child_that_failed_before_measuring_is_an_error():
    with pytest.raises(ValueError, match="no MEASURE_END"):
        bench.parse_verbose(["Traceback (most recent call last):", "MEASURE_START"])


def test_steps_without_onednn_kernels_are_said_to_have_none_rather_than_an_empty_table(
    monkeypatch, capsys
):
    monkeypatch.setattr(bench, "run", lambda isa, steps, batch: bench.parse_verbose(output()))
    assert bench.main(["--isa", "AVX2"]) == 0
    assert "oneDNN ran no kernel in the measured steps" in capsys.readouterr().out
