"""Training throughput of the course's ResNet-50 against Keras Applications' ResNet-50.

Usage::

    python benchmarks/bench_training_throughput.py [--repeats 3] [--steps 6] [--batch-size 32]

Both models (``resnets_reference.ResNet50()`` and ``keras.applications.ResNet50(weights=None,
input_shape=(64, 64, 3), classes=6)``, nothing downloaded) train on the same random batch
of 32 images with the same optimizer (Adam) and loss, in one process: a warm-up (tracing)
of each, then timed runs of ``--steps`` steps alternating course, applications, course,
applications... The figure is the median over the repeats, in images per second. The
course's model must not be slower: ratio course / applications >= 0.95 (PASS/FAIL; the
exit status is 1 on FAIL).

Also the achieved FLOP/s: FLOPs per image counted from the layer shapes (convolutions
2*H_out*W_out*k*k*C_in*C_out, dense 2*C_in*C_out; batch norm, ReLU, additions and pooling
are left out, a few per cent), times 3 for a training step (forward, and backward for the
inputs and the weights), against two peaks: a measured one (median time of a large float32
matrix product with TensorFlow, the honest one) and a nominal one (CPUs x clock x FP32
FLOPs per cycle from the /proc/cpuinfo flags, with the assumption printed).
"""

import argparse
import statistics
import sys
import time

import numpy as np

import benchutils

RATIO_MIN = 0.95


def forward_flops(model):
    """FLOPs of one image's forward pass: convolutions and dense layers, from their shapes."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h_out, w_out, c_out = layer.output.shape
            k_h, k_w = layer.kernel_size
            c_in = layer.input.shape[-1]
            total += 2 * h_out * w_out * k_h * k_w * c_in * c_out
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def nominal_peak():
    """(FLOP/s, explanation): CPUs x clock x FP32 FLOPs per cycle per core, from the flags."""
    model, mhz, flags = benchutils.cpuinfo()
    cpus = benchutils.cpu_count()
    family = benchutils.cpu_family()
    if "avx512f" in flags and family and family[0] == "AuthenticAMD" and family[1] >= 26:
        per_cycle = 64
        why = (
            "avx512f on AMD family 26 (Zen 5): 64 FP32 FLOPs/cycle/core assumed (two "
            "512-bit FMA units)"
        )
    elif "avx512f" in flags:
        per_cycle = 32
        why = (
            "avx512f: 32 FP32 FLOPs/cycle/core assumed (one 512-bit FMA per cycle, or "
            "two 256-bit FMAs as on AMD Zen 4; Intel parts with two 512-bit FMA units "
            "reach 64)"
        )
    elif "avx2" in flags and "fma" in flags:
        per_cycle = 32
        why = "avx2+fma: 32 FP32 FLOPs/cycle/core assumed (two 256-bit FMA units)"
    elif "avx" in flags:
        per_cycle = 16
        why = "avx: 16 FP32 FLOPs/cycle/core assumed (256-bit add + multiply)"
    else:
        per_cycle = 8
        why = "no AVX flag: 8 FP32 FLOPs/cycle/core assumed (SSE)"
    if not mhz:
        return None, "no clock in /proc/cpuinfo"
    peak = cpus * mhz * 1e6 * per_cycle
    return peak, f"{cpus} CPUs x {mhz:.0f} MHz x {per_cycle} FLOPs/cycle; {why}"


def measured_matmul_peak(n=2048, repeats=5):
    """FLOP/s of an n x n float32 matrix product with TensorFlow (median of ``repeats``)."""
    import tensorflow as tf

    a = tf.random.stateless_uniform((n, n), seed=(0, 1))
    b = tf.random.stateless_uniform((n, n), seed=(0, 2))
    matmul = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
    matmul(a, b).numpy()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        matmul(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times)


def build(which):
    import keras
    import resnets_reference

    if which == "course":
        model = resnets_reference.ResNet50(input_shape=(64, 64, 3), classes=6)
    else:
        model = keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classes=6)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    return model


def time_steps(model, x, y, steps):
    start = time.perf_counter()
    for _ in range(steps):
        loss = model.train_on_batch(x, y)
    float(np.asarray(loss))  # wait for the last step
    return time.perf_counter() - start


def parse_args(argv=None):
    """The command line's options (an argparse.Namespace): repeats, steps, batch_size,
    matmul_size, threads."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each model")
    parser.add_argument("--steps", type=int, default=6, help="training steps per timed run")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--matmul-size", type=int, default=2048)
    parser.add_argument(
        "--threads",
        choices=["default", "all"],
        default="default",
        help="default: TensorFlow's own choice, as the notebooks run; all: "
        "one thread per CPU set by hand (measured no faster here)",
    )
    return parser.parse_args(argv)


