"""pytest hooks shared by the unit tests and nbval's notebook runs (make test, make grade)."""

import os
import subprocess

import pytest

# Read by resnets_utils.setup_notebook() in every notebook kernel nbval starts: any attempt
# to reach another machine then raises, so a test proves the course runs offline.
os.environ["RESNETS_NO_NETWORK"] = "1"


def pytest_collectstart(collector):
    """Leave stderr out of nbval's comparison: TensorFlow writes start-up lines there that
    no setting silences, and that a kernel's fd capture stores in some runs and not others."""
    skip = getattr(collector, "skip_compare", None)
    if skip is not None and "stderr" not in skip:
        collector.skip_compare = (*skip, "stderr")


@pytest.fixture(autouse=True, scope="session")
def _offline():
    """No unit test may reach the network either."""
    import resnets_utils

    resnets_utils.block_network()


def _tracked_changes():
    """`git status` of the tracked files, or None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=os.path.dirname(os.path.abspath(__file__)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    return result.stdout if result.returncode == 0 else None


def pytest_sessionstart(session):
    session.config._tracked_before = _tracked_changes()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when a test or a notebook modified a tracked file: a learner's clone must
    stay clean (`git pull` would conflict otherwise)."""
    before = getattr(session.config, "_tracked_before", None)
    after = _tracked_changes()
    if before is None or after is None or before == after:
        return
    changed = sorted(set(after.splitlines()) - set(before.splitlines()))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = "FAILED: the run modified tracked files (no test or notebook may):\n  " + "\n  ".join(
        changed or after.splitlines()
    )
    if reporter is not None:
        reporter.write_line(message, red=True, bold=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
