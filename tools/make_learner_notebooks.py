"""Write the learners' notebooks (notebooks/NN_*.ipynb) from the instructors' (notebooks/solutions/).

In every code cell, each region from a line ``### BEGIN SOLUTION`` to a line
``### END SOLUTION`` becomes ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at
the marker's indentation, and nbval's markers are removed: a line holding a marker alone
(``# NBVAL_IGNORE_OUTPUT``), with the comment line right below it, which says why (the
instructors' notebooks keep both, so nbval checks them as before). Outputs and execution
counts are cleared, so that a learners' notebook looks as it does before it is run. The one
exception is the figures of cells tagged ``keep-output`` (the expected figures learners
should compare theirs with): each moves into a markdown cell of its own just below,
"Expected figure", so that it stays next to the learner's own figure once they run the
cell. Cells tagged
``check`` (the graders' cells) are locked: JupyterLab will not let them be edited or
deleted. Every notebook asks for the course's kernel, "Residual Networks (TF 2.21)".

A learner's work is never overwritten: ``notebooks/.generated.json`` records a hash of
each notebook as this command last wrote it; a notebook that differs from that (a learner
edited it) is left alone and the command fails, saying how to keep both versions, unless
``--force`` is given.

    python tools/make_learner_notebooks.py            # write what changed
    python tools/make_learner_notebooks.py --check    # exit 1 if a notebook is out of date
    python tools/make_learner_notebooks.py --force    # overwrite edited notebooks too
"""

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPO_ROOT / "notebooks" / "solutions"
LEARNERS_DIR = REPO_ROOT / "notebooks"
RECORD_NAME = ".generated.json"

KERNELSPEC = {
    "name": "resnets",
    "display_name": "Residual Networks (TF 2.21)",
    "language": "python",
}
EXPECTED_FIGURE = (
    "**Expected figure** (from the solved notebook; yours appears in the "
    "output above once you run the cell):"
)

BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
NBVAL_MARKER = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+\s*$")
COMMENT = re.compile(r"^\s*#")


def strip_solutions(source, where="cell"):
    """Return ``source`` with each solution region replaced by the learner's placeholder."""
    out, indent = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if indent is None and begin:
            indent = begin.group(1)
            out += [indent + "# YOUR CODE HERE", indent + "raise NotImplementedError()"]
        elif indent is not None and END.match(line):
            indent = None
        elif begin or END.match(line):
            raise ValueError(f"{where}, line {number}: unbalanced solution fence {line.strip()!r}")
        elif indent is None:
            out.append(line)
    if indent is not None:
        raise ValueError(f"{where}: '### BEGIN SOLUTION' without '### END SOLUTION'")
    return "\n".join(out)


def strip_test_markers(source):
    """Return ``source`` without nbval's marker lines and the reason line below each.

    A marker line holds a marker alone (``# NBVAL_IGNORE_OUTPUT``), as nbval requires; the
    course puts the reason on the next line, as a comment (``# The last decimal can differ
    ...``), which goes too. Code right below a marker stays.
    """
    out, after_marker = [], False
    for line in source.splitlines():
        if NBVAL_MARKER.match(line):
            after_marker = True
            continue
        if after_marker and COMMENT.match(line):
            after_marker = False
            continue
        after_marker = False
        out.append(line)
    return "\n".join(out)


