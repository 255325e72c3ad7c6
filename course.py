#!/usr/bin/env python3
"""The course's commands, the same on Windows, macOS and Linux (the Makefile calls them too).

    python course.py lab               start JupyterLab on your notebooks
    python course.py test              the whole test suite (what CI runs)
    python course.py grade [NB]        grade your notebooks, or only notebook NB (e.g. 02)
    python course.py grade --class DIR grade a class: one folder or notebook per learner

Instructors also have:

    python course.py lab --solutions   JupyterLab on the solved notebooks
    python course.py notebooks [--force]   write the learners' notebooks from the solutions
    python course.py datasets          rebuild the SIGNS files in datasets/ from the photos
    python course.py pretrained        retrain models/resnet50_signs.keras
    python course.py bench             the benchmarks
    python course.py setup             only create or update the environment
    python course.py clean-venv        delete the environment (.venv/)

Every command first makes sure the course's environment exists: a virtual environment in
``.venv/`` with the pinned packages, made from a Python they all support (3.11 to 3.13). If the Python running this script is another version, it looks for a
supported one on its own. Nothing is installed outside this folder.

This file uses the standard library only and runs on old Pythons too, so that it can say
clearly what is missing instead of failing inside pip.
"""

import hashlib
import os
import shutil
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(REPO_ROOT, ".venv")
STAMP = os.path.join(VENV, ".installed-stamp")
# The Pythons the pinned packages have wheels for: TensorFlow 2.21 has 3.10 to 3.13, but
# NumPy 2.4, Matplotlib 3.11, Pillow 13 and IPython 9 start at 3.11.
SUPPORTED = ((3, 11), (3, 12), (3, 13))
SET_UP_FROM = ("requirements.txt", "constraints.txt", "pyproject.toml", "course.py")
KERNEL_NAME = "resnets"
KERNEL_DISPLAY_NAME = "Residual Networks (TF 2.21)"
# The environment of every notebook kernel and test run: the course's models are Keras on
# TensorFlow, and Python's string hashing is fixed so that runs repeat exactly.
COURSE_ENV = {"KERAS_BACKEND": "tensorflow", "PYTHONHASHSEED": "0"}
# JupyterLab settings for the course: no "news" pop-up over the first notebook.
# Nor is the widgets' state saved into the notebook (it would hold an uploaded photo).
LAB_SETTINGS = (
    '{\n  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},\n'
    '  "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": false}\n}\n'
)
# -rs: say why any test was skipped (a missing browser must never go unnoticed).
PYTEST_ARGS = [
    "notebooks/solutions",
    "tests",
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with",
    os.path.join("tests", "nbval_sanitize.cfg"),
    "-rs",
]
# make test runs in two processes (pytest-xdist). Half of a single process's time goes to
# work that keeps one CPU busy (starting kernels, importing TensorFlow, building models,
# the browser), so two take about two thirds of the time. --dist loadfile keeps each file
# in one process, and so each notebook's cells in order in one kernel; without reordering,
# the files go out as listed above, the long notebooks first. Two, not one per CPU: each
# process holds TensorFlow and a ResNet-50 (about 2 GB). `make test PYTEST_ARGS="-n 0"`
# runs everything in one process, as --pdb needs (it is added by itself with --pdb).
PYTEST_WORKERS = ["-n", "2"]
PYTEST_DISTRIBUTION = ["--dist", "loadfile", "--no-loadscope-reorder"]

HOW_TO_GET_PYTHON = """\
How to get one (any of these; then run the same command again):
  - uv:        uv python install 3.12        (https://docs.astral.sh/uv/)
  - pyenv:     pyenv install 3.12 && pyenv local 3.12
  - macOS:     brew install python@3.12
  - Ubuntu:    sudo add-apt-repository ppa:deadsnakes/ppa && sudo apt install python3.12-venv
  - Windows:   install Python 3.12 from python.org (tick "py launcher"), then: py course.py lab
  - conda:     conda env create -f environment.yml   (see "Using conda instead of course.py" in INSTRUCTORS.md)
Or name the interpreter yourself: RESNETS_PYTHON=/path/to/python3.12 python3 course.py lab"""


class SetupError(Exception):
    """The course's environment cannot be made; the message says why and what to do."""


# ------------------------------------------------------------------------ interpreters


def version_name(version):
    return "%d.%d" % tuple(version[:2])


def supported_names():
    return ", ".join(version_name(v) for v in SUPPORTED)


def venv_python(venv=VENV):
    """The virtual environment's Python: Scripts\\python.exe on Windows, bin/python elsewhere."""
    if os.name == "nt":
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def venv_script(name, venv=VENV):
    folder = "Scripts" if os.name == "nt" else "bin"
    return os.path.join(venv, folder, name + (".exe" if os.name == "nt" else ""))


