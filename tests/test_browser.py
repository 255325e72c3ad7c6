"""The learner's journey in JupyterLab, in a real browser (headless Chromium).

JupyterLab is started exactly as `make lab` starts it (``course.lab_command``, with the
course's environment), on a temporary copy of the learners' notebooks. For each notebook
the test does what a learner does: open it from the file browser, run the cells above the
exercise one by one (Shift+Enter), type a typical mistake into the exercise cell as
keystrokes, run the check cell and read the grader's message in the page, fix the mistake,
see "All tests passed.", save with Ctrl+S, and grade the saved file with
`python course.py grade NN --dir ...`. It also checks that what the learner sees is the
course: no news pop-up, the course's kernel, outputs trusted where they need it, every
image rendered, the solutions/ folder out of sight. A screenshot of each notebook after its
check cell ran is saved in tests/screenshots/ (git-ignored).

It needs Playwright's Python package (in requirements.txt) and Debian's `chromium`
(`.ci/run` installs it; RESNETS_CHROMIUM=/path/to/chrome names another build). Without
them it is skipped with the reason, and a warning says so; under CI it fails instead.
"""

import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
LEARNERS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = REPO_ROOT / "notebooks" / "solutions"
SCREENSHOTS = REPO_ROOT / "tests" / "screenshots"
# Without the background-networking flags Chromium keeps calling home, which a closed
# network answers with a flood of failures.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# One typical mistake per exercise: (the correct text, the mistaken text, what the grader's
# message must say). Each is a change within one line, so the learner fixes it in place.
MISTAKES = {
    "01": ("tf.reduce_mean(", "tf.reduce_sum(", r"summed over the batch"),
    "02": (
        'padding="same"',
        'padding="valid"',
        r"branch2b, should use padding 'same', not 'valid'",
    ),
    "03": (
        "kernel_size=(f, f)",
        "kernel_size=(1, 1)",
        r"branch2b, should use kernel_size \(\d+, \d+\), not \(1, 1\)",
    ),
    "04": (
        'AveragePooling2D(pool_size=(2, 2), name="avg_pool")',
        'MaxPooling2D(pool_size=(2, 2), name="avg_pool")',
        r"should be an AveragePooling2D layer, not MaxPooling2D",
    ),
    "05": (
        "np.zeros_like(beta), moving_mean",
        "beta, moving_mean",
        r"beta of 'bn2b_branch2c' is still .* \(not zero\)",
    ),
}
# Notebook 04's short path: the learner's own compact ResNet-50 stages, which the grader
# accepts as it builds the same layers; the other exercises get the solved code as it is
# in the instructors' notebook, without its comment lines.
OWN_SOLUTIONS = {
    "04": """\
for stage, filters, blocks in [(3, [128, 128, 512], "bcd"), (4, [256, 256, 1024], "bcdef"),
                               (5, [512, 512, 2048], "bc")]:
    X = convolutional_block(X, f=3, filters=filters, stage=stage, block="a", s=2)
    for block in blocks:
        X = identity_block(X, 3, filters, stage=stage, block=block)
X = AveragePooling2D(pool_size=(2, 2), name="avg_pool")(X)""",
}
# Output types JupyterLab shows only in a trusted notebook (or sanitised, for HTML).
NEED_TRUST = {"text/html", "image/svg+xml", "application/javascript"}