def learner_notebook(solution_nb, name="notebook"):
    """Build the learners' version of an instructors' notebook (a new NotebookNode)."""
    nb = copy.deepcopy(solution_nb)
    cells = []
    for index, cell in enumerate(nb.cells):
        cell.pop("id", None)
        cells.append(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code":
            continue
        cell.source = strip_test_markers(
            strip_solutions(cell.source, where=f"{name}, cell {index}")
        )
        figures = [output for output in cell.outputs if "image/png" in output.get("data", {})]
        if figures and "keep-output" in tags:
            cells.append(expected_figures_cell(figures, f"cell{index}"))
        cell.outputs = []
        cell.execution_count = None
        if "check" in tags:
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.nbformat, nb.nbformat_minor = 4, 4  # no cell ids: stable files, clean diffs
    return nb


def expected_figures_cell(figures, stem):
    """A markdown cell showing the PNG figures of ``figures`` (display outputs) as attachments."""
    attachments, lines = {}, [EXPECTED_FIGURE, ""]
    for number, output in enumerate(figures):
        filename = f"{stem}_expected_{number}.png"
        attachments[filename] = {"image/png": output["data"]["image/png"]}
        lines.append(f"![expected figure {number + 1}](attachment:{filename})")
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    cell.pop("id", None)
    cell["attachments"] = attachments
    cell.metadata["tags"] = ["expected-figure"]
    return cell


def render(nb):
    """The notebook as the text this command writes."""
    return nbformat.writes(nb, version=4) + "\n"


def shown(path):
    """``path`` relative to the repository where it lies inside it, else as it is."""
    try:
        return path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        return path


def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_args(argv=None):
    """The command line's options (an argparse.Namespace): check, force, solutions, out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a learners' notebook is out of date",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite learners' notebooks even where they were edited",
    )
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS_DIR)
    parser.add_argument("--out", type=Path, default=LEARNERS_DIR)
    return parser.parse_args(argv)


def update_notebooks(sources, out, record, check, force):
    """Build the learners' notebook of each instructors' notebook in ``sources`` (paths) and
    write into the folder ``out`` those that changed, unless ``check``; a notebook a learner
    edited (its hash is not the one in ``record``) is written only with ``force``.

    ``record`` -- {notebook file name: SHA-256 of the text last written}, updated in place
    Returns (stale, refused, written, unrecorded), lists of paths in ``out``: the notebooks
    out of date; those left alone as edited; those written; and those up to date whose hash
    ``record`` did not hold.
    """
    stale, refused, written, unrecorded = [], [], [], []
    for source in sources:
        text = render(learner_notebook(nbformat.read(source, as_version=4), source.name))
        target = out / source.name
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            if record.get(source.name) != digest(text):
                unrecorded.append(target)  # its edit check would refuse the next update
            record[source.name] = digest(text)
            continue
        stale.append(target)
        if check:
            continue
        edited = current is not None and digest(current) != record.get(source.name)
        if edited and not force:
            refused.append(target)
            continue
        target.write_text(text, encoding="utf-8")
        record[source.name] = digest(text)
        written.append(target)
    return stale, refused, written, unrecorded


def report_check(stale, unrecorded, record_path):
    """Print what ``--check`` found out of date; returns the exit status, 1 if anything is."""
    for target in stale:
        print(f"out of date: {shown(target)} (run `make notebooks` to rewrite it)")
    for target in unrecorded:
        print(
            f"out of date: {shown(record_path)} does not hold the hash of {shown(target)}, "
            "so the next update would take it for a learner's edit "
            "(run `make notebooks` to record it)"
        )
    return 1 if stale or unrecorded else 0


def report_update(written, refused):
    """Print the notebooks written, and how to get each refused one (to stderr); returns the
    exit status, 1 if any notebook was refused."""
    for target in written:
        print(f"wrote {shown(target)}")
    for target in refused:
        mine = target.with_name(target.stem + ".mine.ipynb")
        print(
            f"NOT overwritten: {shown(target)} has edits of yours (it differs "
            f"from the version this command last wrote).\n  To keep your work and get the new "
            f"version: `mv {shown(target)} {shown(mine)}` and "
            f"run the command again.\n  To throw your edits away: run it with --force "
            f"(make notebooks FORCE=1).",
            file=sys.stderr,
        )
    if not written and not refused:
        print("The learners' notebooks are up to date.")
    return 1 if refused else 0


def main(argv=None):
    """Write the learners' notebooks that changed (or, with --check, say which are out of
    date); returns the exit status: 0, 1 (out of date, or a notebook refused) or 2 (no
    instructors' notebooks)."""
    args = parse_args(argv)
    record_path = args.out / RECORD_NAME
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    sources = sorted(args.solutions.glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        print(f"No instructors' notebooks (NN_name.ipynb) in {args.solutions}.", file=sys.stderr)
        return 2
    stale, refused, written, unrecorded = update_notebooks(
        sources, args.out, record, args.check, args.force
    )
    if args.check:
        return report_check(stale, unrecorded, record_path)
    record_path.write_text(json.dumps(dict(sorted(record.items())), indent=1) + "\n")
    return report_update(written, refused)


if __name__ == "__main__":
    sys.exit(main())
