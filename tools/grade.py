"""Grade a learner's notebooks, or a whole class, where the learner's code cannot reach the verdict.

    python tools/grade.py                  # every course notebook in notebooks/ (01_..., 02_...)
    python tools/grade.py 02               # only notebooks/02_identity_block.ipynb
    python tools/grade.py --class submissions/ [--nb 02 03] [--out grades/]

A learner's own notebooks are graded under their own names only: a backup such as
``02_identity_block.mine.ipynb`` or an ``Untitled.ipynb`` is never picked up. It prints one
line per exercise and a total. A class folder holds one folder or one notebook per learner;
grading it writes a gradebook (gradebook.csv: one row per learner and exercise) and one
feedback file per learner, resumes where an interrupted run stopped, and never writes
under the class folder. How each notebook is graded: resnets_graders/grading.py. The
learner's files are only read.
"""

import argparse
import concurrent.futures
import csv
import io
import os
import re
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from resnets_graders import grading  # noqa: E402

COLUMNS = [
    "learner",
    "notebook",
    "exercise",
    "points",
    "max_points",
    "result",
    "message",
    "flags",
    "file",
]
GRADEBOOK = "gradebook.csv"


def course_notebook_names():
    """The file names of the course's notebooks, e.g. ['01_vanishing_gradients.ipynb', ...]."""
    return grading.course_notebook_names()


def _number(value):
    return f"{value:g}"


def _limits(args):
    return grading.Limits(seconds=args.time_limit, memory_gb=args.memory_gb or None)


# ----------------------------------------------------------------------- one learner's own


def grade_own(args):
    """`make grade [NB=02]`: the learner's course notebooks in ``args.dir``."""
    names = [n for n in course_notebook_names() if n.startswith(args.prefix)]
    notebooks = [args.dir / n for n in names if (args.dir / n).is_file()]
    if not notebooks:
        wanted = ", ".join(names) or f"a course notebook whose name starts with '{args.prefix}'"
        print(
            f"Nothing to grade: {args.dir} has no {wanted}. Name a notebook by its number, "
            "e.g. `make grade NB=02` (or `python course.py grade 02`).",
            file=sys.stderr,
        )
        return 2
    print("Graded:", *(f"  {nb.resolve()}" for nb in notebooks), "", sep="\n", flush=True)
    results = []
    for notebook in notebooks:
        course = grading.read_course_notebook(notebook.name)
        try:
            graded = grading.grade_notebook(
                notebook, course, _limits(args), forbidden=[args.dir.resolve()]
            )
        except Exception as exc:  # a bug of grading itself: say so, grade the others
            graded = [grading.Result(course.name, e, course.points[e]) for e in course.exercises]
            for result in graded:
                result.message = (
                    f"Exercise {result.exercise}: not graded: grading itself "
                    f"failed ({type(exc).__name__}: {exc})."
                )
        for result in graded:
            results.append(result)
            print(_line(result), flush=True)
    total = sum(r.points for r in results)
    possible = sum(r.max_points for r in results)
    passed = sum(r.passed for r in results)
    print(
        f"\nTotal: {_number(total)}/{_number(possible)} points; {passed} of "
        f"{len(results)} exercise(s) pass."
    )
    if passed == len(results):
        print(f"All exercises pass in {len(notebooks)} notebook(s).")
        return 0
    return 1


def _line(result):
    """One exercise's line for the learner (the flags are for the class's gradebook)."""
    verdict = "PASS" if result.passed else "FAIL"
    return (
        f"  {verdict}  {result.exercise} ({result.notebook})  "
        f"{_number(result.points)}/{_number(result.max_points)}  {result.message}"
    )


# --------------------------------------------------------------------------------- a class


def learners(folder):
    """{learner: path} for each entry of the class folder (hidden entries left out)."""
    found = {}
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith((".", "__MACOSX")):
            continue
        name = (
            entry.name[: -len(".ipynb")]
            if entry.is_file() and entry.name.endswith(".ipynb")
            else entry.name
        )
        if name in found:
            name = entry.name
        found[name] = entry
    return found


def _candidates(path):
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()
        )
    return []


