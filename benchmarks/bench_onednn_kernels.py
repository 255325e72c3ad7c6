"""Which oneDNN kernels a training step of the course's ResNet-50 runs, and how long each takes.

Usage::

    python benchmarks/bench_onednn_kernels.py [--steps 3] [--isa AVX2]

TensorFlow runs the model's convolutions with oneDNN, which picks a kernel for each shape
and CPU: a JIT-compiled one for the CPU's vector instructions (``jit:avx2``,
``brg_conv_fwd:avx512_core``, ...) or, where none of those takes the shape, a generic
one built on a matrix product (``x64:gemm:jit``) or a reference loop (``ref``). Before some
kernels it also copies the weights into the layout the kernel wants (a *reorder*), at every
step, since the weights change at every step.

A child process trains ``resnets_reference.ResNet50()`` (Adam built first, batch 32 of random
64x64 images) with ``ONEDNN_VERBOSE=1``, which makes oneDNN print one line per kernel run
with its name, shape and milliseconds; after 3 warm-up steps, the lines of ``--steps``
steps are kept. Printed: the step's wall time, then the milliseconds per step of each
(primitive, direction, kernel, stage) group, the stage read from the convolution's output
size, the weight reorders, and the groups that ran a generic kernel. Operations that ran at
the same time on the two CPUs overlap, so the groups can add up to more than the step;
batch normalisation, ReLU and additions are TensorFlow's own kernels and are not listed.

By default it runs once with the CPU's own instructions and, on a CPU with AVX-512, once
more with oneDNN limited to AVX2 (``ONEDNN_MAX_CPU_ISA=AVX2``), what a CPU without AVX-512
runs; ``--isa`` chooses one limit. No budget: this names the kernels behind
``bench_training_profile.py``'s figures.
"""

import argparse
import json
import re
import subprocess
import sys
from collections import Counter

import benchutils

CHILD = r"""
import ctypes, json, sys, time
import numpy as np
sys.path.insert(0, {repo!r})
import keras
import resnets_reference

libc = ctypes.CDLL(None)
def mark(text):  # oneDNN writes with C's stdio: flush it so that the marks fall in place
    libc.fflush(None)
    print(text, flush=True)

keras.utils.set_random_seed(0)
model = resnets_reference.ResNet50(input_shape=(64, 64, 3), classes=6)
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.optimizer.build(model.trainable_variables)
rng = np.random.default_rng(0)
x = rng.random(({batch}, 64, 64, 3), dtype=np.float32)
y = keras.utils.to_categorical(rng.integers(0, 6, {batch}), 6)
for _ in range(3):
    model.train_on_batch(x, y)
stages = {{}}
for layer in model.layers:
    if isinstance(layer, keras.layers.Conv2D):
        stages[int(layer.output.shape[1])] = "stem" if layer.name == "conv1" else "stage " + layer.name[3]
mark("STAGES " + json.dumps(stages))
mark("MEASURE_START")
start = time.perf_counter()
for _ in range({steps}):
    model.train_on_batch(x, y)
seconds = (time.perf_counter() - start) / {steps}
mark("MEASURE_END " + json.dumps({{"step": seconds}}))
"""

GENERIC = ("gemm", "ref")  # oneDNN's kernels for shapes no JIT kernel takes


def is_generic(kernel):
    """True for a oneDNN kernel name such as 'x64:gemm:jit' or 'ref:any', which oneDNN runs
    where no JIT kernel for the CPU's instructions takes the shape."""
    return any(name in kernel for name in GENERIC)