def _load_course():
    spec = importlib.util.spec_from_file_location("course", REPO_ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _load_course()


def chromium_binary():
    """The Chromium to drive: RESNETS_CHROMIUM, else Debian's `chromium` on PATH."""
    chosen = os.environ.get("RESNETS_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _why_not_runnable():
    if importlib.util.find_spec("playwright") is None:
        return (
            "the Python package 'playwright' is missing: run `python course.py setup` "
            "(it is pinned in requirements.txt)"
        )
    if chromium_binary() is None:
        return (
            "no Chromium found: install Debian's `chromium` (`sudo apt-get install "
            "chromium`; .ci/run does) or set RESNETS_CHROMIUM=/path/to/chrome"
        )
    return None


_REASON = _why_not_runnable()
if _REASON:
    if os.environ.get("CI"):
        raise RuntimeError(f"The browser test cannot run in CI: {_REASON}.")
    warnings.warn(f"tests/test_browser.py skipped: {_REASON}.", stacklevel=1)
    pytestmark = pytest.mark.skip(reason=f"browser test skipped: {_REASON}")


# ------------------------------------------------------------------------------ set-up


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exercise_of(nb):
    """(index of the first exercise cell, index of its check cell, the exercise's name)."""
    for index, cell in enumerate(nb.cells):
        match = re.match(r"# GRADED FUNCTION: (\w+)", cell.source)
        if cell.cell_type == "code" and match:
            check = next(
                i
                for i in range(index + 1, len(nb.cells))
                if "check" in nb.cells[i].metadata.get("tags", [])
            )
            return index, check, match.group(1)
    raise AssertionError("no '# GRADED FUNCTION:' cell")


def solution_region(name, exercise):
    """The solved code between ### BEGIN SOLUTION and ### END SOLUTION in the instructors'
    notebook, without its comment lines, as the learner types it where the placeholder
    was: lines indented as in the cell, but the first (the cursor is after its indentation)."""
    nb = nbformat.read(SOLUTIONS / name, as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith(f"# GRADED FUNCTION: {exercise}"))
    match = re.search(
        r"^([ \t]*)### BEGIN SOLUTION\n(.*?)\n[ \t]*### END SOLUTION$", cell.source, re.S | re.M
    )
    indent, lines = match.group(1), match.group(2).split("\n")
    own = OWN_SOLUTIONS.get(name[:2])
    if own:
        lines = [indent + line if line else "" for line in own.split("\n")]
    code = [line for line in lines if not line.lstrip().startswith("#")]
    text = "\n".join(code).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)[len(indent) :]


PLACEHOLDER = re.compile(r"# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)")


class Lab:
    """JupyterLab as `make lab` starts it, on a copy of the notebooks, and a browser on it."""

    def __init__(self, root):
        self.root = root
        self.notebooks = root / "notebooks"
        self.notebooks.mkdir()
        for path in LEARNERS:
            shutil.copy(path, self.notebooks / path.name)
        if (REPO_ROOT / "notebooks" / ".generated.json").exists():
            shutil.copy(REPO_ROOT / "notebooks" / ".generated.json", self.notebooks)
        # The instructors' notebooks lie next to the learners' as in the repository, so
        # that the test sees whether the file browser hides them.
        shutil.copytree(
            SOLUTIONS,
            self.notebooks / "solutions",
            ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
        )
        jupyter = root / "jupyter"
        # The test's own JupyterLab user settings: the editor's defaults made explicit,
        # so that typed code comes out exactly as typed whatever the defaults become.
        settings = jupyter / "lab-user-settings" / "@jupyterlab" / "codemirror-extension"
        settings.mkdir(parents=True)
        (settings / "plugin.jupyterlab-settings").write_text(
            json.dumps({"defaultConfig": {"autoClosingBrackets": False}})
        )
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        env = course.course_environment()
        env.update(
            RESNETS_NO_NETWORK="1",
            JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
            JUPYTER_CONFIG_DIR=str(jupyter / "config"),  # no user's jupyter config
            JUPYTER_DATA_DIR=str(jupyter / "data"),  # no user's kernels; trust database
            JUPYTERLAB_SETTINGS_DIR=str(jupyter / "lab-user-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(jupyter / "workspaces"),  # no restored layout
        )
        command = course.lab_command(
            notebook_dir=str(self.notebooks),
            extra=[
                "--no-browser",
                f"--port={self.port}",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={self.token}",
                # window.jupyterapp: the test reads cells' text and state from the page.
                "--LabApp.expose_app_in_browser=True",
            ],
        )
        self.log_path = root / "jupyterlab.log"
        self._log = open(self.log_path, "w")
        self.server = subprocess.Popen(
            command, cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.playwright = self.browser = self.page = None
        self.grades = {}  # notebook number -> the `course.py grade` process grading it

    def log_tail(self, chars=3000):
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_until_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise AssertionError("JupyterLab exited at start:\n" + self.log_tail())
            try:
                with urllib.request.urlopen(
                    f"{self.base}/api/status?token={self.token}", timeout=5
                ):
                    return
            except OSError:
                time.sleep(0.25)
        raise AssertionError(f"JupyterLab did not answer within {timeout} s:\n" + self.log_tail())

    def api(self, path):
        with urllib.request.urlopen(f"{self.base}{path}?token={self.token}", timeout=10) as r:
            return json.load(r)

    def open_browser(self):
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=chromium_binary(), args=CHROMIUM_FLAGS, headless=True
        )
        self.page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(60_000)
        started = time.monotonic()
        self.page.goto(f"{self.base}/lab?token={self.token}")
        self.page.wait_for_function("window.jupyterapp !== undefined")
        self.page.evaluate("() => window.jupyterapp.restored")
        self.page.locator(".jp-DirListing-item").first.wait_for()
        self.load_seconds = time.monotonic() - started

    def close(self):
        for grading in self.grades.values():
            if grading.poll() is None:
                grading.kill()
                grading.communicate()
        try:
            if self.browser:
                self.browser.close()
            if self.playwright:
                self.playwright.stop()
        finally:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
            self._log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(tmp_path_factory.mktemp("browser"))
    try:
        lab.wait_until_up()
        lab.open_browser()
        yield lab
    finally:
        lab.close()


# ------------------------------------------------------------------- the page, from JS

# The notebook panel open on ``path`` (a JupyterLab widget).
PANEL = (
    "const panel = Array.from(window.jupyterapp.shell.widgets('main'))"
    ".find(w => w.context && w.context.path === path);"
)


def js(page, body, path, arg=None):
    """Evaluate ``body`` in the page with ``panel`` (the notebook at ``path``) and ``arg``."""
    return page.evaluate(f"async ([path, arg]) => {{ {PANEL} {body} }}", [path, arg])


def cell_states(page, path):
    """Each cell's [type, execution count, running, has an error output]."""
    return js(
        page,
        """
        return panel.content.widgets.map(cell => {
            const m = cell.model;
            if (m.type !== 'code') return [m.type, null, false, false];
            return [m.type, m.executionCount, m.executionState === 'running',
                    m.outputs.toJSON().some(o => o.output_type === 'error')];
        });""",
        path,
    )


def cell_source(page, path, index):
    return js(page, "return panel.content.widgets[arg].model.sharedModel.getSource();", path, index)


def wait_for_cells(page, path, predicate, what, timeout):
    """Poll the cells' states until ``predicate(states)`` is true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        states = cell_states(page, path)
        if predicate(states):
            return states
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{path}: timed out after {timeout} s waiting for {what}; "
                f"cells (type, count, running, error): {states}"
            )
        time.sleep(0.2)


def cell(page, index):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)


def output_text(page, index):
    """All the cell's output area shows (printed text, tracebacks, ...)."""
    return cell(page, index).locator(".jp-OutputArea").inner_text()


def printed_text(page, index):
    """What the cell printed to stdout, as shown."""
    return "".join(
        cell(page, index)
        .locator('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stdout"]')
        .all_inner_texts()
    )


def run_and_wait(page, path, first, last, timeout):
    """Shift+Enter from cell ``first`` (already active) through ``last``; wait until each
    code cell among them ran, or one failed (the cells after it are then not run)."""
    before = cell_states(page, path)
    for _ in range(first, last + 1):
        page.keyboard.press("Shift+Enter")

    def done(states):
        ran = [
            (s, b)
            for s, b in zip(states[first : last + 1], before[first : last + 1])
            if s[0] == "code"
        ]
        if any(s[2] for s, _ in ran):
            return False
        finished = all(s[1] is not None and s[1] != b[1] for s, b in ran)
        failed = any(s[3] and s[1] is not None and s[1] != b[1] for s, b in ran)
        return finished or failed

    return wait_for_cells(page, path, done, f"cells {first}-{last} to run", timeout)


def select_in_editor(page, path, index, source, start, end):
    """Click into the cell's editor and select source[start:end] with the keyboard, as a
    learner does: to the line, to the column, then Shift+arrows (Shift+End to a line's end)."""
    cell(page, index).locator(".cm-content").click()
    page.keyboard.press("Control+Home")
    line = source.count("\n", 0, start)
    column = start - (source.rfind("\n", 0, start) + 1)
    for _ in range(line):
        page.keyboard.press("ArrowDown")
    indent = len(source.splitlines()[line]) - len(source.splitlines()[line].lstrip())
    if column >= indent:
        page.keyboard.press("End")
        page.keyboard.press("Home")  # to the end of the line's indentation
        column -= indent
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    last_line = source.count("\n", 0, end)
    if last_line > line and end in (len(source), source.find("\n", end)):
        for _ in range(last_line - line):
            page.keyboard.press("Shift+ArrowDown")
        page.keyboard.press("Shift+End")
    else:
        for _ in range(end - start):
            page.keyboard.press("Shift+ArrowRight")
    selected = js(
        page,
        "const e = panel.content.activeCell.editor, s = e.getSelection();"
        " return [e.getOffsetAt(s.start), e.getOffsetAt(s.end)];",
        path,
    )
    assert sorted(selected) == [start, end], f"selected {selected}, meant {[start, end]}"


def type_code(page, path, text):
    """Type ``text`` as keystrokes at the cursor. After each Enter the editor indents the new
    line by itself: where that is the line's own indentation, only the rest is typed; where
    not, Shift+Home selects it so that the typed line replaces it (a blank line leaves it
    selected, and the next Enter removes it)."""
    lines = text.split("\n")
    page.keyboard.type(lines[0])
    for line in lines[1:]:
        page.keyboard.press("Enter")
        auto = js(
            page,
            "const e = panel.content.activeCell.editor;"
            " return e.getLine(e.getCursorPosition().line);",
            path,
        )
        own = line[: len(line) - len(line.lstrip())]
        if line and auto == own:
            page.keyboard.type(line.lstrip())
        elif auto:
            page.keyboard.press("Shift+Home")
            page.keyboard.type(line)
        else:
            page.keyboard.type(line)


def screenshot(page, index, file_name, end=False):
    """Save what the page shows in SCREENSHOTS: cell ``index`` (if any) in the middle, or
    with ``end`` the end of its output at the bottom."""
    if index is not None:
        cell(page, index).evaluate(
            "(node, end) => (end ? node.querySelector('.jp-OutputArea') || node : node)"
            ".scrollIntoView({block: end ? 'end' : 'center'})",
            end,
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / file_name))


def visible_problems(page, path):
    """What should not be on the screen: dialogs, notifications, broken images."""
    problems = []
    for dialog in page.locator(".jp-Dialog").all():
        problems.append("a dialog: " + dialog.inner_text()[:200])
    for toast in page.locator(".Toastify__toast").all():
        problems.append("a notification: " + toast.inner_text()[:200])
    broken = js(
        page,
        """
        const out = [];
        for (const img of panel.node.querySelectorAll('img')) {
            img.scrollIntoView({block: 'center'});
            if (!img.complete) await new Promise(r => { img.onload = img.onerror = r;
                                                        setTimeout(r, 5000); });
            if (!img.naturalWidth) out.push(img.getAttribute('src').slice(0, 80));
        }
        return out;""",
        path,
    )
    problems += [f"a broken image: {src}" for src in broken]
    return problems


# ------------------------------------------------------------------------------- tests


def test_jupyterlab_shows_the_course_without_distractions(lab):
    """Loads quickly, lists the notebooks but not solutions/, asks nothing, has the news
    turned off and the course's kernel as default. (That no pop-up shows up later, once the
    news would have been asked about, each journey checks on its page.)"""
    page = lab.page
    assert lab.load_seconds < 30, f"JupyterLab took {lab.load_seconds:.0f} s to load"
    page.locator(".jp-DirListing-item", has_text=LEARNERS[-1].name).wait_for()
    listed = sorted(page.locator(".jp-DirListing-itemText").all_inner_texts())
    assert listed == [p.name for p in LEARNERS], f"the file browser lists {listed}"
    news = lab.api("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert news["schema"]["properties"]["fetchNews"]["default"] == "false", (
        "the course's JupyterLab settings (overrides.json) do not turn the news off"
    )
    kernels = lab.api("/api/kernelspecs")
    assert kernels["default"] == course.KERNEL_NAME
    assert (
        kernels["kernelspecs"][course.KERNEL_NAME]["spec"]["display_name"]
        == course.KERNEL_DISPLAY_NAME
    )
    assert page.locator(".jp-Dialog").count() == 0


def open_from_the_file_browser(page, name):
    """Double-click ``name`` in JupyterLab's file browser; wait until its kernel is up and
    check that no dialog asked anything, that the kernel is the course's, and says so."""
    page.locator(".jp-DirListing-item", has_text=name).dblclick()
    page.wait_for_function(
        "path => { const w = window.jupyterapp.shell.currentWidget;"
        " return document.querySelector('.jp-Dialog') || (w && w.context"
        " && w.context.path === path && w.context.isReady && w.sessionContext.session"
        " && w.sessionContext.session.kernel); }",
        arg=name,
    )
    dialogs = page.locator(".jp-Dialog").all_inner_texts()
    assert not dialogs, f"opening {name} shows a dialog: {dialogs}"
    kernel = js(
        page,
        "return [panel.sessionContext.session.kernel.name,"
        " panel.sessionContext.kernelDisplayName];",
        name,
    )
    assert kernel == [course.KERNEL_NAME, course.KERNEL_DISPLAY_NAME], (
        f"{name} runs in the kernel {kernel}, not the course's "
        f"{course.KERNEL_NAME!r} ({course.KERNEL_DISPLAY_NAME})"
    )
    toolbar = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName")
    assert toolbar.inner_text().strip() == course.KERNEL_DISPLAY_NAME


def assert_stored_outputs_trusted(page, name, nb):
    """Outputs stored in the notebook that need trust (HTML, SVG, ...) are shown trusted."""
    stored = {mime for c in nb.cells for o in c.get("outputs", []) for mime in o.get("data", {})}
    if stored & NEED_TRUST:
        untrusted = js(
            page,
            "return panel.content.widgets.filter(c => c.model.type === "
            "'code' && c.model.outputs.length && !c.model.trusted).length;",
            name,
        )
        assert untrusted == 0, (
            f"{name} opens untrusted: its stored {sorted(stored & NEED_TRUST)} outputs are not shown"
        )


def run_the_cells_above(page, name, exercise):
    """Run cells 0 to ``exercise - 1`` one by one; each must finish without an error."""
    cell(page, 0).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    states = run_and_wait(page, name, 0, exercise - 1, timeout=180)
    errors = [i for i, s in enumerate(states[:exercise]) if s[3]]
    assert not errors, f"{name}: cells {errors} failed:\n" + output_text(page, errors[0])
    assert all(s[1] is not None for s in states[:exercise] if s[0] == "code")


def replace_in_cell(page, name, index, start, end, code):
    """Select characters ``start:end`` of cell ``index`` in its editor and type ``code``."""
    select_in_editor(page, name, index, cell_source(page, name, index), start, end)
    type_code(page, name, code)


def save_and_read_back(page, lab, name):
    """Save with Ctrl+S, wait until JupyterLab says it is saved; the file, as nbformat."""
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "path => !Array.from(window.jupyterapp.shell.widgets('main'))"
        ".find(w => w.context && w.context.path === path).context.model.dirty",
        arg=name,
    )
    return nbformat.read(lab.notebooks / name, as_version=4)


