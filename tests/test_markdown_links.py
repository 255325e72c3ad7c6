"""Every relative link in every tracked Markdown file resolves: the file exists, and a
``#fragment`` names one of its headings (GitHub's anchors)."""

import re
import subprocess

import pytest

from resnets_utils import REPO_ROOT

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)
EXTERNAL = ("http://", "https://", "mailto:", "ftp://")


def tracked_markdown():
    try:
        listed = subprocess.run(
            ["git", "ls-files", "*.md"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        listed = [
            p.relative_to(REPO_ROOT).as_posix()
            for p in REPO_ROOT.rglob("*.md")
            if ".venv" not in p.parts
        ]
    return [name for name in sorted(listed) if (REPO_ROOT / name).exists()]


def without_code(text):
    """``text`` less its fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path):
    """GitHub's anchors for the headings of ``path``."""
    names = set()
    for heading in re.findall(
        r"^#{1,6}\s+(.+?)\s*#*\s*$", without_code(path.read_text(encoding="utf-8")), re.M
    ):
        heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
        names.add(re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", heading)))
    return names


def links(path):
    text = without_code(path.read_text(encoding="utf-8"))
    return LINK.findall(text) + REFERENCE.findall(text)


def broken_links(path):
    broken = []
    for target in links(path):
        if target.startswith(EXTERNAL):
            continue
        file, _, fragment = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and resolved.suffix == ".md" and fragment.lower() not in anchors(resolved):
            broken.append(f"{target} (no such heading)")
    return broken


def test_markdown_files_are_found():
    names = tracked_markdown()
    assert "README.md" in names and "INSTRUCTORS.md" in names and "benchmarks/README.md" in names


@pytest.mark.parametrize("name", tracked_markdown())
def test_every_relative_link_resolves(name):
    broken = broken_links(REPO_ROOT / name)
    assert not broken, f"{name} links to what is not there: {broken}"


def test_the_checker_sees_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n[ok](page.md#title) [file](missing.md) [part](page.md#nothing)\n"
        "`[not a link](nowhere.md)`\n\n```\n[nor this](nowhere.md)\n```\n"
        "[web](https://example.org/x)\n"
    )
    assert broken_links(page) == ["missing.md (no such file)", "page.md#nothing (no such heading)"]


def test_the_readme_clones_shallow():
    """A full clone holds every retrained model (95 MB each); a shallow one only the current."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    clones = re.findall(r"^git clone .*$", readme, re.M)
    assert clones and all(line.startswith("git clone --depth 1 ") for line in clones), clones
