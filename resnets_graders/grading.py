"""Grade one learner's notebook the way ``make grade`` does, where the learner's code cannot
reach the verdict.

1. From the learner's file only the solution cells are taken: the code cells whose first
   line is ``# GRADED FUNCTION: name``. Everything else (the set-up cells and the check
   cells) comes from the instructors' notebook, notebooks/solutions/NN_*.ipynb, so a check
   cell the learner edited, moved or deleted changes nothing, and the learner's other cells
   do not run.
2. Each solution's text is read first (resnets_graders/source_checks.py): one that imports
   or names a course reference, or reaches for code dynamically, is rejected without
   running; one equal to the reference after normalisation is flagged.
3. The set-up cells and the accepted solutions run in a kernel of their own
   (resnets_graders/kernel.py), under a time limit, a memory limit (Linux and macOS), no
   network, and an audit hook. It hands back what each function built.
4. This process, which never runs the learner's code, loads that (Keras files with
   ``safe_mode=True``, arrays without pickles) and judges it against the reference with the
   same code as the notebook's check cell (resnets_graders/judge.py).

:func:`grade_notebook` returns one :class:`Result` per exercise of the notebook, whatever
happened: a file that is not a notebook, a missing cell, a crash or a time-out each become
a failing result whose message says why.
"""

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from resnets_graders import source_checks
from resnets_graders.messages import not_written

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPO_ROOT / "notebooks" / "solutions"
HEADER = re.compile(r"\A\s*# GRADED FUNCTION: (\w+)[ \t]*$", re.MULTILINE)
ANY_HEADER = re.compile(r"^\s*#\s*GRADED FUNCTION:?\s*(\S*)", re.IGNORECASE | re.MULTILINE)

# Limits of a notebook's kernel. The slowest, notebook 05's (the trained ResNet-50 and the
# test set loaded, then five lesions), took 16 s on two busy cores (2026-12-02, load 4,
# 04's 7.5 s, the others 6 s); 600 s leaves room for a laptop thirty times slower. A kernel
# building ResNet-50 peaks at about 2.3 GB of address space.
DEFAULT_TIME_LIMIT_S = 600
DEFAULT_MEMORY_LIMIT_GB = 8.0

# Judging loads Keras models in this process: one at a time (Keras keeps global state).
_JUDGE_LOCK = threading.Lock()

# Flags an instructor should look at; they do not change the points.
FLAG_SAME_AS_REFERENCE = "same-as-reference"
FLAG_SOLUTION_MARKERS = "solution-markers"
FLAG_SEVERAL_CELLS = "several-solution-cells"
FLAG_REFUSED = "refused-access"
FLAG_LIMIT = "limit-reached"
FLAG_NOT_GRADED = "not-graded"


@dataclasses.dataclass
class Result:
    """The grade of one exercise: ``passed``, ``points`` out of ``max_points``, the
    grader's ``message`` (one line) and ``flags`` for the instructor."""

    notebook: str
    exercise: str
    max_points: float
    passed: bool = False
    points: float = 0
    message: str = ""
    flags: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Limits:
    """What a notebook's kernel may take: ``seconds`` of wall time, ``memory_gb`` of
    address space (None: no limit)."""

    seconds: float = DEFAULT_TIME_LIMIT_S
    memory_gb: float = DEFAULT_MEMORY_LIMIT_GB


# ------------------------------------------------------------------ the course's notebooks


@dataclasses.dataclass
class CourseNotebook:
    """An instructors' notebook as grading uses it: its code cells in order (``kind``
    "setup", "solution" or "check"), its exercises and their points."""

    name: str
    cells: list
    exercises: list
    points: dict
    references: dict


def course_notebook_names(solutions_dir=SOLUTIONS_DIR):
    """The file names of the course's notebooks, e.g. ['01_vanishing_gradients.ipynb', ...]."""
    return sorted(p.name for p in Path(solutions_dir).glob("[0-9][0-9]_*.ipynb"))