def grade_learner(name, path, courses, limits, forbidden):
    """All rows of one learner: one per exercise of every assigned notebook, whatever the
    submission holds. Never raises."""
    rows = []
    try:
        files = _candidates(path)
        held = {f: grading.exercises_in(f) for f in files}
        course_exercises = {e for c in all_courses() for e in c.exercises}
        for course in courses:
            if path.is_file():
                # One file: graded unless it is plainly another of the course's notebooks.
                other = set(held[path]) & course_exercises
                match = [path] if not other or other & set(course.exercises) else []
            else:
                match = [f for f in files if f.name == course.name] or [
                    f for f in files if set(held[f]) & set(course.exercises)
                ]
            if match:
                results = grading.grade_notebook(match[0], course, limits, forbidden)
                shown = match[0].relative_to(path.parent)
            else:
                results = [
                    grading.Result(course.name, e, course.points[e]) for e in course.exercises
                ]
                why = _not_found(path, files, held, course)
                for result in results:
                    result.message = f"Exercise {result.exercise}: not graded: {why}."
                    result.flags.append(grading.FLAG_NOT_GRADED)
                shown = path.relative_to(path.parent)
            rows += [_row(name, r, shown) for r in results]
    except Exception as exc:  # a bug of grading itself: still one row per exercise
        rows = []
        for course in courses:
            for exercise in course.exercises:
                result = grading.Result(course.name, exercise, course.points[exercise])
                result.message = (
                    f"Exercise {exercise}: not graded: grading itself failed "
                    f"({type(exc).__name__}: {exc}); tell the course's authors."
                )
                result.flags.append(grading.FLAG_NOT_GRADED)
                rows.append(_row(name, result, path.name))
    return rows


def all_courses():
    """Every course notebook, read once."""
    if not _ALL:
        _ALL.extend(grading.read_course_notebook(n) for n in course_notebook_names())
    return _ALL


_ALL = []


def _not_found(path, files, held, course):
    if path.is_dir() and not files:
        return f"the folder {path.name} holds no notebook (.ipynb file)"
    exercises = sorted({e for f in files for e in held[f]})
    if exercises:
        return (
            f"the submission holds no {course.name}: its notebooks have the exercises "
            f"{', '.join(exercises)}, none of this notebook's ({', '.join(course.exercises)})"
        )
    reasons = []
    for f in files:
        nb, problem = grading.read_learner_notebook(f)
        reasons.append(problem or f"{f.name} has no '# GRADED FUNCTION:' cell")
    return (
        f"the submission holds no {course.name}, and no notebook with its exercise: "
        + "; ".join(reasons)
    )


def _row(learner, result, file):
    return {
        "learner": learner,
        "notebook": result.notebook,
        "exercise": result.exercise,
        "points": _number(result.points),
        "max_points": _number(result.max_points),
        "result": "pass" if result.passed else "fail",
        "message": " ".join(result.message.split()),
        "flags": ";".join(result.flags),
        "file": str(file),
    }


def _read_gradebook(path):
    if not path.is_file():
        return []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []
    return [r for r in rows if set(COLUMNS) <= set(r)]


