"""A mixed class (English and Bengali notebooks) is graded with the same commands, one gradebook.

A scratch course holds the configuration, the tools and ``source/lesson1``; ``generate_assignment``
runs through nbgrader's API (tests/notebook_course.py). Four students hand in lesson 1, then the
instructor runs ``python -m instructor autograde lesson1`` once for the whole class and
``python -m instructor feedback lesson1`` once:

==========  ====================================================  ==========
student     handed in                                             expected
==========  ====================================================  ==========
perfect_en  lessons/lesson1/ (English), every answer filled in            full marks
perfect_bn  bn/lessons/lesson1/ (Bengali), every answer filled in         full marks
blank_en    lessons/lesson1/ (English), the committed student version     0
blank_bn    bn/lessons/lesson1/ (Bengali), the committed student version  0
slip_bn     bn/lessons/lesson1/, a sum where absolute_error needs a mean  some points, a Bengali message
==========  ====================================================  ==========

Proved: both editions get the same marks; autograding keeps the student's Bengali markdown and
``course.language = "bn"`` (the English notebook gains no Bengali); the Bengali student's code ran
in Bengali (the quizzes coursekit prints); the Bengali student's feedback is Bengali.
About 5-10 s per notebook: under a minute in all on 2 cores.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
from types import SimpleNamespace

import nbformat
import notebook_course as nc
import pytest

from coursekit import language
from instructor import cli
from instructor.authoring import layout
from instructor.authoring.translations import BENGALI
from instructor.grading import grade

LESSON = "lesson1"
EDITIONS = {"en": nc.ROOT / layout.student_folder(LESSON), "bn": nc.ROOT / "bn" / layout.student_folder(LESSON)}
STUDENTS = {"perfect_en": ("en", True), "perfect_bn": ("bn", True),
            "blank_en": ("en", False), "blank_bn": ("bn", False), "slip_bn": ("bn", True)}
#: slip_bn sums where the mean belongs in absolute_error: one visible test fails, in Bengali.
SLIP = ("return float(np.mean(np.abs(prediction - target)))", "return float(np.sum(np.abs(prediction - target)))")


def _cli(root, *args: str) -> tuple[int, str]:
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = cli.main(["--course", str(root), *args])
    return code, output.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> SimpleNamespace:
    refs = nc.source_notebooks(LESSON)
    if not refs or not all((f / r.name).is_file() for f in EDITIONS.values() for r in refs):
        pytest.fail(f"source/{LESSON}/, {LESSON}/ and bn/{LESSON}/ are needed for this test")
    root = tmp_path_factory.mktemp("bengali-grading")
    nc.TempCourse(root, LESSON).require_generated()  # the gradebook knows lesson 1's cells
    for package in ("coursekit", "instructor"):  # nbgrader_config.py imports instructor from here
        (root / package).symlink_to(nc.ROOT / package, target_is_directory=True)
    course = grade.Course.load(root)
    for student, (edition, perfect) in STUDENTS.items():
        folder = course.path("submitted", student, LESSON)
        folder.mkdir(parents=True)
        for ref in refs:
            nb = nc.read_notebook(EDITIONS[edition] / ref.name)
            if perfect:
                nb, problems = nc.fill_in_notebook(nb, nc.read_notebook(ref.source_path))
                assert not problems, f"{edition} {ref.name}: {problems}"
            if student == "slip_bn":
                cell = next(c for c in nb.cells if SLIP[0] in c.source)
                cell.source = cell.source.replace(*SLIP)
            nbformat.write(nb, str(folder / ref.name))
    autograde, feedback = _cli(root, "autograde", LESSON), _cli(root, "feedback", LESSON)
    with open(course.path("autograded", f"report-{LESSON}.csv"), newline="", encoding="utf-8") as f:
        report = {row["student_id"]: row for row in csv.DictReader(f)}
    points = sum(float(nc.nbgrader_meta(c).get("points", 0)) for ref in refs
                 for c in nc.read_notebook(ref.source_path).cells if nc.is_test_cell(c))
    return SimpleNamespace(course=course, refs=refs, autograde=autograde, feedback=feedback,
                           report=report, points=points)


def _quiz_titles(ref: nc.NotebookRef) -> list[str]:
    """The notebook's Bengali quiz titles: coursekit prints them only if it knows the language."""
    return [text for key, text in language.catalogue("bn").items()
            if key.startswith(f"quiz:{ref.stem}/") and key.endswith("/title")]


