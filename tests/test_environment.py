"""The set-up files agree: environment.yml (conda) pins what requirements.txt (pip) pins."""

import re
from importlib.metadata import version

from resnets_utils import REPO_ROOT


def pip_pins():
    pins = {}
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, pin = line.partition("==")
            assert pin, f"requirements.txt: '{line}' is not pinned with =="
            pins[name.lower()] = pin
    return pins


def conda_pins():
    pins = {}
    for line in (REPO_ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.-]+)\s*(==?)\s*([0-9][^\s#]*)", line)
        if match and match.group(1) != "python":
            pins[match.group(1).lower()] = match.group(3)
    return pins


def test_conda_and_pip_pin_the_same_packages_and_versions():
    assert conda_pins() == pip_pins()


def test_graphviz_comes_with_the_conda_environment():
    assert re.search(r"^\s+-\s+graphviz\b", (REPO_ROOT / "environment.yml").read_text(), re.M)


def test_the_running_environment_has_the_pinned_versions():
    wrong = {name: (pin, version(name)) for name, pin in pip_pins().items() if version(name) != pin}
    assert not wrong, (
        f"installed versions differ from requirements.txt (pinned, installed): {wrong}"
    )


def test_tensorflow_and_keras_3():
    import keras
    import tensorflow as tf

    assert tf.__version__.startswith("2.21.") and keras.__version__.startswith("3.")
