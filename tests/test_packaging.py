"""The package installs every module a notebook imports, by any route.

`make lab` installs the course in compat mode, which puts the whole folder on the path and
so hides a module that pyproject.toml forgot. The conda route runs a plain
`pip install --no-deps -e .`, which installs only the modules pyproject.toml lists. These
tests check the lists statically (the notebooks' imports, and what those modules import in
turn), then run the conda route's pip step in a fresh virtual environment and import
everything the notebooks import from `notebooks/`, and build a wheel (a non-editable
install), install it with its dependencies (requirements.txt's pins, already there) and
find every module in it.
"""

import ast
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from resnets_utils import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
SOLUTIONS = sorted((REPO_ROOT / "notebooks" / "solutions").glob("*.ipynb"))


def installed_top_level():
    """The top-level modules and packages pyproject.toml installs."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    include = setuptools["packages"]["find"]["include"]
    packages = {
        path.parent.name
        for path in REPO_ROOT.glob("*/__init__.py")
        if any(fnmatch.fnmatchcase(path.parent.name, pattern) for pattern in include)
    }
    return set(setuptools["py-modules"]) | packages


def local_top_level():
    """The repository's own importable names: modules and packages at its root."""
    return {path.stem for path in REPO_ROOT.glob("*.py")} | {
        path.parent.name for path in REPO_ROOT.glob("*/__init__.py")
    }


def imports_of(source):
    """The statements `import x` and `from x import y` (absolute) in ``source``."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    statements = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
            statements.append(node)
    return statements


def top_names(statements):
    names = set()
    for node in statements:
        modules = (
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module]
        )
        names |= {module.split(".")[0] for module in modules}
    return names


def notebook_sources(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def notebook_import_statements():
    """Every import statement of every instructors' notebook, as source lines, in order."""
    lines = []
    for path in SOLUTIONS:
        for source in notebook_sources(path):
            for node in imports_of(source):
                line = ast.unparse(node)
                if line not in lines:
                    lines.append(line)
    return lines


def module_files(name):
    path = REPO_ROOT / f"{name}.py"
    return [path] if path.exists() else sorted((REPO_ROOT / name).rglob("*.py"))


def needed_local_modules():
    """{local name: where it is imported first} for the notebooks and, in turn, for what
    those modules import."""
    local = local_top_level()
    needed = {}
    for path in SOLUTIONS:
        for source in notebook_sources(path):
            for name in top_names(imports_of(source)) & local:
                needed.setdefault(name, path.name)
    queue = list(needed)
    while queue:
        name = queue.pop()
        for file in module_files(name):
            for other in top_names(imports_of(file.read_text(encoding="utf-8"))) & local:
                if other not in needed:
                    needed[other] = file.relative_to(REPO_ROOT).as_posix()
                    queue.append(other)
    return needed


def test_the_notebooks_are_found():
    assert len(SOLUTIONS) >= 5
    assert {"resnets_utils", "resnets_graders"} <= set(needed_local_modules())


def test_every_module_the_notebooks_need_is_installed():
    missing = {
        name: where
        for name, where in needed_local_modules().items()
        if name not in installed_top_level()
    }
    assert not missing, (
        f"pyproject.toml does not install {sorted(missing)} (imported by {missing}): add "
        "them to [tool.setuptools] py-modules, or to packages.find's include for a package"
    )


def pinned_requirements():
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_the_package_depends_on_the_pinned_packages():
    """A plain `pip install -e .` in an empty environment installs them too."""
    assert "dependencies" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"] == {
        "file": ["requirements.txt"]
    }
    assert "tensorflow==2.21.0" in pinned_requirements()


def test_the_licence_metadata_is_spdx():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"] and (REPO_ROOT / "LICENSE").exists()
    assert "MIT License" in (REPO_ROOT / "LICENSE").read_text()
    assert "setuptools>=77" in PYPROJECT["build-system"]["requires"][0]  # PEP 639 support