def work_through(page, lab, learner):
    """A learner's session with one notebook: open it, run the cells above the exercise,
    type a typical mistake, read the grader's message, fix it, pass, save, close."""
    name, number = learner.name, learner.name[:2]
    nb = nbformat.read(learner, as_version=4)
    exercise, check, function = exercise_of(nb)
    correct_region = solution_region(name, function)
    right, wrong, message = MISTAKES[number]
    assert right in correct_region, f"{name}: the mistake's text is not in the solution"
    expected_source = PLACEHOLDER.sub(lambda _: correct_region, nb.cells[exercise].source)

    open_from_the_file_browser(page, name)
    assert_stored_outputs_trusted(page, name, nb)
    run_the_cells_above(page, name, exercise)

    # Type a typical mistake in place of "# YOUR CODE HERE / raise NotImplementedError()".
    placeholder = PLACEHOLDER.search(cell_source(page, name, exercise))
    assert placeholder, f"{name}: no placeholder in the exercise cell"
    mistaken_region = correct_region.replace(right, wrong, 1)
    replace_in_cell(page, name, exercise, placeholder.start(), placeholder.end(), mistaken_region)
    assert cell_source(page, name, exercise) == expected_source.replace(right, wrong, 1), (
        f"{name}: the exercise cell does not hold what was typed"
    )
    run_and_wait(page, name, exercise, check, timeout=180)
    shown = output_text(page, check)
    assert "AssertionError" in shown and re.search(message, shown), (
        f"{name}: the grader's message /{message}/ is not in the check cell's "
        f"output:\n{shown[-1500:]}"
    )
    assert "All tests passed." not in printed_text(page, check)
    screenshot(page, check, f"{learner.stem}.mistake.png", end=True)

    # Fix it where it is, run the exercise and its check again.
    start = placeholder.start() + correct_region.index(right)
    assert cell_source(page, name, exercise)[start : start + len(wrong)] == wrong
    replace_in_cell(page, name, exercise, start, start + len(wrong), right)
    assert cell_source(page, name, exercise) == expected_source, (
        f"{name}: the exercise cell does not hold the solution that was typed"
    )
    states = run_and_wait(page, name, exercise, check, timeout=180)
    assert "All tests passed." in printed_text(page, check) and not states[check][3], output_text(
        page, check
    )[-1500:]
    screenshot(page, check, f"{learner.stem}.png")
    problems = visible_problems(page, name)
    assert not problems, f"{name}: " + "; ".join(problems)

    # The file holds the typed solution and the check's output.
    saved = save_and_read_back(page, lab, name)
    assert saved.cells[exercise].source == expected_source
    assert "All tests passed." in "".join(o.get("text", "") for o in saved.cells[check].outputs)
    assert saved.metadata["kernelspec"]["name"] == course.KERNEL_NAME

    # Close it and shut its kernel down, to leave the CPU to the grader.
    js(page, "await panel.sessionContext.shutdown(); panel.close();", name)


