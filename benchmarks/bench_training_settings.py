"""Training speed of the course's ResNet-50 under TensorFlow's CPU settings, each in a fresh process.

Usage::

    python benchmarks/bench_training_settings.py [--repeats 3] [--steps 6]

The course runs TensorFlow with its defaults. This script measures what the other
settings would give, so that the choice rests on figures from the machine at hand:

- ``default``: oneDNN on, with the widest vector instructions the CPU has;
- ``onednn-off``: ``TF_ENABLE_ONEDNN_OPTS=0``, TensorFlow's own (Eigen) kernels;
- ``onednn-avx2``: ``ONEDNN_MAX_CPU_ISA=AVX2``, oneDNN limited to AVX2 and FMA, which is
  what it runs on a CPU without AVX-512 (only where the CPU has AVX-512; the clock and
  the rest of the core stay this machine's);
- ``xla``: ``model.compile(jit_compile=True)``, XLA's CPU compiler (Keras leaves it off
  on CPU-only machines);
- ``adam-built``: the default, with Adam's variables made before the first step
  (``model.optimizer.build(model.trainable_variables)``, as notebook 04 does). Without a
  distribution strategy Keras makes them while TensorFlow traces the first step; only the
  first step's time can differ.
- ``accuracy-string`` and ``accuracy-object``: ``adam-built`` with an accuracy metric,
  ``metrics=["accuracy"]`` (Keras makes the metric's variables while it traces the first
  step, which TensorFlow then traces again) or
  ``metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")]`` (made before; notebook
  04's compile). Only the first step's time can differ.
- ``grappler-off``: TensorFlow's graph optimiser Grappler turned off
  (``disable_meta_optimizer``), as ``resnets_utils.setup_notebook()`` does where
  TensorFlow sees no GPU.

Each setting trains ``resnets_reference.ResNet50()`` (Adam, batch 32 of random 64x64
images) in a process of its own, since these settings are read when TensorFlow starts:
one warm-up ``train_on_batch`` (tracing and compilation, reported as "first step"), then
``--repeats`` timed runs of ``--steps`` ``train_on_batch`` calls on the same batch, as
``bench_training_profile.py`` times a step. Reported: the median images per second, the
ratio to the default, and whether Keras really compiled with XLA (it falls back without
it for a model XLA cannot take). The settings' variables are removed from the
environment first, so that "default" is TensorFlow's default. No budget: this explains
a choice.
"""

import argparse
import json
import subprocess
import sys

import benchutils

SETTINGS = {  # name: (environment variables, jit_compile, Adam built before the first step,
    #                  the accuracy metric: None, "string" or "object", Grappler on)
    "default": ({}, False, False, None, True),
    "onednn-off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, False, False, None, True),
    "onednn-avx2": ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, False, False, None, True),
    "xla": ({}, True, False, None, True),
    "grappler-off": ({}, False, False, None, False),
    "adam-built": ({}, False, True, None, True),
    "accuracy-string": ({}, False, True, "string", True),
    "accuracy-object": ({}, False, True, "object", True),
}
# Settings that run the default's kernels and graph (no environment variable, no XLA,
# Grappler on): only their first step can differ from the default's, so they do not
# compete for the fastest.
FIRST_STEP_ONLY = tuple(
    name
    for name, (env, jit, _, _, grappler) in SETTINGS.items()
    if name != "default" and not env and not jit and grappler
)
# The settings the course runs with on a CPU: TensorFlow's defaults, Grappler off.
COURSE_SETTINGS = ("default", "grappler-off")

CHILD = r"""
import json, statistics, sys, time
import numpy as np
sys.path.insert(0, {repo!r})
import keras
import tensorflow as tf
import resnets_reference

if not {grappler}:
    tf.config.optimizer.set_experimental_options({{"disable_meta_optimizer": True}})
keras.utils.set_random_seed(0)
batch, steps, repeats, jit = {batch}, {steps}, {repeats}, {jit}
model = resnets_reference.ResNet50(input_shape=(64, 64, 3), classes=6)
metrics = {{None: None, "string": ["accuracy"],
            "object": [keras.metrics.CategoricalAccuracy(name="accuracy")]}}[{metric!r}]
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=metrics,
              jit_compile=jit)
if {build}:
    model.optimizer.build(model.trainable_variables)
rng = np.random.default_rng(0)
x = rng.random((batch, 64, 64, 3), dtype=np.float32)
y = keras.utils.to_categorical(rng.integers(0, 6, batch), 6)
start = time.perf_counter()
model.train_on_batch(x, y)
first = time.perf_counter() - start
times = []
for _ in range(repeats):
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    times.append((time.perf_counter() - start) / steps)
print(json.dumps({{"first": first, "step": statistics.median(times),
                  "jit_compile": bool(model.jit_compile)}}))
"""


