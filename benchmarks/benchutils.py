"""What the benchmarks share: the machine's description and the one-line result format.

Every benchmark ends with lines ``name: value unit``, one per figure; ``run_all.py`` records
them with the machine in ``results/*.json`` and ``RESULTS.md``, so that runs can be compared.
"""

import os
import platform
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def proc_cpuinfo():
    """The text of /proc/cpuinfo, or None where there is none (macOS, Windows)."""
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return None


def cpuinfo():
    """(model name, MHz, set of flags) from /proc/cpuinfo; ('unknown', None, set()) elsewhere."""
    text = proc_cpuinfo()
    if text is None:
        return platform.processor() or "unknown", None, set()
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)$", text, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
    return (
        model.group(1).strip() if model else "unknown",
        float(mhz.group(1)) if mhz else None,
        set(flags.group(1).split()) if flags else set(),
    )


def cpu_family():
    """(vendor, family, model) numbers from /proc/cpuinfo, e.g. ('AuthenticAMD', 26, 2), or
    None elsewhere. The model name ("AMD EPYC") often hides the generation; these do not:
    AMD family 25 is Zen 3 and Zen 4, family 26 is Zen 5."""
    text = proc_cpuinfo()
    if text is None:
        return None
    vendor = re.search(r"^vendor_id\s*:\s*(\S+)", text, re.M)
    family = re.search(r"^cpu family\s*:\s*(\d+)", text, re.M)
    model = re.search(r"^model\s*:\s*(\d+)", text, re.M)
    if not (vendor and family and model):
        return None
    return vendor.group(1), int(family.group(1)), int(model.group(1))


def cpu_generation():
    """'AuthenticAMD family 26 model 2': :func:`cpu_family` as text, or None elsewhere."""
    family = cpu_family()
    return f"{family[0]} family {family[1]} model {family[2]}" if family else None


def vector_flags():
    """The CPU's widest vector instructions, as /proc/cpuinfo names them: 'avx512f avx2
    fma', 'avx2 fma', ... ('unknown' where there is no /proc/cpuinfo)."""
    _, _, flags = cpuinfo()
    if not flags:
        return "unknown"
    return " ".join(f for f in ("avx512f", "avx512_bf16", "avx2", "fma") if f in flags) or "none"


def cpu_count():
    """CPUs this process may use (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def use_all_cpus():
    """One TensorFlow thread per CPU for each operation (before TensorFlow's first op)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(cpu_count())
    tf.config.threading.set_inter_op_parallelism_threads(min(cpu_count(), 2))


ONEDNN_SETTINGS = ("TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA")


def tensorflow_child_environment(**settings):
    """The environment for a child process that runs TensorFlow with its defaults plus
    ``settings``: this one's, without oneDNN's settings (ONEDNN_SETTINGS), quiet, Keras on
    TensorFlow. A dict of strings for ``subprocess.run(env=...)``."""
    env = {key: value for key, value in os.environ.items() if key not in ONEDNN_SETTINGS}
    env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    env.update(settings)
    return env


def machine_line():
    model, mhz, _ = cpuinfo()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    load_text = f", load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}" if load else ""
    freq = f" at {mhz:.0f} MHz" if mhz else ""
    generation = cpu_generation()
    generation = f" ({generation})" if generation else ""
    return (
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}: {cpu_count()} CPUs, {model}{generation}{freq}, "
        f"flags {vector_flags()}{load_text}; Python {platform.python_version()}"
    )


def versions_line():
    import keras
    import numpy as np
    import tensorflow as tf

    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy {np.__version__}"


def result(name, value, unit, fmt="{:.4g}"):
    """Print one result line: ``name: value unit``."""
    print(f"{name}: {fmt.format(value)} {unit}", flush=True)


def quiet_tensorflow():
    import absl.logging
    import tensorflow as tf

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")


def start_tensorflow():
    """Silence TensorFlow's Python logging, then print the machine's and the versions' lines.

    The common start of the benchmarks that run TensorFlow in their own process; call it
    before the first TensorFlow operation.
    """
    quiet_tensorflow()
    print(machine_line())
    print(versions_line())