def _write_gradebook(path, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(partial, path)


def _feedback(name, rows):
    lines = [f"Feedback for {name}", ""]
    notebook = None
    for row in rows:
        if row["notebook"] != notebook:
            notebook = row["notebook"]
            lines += [f"{notebook}"]
        lines.append(
            f"  {row['exercise']}: {row['result']}, {row['points']}/"
            f"{row['max_points']} point(s). {row['message']}"
        )
    total = sum(float(r["points"]) for r in rows)
    possible = sum(float(r["max_points"]) for r in rows)
    lines += ["", f"Total: {_number(total)}/{_number(possible)} point(s)."]
    return "\n".join(lines) + "\n"


def _safe_file_name(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "learner"


class Progress:
    """A text progress bar on stderr (one line per step where stderr is not a terminal)."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.started = time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.show("")

    def step(self, what):
        """Count one more submission done, ``what`` naming it."""
        self.done += 1
        self.show(what)

    def show(self, what):
        """Draw the bar with ``what`` after it."""
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        elapsed = int(time.monotonic() - self.started)
        bar = (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"submissions, {elapsed // 60}:{elapsed % 60:02d}"
        )
        if self.tty:
            self.stream.write(f"\r{bar} {what[:30]:30}")
            if self.done == self.total:
                self.stream.write("\n")
        elif what or not self.done:
            self.stream.write(f"{bar} {what}\n")
        self.stream.flush()


def grade_class(args):
    """`python course.py grade --class submissions/`: every learner, into a gradebook."""
    folders = _class_folders(args)
    if folders is None:
        return 2
    submissions, out = folders
    chosen = _chosen_notebooks(args)
    if chosen is None:
        return 2
    courses = [grading.read_course_notebook(n) for n in chosen]
    all_courses()
    expected = {(c.name, e) for c in courses for e in c.exercises}
    everyone = learners(submissions)
    if not everyone:
        print(f"Nothing to grade: {submissions} is empty.", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    gradebook = out / GRADEBOOK

    kept = {} if args.restart else _kept_rows(gradebook, everyone, expected)
    rows_of = dict(kept)
    _write_gradebook(gradebook, [r for name in sorted(rows_of) for r in rows_of[name]])
    todo = [name for name in everyone if name not in kept]
    if kept:
        print(
            f"Resuming: {len(kept)} submission(s) already graded in {gradebook}; "
            f"{len(todo)} to go.",
            file=sys.stderr,
        )
    limits = _limits(args)
    forbidden = [submissions, out]
    progress = Progress(len(todo))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {
            pool.submit(grade_learner, name, everyone[name], courses, limits, forbidden): name
            for name in todo
        }
        for future in concurrent.futures.as_completed(futures):
            name = futures[future]
            rows_of[name] = future.result()
            _write_gradebook(gradebook, [r for n in sorted(rows_of) for r in rows_of[n]])
            (out / "feedback" / f"{_safe_file_name(name)}.txt").write_text(
                _feedback(name, rows_of[name]), encoding="utf-8"
            )
            progress.step(name)
    rows = [r for name in sorted(rows_of) for r in rows_of[name]]
    passed = sum(r["result"] == "pass" for r in rows)
    print(
        f"Graded {len(everyone)} submission(s): {passed} of {len(rows)} exercise rows "
        f"pass. Gradebook: {gradebook}; feedback: {out / 'feedback'}"
    )
    return 0


def _class_folders(args):
    """(the class folder, the folder the grades go to), resolved; None, once it has said
    why on stderr, when the class folder is not a folder or the grades would go under it."""
    submissions = args.class_dir.resolve()
    if not submissions.is_dir():
        print(
            f"Cannot grade a class: {args.class_dir} is not a folder. Give the folder "
            "that holds one folder or one notebook per learner.",
            file=sys.stderr,
        )
        return None
    out = (args.out or submissions.parent / f"{submissions.name}-grades").resolve()
    if out == submissions or submissions in out.parents:
        print(
            f"Cannot write the grades under {submissions}: nothing under the class folder "
            "is modified. Give another folder with --out.",
            file=sys.stderr,
        )
        return None
    return submissions, out


def _chosen_notebooks(args):
    """The names of the course notebooks ``--nb`` chooses (all of them without it); None,
    once it has said why on stderr, when it chooses none."""
    names = course_notebook_names()
    chosen = [n for n in names if any(n.startswith(p) for p in args.nb)] if args.nb else names
    if not chosen:
        print(
            f"No course notebook starts with {', '.join(args.nb)}; the notebooks are "
            f"{', '.join(names)}.",
            file=sys.stderr,
        )
        return None
    return chosen


def _kept_rows(gradebook, everyone, expected):
    """{learner: rows} of the ``gradebook`` an earlier run wrote, for the learners still in
    the class whose rows are exactly the ``expected`` (notebook, exercise) pairs."""
    kept = {}
    for row in _read_gradebook(gradebook):
        kept.setdefault(row["learner"], []).append(row)
    return {
        name: rows
        for name, rows in kept.items()
        if name in everyone
        and {(r["notebook"], r["exercise"]) for r in rows} == expected
        and len(rows) == len(expected)
    }


def main(argv=None):
    """The command line; returns the exit status (0: all pass or class graded, 1: some
    exercise fails, 2: nothing to grade or bad arguments)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.time_limit <= 0:
        parser.error("--time-limit must be a positive number of seconds")
    if args.class_dir is not None:
        return grade_class(args)
    return grade_own(args)


def _parser():
    """The command line's options: a learner's own notebooks, or a class with --class."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", nargs="?", default="", help="e.g. 02 (default: all notebooks)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=REPO_ROOT / "notebooks",
        help="folder of the learner's notebooks (default: notebooks/)",
    )
    parser.add_argument(
        "--class",
        dest="class_dir",
        type=Path,
        metavar="FOLDER",
        help="grade a class: FOLDER holds one folder or notebook per learner",
    )
    parser.add_argument(
        "--nb",
        nargs="+",
        default=[],
        metavar="NN",
        help="with --class: the notebooks assigned, e.g. 02 03 (default: all)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="with --class: where the gradebook and "
        "feedback go (default: FOLDER-grades/ beside FOLDER)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="with --class: submissions graded at once (default: 2)",
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="with --class: grade every submission again, not only those an interrupted run left",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=float(os.environ.get("RESNETS_GRADE_TIME_LIMIT", grading.DEFAULT_TIME_LIMIT_S)),
        metavar="S",
        help="seconds a notebook's kernel may run (default: %(default)g)",
    )
    parser.add_argument(
        "--memory-gb",
        type=float,
        default=float(os.environ.get("RESNETS_GRADE_MEMORY_GB", grading.DEFAULT_MEMORY_LIMIT_GB)),
        metavar="GB",
        help="memory a notebook's kernel may use, where the system allows "
        "a limit (Linux, macOS); 0: none (default: %(default)g)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