def test_one_autograde_gives_both_editions_the_same_marks(graded):
    code, output = graded.autograde
    assert code == 0 and graded.points > 0, output
    scores = {s: (r["status"], float(r["score"]), float(r["max_score"]))
              for s, r in graded.report.items()}
    full, zero = ("graded", graded.points, graded.points), ("graded", 0.0, graded.points)
    assert {s: v for s, v in scores.items() if s != "slip_bn"} == {
        "perfect_en": full, "perfect_bn": full, "blank_en": zero, "blank_bn": zero}, output
    assert 0 < scores["slip_bn"][1] < graded.points, scores["slip_bn"]


def test_a_failing_check_explains_itself_in_bengali(graded):
    """The slip's failing test shows the check's message translated, in the graded notebook and
    so in the feedback (the test cell is the English code; the message comes from the catalogue)."""
    ref = graded.refs[0]
    autograded = nc.read_notebook(graded.course.path("autograded", "slip_bn", LESSON, ref.name))
    errors = [o for c in autograded.cells if c.cell_type == "code" for o in c.get("outputs", [])
              # CheckFailed: coursekit's AssertionError that shows its hint first
              if o.get("output_type") == "error" and o.get("ename") in ("AssertionError", "CheckFailed")]
    assert errors, "the slip failed no check"
    assert all(BENGALI.search(o["evalue"]) for o in errors), [o["evalue"] for o in errors]


@pytest.mark.parametrize("student", STUDENTS)
def test_the_autograded_notebook_keeps_the_language_handed_in(graded, student):
    edition, _ = STUDENTS[student]
    for ref in graded.refs:
        handed_in = nc.read_notebook(EDITIONS[edition] / ref.name)
        path = graded.course.path("autograded", student, LESSON, ref.name)
        autograded = nc.read_notebook(path)
        # SanitizeHTML (nbgrader_config.py) escapes a markdown ">", in either edition alike.
        markdown = {c.id: html.unescape(c.source) for c in autograded.cells
                    if c.cell_type == "markdown"}
        assert markdown == {c.id: c.source for c in handed_in.cells if c.cell_type == "markdown"}
        if edition == "bn":
            assert autograded.metadata["course"]["language"] == "bn"
            assert sum(bool(BENGALI.search(text)) for text in markdown.values()) > len(markdown) / 2
            # The grader told the student's process the notebook's language.
            outputs = str([c.outputs for c in autograded.cells if c.cell_type == "code"])
            assert _quiz_titles(ref) and all(title in outputs for title in _quiz_titles(ref))
        else:
            assert "course" not in autograded.metadata
            assert not BENGALI.search(path.read_text(encoding="utf-8")), f"Bengali in {path}"


def test_the_bengali_student_gets_bengali_feedback(graded):
    code, output = graded.feedback
    assert code == 0, output
    for ref in graded.refs:
        html_of = {s: graded.course.path("feedback", s, LESSON, f"{ref.stem}.html")
                   .read_text(encoding="utf-8") for s in ("perfect_bn", "perfect_en")}
        assert len(BENGALI.findall(html_of["perfect_bn"])) > 1000, "Bengali feedback not Bengali"
        assert all(title in html_of["perfect_bn"] for title in _quiz_titles(ref))
        assert not BENGALI.search(html_of["perfect_en"]), "Bengali in the English feedback"
        for text in html_of.values():
            assert f"Score: {graded.points:.1f} / {graded.points:.1f}" in text
