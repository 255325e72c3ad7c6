"""Training throughput of the same Keras ResNet-50 on each Keras 3 backend, on this CPU.

Usage::

    python benchmarks/bench_backends.py [--repeats 3] [--steps 6] [--python PATH]

``keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classes=6)`` trains
on a random batch of 32 with Adam, in a fresh process per backend (``KERAS_BACKEND`` =
tensorflow, jax, torch), each with as many threads as CPUs: a warm-up of 2 steps (tracing,
compilation), then ``--repeats`` timed runs of ``--steps`` steps; the median is reported.

The course itself stays Keras on TensorFlow; this measures how far the framework, not the
course's code, limits the speed. A backend that is not installed in ``--python`` (by
default this Python: the course's environment has only TensorFlow) is skipped with a line
that says so, and does not fail the run. To measure all three, make a separate environment:

    python3.11 -m venv /tmp/backends
    /tmp/backends/bin/pip install keras==3.15.1 tensorflow==2.21.0 jax torch
    python benchmarks/bench_backends.py --python /tmp/backends/bin/python
"""

import argparse
import json
import os
import subprocess
import sys

import benchutils

CHILD = r"""
import json, os, statistics, sys, time
threads = os.cpu_count()
backend = os.environ["KERAS_BACKEND"]
try:
    if backend == "tensorflow":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(min(threads, 2))
    elif backend == "torch":
        import torch
        torch.set_num_threads(threads)
    elif backend == "jax":
        import jax
    import keras
except ImportError as error:
    print(json.dumps({"skipped": str(error)}))
    sys.exit(0)
import numpy as np
repeats, steps = int(sys.argv[1]), int(sys.argv[2])
keras.utils.set_random_seed(0)
model = keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classes=6)
model.compile(optimizer="adam", loss="categorical_crossentropy")
rng = np.random.default_rng(0)
x = rng.random((32, 64, 64, 3), dtype=np.float32)
y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, 32)]
for _ in range(2):
    model.train_on_batch(x, y)
rates = []
for _ in range(repeats):
    start = time.perf_counter()
    for _ in range(steps):
        loss = model.train_on_batch(x, y)
    float(np.asarray(loss))
    rates.append(steps * 32 / (time.perf_counter() - start))
print(json.dumps({"img_per_s": statistics.median(rates), "runs": rates,
                  "version": keras.version()}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument(
        "--python", default=sys.executable, help="the Python whose Keras backends to measure"
    )
    args = parser.parse_args(argv)
    print(benchutils.machine_line())
    print(f"Python: {args.python}")
    measured = {}
    for backend in ("tensorflow", "jax", "torch"):
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        process = subprocess.run(
            [args.python, "-c", CHILD, str(args.repeats), str(args.steps)],
            env=env,
            capture_output=True,
            text=True,
        )
        lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
        if process.returncode != 0 or not lines:
            print(f"{backend}: FAILED (exit status {process.returncode})\n{process.stderr[-2000:]}")
            return 1
        answer = json.loads(lines[-1])
        if "skipped" in answer:
            print(f"{backend}: skipped, not installed in that Python ({answer['skipped']})")
            continue
        measured[backend] = answer["img_per_s"]
        runs = ", ".join(f"{rate:.1f}" for rate in answer["runs"])
        print(f"{backend}: {answer['img_per_s']:.1f} img/s (runs: {runs})", flush=True)
        benchutils.result(
            f"backend_{backend}_keras_apps_resnet50", answer["img_per_s"], "img/s", "{:.1f}"
        )
    if "tensorflow" in measured:
        for backend, rate in measured.items():
            if backend != "tensorflow":
                benchutils.result(
                    f"backend_{backend}_over_tensorflow",
                    rate / measured["tensorflow"],
                    "x",
                    "{:.2f}",
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