def set_up_tensorflow(threads):
    """Silence TensorFlow's logging, set its threads (``threads`` "all": one per CPU; else
    its own choice) and print the machine's, the threads' and the versions' lines."""
    benchutils.quiet_tensorflow()
    if threads == "all":
        benchutils.use_all_cpus()
    print(benchutils.machine_line())
    import tensorflow as tf

    print(
        f"TensorFlow threads: intra-op {tf.config.threading.get_intra_op_parallelism_threads()}"
        f", inter-op {tf.config.threading.get_inter_op_parallelism_threads()} (0: TensorFlow's "
        f"own choice; --threads {threads})"
    )
    print(benchutils.versions_line())


def measure_throughput(models, x, y, steps, repeats):
    """Warm each of ``models`` ({name: compiled model}) up with 2 steps on the batch (x, y),
    then time ``repeats`` runs of ``steps`` steps of each, the models alternating.

    Returns {name: [images per second of each run]}, printing each figure as it comes.
    """
    for name, model in models.items():
        print(f"{name}: {model.count_params():,} parameters; warming up", flush=True)
        time_steps(model, x, y, 2)
    throughput = {name: [] for name in models}
    for r in range(repeats):
        for name, model in models.items():
            seconds = time_steps(model, x, y, steps)
            throughput[name].append(steps * len(x) / seconds)
            print(f"repeat {r + 1}/{repeats} {name}: {throughput[name][-1]:.1f} img/s", flush=True)
    return throughput


def main(argv=None):
    """Time both models, print the figures and the verdict; returns the exit status, 0 on
    PASS, 1 on FAIL."""
    args = parse_args(argv)

    import keras

    set_up_tensorflow(args.threads)

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((args.batch_size, 64, 64, 3), dtype=np.float32)
    y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, args.batch_size)]

    models = {"course": build("course"), "keras_apps": build("keras_apps")}
    throughput = measure_throughput(models, x, y, args.steps, args.repeats)
    course = statistics.median(throughput["course"])
    apps = statistics.median(throughput["keras_apps"])
    ratio = course / apps

    flops_image = forward_flops(models["course"])
    flops_apps = forward_flops(models["keras_apps"])
    achieved = 3 * flops_image * course
    matmul_peak = measured_matmul_peak(args.matmul_size)
    peak, why = nominal_peak()
    print(
        f"FLOPs per image, forward: course {flops_image / 1e9:.3f} G, keras_apps "
        f"{flops_apps / 1e9:.3f} G (convolutions and dense layers); training step x3"
    )
    print(f"nominal peak: {why}")
    print(f"measured peak: {args.matmul_size}x{args.matmul_size} float32 matmul, TensorFlow")
    if peak and matmul_peak > peak:
        print(
            "note: the measured peak exceeds the nominal one: /proc/cpuinfo gives the base "
            "clock (in a VM often a fixed figure), and the cores boost above it"
        )
    verdict = "PASS" if ratio >= RATIO_MIN else "FAIL"
    print(
        f"{verdict}: the course's model trains at {ratio:.2f} x the speed of Keras "
        f"Applications' (at least {RATIO_MIN} required)"
    )

    benchutils.result("train_throughput_course", course, "img/s", "{:.1f}")
    benchutils.result("train_throughput_keras_apps", apps, "img/s", "{:.1f}")
    benchutils.result("train_throughput_ratio", ratio, "x", "{:.2f}")
    benchutils.result("train_flops_per_image", 3 * flops_image / 1e9, "GFLOP", "{:.3f}")
    benchutils.result("train_achieved_flops", achieved / 1e9, "GFLOP/s", "{:.1f}")
    benchutils.result("matmul_measured_peak", matmul_peak / 1e9, "GFLOP/s", "{:.1f}")
    benchutils.result("train_share_of_measured_peak", 100 * achieved / matmul_peak, "%", "{:.0f}")
    if peak:
        benchutils.result("nominal_peak", peak / 1e9, "GFLOP/s", "{:.1f}")
        benchutils.result("train_share_of_nominal_peak", 100 * achieved / peak, "%", "{:.0f}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