PROBE = (
    "import sys\n"
    "try:\n"
    "    import ensurepip, venv\n"
    "    ok = 1\n"
    "except ImportError:\n"
    "    ok = 0\n"
    "print('%d %d %d' % (sys.version_info[0], sys.version_info[1], ok))\n"
)


def probe(command):
    """(version, has_venv) of the interpreter started by ``command`` (a list), or None."""
    try:
        out = subprocess.run(
            command + ["-c", PROBE],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=60,
            universal_newlines=True,
        ).stdout.split()
        return (int(out[0]), int(out[1])), out[2] == "1"
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return None


def candidates():
    """Interpreters to try, best first: RESNETS_PYTHON, this one, then python3.13..3.11 on
    PATH, then the Windows py launcher's."""
    chosen = os.environ.get("RESNETS_PYTHON")
    if chosen:
        yield [chosen]
        return
    yield [sys.executable]
    for version in reversed(SUPPORTED):
        found = shutil.which("python" + version_name(version))
        if found:
            yield [found]
    if shutil.which("py"):
        for version in reversed(SUPPORTED):
            yield ["py", "-" + version_name(version)]


def find_python():
    """A command (list) that starts a supported Python with venv; raises SetupError."""
    seen, no_venv = [], []
    for command in candidates():
        found = probe(command)
        if found is None:
            continue
        version, has_venv = found
        seen.append("%s (Python %s)" % (" ".join(command), version_name(version)))
        if tuple(version) in SUPPORTED:
            if has_venv:
                return command
            no_venv.append(version_name(version))
    if no_venv:
        raise SetupError(
            "Python %s is installed but cannot create virtual environments: its `venv` module "
            "is missing. On Debian or Ubuntu install it with\n"
            "  sudo apt install python%s-venv\n"
            "then run the same command again." % (no_venv[0], no_venv[0])
        )
    raise SetupError(
        "The course needs Python %s (its pinned packages, TensorFlow 2.21 and NumPy 2.4 among "
        "them, have none for other versions), "
        "but found only: %s.\n%s"
        % (supported_names(), "; ".join(seen) or "none", HOW_TO_GET_PYTHON)
    )


# ------------------------------------------------------------------------- environment