@pytest.mark.parametrize("learner", LEARNERS, ids=[p.name[:2] for p in LEARNERS])
def test_learner_journey(lab, learner):
    page, number = lab.page, learner.name[:2]
    try:
        work_through(page, lab, learner)
    except Exception:
        screenshot(page, None, f"{learner.stem}.failed.png")
        raise

    # `make grade NB=..` on the saved notebook, in the background while the next notebook
    # is worked on; test_make_grade_passes_on_the_saved_notebook reads its report.
    lab.grades[number] = subprocess.Popen(
        [
            sys.executable,
            str(REPO_ROOT / "course.py"),
            "grade",
            number,
            "--dir",
            str(lab.notebooks),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "RESNETS_NO_NETWORK": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("learner", LEARNERS, ids=[p.name[:2] for p in LEARNERS])
def test_make_grade_passes_on_the_saved_notebook(lab, learner):
    number = learner.name[:2]
    grading = lab.grades.get(number)
    if grading is None:
        pytest.fail(
            f"{learner.name} was not saved from the browser (its journey failed or "
            "did not run), so there is nothing to grade"
        )
    try:
        report, _ = grading.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        grading.kill()
        raise
    assert grading.returncode == 0, report
    assert "All exercises pass in 1 notebook(s)." in report, report
    assert str((lab.notebooks / learner.name).resolve()) in report, report


def a_photo_and_the_models_answer(folder):
    """A photo of a 5 the model never trained on, copied into ``folder``, and the sign the
    pretrained model predicts for it: (path, int)."""
    import keras
    import numpy as np

    sys.path.insert(0, str(REPO_ROOT / "tools"))
    import build_datasets

    import resnets_utils

    row = next(
        r
        for r in build_datasets.read_split_file(REPO_ROOT / "datasets" / build_datasets.SPLIT_FILE)
        if r["split"] == "extra" and r["label"] == 5
    )
    photo = folder / Path(row["file"]).name
    shutil.copy(build_datasets.PHOTOS_DIR / row["file"], photo)
    model = keras.models.load_model(resnets_utils.PRETRAINED_MODEL_PATH)
    return photo, int(np.argmax(model.predict(resnets_utils.load_image(photo)[1], verbose=0)))


def write_upload_notebook(path):
    """A two-cell notebook in the course's kernel: load the pretrained model, show the
    upload button (``resnets_utils.photo_upload``)."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import resnets_utils\n\nresnets_utils.setup_notebook()\nimport keras\n\n"
                "pretrained = keras.models.load_model(resnets_utils.PRETRAINED_MODEL_PATH)"
            ),
            nbformat.v4.new_code_cell("resnets_utils.photo_upload(pretrained)"),
        ],
        metadata={
            "kernelspec": {
                "name": course.KERNEL_NAME,
                "language": "python",
                "display_name": course.KERNEL_DISPLAY_NAME,
            }
        },
    )
    nbformat.write(nb, path)


def open_and_run_all(page, name, n_cells):
    """Open ``name`` by JupyterLab's command, wait for its kernel, run every cell; each
    must finish without an error."""
    page.evaluate(
        "async path => { await window.jupyterapp.commands.execute("
        "'docmanager:open', {path}); return null; }",
        name,
    )
    page.wait_for_function(
        "path => { const w = window.jupyterapp.shell.currentWidget; return w && w.context"
        " && w.context.path === path && w.sessionContext.session"
        " && w.sessionContext.session.kernel; }",
        arg=name,
    )
    cell(page, 0).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    states = run_and_wait(page, name, 0, n_cells - 1, timeout=180)
    assert not any(s[3] for s in states), "".join(output_text(page, i) for i in range(n_cells))


def test_a_photo_uploaded_in_jupyterlab_is_read_and_not_kept(lab, tmp_path):
    """Notebook 04's upload button, in the page: the sample photo's answer shows at once;
    a real photo chosen with the button gets its own answer, the model's; the saved
    notebook holds neither the photo nor the widgets' state."""
    import base64

    photo, expected = a_photo_and_the_models_answer(tmp_path)
    name = "upload_check.ipynb"
    write_upload_notebook(lab.notebooks / name)
    page = lab.page
    try:
        open_and_run_all(page, name, 2)
        answer = cell(page, 1).locator(".jp-Cell-outputArea")
        answer.get_by_text("(the course's sample photo): predicted sign").wait_for(timeout=60_000)
        assert answer.locator("img").count() >= 1  # the photo, the 64x64 input, the bars

        # The button opens the browser's file chooser, as a learner's click does.
        with page.expect_file_chooser() as chooser:
            cell(page, 1).get_by_role("button", name="Upload a photo").click()
        chooser.value.set_files(str(photo))
        answer.get_by_text(f"{photo.name}: predicted sign").wait_for(timeout=60_000)
        assert f"{photo.name}: predicted sign {expected}" in answer.inner_text()
        screenshot(page, 1, "upload.png", end=True)

        save_and_read_back(page, lab, name)
        saved_text = (lab.notebooks / name).read_text()
        for piece in (
            base64.b64encode(photo.read_bytes()[:3000]).decode()[:400],
            photo.name,
            "widget-state",
        ):
            assert piece not in saved_text, f"the saved notebook holds {piece[:40]!r}"
        js(page, "await panel.sessionContext.shutdown(); panel.close();", name)
    except Exception:
        screenshot(page, None, "upload.failed.png")
        raise
