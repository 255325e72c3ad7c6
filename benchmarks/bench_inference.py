"""Single-image prediction latency of the course's ResNet-50, and the peak memory of training.

Usage::

    python benchmarks/bench_inference.py [--repeats 3] [--calls 30] [--train-steps 3]

Latency: one 64x64 image through ``resnets_reference.ResNet50()`` (the architecture of
``models/resnet50_signs.keras``; the weights do not change the time), median over
``--repeats`` x ``--calls`` calls after a warm-up, three ways: ``model(x, training=False)``
(eager), a ``tf.function`` compiled once, and ``model.predict(x)`` (what notebook 04 calls).

Peak memory: in a fresh Python process (so nothing else pollutes it), build and compile the
model, train ``--train-steps`` steps of batch 32, and read the resident set size high-water
mark (``resource.getrusage(RUSAGE_SELF).ru_maxrss``); also the mark after the imports alone,
to separate the model's share from TensorFlow's. Median over ``--repeats`` processes.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

import benchutils

PEAK_MEMORY_CHILD = r"""
import json, os, resource, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, sys.argv[1])
import numpy as np, keras, tensorflow as tf, resnets_reference
after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
keras.utils.set_random_seed(0)
model = resnets_reference.ResNet50(input_shape=(64, 64, 3), classes=6)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
rng = np.random.default_rng(0)
x = rng.random((32, 64, 64, 3), dtype=np.float32)
y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, 32)]
for _ in range(int(sys.argv[2])):
    model.train_on_batch(x, y)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"after_imports_kib": after_imports, "peak_kib": peak}))
"""


def median_latency(fn, calls, repeats):
    """Median seconds of one call of ``fn`` over ``repeats`` x ``calls`` calls."""
    times = []
    for _ in range(repeats * calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory(train_steps):
    """(RSS high-water mark after imports, after training), in MiB, of a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_CHILD, str(benchutils.REPO_ROOT), str(train_steps)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return figures["after_imports_kib"] / 1024, figures["peak_kib"] / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30, help="timed calls per repeat")
    parser.add_argument(
        "--train-steps",
        type=int,
        default=3,
        help="training steps of batch 32 in the peak-memory process",
    )
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    import resnets_reference

    benchutils.start_tensorflow()

    keras.utils.set_random_seed(0)
    model = resnets_reference.ResNet50(input_shape=(64, 64, 3), classes=6)
    x = np.random.default_rng(0).random((1, 64, 64, 3), dtype=np.float32)
    x_tensor = tf.constant(x)
    compiled = tf.function(lambda images: model(images, training=False))

    ways = {
        "eager": lambda: model(x_tensor, training=False).numpy(),
        "compiled": lambda: compiled(x_tensor).numpy(),
        "predict": lambda: model.predict(x, verbose=0),
    }
    latency = {}
    for name, fn in ways.items():
        for _ in range(3):  # warm-up: tracing, allocation
            fn()
        latency[name] = median_latency(fn, args.calls, args.repeats)
        print(f"{name}: {1000 * latency[name]:.1f} ms per image", flush=True)

    runs = [peak_memory(args.train_steps) for _ in range(args.repeats)]
    imports_mib = statistics.median(r[0] for r in runs)
    peak_mib = statistics.median(r[1] for r in runs)
    print(
        f"peak memory of {args.train_steps} training steps of batch 32 in a fresh process, "
        f"over {args.repeats} process(es): {peak_mib:.0f} MiB "
        f"({imports_mib:.0f} MiB after the imports alone)"
    )

    benchutils.result("infer_latency_eager", 1000 * latency["eager"], "ms", "{:.1f}")
    benchutils.result("infer_latency_compiled", 1000 * latency["compiled"], "ms", "{:.1f}")
    benchutils.result("infer_latency_predict", 1000 * latency["predict"], "ms", "{:.1f}")
    benchutils.result("train_peak_rss", peak_mib, "MiB", "{:.0f}")
    benchutils.result("imports_peak_rss", imports_mib, "MiB", "{:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
