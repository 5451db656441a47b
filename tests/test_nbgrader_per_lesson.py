"""One lesson is released, autograded and exported alone with plain nbgrader commands.

What docs/instructor-lessons.md shows, run as command lines in a throwaway copy of the course:
``generate_assignment lesson2``, ``release_assignment lesson2`` to an exchange given by
command-line flags, ``autograde lesson2`` for one student who handed in lesson 2 with every answer
filled in and one who handed in the blank notebook with hooks that hide every error from
IPython (which the lesson's tests used to run in: the judge now does), and
``export --assignment lesson2``. Lesson 1 is in the course too (its student version
and its gradebook entry), so each step must leave it alone. Each command line costs ~5 s of
start-up; four of them, and one execution of lesson 2, keep this near 30 s.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import notebook_course as nc
import pytest

from instructor.authoring import layout

LESSON, EARLIER = "lesson2", "lesson1"
STUDENT, HIDER = "alice", "mallory"
# In the student's process, these make every failing cell look like a success to nbgrader.
HIDE_ERRORS = ("import sys\nsys.excepthook = lambda *args: None\n"
               "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n")


def _nbgrader(course: Path, *args: str) -> str:
    """Run an nbgrader command line from the course folder, as an instructor would."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
               # Kernels import this coursekit (and nbgrader_config.py this instructor/).
               PYTHONPATH=str(course))
    nbgrader = shutil.which("nbgrader", path=env["PATH"])
    assert nbgrader, "the nbgrader command is not installed next to this Python"
    result = subprocess.run([nbgrader, *args], cwd=course, env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stderr[-4000:]}"
    return result.stderr


@pytest.fixture
def course(tmp_path) -> Path:
    """A course folder: configuration, the sources of lessons 1 and 2, lesson 1's student version."""
    if not nc.source_notebooks(LESSON) or not nc.student_notebooks(EARLIER):
        pytest.fail(f"source/{LESSON}/ and {EARLIER}/ are needed for this test")
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(nc.CONFIG_FILE, root / nc.CONFIG_FILE.name)
    for assignment in (EARLIER, LESSON):
        shutil.copytree(nc.SOURCE / assignment, root / "source" / assignment)
    shutil.copytree(nc.ROOT / layout.student_folder(EARLIER), root / layout.student_folder(EARLIER))
    for package in ("coursekit", "instructor"):
        (root / package).symlink_to(nc.ROOT / package, target_is_directory=True)
    return root


def _points(assignment: str) -> float:
    return sum(float(nc.nbgrader_meta(cell).get("points", 0))
               for ref in nc.source_notebooks(assignment)
               for cell in nc.read_notebook(ref.source_path).cells if nc.is_test_cell(cell))


def test_release_autograde_and_export_one_lesson_with_nbgrader_commands(course, tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    earlier_before = {p.name: p.read_bytes() for p in (course / layout.student_folder(EARLIER)).iterdir()}

    _nbgrader(course, "generate_assignment", LESSON, "--force")
    names = [ref.name for ref in nc.source_notebooks(LESSON)]
    assert sorted(p.name for p in (course / layout.student_folder(LESSON)).glob("*.ipynb")) == names

    _nbgrader(course, "release_assignment", LESSON, f"--Exchange.root={exchange}",
              "--CourseDirectory.course_id=nn-framework")
    outbound = exchange / "nn-framework" / "outbound"
    assert sorted(p.name for p in outbound.iterdir()) == [LESSON]  # lesson 1 is not released
    assert sorted(p.name for p in (outbound / LESSON).glob("*.ipynb")) == names

    # One student hands in lesson 2 with every answer filled in from the source.
    submission = course / "submitted" / STUDENT / LESSON
    submission.mkdir(parents=True)
    for ref in nc.source_notebooks(LESSON):
        filled, problems = nc.fill_in_notebook(nc.read_notebook(outbound / LESSON / ref.name),
                                               nc.read_notebook(ref.source_path))
        assert not problems, problems
        nbformat.write(filled, str(submission / ref.name))
        blank = nc.read_notebook(outbound / LESSON / ref.name)
        blank.cells.insert(1, nbformat.v4.new_code_cell(HIDE_ERRORS))
        (course / "submitted" / HIDER / LESSON).mkdir(parents=True, exist_ok=True)
        nbformat.write(blank, str(course / "submitted" / HIDER / LESSON / ref.name))
    # Lesson 1 is in the gradebook too, as after its own release: export must keep them apart.
    from nbgrader.api import Gradebook

    with nc.nbgrader_warnings_as_warnings(), \
            Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nn-framework") as gradebook:
        gradebook.update_or_create_assignment(EARLIER)

    _nbgrader(course, "autograde", LESSON, "--force",
              # Kernels on Unix sockets: a TCP port can be taken by another test run meanwhile.
              "--KernelManager.transport=ipc", f"--KernelManager.ip={course / 'kernel-ipc'}")
    assert sorted(p.name for p in (course / "autograded" / STUDENT / LESSON).glob("*.ipynb")) == names
    assert not (course / "autograded" / STUDENT / EARLIER).exists()

    _nbgrader(course, "export", "--to", "grades.csv", "--assignment", LESSON)
    with open(course / "grades.csv", newline="") as handle:
        rows = [(r["assignment"], r["student_id"], float(r["score"]), float(r["max_score"]))
                for r in csv.DictReader(handle)]
    points = _points(LESSON)
    assert points > 0
    assert sorted(rows) == [(LESSON, STUDENT, points, points), (LESSON, HIDER, 0.0, points)], rows
    assert {p.name: p.read_bytes() for p in (course / layout.student_folder(EARLIER)).iterdir()} == earlier_before