# ------------------------------------------------------------ installs in fresh environments


def fresh_venv_seeing_the_course_packages(folder):
    """A virtual environment with no packages of its own whose Python also sees .venv's
    (or this Python's) site-packages, as a conda environment holds the pinned packages.

    The folder is added by a plain .pth line, so the .pth files inside it, the course's
    own compat-mode install among them, do not apply there."""
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(folder)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "_course_pinned_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, Path(site)


def clean_env():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    env.update(
        KERAS_BACKEND="tensorflow",
        TF_CPP_MIN_LOG_LEVEL="3",
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def pip(python, *args, cwd):
    result = subprocess.run(
        [str(python), "-m", "pip", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(),
        timeout=300,
    )
    assert result.returncode == 0, f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def has_pip():
    try:
        import pip  # noqa: F401
    except ImportError:
        pytest.skip("this Python has no pip to install the course with")


def test_the_conda_routes_pip_step_makes_every_notebook_import_work(tmp_path, has_pip):
    """conda env create; pip install --no-deps -e .; then each notebook's imports, run from
    notebooks/ (--no-build-isolation: setuptools is already there, and nothing is downloaded)."""
    python, site = fresh_venv_seeing_the_course_packages(tmp_path / "env")
    pip(python, "install", "--no-deps", "--no-build-isolation", "-e", str(REPO_ROOT), cwd=tmp_path)
    code = "\n".join(
        notebook_import_statements()
        + [
            "import sys",
            "for name in %r:" % sorted(needed_local_modules()),
            "    print(name, sys.modules[name].__file__)",
        ]
    )
    result = subprocess.run(
        [str(python), "-c", code],
        cwd=REPO_ROOT / "notebooks",
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert result.returncode == 0, (
        f"a notebook's imports fail after `pip install -e .`:\n{result.stderr[-3000:]}"
    )
    for line in result.stdout.splitlines():
        name, file = line.split(" ", 1)
        assert Path(file).resolve().is_relative_to(REPO_ROOT), line  # the editable copy


def test_a_wheel_holds_every_module_and_builds_without_deprecations(tmp_path, has_pip):
    """A non-editable install, built from a copy of what the package lists (no stale build/)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ["pyproject.toml", "README.md", "LICENSE", "requirements.txt"]:
        shutil.copy(REPO_ROOT / name, source / name)
    for name in installed_top_level():
        if (REPO_ROOT / f"{name}.py").exists():
            shutil.copy(REPO_ROOT / f"{name}.py", source)
        else:
            shutil.copytree(
                REPO_ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
    log = pip(
        sys.executable,
        "wheel",
        "-v",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(tmp_path / "wheels"),
        str(source),
        cwd=tmp_path,
    )
    assert "Deprecat" not in log, "building the package warns:\n" + "\n".join(
        line for line in log.splitlines() if "eprecat" in line
    )
    wheel = next((tmp_path / "wheels").glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith("/METADATA")))
    requires = re.findall(r"^Requires-Dist: (\S+)$", metadata.decode(), re.M)
    assert requires == pinned_requirements(), (
        "the package's dependencies are not requirements.txt's pins"
    )
    python, site = fresh_venv_seeing_the_course_packages(tmp_path / "env")
    # Without --no-deps: the pins are there already, so nothing is downloaded (PIP_NO_INDEX).
    pip(python, "install", str(wheel), cwd=tmp_path)
    code = (
        "import importlib.util\n"
        "for name in %r:\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    print(name, spec.origin if spec else 'nowhere')\n" % sorted(needed_local_modules())
    )
    result = subprocess.run(
        [str(python), "-c", code],
        cwd=REPO_ROOT / "notebooks",
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for line in result.stdout.splitlines():
        name, origin = line.split(" ", 1)
        assert Path(origin).resolve().is_relative_to(site.resolve()), (
            f"{name} is not in the wheel: {origin}"
        )