def measure(name, batch, steps, repeats):
    """(seconds of the first step, median seconds per step) of one setting, or None when
    the process failed or Keras did not use the setting's ``jit_compile``."""
    env_extra, jit, build, metric, grappler = SETTINGS[name]
    env = benchutils.tensorflow_child_environment(**env_extra)
    code = CHILD.format(
        repo=str(benchutils.REPO_ROOT),
        batch=batch,
        steps=steps,
        repeats=repeats,
        jit=jit,
        build=build,
        metric=metric,
        grappler=grappler,
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{name}: failed\n{result.stderr[-2000:]}")
        return None
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["jit_compile"] != jit:
        print(f"{name}: Keras ran with jit_compile={figures['jit_compile']}, not {jit}")
        return None
    return figures["first"], figures["step"]


# What making something before the first step saves: (figure, the setting without it, the
# setting with it, what it is).
FIRST_STEP_SAVINGS = (
    ("first_step_adam_built_saves", "default", "adam-built", "Adam built (notebook 04 does it)"),
    (
        "first_step_metric_object_saves",
        "accuracy-string",
        "accuracy-object",
        "the accuracy metric made as an object (notebook 04's compile)",
    ),
    (
        "first_step_grappler_off_saves",
        "default",
        "grappler-off",
        "Grappler off (setup_notebook() does it without a GPU)",
    ),
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    print(benchutils.machine_line(), flush=True)
    _, _, flags = benchutils.cpuinfo()
    names = [name for name in SETTINGS if name != "onednn-avx2" or "avx512f" in flags]
    speeds, firsts, failed = measure_all(names, args)
    print_fastest(speeds)
    print_first_step_savings(firsts, speeds)
    return 1 if failed else 0


def measure_all(names, args):
    """Each setting of ``names`` measured and printed: ({name: images per second},
    {name: seconds of the first step}, whether any failed)."""
    speeds, firsts, failed = {}, {}, False
    for name in names:
        figures = measure(name, args.batch_size, args.steps, args.repeats)
        if figures is None:
            failed = True
            continue
        first, step = figures
        firsts[name], speeds[name] = first, args.batch_size / step
        ratio = speeds[name] / speeds["default"] if "default" in speeds else float("nan")
        print(
            f"{name:15} first step {first:5.1f} s, then {step * 1000:6.0f} ms per step, "
            f"{speeds[name]:5.1f} img/s ({ratio:.2f} x the default)",
            flush=True,
        )
        benchutils.result(f"training_{name.replace('-', '_')}", speeds[name], "img/s", "{:.1f}")
    return speeds, firsts, failed


def print_fastest(speeds):
    """Name the fastest setting that changes TensorFlow's kernels or graph."""
    tensorflow_settings = {
        name: speed for name, speed in speeds.items() if name not in FIRST_STEP_ONLY
    }
    fastest = max(tensorflow_settings, key=tensorflow_settings.get) if tensorflow_settings else None
    print(
        f"fastest TensorFlow setting here: {fastest}"
        + (
            ""
            if fastest in COURSE_SETTINGS
            else " (the course keeps its settings; see benchmarks/README.md)"
        )
    )


def print_first_step_savings(firsts, speeds):
    """Print and record, for each of FIRST_STEP_SAVINGS measured, the first step's saving
    (seconds) and the steps' speed against the setting without it."""
    for figure, without, with_it, what in FIRST_STEP_SAVINGS:
        if without in firsts and with_it in firsts:
            print(
                f"{what}: first step {firsts[with_it]:.1f} s against {firsts[without]:.1f} s "
                f"({without}); steps {speeds[with_it] / speeds[without]:.2f} x as fast"
            )
            benchutils.result(figure, firsts[without] - firsts[with_it], "s", "{:.1f}")


if __name__ == "__main__":
    sys.exit(main())