def read_course_notebook(name, solutions_dir=SOLUTIONS_DIR):
    """Read the instructors' notebook ``name`` (in notebooks/solutions/) for grading.

    A solution cell's points are its ``points`` metadata, or its check cell's, else 1.
    The cells after the last solution cell are left out: they hold no exercise.
    """
    nb = nbformat.read(Path(solutions_dir) / name, as_version=4)
    cells, exercises, points, references = [], [], {}, {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        header = HEADER.match(cell.source)
        tags = cell.metadata.get("tags", [])
        if header:
            exercise = header.group(1)
            exercises.append(exercise)
            references[exercise] = cell.source
            points[exercise] = _points(cell.metadata.get("points"), 1)
            cells.append({"kind": "solution", "exercise": exercise})
        elif "check" in tags:
            graded = re.search(r"check_\w+\((\w+)\)", cell.source)
            if graded and graded.group(1) in points and "points" in cell.metadata:
                points[graded.group(1)] = _points(cell.metadata["points"], 1)
            cells.append({"kind": "check", "source": cell.source})
        else:
            cells.append({"kind": "setup", "source": cell.source})
    last = max(i for i, c in enumerate(cells) if c["kind"] == "solution")
    return CourseNotebook(name, cells[: last + 1], exercises, points, references)


def _points(value, default):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return value if value >= 0 else default


# ----------------------------------------------------------------- the learner's notebook


def read_learner_notebook(path):
    """(the notebook, None) or (None, why it cannot be read), never an exception."""
    path = Path(path)
    if path.is_symlink():
        return None, (f"{path.name} is a link, not a file: submit the notebook itself")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, f"the file {path.name} cannot be read ({exc.strerror or exc})"
    if not data.strip():
        return None, f"the file {path.name} is empty"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, f"the file {path.name} is not a notebook (it is not text)"
    try:
        json.loads(text)
    except ValueError as exc:
        return None, f"the file {path.name} is not a notebook (not valid JSON: {exc})"
    try:
        nb = nbformat.reads(text, as_version=4)
        cells = [c for c in nb.cells if isinstance(c.get("source"), str)]
    except Exception as exc:  # nbformat's errors on a JSON file that is not a notebook
        return None, (
            f"the file {path.name} is not a Jupyter notebook "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
        )
    nb.cells = cells
    return nb, None


def solution_cells(nb):
    """{exercise: [sources of the code cells starting '# GRADED FUNCTION: exercise']}."""
    found = {}
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            header = HEADER.match(cell.source)
            if header:
                found.setdefault(header.group(1), []).append(cell.source)
    return found


def exercises_in(path):
    """The exercises whose solution cells the notebook at ``path`` holds ([] if none or
    unreadable): how a submission under another name is matched to a course notebook."""
    nb, _ = read_learner_notebook(path)
    return list(solution_cells(nb)) if nb is not None else []


# ----------------------------------------------------------------------------- grading


def grade_notebook(path, course, limits=None, forbidden=()):
    """Grade the learner's notebook at ``path`` against ``course`` (a CourseNotebook).

    ``forbidden``: more folders the learner's kernel may not read (the other submissions).
    Returns one Result per exercise of ``course``, in order.
    """
    limits = limits or Limits()
    results = {e: Result(course.name, e, course.points[e]) for e in course.exercises}
    nb, problem = read_learner_notebook(path)
    if nb is None:
        for result in results.values():
            _fail(result, f"Exercise {result.exercise}: not graded: {problem}.", FLAG_NOT_GRADED)
        return list(results.values())

    found = solution_cells(nb)
    accepted = {}
    for exercise, result in results.items():
        sources = found.get(exercise)
        if not sources:
            _fail(result, _missing_cell(exercise, nb, Path(path).name), FLAG_NOT_GRADED)
            continue
        if len(sources) > 1:
            result.flags.append(FLAG_SEVERAL_CELLS)
        source = sources[-1]
        try:
            refusal = source_checks.refusal(exercise, source_checks.python_source(source))
        except SyntaxError as exc:
            _fail(result, _syntax_error(exercise, exc.lineno, exc.text, exc.msg))
            continue
        except (ValueError, RecursionError) as exc:  # e.g. a NUL byte in the source
            _fail(result, f"Exercise {exercise}: the cell cannot be read as Python: {exc}.")
            continue
        if source_checks.same_as_reference(source, course.references[exercise], exercise):
            result.flags.append(FLAG_SAME_AS_REFERENCE)
        if "### BEGIN SOLUTION" in source or "### END SOLUTION" in source:
            result.flags.append(FLAG_SOLUTION_MARKERS)  # copied from the instructors' copy
        if refusal:
            _fail(result, refusal, FLAG_REFUSED)
            continue
        if source_checks.as_given(source, course.references[exercise]):
            _fail(result, not_written(exercise))  # the same verdict as its check cell's
            continue
        if not source_checks.defines(source, exercise):
            _fail(
                result,
                f"Exercise {exercise}: the cell '# GRADED FUNCTION: {exercise}' "
                f"defines no function named {exercise}: keep the line "
                f"`def {exercise}(...):` as it was given.",
            )
            continue
        accepted[exercise] = source
    if accepted:
        _run_and_judge(course, accepted, results, limits, forbidden)
    for result in results.values():
        if result.passed:
            result.points = result.max_points
    return list(results.values())


def _fail(result, message, *flags):
    result.passed, result.points, result.message = False, 0, message
    result.flags.extend(f for f in flags if f not in result.flags)


def _missing_cell(exercise, nb, filename):
    others = [
        m.group(1) or "?"
        for cell in nb.cells
        if cell.get("cell_type") == "code"
        for m in [ANY_HEADER.search(cell.source)]
        if m
    ]
    seen = f" (it has cells for: {', '.join(sorted(set(others)))})" if others else ""
    return (
        f"Exercise {exercise}: no cell of {filename} starts with the line "
        f"'# GRADED FUNCTION: {exercise}'{seen}. Grading takes your solution from that "
        "cell: put the line back, exactly, as the first line of the cell that defines "
        f"{exercise}."
    )


def _syntax_error(exercise, line, text, msg):
    where = f" on line {line}" if line else ""
    shown = f": {text.strip()}" if text and text.strip() else ""
    return (
        f"Exercise {exercise}: the cell '# GRADED FUNCTION: {exercise}' has a syntax "
        f"error{where}{shown} ({msg})."
    )


def _run_and_judge(course, accepted, results, limits, forbidden):
    cells = []
    for cell in course.cells:
        if cell["kind"] == "setup":
            cells.append({"kind": "setup", "source": cell["source"]})
        elif cell["kind"] == "solution" and cell["exercise"] in accepted:
            cells.append(
                {
                    "kind": "solution",
                    "exercise": cell["exercise"],
                    "source": accepted[cell["exercise"]],
                }
            )
    references = [reference_fingerprints(course.references[e]) for e in accepted]
    run = run_kernel(cells, list(accepted), limits, forbidden, references)
    try:
        _verdicts(course, accepted, results, limits, run)
    finally:
        shutil.rmtree(run["folder"], ignore_errors=True)


def quiet_tensorflow():
    """Import TensorFlow and Keras with stderr silenced, once: TensorFlow prints start-up
    lines that logging cannot turn off, which would bury the grades."""
    if "tensorflow" in sys.modules:
        return
    stderr = sys.stderr.fileno()
    saved = os.dup(stderr)
    try:
        with open(os.devnull, "w") as devnull:
            sys.stderr.flush()
            os.dup2(devnull.fileno(), stderr)
            import keras  # noqa: F401
            import tensorflow

            tensorflow.config.list_physical_devices()  # its device search prints too
    finally:
        sys.stderr.flush()
        os.dup2(saved, stderr)
        os.close(saved)


def _verdicts(course, accepted, results, limits, run):
    """Fill ``results`` for the ``accepted`` exercises from the kernel's ``run``: a refusal,
    a kernel that did not finish or a set-up error fails them all; otherwise each exercise
    gets the first of its cell's failures, or its evidence is judged."""
    with _JUDGE_LOCK:
        quiet_tensorflow()
    from resnets_graders import judge

    if _failed_as_a_whole(course, accepted, results, limits, run):
        return
    status = run["status"]
    cell_errors = {
        c.get("exercise"): c.get("error")
        for c in status.get("cells", [])
        if c.get("kind") == "solution"
    }
    evidence, load_problem = _load_run_evidence(judge, run)
    for exercise in accepted:
        result = results[exercise]
        error = cell_errors.get(exercise)
        collected = status.get("collected", {}).get(exercise)
        failure = _cell_failure(exercise, error, collected, limits)
        if failure is not None:
            _fail(result, *failure)
        elif collected != "ok" or exercise not in evidence:
            _fail(
                result,
                f"Exercise {exercise}: not graded: the kernel handed back nothing "
                f"for it ({load_problem or status.get('save_error') or collected}).",
                FLAG_NOT_GRADED,
            )
        else:
            _judge_exercise(judge, exercise, evidence, result, limits)


def _failed_as_a_whole(course, accepted, results, limits, run):
    """Fail every accepted exercise when the audit hook refused something, the kernel did
    not finish or a set-up cell raised (checked in that order); return whether it did."""
    status, violations = run["status"], run["violations"]
    if violations:
        what = violations[0]
        for exercise in accepted:
            _fail(
                results[exercise],
                f"Exercise {exercise}: not accepted: while it ran, the solution tried to "
                f"{what}. Grading runs your own code only, away from the course's "
                "references and graders; write the function with ordinary code.",
                FLAG_REFUSED,
            )
        return True
    if status is None:
        for exercise in accepted:
            _fail(
                results[exercise],
                _kernel_failure(exercise, course, limits, run),
                FLAG_LIMIT if run["timed_out"] or run["memory"] else FLAG_NOT_GRADED,
            )
        return True
    if status.get("setup_error"):
        error = status["setup_error"]
        for exercise in accepted:
            _fail(
                results[exercise],
                f"Exercise {exercise}: not graded: a set-up cell of {course.name} (from "
                f"the instructors' notebook) raised {error.get('type')}: "
                f"{_first_line(error.get('message'))}. This is not your mistake: tell "
                "your instructor.",
                FLAG_NOT_GRADED,
            )
        return True
    return False


def _load_run_evidence(judge, run):
    """(the evidence the kernel of ``run`` handed back, None) or, when it cannot be read,
    ({}, the reason)."""
    try:
        with _JUDGE_LOCK:
            evidence = judge.load_evidence(Path(run["folder"]) / "work" / "out" / "evidence")
    except ValueError as exc:
        return {}, str(exc)
    return evidence, None


def _cell_failure(exercise, error, collected, limits):
    """(message, *flags) for an exercise whose cell raised ``error`` (a syntax error, the
    exercise not written, another exception) or whose function could not be collected
    (``collected``: "undefined", or the error it raised); None when neither happened."""
    if error and error.get("type") in ("SyntaxError", "IndentationError", "TabError"):
        return (
            _syntax_error(
                exercise,
                error.get("line"),
                error.get("text"),
                _first_line(error.get("message")),
            ),
        )
    if error and error.get("type") == "NotImplementedError":
        return (not_written(exercise),)
    if error:
        return (
            f"Exercise {exercise}: running the cell '# GRADED FUNCTION: "
            f"{exercise}' raised {error.get('type')}: "
            f"{_first_line(error.get('message'))}{_memory_hint(error, limits)}",
            *([FLAG_LIMIT] if error.get("type") == "MemoryError" else []),
        )
    if collected == "undefined":
        return (
            f"Exercise {exercise}: the cell '# GRADED FUNCTION: {exercise}' "
            f"defines no function named {exercise}: keep the line "
            f"`def {exercise}(...):` as it was given.",
        )
    if isinstance(collected, dict):
        return (
            f"Exercise {exercise} raised {collected.get('type')} while being "
            f"graded: {_first_line(collected.get('message'))}",
        )
    return None


def _judge_exercise(judge, exercise, evidence, result, limits):
    """Judge the evidence of ``exercise`` into ``result``; a MemoryError raised while it
    was collected gets the memory hint and the limit flag."""
    with _JUDGE_LOCK:
        passed, message = judge.judge(exercise, evidence[exercise])
    result.passed, result.message = passed, message
    if not passed and f"{exercise} raised MemoryError" in message:
        result.message += _memory_hint({"type": "MemoryError"}, limits)
        result.flags.append(FLAG_LIMIT)


def _memory_hint(error, limits):
    if error.get("type") == "MemoryError" and limits.memory_gb:
        return (
            f" (grading lets a notebook use {limits.memory_gb:g} GB of memory: does "
            "the code allocate more than it needs, in a loop?)"
        )
    return ""


def _first_line(text):
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= 300 else line[:297] + "..."


def _kernel_failure(exercise, course, limits, run):
    doing = run["doing"]
    if doing.startswith("solution") or doing.startswith("collect"):
        what = (
            f"your {exercise}"
            if doing.startswith("collect")
            else f"the cell '# GRADED FUNCTION: {exercise}'"
        )
        during = f" while running {what}"
    elif doing.startswith("setup"):
        during = " during the notebook's set-up"
    else:
        during = ""
    if run["timed_out"]:
        return (
            f"Exercise {exercise}: stopped after {limits.seconds:g} s, the time limit "
            f"for grading {course.name},{during}. Is there an endless loop, or a "
            "computation much bigger than the exercise needs?"
        )
    if run["memory"]:
        return (
            f"Exercise {exercise}: stopped{during}: the kernel ran out of the "
            f"{limits.memory_gb:g} GB of memory grading allows."
        )
    code = run["returncode"]
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return (
            f"Exercise {exercise}: the kernel crashed ({name}){during}. Run the "
            "notebook from the top to see where."
        )
    return (
        f"Exercise {exercise}: the kernel stopped (exit status {code}){during} before "
        "handing back its results. Does the code call exit()?"
    )


# ---------------------------------------------------------------------------- the kernel


def forbidden_paths():
    """What a learner's kernel may not read: the course's references, graders, tools,
    tests, notebooks (the instructors' among them) and trained models, and any copy of
    the references and graders an install put elsewhere on ``sys.path``."""
    paths = [
        REPO_ROOT / p
        for p in (
            "resnets_reference.py",
            "resnets_graders",
            "notebooks",
            "tools",
            "tests",
            "models",
            "benchmarks",
            ".git",
            "__pycache__",
            "course.py",
            "conftest.py",
        )
    ]
    tag = sys.implementation.cache_tag
    for entry in sys.path:
        folder = Path(entry or ".")
        for candidate in (
            folder / "resnets_reference.py",
            folder / "resnets_graders",
            *(
                folder / "__pycache__" / f"resnets_reference.{tag}{suffix}.pyc"
                for suffix in ("", ".opt-1", ".opt-2")
            ),
        ):
            if candidate.exists() and candidate.resolve() not in [p.resolve() for p in paths]:
                paths.append(candidate)
    return paths


def reference_fingerprints(source):
    """([fingerprints of the lines of the solution regions of ``source``], how many of
    them in one source the kernel counts as a copy of the reference)."""
    from resnets_graders.kernel import fingerprint

    lines, inside = set(), False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == "### BEGIN SOLUTION":
            inside = True
        elif stripped == "### END SOLUTION":
            inside = False
        elif inside and len(stripped) >= 12 and not stripped.startswith("#"):
            lines.add(fingerprint(stripped))
    return sorted(lines), max(2, (len(lines) + 1) // 2)


def run_kernel(cells, exercises, limits, forbidden=(), references=()):
    """Run ``cells`` in a fresh kernel (resnets_graders/kernel.py) under ``limits``.

    Returns a dict: ``status`` (the kernel's status.json, None if it did not finish),
    ``violations`` (what the audit hook refused), ``timed_out``, ``memory``,
    ``returncode``, ``doing`` (the last step it began) and ``folder`` (to remove after
    judging; the evidence is in folder/work/out/evidence).
    """
    folder = Path(tempfile.mkdtemp(prefix="resnets-kernel-"))
    work, out = folder / "work", folder / "work" / "out"
    report = folder / "report.txt"
    _write_job(folder, work, out, report, cells, exercises, forbidden, references)
    env = _kernel_environment(work)
    command = [sys.executable, "-m", "resnets_graders.kernel", str(folder / "job.json")]
    started = time.monotonic()
    returncode, timed_out = _run_until_done(command, folder, work, env, limits)
    progress = (
        (out / "progress.txt").read_text(errors="replace").splitlines()
        if (out / "progress.txt").is_file()
        else []
    )
    status = _read_status(out, returncode, timed_out)
    violations = _read_violations(report, returncode)
    log_tail = (folder / "kernel.log").read_bytes()[-20000:].decode(errors="replace")
    memory = (not timed_out and "MemoryError" in log_tail and status is None) or (
        returncode == -signal.SIGKILL and not timed_out if hasattr(signal, "SIGKILL") else False
    )
    return {
        "status": status,
        "violations": violations,
        "timed_out": timed_out,
        "memory": memory,
        "returncode": returncode,
        "folder": str(folder),
        "doing": progress[-1] if progress else "",
        "log": log_tail,
        "seconds": time.monotonic() - started,
    }


def _write_job(folder, work, out, report, cells, exercises, forbidden, references):
    """Make the kernel's folders (``work``, its tmp and ``out``), an empty ``report`` and
    folder/job.json: the cells, the exercises, the paths and what the kernel refuses."""
    (work / "tmp").mkdir(parents=True)
    out.mkdir()
    report.write_text("")
    job = {
        "cells": cells,
        "exercises": exercises,
        "work": str(work),
        "out": str(out),
        "report": str(report),
        "references": [list(r) for r in references],
        "forbidden": [str(p) for p in [*forbidden_paths(), *forbidden]],
    }
    (folder / "job.json").write_text(json.dumps(job))


def _kernel_environment(work):
    """The kernel's environment: this one's, with no network, its homes and temporary
    folders in ``work``, the repository on the path and no GPU."""
    env = dict(os.environ)
    env.update(
        {
            "RESNETS_NO_NETWORK": "1",
            "KERAS_BACKEND": "tensorflow",
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "Agg",
            "HOME": str(work),
            "IPYTHONDIR": str(work / ".ipython"),
            "MPLCONFIGDIR": str(work / ".mpl"),
            "KERAS_HOME": str(work / ".keras"),
            "TMPDIR": str(work / "tmp"),
            "TEMP": str(work / "tmp"),
            "TMP": str(work / "tmp"),
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONDONTWRITEBYTECODE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            # The kernel runs on the CPU: the models are small, and CUDA needs more
            # address space than the memory limit leaves.
            "CUDA_VISIBLE_DEVICES": "",
        }
    )
    return env


def _run_until_done(command, folder, work, env, limits):
    """Run the kernel's ``command`` in a session of its own, under the memory limit, its
    output in folder/kernel.log; kill it at the time limit. Returns (returncode, timed_out)."""
    with open(folder / "kernel.log", "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=(os.name == "posix"),
            preexec_fn=_limit_memory(limits.memory_gb) if os.name == "posix" else None,
        )
        timed_out = False
        try:
            returncode = process.wait(timeout=limits.seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(process)
            returncode = process.wait()
    return returncode, timed_out


def _read_status(out, returncode, timed_out):
    """The kernel's status.json in ``out`` when it finished in time with 0 and the file
    holds a dict; else None."""
    status = None
    if returncode == 0 and not timed_out and (out / "status.json").is_file():
        try:
            status = json.loads((out / "status.json").read_text())
            if not isinstance(status, dict):
                status = None
        except ValueError:
            status = None
    return status


def _read_violations(report, returncode):
    """What the audit hook refused, from the ``report``'s VIOLATION lines; a kernel that
    exited 86 (the report closed) with none is a violation too."""
    violations = [
        line[len("VIOLATION ") :]
        for line in report.read_text(errors="replace").splitlines()
        if line.startswith("VIOLATION ")
    ]
    if returncode == 86 and not violations:
        violations = ["close the grading report"]
    return violations


def _limit_memory(memory_gb):
    def limit():
        import resource  # POSIX only, hence here

        if memory_gb:
            size = int(memory_gb * 2**30)
            try:
                resource.setrlimit(resource.RLIMIT_AS, (size, size))
            except (ValueError, OSError):  # macOS may refuse: no limit there
                pass
        size = 2 * 2**30  # no file the kernel writes needs more than 2 GB
        try:
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        except (ValueError, OSError):
            pass

    return limit


def _kill(process):
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