def parse_verbose(lines):
    """Group the oneDNN ``exec`` lines between the child's MEASURE marks.

    Arguments:
    lines -- the child's output lines: ``STAGES {json}``, ``MEASURE_START``, oneDNN lines
             ``onednn_verbose,v1,primitive,exec,cpu,KIND,KERNEL,DIRECTION,...,SHAPE,MS``,
             ``MEASURE_END {"step": seconds}``

    Returns:
    (step seconds, Counter {(kind, direction, kernel, stage): total ms},
     Counter {same key: number of runs}); the stage is that of the convolution's output
    height ("stem", "stage 2", ...), "weights" for a reorder of a 4-d weight tensor, ""
    otherwise

    Raises:
    ValueError -- when a mark is missing (the child failed before measuring)
    """
    stages, inside, step = {}, False, None
    total, runs = Counter(), Counter()
    for line in lines:
        if line.startswith("STAGES "):
            stages = {int(size): name for size, name in json.loads(line[7:]).items()}
        elif line.startswith("MEASURE_START"):
            inside = True
        elif line.startswith("MEASURE_END "):
            step = json.loads(line[12:])["step"]
            inside = False
        elif inside and line.startswith("onednn_verbose,") and ",exec,cpu," in line:
            fields = line.split(",")
            kind, kernel, direction, shape = fields[5], fields[6], fields[7], fields[-2]
            if kind == "convolution":
                height = re.search(r"oh(\d+)", shape)
                where = stages.get(int(height.group(1)), "") if height else ""
            elif kind == "reorder":
                where = "weights" if re.fullmatch(r"\d+x\d+x\d+x\d+", shape) else ""
                kernel = direction = ""
            else:
                where = ""
            key = (kind, direction, kernel, where)
            total[key] += float(fields[-1])
            runs[key] += 1
    if step is None:
        raise ValueError(
            "the child process printed no MEASURE_END mark: it failed before "
            "measuring (its output is above)"
        )
    return step, total, runs


def report(label, step, total, runs, steps):
    """Print one run's table; returns (ms of weight reorders, ms of generic kernels) per step."""
    print(
        f"\n{label}: a training step takes {step * 1000:.0f} ms; oneDNN kernels, ms per step "
        f"(overlapping where two ran at once):"
    )
    summed = sum(total.values()) / steps
    for key, ms in total.most_common():
        kind, direction, kernel, where = key
        if ms / steps < 0.5:
            continue
        generic = "  <- generic kernel" if is_generic(kernel) else ""
        print(
            f"  {ms / steps:7.1f} ms {ms / steps / summed:5.1%} {runs[key] / steps:4.0f} runs  "
            f"{kind} {direction} {kernel} {where}".rstrip()
            + generic
        )
    reorder = sum(ms for key, ms in total.items() if key[0] == "reorder" and key[3] == "weights")
    generic = sum(ms for key, ms in total.items() if is_generic(key[2]))
    print(
        f"  weight reorders: {reorder / steps:.1f} ms per step ({reorder / steps / (step * 1000):.0%} "
        f"of the step); generic kernels: {generic / steps:.1f} ms ({generic / steps / (step * 1000):.0%})"
    )
    return reorder / steps, generic / steps


def run(isa, steps, batch):
    """Run the child under ``ONEDNN_MAX_CPU_ISA=isa`` (None: no limit); its parsed output."""
    env = benchutils.tensorflow_child_environment(
        ONEDNN_VERBOSE="1", **({"ONEDNN_MAX_CPU_ISA": isa} if isa else {})
    )
    code = CHILD.format(repo=str(benchutils.REPO_ROOT), steps=steps, batch=batch)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-2000:] + result.stderr[-2000:])
    return parse_verbose(result.stdout.splitlines())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3, help="training steps measured")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--isa",
        default=None,
        help="only this ONEDNN_MAX_CPU_ISA (e.g. AVX2); default: the CPU's own, "
        "and AVX2 too on a CPU with AVX-512",
    )
    args = parser.parse_args(argv)
    print(benchutils.machine_line(), flush=True)
    _, _, flags = benchutils.cpuinfo()
    limits = [args.isa] if args.isa else [None] + (["AVX2"] if "avx512f" in flags else [])
    failed = False
    for isa in limits:
        label = f"oneDNN limited to {isa}" if isa else "this CPU's own instructions"
        try:
            step, total, runs = run(isa, args.steps, args.batch_size)
        except ValueError as error:
            print(f"{label}: {error}")
            failed = True
            continue
        if not total:  # e.g. a CPU that is not x86: TensorFlow may run no oneDNN kernel there
            print(f"{label}: oneDNN ran no kernel in the measured steps; nothing to report")
            continue
        reorder, generic = report(label, step, total, runs, args.steps)
        name = f"_{isa.lower()}" if isa else ""
        benchutils.result(f"onednn_weight_reorders{name}", reorder, "ms/step", "{:.1f}")
        benchutils.result(f"onednn_generic_kernels{name}", generic, "ms/step", "{:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