def set_up_fingerprint():
    digest = hashlib.sha256()
    for name in SET_UP_FROM:
        path = os.path.join(REPO_ROOT, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                digest.update(name.encode() + b"\0" + f.read())
    return digest.hexdigest()


def run(command, **kwargs):
    """Run ``command`` (a list), echoing it; raises SetupError when it fails."""
    print("+ " + " ".join(command), flush=True)
    if subprocess.call(command, **kwargs) != 0:
        raise SetupError("This step failed: %s\nIts output above says why." % " ".join(command))


def venv_works():
    found = probe([venv_python()]) if os.path.exists(venv_python()) else None
    return found is not None and tuple(found[0]) in SUPPORTED


def ensure_venv(quiet=False):
    """Create or update .venv/ when needed; returns the path of its Python."""
    fingerprint = set_up_fingerprint()
    if venv_works() and os.path.exists(STAMP):
        with open(STAMP) as f:
            if f.read().strip() == fingerprint:
                return venv_python()
    if os.path.isdir(VENV) and not venv_works():
        print("The environment in .venv/ does not run a supported Python; making it anew.")
        shutil.rmtree(VENV)
    if not os.path.isdir(VENV):
        python = find_python()
        print(
            "Setting up the course's environment in .venv/ with %s (a few minutes, about "
            "2 GB, mostly TensorFlow; only the first time)." % " ".join(python),
            flush=True,
        )
        run(python + ["-m", "venv", VENV])
    python = venv_python()
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    run(
        pip
        + [
            "install",
            "-r",
            os.path.join(REPO_ROOT, "requirements.txt"),
            "-c",
            os.path.join(REPO_ROOT, "constraints.txt"),
        ]
        + (["-q"] if quiet else [])
    )
    # This folder, importable from every notebook (editable: edits take effect at once).
    run(
        pip
        + [
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-e",
            REPO_ROOT,
            "--config-settings",
            "editable_mode=compat",
        ]
    )
    register_kernel(python)
    write_lab_settings()
    if shutil.which("dot") is None:
        print(
            "NOTE: Graphviz's `dot` program is missing: notebook 04 will not draw the "
            "model.\n      Install it with `sudo apt-get install graphviz` (Debian/Ubuntu), "
            "`brew install graphviz` (macOS),\n      `winget install graphviz` (Windows) or "
            "`conda install -c conda-forge graphviz`."
        )
    with open(STAMP, "w") as f:
        f.write(fingerprint + "\n")
    return python


def register_kernel(python):
    """The course's Jupyter kernel, inside .venv/: Python from .venv/, Keras on TensorFlow."""
    command = [
        python,
        "-m",
        "ipykernel",
        "install",
        "--sys-prefix",
        "--name",
        KERNEL_NAME,
        "--display-name",
        KERNEL_DISPLAY_NAME,
    ]
    for name, value in sorted(COURSE_ENV.items()):
        command += ["--env", name, value]
    run(command, stdout=subprocess.DEVNULL)


def write_lab_settings():
    folder = os.path.join(VENV, "share", "jupyter", "lab", "settings")
    if not os.path.isdir(folder):
        os.makedirs(folder)
    with open(os.path.join(folder, "overrides.json"), "w") as f:
        f.write(LAB_SETTINGS)


def course_environment():
    """os.environ plus what every kernel and test of the course runs with."""
    env = dict(os.environ)
    env.update(COURSE_ENV)
    # TensorFlow's C++ start-up lines hidden from its first import on, in every kernel and
    # test (export TF_CPP_MIN_LOG_LEVEL=0 to see them); resnets_utils no longer sets it.
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["JUPYTER_PREFER_ENV_PATH"] = "1"  # the kernel and settings of .venv/ come first
    return env


# ---------------------------------------------------------------------------- commands


def lab_command(notebook_dir=None, solutions=False, extra=()):
    """The command line (a list) that starts JupyterLab for the course.

    Learners see their own notebooks in ``notebook_dir`` (default: notebooks/), with the
    solutions/ folder hidden from the file browser; ``solutions=True`` opens
    notebooks/solutions/ instead, for instructors. New notebooks use the course's kernel.
    ``extra`` are more JupyterLab options (e.g. ``--no-browser``, ``--port=8899``).
    """
    if notebook_dir is None:
        notebook_dir = os.path.join(REPO_ROOT, "notebooks")
    if solutions:
        notebook_dir = os.path.join(notebook_dir, "solutions")
    command = [
        venv_script("jupyter"),
        "lab",
        "--notebook-dir=" + notebook_dir,
        "--MappingKernelManager.default_kernel_name=" + KERNEL_NAME,
        "--ContentsManager.hide_globs=['__pycache__', '*.pyc', '.ipynb_checkpoints',"
        " 'solutions', '*.egg-info']",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root
    return command + list(extra)


def pytest_command(extra=()):
    """The command line (a list) of `make test`; ``extra`` are more pytest options.

    The run is split over two processes, a file in each at a time (PYTEST_WORKERS and
    PYTEST_DISTRIBUTION), except where ``extra`` decides for itself: a worker count of its
    own (``-n``, ``--numprocesses``, ``--tx``) replaces the two workers, a ``--dist`` of its
    own replaces the file-by-file distribution, ``-p no:xdist`` turns pytest-xdist off, and
    ``--pdb`` or ``--trace`` (which need one process) get ``-n 0``.
    """
    extra = list(extra)
    options = [arg.split("=", 1)[0] for arg in extra if arg.startswith("-")]
    plugins = [b for a, b in zip([""] + extra, extra) if a == "-p"] + [
        arg[2:] for arg in extra if arg.startswith("-p") and arg != "-p"
    ]
    if "no:xdist" in plugins:
        return [venv_python(), "-m", "pytest"] + PYTEST_ARGS + extra
    own_workers = any(
        option in ("--numprocesses", "--tx") or option.startswith("-n") for option in options
    )
    workers = [] if own_workers else PYTEST_WORKERS
    if not own_workers and ("--pdb" in options or "--trace" in options):
        workers = ["-n", "0"]
    distribution = [] if "--dist" in options else PYTEST_DISTRIBUTION
    return [venv_python(), "-m", "pytest"] + PYTEST_ARGS + workers + distribution + extra


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    command, args = argv[0], argv[1:]
    if command == "clean-venv":
        shutil.rmtree(VENV, ignore_errors=True)
        return 0
    tools = {
        "grade": ["tools/grade.py"],
        "notebooks": ["tools/make_learner_notebooks.py"],
        "datasets": ["tools/build_datasets.py", "--seed", "0"],
        "pretrained": ["tools/train_pretrained.py", "--seed", "0"],
        "bench": ["benchmarks/run_all.py"],
    }
    if command not in tools and command not in ("lab", "test", "setup"):
        print("Unknown command %r.\n%s" % (command, __doc__), file=sys.stderr)
        return 2
    try:
        python = ensure_venv()
    except SetupError as error:
        print("\nCannot set up the course: %s" % error, file=sys.stderr)
        return 1
    env = course_environment()
    os.chdir(REPO_ROOT)
    if command == "setup":
        return 0
    if command == "lab":
        solutions = "--solutions" in args
        extra = [a for a in args if a != "--solutions"]
        return subprocess.call(lab_command(solutions=solutions, extra=extra), env=env)
    if command == "test":
        env["RESNETS_NO_NETWORK"] = "1"
        return subprocess.call(pytest_command(args), env=env)
    return subprocess.call([python] + tools[command] + args, env=env)


if __name__ == "__main__":
    sys.exit(main())
