"""The student copy holds the released notebooks and the toolkit, and no answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from instructor.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_copy_of_the_first_two_lessons_holds_nothing_else(tmp_path, capsys):
    destination = tmp_path / "for-students"
    assert main(["--course", str(ROOT), "student-copy", str(destination), "--lessons", "1", "2"]) == 0
    top = sorted(p.name for p in destination.iterdir())
    assert top == ["README.md", "coursekit", "lesson1", "lesson2", "pyproject.toml", "requirements.txt"]
    assert [p.name for p in (destination / "lesson1").iterdir()] == ["01_loss_functions.ipynb"]
    assert [p.name for p in (destination / "lesson2").iterdir()] == ["02_gradient_descent.ipynb"]
    readme = (destination / "README.md").read_text()
    first = re.search(r"jupyter lab (\S+)", readme).group(1)
    assert (destination / first).is_file() and "lessons 1, 2" in readme
    assert not list(destination.rglob("solutions")) and not list(destination.rglob("__pycache__"))
    assert "2 notebook(s)" in capsys.readouterr().out


def test_copy_with_the_lab_only(tmp_path):
    destination = tmp_path / "lab-only"
    assert main(["--course", str(ROOT), "student-copy", str(destination), "--lab"]) == 0
    assert (destination / "lab" / "mnist_lab.ipynb").is_file()
    assert (destination / "lab" / "README.md").is_file()
    assert not list(destination.glob("lesson*"))


@pytest.mark.parametrize("arguments, message", [
    (["--lessons", "9"], r"no lesson \[9\]"),
    ([], "nothing to copy"),
])
def test_bad_requests_are_explained(tmp_path, capsys, arguments, message):
    assert main(["--course", str(ROOT), "student-copy", str(tmp_path / "x"), *arguments]) == 1
    assert re.search(message, capsys.readouterr().err)


def test_an_existing_folder_is_never_overwritten(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("student work")
    assert main(["--course", str(ROOT), "student-copy", str(tmp_path), "--lab"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "student work"
