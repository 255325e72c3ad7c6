"""Where a training step of the course's ResNet-50 spends its time, on this CPU.

Usage::

    python benchmarks/bench_training_profile.py [--repeats 5] [--batch-size 32]

Times, in one process, with TensorFlow's own thread settings (as the notebooks run):

1. a whole training step (``train_on_batch``, Adam, batch 32 of 64x64 images);
2. every convolution of the model on its own, forward and backward (the gradients for its
   input and its kernel, as in training), at the shape it has inside the model; layers of
   the same shape are timed once and counted as often as they occur;
3. a large float32 matrix product, the measured peak of this CPU with TensorFlow;
4. the memory bandwidth (a 256 MB array multiplied by 1.0 into another, one thread per
   CPU), and for each part the least time its weights need to pass through memory at
   that bandwidth (a convolution reads its kernel twice and writes its gradient once;
   Adam makes 7 passes over all weights). A part whose floor is near its measured time
   is bound by memory; one far below it is not.

It prints the convolutions' share of the step, their achieved FLOP/s by stage, and the
rest of the step (batch normalisation, ReLU, additions, pooling, the optimizer), which
does little arithmetic per byte and is bound by memory, not by the vector units. The
medians of ``--repeats`` runs are reported. Nothing is compared against a budget here:
``bench_training_throughput.py`` holds the budgets; this script explains its figures.
"""

import argparse
import statistics
import sys
import time
from collections import Counter

import numpy as np

import benchutils


def median_seconds(function, repeats):
    function()  # warm-up: tracing, oneDNN's kernel selection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def conv_step(layer, batch_size):
    """A tf.function: the layer's convolution forward and backward, at its shape in the model."""
    import tensorflow as tf

    _, height, width, channels = layer.input.shape
    x = tf.random.stateless_uniform((batch_size, height, width, channels), seed=(0, 1))
    kernel = tf.Variable(layer.kernel)
    strides, padding = layer.strides, layer.padding.upper()

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.conv2d(x, kernel, strides=strides, padding=padding)
            loss = tf.reduce_sum(y)
        dx, dk = tape.gradient(loss, [x, kernel])
        return tf.reduce_sum(dx) + tf.reduce_sum(dk)

    return lambda: step().numpy()


def conv_flops(layer, batch_size):
    """FLOPs of the layer's forward pass for a batch: 2 * H_out * W_out * k * k * C_in * C_out."""
    out = layer.output.shape
    return 2 * batch_size * out[1] * out[2] * int(np.prod(layer.kernel.shape))


def measured_bandwidth(megabytes=256, repeats=5):
    """Bytes per second the CPUs move through memory, counting one read and one write.

    The median time of multiplying a float32 array of ``megabytes`` MB (far larger than any
    cache) by 1.0 into a second one, split into one contiguous part per CPU, each in its
    own thread (NumPy releases the GIL), as TensorFlow's threads share the work in training.
    """
    from concurrent.futures import ThreadPoolExecutor

    n = megabytes * 2**20 // 4
    source = np.ones(n, dtype=np.float32)
    target = np.zeros(n, dtype=np.float32)  # both written once already: no page faults later
    edges = np.linspace(0, n, benchutils.cpu_count() + 1).astype(int)
    bounds = list(zip(edges[:-1], edges[1:]))

    def copy(bound):
        np.multiply(source[bound[0] : bound[1]], 1.0, out=target[bound[0] : bound[1]])

    with ThreadPoolExecutor(len(bounds)) as pool:
        seconds = median_seconds(lambda: list(pool.map(copy, bounds)), repeats)
    return 2 * n * 4 / seconds


def time_training_step(model, batch_size, repeats):
    """Median seconds of one ``train_on_batch`` of ``model`` on a seeded random batch of
    ``batch_size`` 64x64 images (after warm-ups), over ``repeats`` runs."""
    rng = np.random.default_rng(0)
    x = rng.random((batch_size, 64, 64, 3), dtype=np.float32)
    y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, batch_size)]
    model.train_on_batch(x, y)
    return median_seconds(lambda: model.train_on_batch(x, y), repeats)


def time_convolutions(model, batch_size, repeats):
    """Time every convolution of ``model`` forward and backward (``conv_step``), once per
    distinct shape, and add the times up by stage.

    Returns a dict: "seconds", "flops" (forward and backward: 3 forward passes) and
    "weight_bytes" (float32 kernels), each a Counter by stage ("stage 1" ... "stage 5");
    "convolutions" and "shapes", the numbers of convolutions and of distinct shapes.
    """
    import keras

    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    shape_of = {
        layer.name: (
            tuple(layer.input.shape[1:]),
            tuple(layer.kernel.shape),
            layer.strides,
            layer.padding,
        )
        for layer in convs
    }
    timed, stage_seconds, stage_flops, stage_weight_bytes = {}, Counter(), Counter(), Counter()
    for layer in convs:
        key = shape_of[layer.name]
        if key not in timed:
            timed[key] = median_seconds(conv_step(layer, batch_size), repeats)
        stage = "stage 1" if layer.name == "conv1" else f"stage {layer.name[3]}"
        stage_seconds[stage] += timed[key]
        stage_weight_bytes[stage] += 4 * int(np.prod(layer.kernel.shape))  # float32
        stage_flops[stage] += 3 * conv_flops(layer, batch_size)
    return {
        "seconds": stage_seconds,
        "flops": stage_flops,
        "weight_bytes": stage_weight_bytes,
        "convolutions": len(convs),
        "shapes": len(Counter(shape_of.values())),
    }


def print_profile(batch_size, step_seconds, convs, peak, bandwidth, adam_bytes):
    """Print the step's time, the peak and the bandwidth, the table of the step's parts (the
    convolutions by stage, from ``time_convolutions``' dict, all of them, and the rest) with
    their memory floors (``adam_bytes``: the optimizer's least memory traffic, bytes), and
    the whole step's FLOP/s. Times in seconds, ``peak`` in FLOP/s, ``bandwidth`` in bytes
    per second."""
    stage_seconds, stage_flops = convs["seconds"], convs["flops"]
    conv_seconds = sum(stage_seconds.values())
    conv_total_flops = sum(stage_flops.values())
    rest = max(step_seconds - conv_seconds, 0.0)
    print(
        f"\ntraining step, batch {batch_size}: {step_seconds * 1000:.0f} ms "
        f"({batch_size / step_seconds:.1f} img/s); {convs['convolutions']} convolutions of "
        f"{convs['shapes']} distinct shapes"
    )
    print(f"measured peak (2048x2048 float32 matmul): {peak / 1e9:.1f} GFLOP/s")
    print(
        f"measured memory bandwidth (read + write, {benchutils.cpu_count()} threads): "
        f"{bandwidth / 1e9:.1f} GB/s\n"
    )
    print(
        f"{'part of the step':34} {'ms':>7} {'share':>6} {'GFLOP/s':>8} {'of peak':>8} "
        f"{'weights':>8} {'memory floor':>13}"
    )
    for stage in sorted(stage_seconds):
        rate = stage_flops[stage] / stage_seconds[stage]
        floor = 3 * convs["weight_bytes"][stage] / bandwidth
        print(
            f"{'convolutions, ' + stage:34} {stage_seconds[stage] * 1000:7.0f} "
            f"{stage_seconds[stage] / step_seconds:6.0%} {rate / 1e9:8.1f} {rate / peak:8.0%} "
            f"{convs['weight_bytes'][stage] / 1e6:6.1f}MB {floor * 1000:6.1f} ms {floor / stage_seconds[stage]:4.0%}"
        )
    print(
        f"{'all convolutions':34} {conv_seconds * 1000:7.0f} {conv_seconds / step_seconds:6.0%} "
        f"{conv_total_flops / conv_seconds / 1e9:8.1f} "
        f"{conv_total_flops / conv_seconds / peak:8.0%}"
    )
    print(
        f"{'the rest (BN, ReLU, add, Adam, ...)':34} {rest * 1000:7.0f} "
        f"{rest / step_seconds:6.0%} {'':8} {'':8} {'':8} "
        f"{adam_bytes / bandwidth * 1000:6.1f} ms {adam_bytes / bandwidth / max(rest, 1e-9):4.0%}"
        " (Adam's 7 passes over the weights alone)"
    )
    print(
        "memory floor: the least time the part's weights need to pass through memory at the "
        "measured bandwidth (3 passes a convolution), and its share of the part's time; near "
        "100% the part is bound by memory, not by arithmetic"
    )
    whole = conv_total_flops / step_seconds
    print(f"\nwhole step: {whole / 1e9:.1f} GFLOP/s, {whole / peak:.0%} of the measured peak")


def main(argv=None):
    """Profile a training step and print where its time goes; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    import keras

    import resnets_reference
    from bench_training_throughput import measured_matmul_peak

    benchutils.start_tensorflow()

    keras.utils.set_random_seed(0)
    model = resnets_reference.ResNet50(input_shape=(64, 64, 3), classes=6)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    step_seconds = time_training_step(model, args.batch_size, args.repeats)
    convs = time_convolutions(model, args.batch_size, args.repeats)
    peak = measured_matmul_peak()
    bandwidth = measured_bandwidth()
    # Least memory traffic of each part: a convolution reads its kernel for the forward
    # pass and for the input's gradient and writes the kernel's gradient (3 passes);
    # Adam reads the weight, its gradient and both moments and writes three (7 passes).
    adam_bytes = 7 * 4 * model.count_params()
    print_profile(args.batch_size, step_seconds, convs, peak, bandwidth, adam_bytes)

    conv_seconds = sum(convs["seconds"].values())
    conv_total_flops = sum(convs["flops"].values())
    whole = conv_total_flops / step_seconds
    benchutils.result("profile_step_ms", step_seconds * 1000, "ms", "{:.0f}")
    benchutils.result(
        "profile_conv_share_of_step", 100 * conv_seconds / step_seconds, "%", "{:.0f}"
    )
    benchutils.result(
        "profile_conv_share_of_peak", 100 * conv_total_flops / conv_seconds / peak, "%", "{:.0f}"
    )
    benchutils.result("profile_step_share_of_peak", 100 * whole / peak, "%", "{:.0f}")
    benchutils.result("profile_memory_bandwidth", bandwidth / 1e9, "GB/s", "{:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
