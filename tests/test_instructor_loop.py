"""The instructor's loop closed, on a generated class: LMS download -> gradebook -> LMS again.

One module fixture builds a small class by code and runs the documented workflow on it, in a
copy of the repository's tracked files made into a temporary git repository (never in this
repository): ``generate_assignment``; a Canvas download (built as Canvas builds it, every entry
at the moment of the download, with Canvas's submissions record for the times) and a Moodle
download collected with a roster and a map; a due date and an extension; one autograde; the
class report; export and feedback refused while written answers are unmarked, then allowed
with ``--allow-incomplete``; the written answers marked (as formgrader does, in the gradebook);
feedback and every export format.

=========== ===================================== ====================================
student     handed in                              checks
=========== ===================================== ====================================
paula       Canvas, on time, every answer          full autograded points; Canvas names
pete        Canvas, an early and a LATE file       the later upload wins; 2 started days late: 20% off;
                                                   only the framework parts answered
bea         Canvas, the blank student version      0; not compared for similarity
carl        Moodle folder, pete's code + comments  near-identical to pete
dora        Moodle folder with two files           a conflict, resolved by --map with a path;
                                                   late but with a 2-day extension: no penalty
nora        Moodle folder, not on the roster       reported, not graded
alice       on the roster, nothing                 no grade (never 0)
=========== ===================================== ====================================

Only five submissions are graded (~5-25 s each): every test shares this one class.

A second fixture, the LMS round trip, is the same loop on a one-question assignment (cheap to
grade), as an unlucky instructor meets it: namesakes, a Unicode, a Bengali-script and an
anonymous Canvas name, LATE flags, the grace period and an extension, Moodle's worksheet with
its own comments, a regrade that changes a marked answer, and every export format.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from browser import CHROMIUM, MISSING, launch, stop

from instructor import cli
from instructor.grading import grade
from instructor.lms import formats as lms
from instructor.lms.formats import collect, deadlines
from instructor.reports import class_report

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
ASSIGNMENT, NOTEBOOK = "lab", "mnist_lab"
DUE = dt.datetime(2026, 11, 20, 23, 59, tzinfo=dt.UTC)
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

ROSTER = ("id,first_name,last_name,email,canvas_id,moodle_id,section\n"
          "paula,Paula,Perfect,paula@uni.example,1001,,A\n"
          "pete,Pete,Partial,pete@uni.example,1002,,A\n"
          "bea,Bea,Blank,bea@uni.example,1003,,B\n"
          "carl,Carl,Copy,carl@uni.example,,7001,B\n"
          "dora,Dora,Double,dora@uni.example,,7003,B\n"
          "alice,Alice,Absent,alice@uni.example,1005,,A\n")
# The Moodle conflict resolved by a path inside the download (an empty id ignores that file).
MAP = "key,student_id\nDora Double_7003_assignsubmission_file_/mnist_lab (1).ipynb,\n"


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _strip(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def _fill(release, answers: dict[str, str]):
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if _meta(cell).get("grade_id") in answers:
            cell.source = answers[_meta(cell)["grade_id"]]
    return nb


def _bytes(nb) -> bytes:
    return nbformat.writes(nb).encode()


def _zip(path: Path, files: dict[str, tuple[bytes, dt.datetime]]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, (data, moment) in files.items():
            bundle.writestr(zipfile.ZipInfo(name, date_time=moment.timetuple()[:6]), data)
    return path


def _at(days: float) -> dt.datetime:
    return DUE + dt.timedelta(days=days)


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--course", str(root), *args])
    return code, out.getvalue(), err.getvalue()


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                          cwd=root, check=True, capture_output=True, text=True).stdout


def _mark_written_answers(course: grade.Course, points: dict[str, float]) -> None:
    """What formgrader does when a grader saves a score: the manual score, no longer flagged."""
    with grade.open_gradebook(course) as gradebook:
        for student, score in points.items():
            submission = gradebook.find_submission(ASSIGNMENT, student)
            for notebook in submission.notebooks:
                answers = {c.name for c in notebook.notebook.solution_cells}
                for g in notebook.grades:
                    if g.name in answers and g.auto_score is None:
                        g.manual_score = score
                        g.needs_manual_grade = False
        gradebook.db.commit()


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Class:
    root: Path
    course: grade.Course
    out: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    incomplete_feedback: dict[str, str] = field(default_factory=dict)
    auto: dict[str, float] = field(default_factory=dict)  # autograded score per student


class _Summary:
    """Prints the generated class's autograde summary and timings in pytest's terminal summary."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.section("instructor loop: the generated Canvas + Moodle class")
        for line in self.lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def klass(tmp_path_factory, request) -> Class:
    with pytest.MonkeyPatch.context() as patch:  # instructors run everything from the course folder
        tmp = tmp_path_factory.mktemp("instructor-loop")
        (tmp / "course").mkdir()
        patch.chdir(tmp / "course")
        started = time.time()
        result = _run_the_loop(tmp)
    summary = [line for line in result.out["autograde"][1].splitlines() if line.strip()]
    summary.append(f"the whole loop (generate, 3 collects, deadline, autograde, report, 2 feedbacks, "
                   f"6 exports): {time.time() - started:.0f} s")
    request.config.pluginmanager.register(_Summary(summary), "instructor-loop-summary")
    return result


def _run_the_loop(tmp: Path) -> Class:
    root = tmp / "course"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=False)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout: the git-status check needs the tracked files")
    for name in filter(None, tracked.stdout.split("\0")):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "the course as cloned")
    course = grade.Course.load(root)
    result = Class(root, course)
    run = result.out

    code, output = grade.run_nbgrader(course, ["generate_assignment", ASSIGNMENT, "--force"])
    assert code == 0, output[-3000:]
    release = nbformat.read(root / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    source = nbformat.read(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    code_answers = [_meta(c)["grade_id"] for c in source.cells
                    if _meta(c).get("solution") and c.cell_type == "code"]
    written = {_meta(c)["grade_id"]: "I compared my three networks and the numbers say ..."
               for c in source.cells if _meta(c).get("solution") and c.cell_type == "markdown"}
    solutions = {_meta(c)["grade_id"]: _strip(c.source) for c in source.cells
                 if _meta(c).get("grade_id") in code_answers}
    perfect = _fill(release, {**solutions, **written})
    # The framework and helpers only, no trained network: clearly different from the others.
    partial = _fill(release, {**{g: solutions[g] for g in code_answers[:7]}, **written})
    # Pete's code with comments and blank lines added: a copy that is cheap to grade.
    copied = _fill(release, {**{g: f"# my own work, honestly\n\n{solutions[g]}\n\n# done"
                                for g in code_answers[:7]}, **written})
    first_only = _fill(release, {code_answers[0]: solutions[code_answers[0]]})

    downloads = tmp / "downloads"  # where the LMS downloads land: outside the course
    downloads.mkdir()
    # As Canvas builds it: every entry carries the moment of the download. The hand-in times are
    # in Canvas's own record (its API's submissions); pete's earlier attempt is in none.
    canvas = _zip(downloads / "lab-canvas.zip", {
        "perfectpaula_1001_5001_mnist_lab.ipynb": (_bytes(perfect), _at(2.4)),
        "partialpete_1002_4999_mnist_lab.ipynb": (_bytes(release), _at(2.4)),
        "partialpete_LATE_1002_5002_mnist_lab-1.ipynb": (_bytes(partial), _at(2.4)),
        "blankbea_1003_5003_mnist_lab.ipynb": (_bytes(release), _at(2.4)),
    })
    (downloads / "canvas-submissions.json").write_text(json.dumps([
        {"user_id": 1001, "submitted_at": _at(-0.2).isoformat(), "attachments": [{"id": 5001}]},
        {"user_id": 1002, "submitted_at": _at(1.5).isoformat(), "attachments": [{"id": 5002}]},
        {"user_id": 1003, "submitted_at": _at(-0.1).isoformat(), "attachments": [{"id": 5003}]}]))
    moodle = _zip(downloads / "lab-moodle.zip", {
        "Carl Copy_7001_assignsubmission_file_/mnist_lab.ipynb": (_bytes(copied), _at(-0.1)),
        "Nora Nobody_7002_assignsubmission_file_/mnist_lab.ipynb": (_bytes(perfect), _at(-0.1)),
        "Dora Double_7003_assignsubmission_file_/mnist_lab.ipynb": (_bytes(first_only), _at(1)),
        "Dora Double_7003_assignsubmission_file_/mnist_lab (1).ipynb": (_bytes(release), _at(1)),
    })
    (root / "roster.csv").write_text(ROSTER)
    (root / "map.csv").write_text(MAP)

    utc = ("--timezone", "UTC")
    run["collect canvas"] = _cli(root, "collect", ASSIGNMENT, str(canvas), "--roster", "roster.csv",
                                 "--report", "collect.csv", *utc,
                                 "--canvas-submissions", str(downloads / "canvas-submissions.json"))
    run["collect moodle"] = _cli(root, "collect", ASSIGNMENT, str(moodle), "--roster", "roster.csv", *utc)
    run["collect moodle mapped"] = _cli(root, "collect", ASSIGNMENT, str(moodle), "--roster", "roster.csv",
                                        "--map", "map.csv", *utc)
    run["deadline"] = _cli(root, "deadline", ASSIGNMENT, "--due", "2026-11-20 23:59", *utc,
                           "--extend", "dora=2d")
    run["autograde"] = _cli(root, "autograde", ASSIGNMENT, "--cpu-limit", "10")
    assert run["autograde"][0] in (0, cli.ATTENTION) and "paula" in run["autograde"][1], \
        _explain(result, "collect canvas", "collect moodle mapped", "deadline", "autograde")
    run["report"] = _cli(root, "report", ASSIGNMENT, "--html")
    run["export refused"] = _cli(root, "export", "--to", "grades.csv")
    run["feedback refused"] = _cli(root, "feedback", ASSIGNMENT)
    run["export incomplete"] = _cli(root, "export", "--to", "grades-incomplete.csv", "--allow-incomplete")
    run["feedback incomplete"] = _cli(root, "feedback", ASSIGNMENT, "--allow-incomplete")
    for student in ("paula", "bea"):
        html = root / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        result.incomplete_feedback[student] = html.read_text(encoding="utf-8") if html.is_file() else ""

    _mark_written_answers(course, {"paula": 3, "pete": 2, "carl": 1})
    run["feedback"] = _cli(root, "feedback", ASSIGNMENT)
    for fmt, name in (("plain", "grades.csv"), ("canvas", "grades-canvas.csv"),
                      ("moodle", "grades-moodle.csv"), ("moodle-gradebook", "grades-moodle-gradebook.csv")):
        run[f"export {fmt}"] = _cli(root, "export", "--assignment", ASSIGNMENT, "--format", fmt,
                                    "--to", name, "--roster", "roster.csv",
                                    "--lms-column", "lab=MNIST lab (424242)")
    reports = {row["student_id"]: row for row in _csv(course.path("autograded", f"report-{ASSIGNMENT}.csv"))}
    result.auto = {s: float(r["autograded_score"] or 0) for s, r in reports.items()}
    assert result.auto["paula"] == float(reports["paula"]["autograded_max"]) == 30, reports["paula"]
    return result


def _explain(klass: Class, *steps: str) -> str:
    return "\n".join(f"--- {s} (exit {klass.out[s][0]})\n{klass.out[s][1]}{klass.out[s][2]}" for s in steps)


# ---------------------------------------------------------------------------------------------
# Collect: layouts, times, conflicts, the roster
# ---------------------------------------------------------------------------------------------
def test_collect_takes_the_newest_file_and_keeps_time_and_lms_ids(klass):
    code, output, _ = klass.out["collect canvas"]
    assert code == cli.ATTENTION, output  # alice handed in nothing
    assert ("newest     pete: took partialpete_LATE_1002_5002_mnist_lab-1.ipynb (2026-11-22 11:59:00 UTC, "
            "by Canvas's attachment id)" in output), output
    assert "NOTE       pete: Canvas marks partialpete_LATE_1002_5002_mnist_lab-1.ipynb late" in output
    assert "MISSING    alice" in output
    pete = klass.course.path("submitted", "pete", ASSIGNMENT)
    assert collect.read_timestamp(pete) == _at(1.5)
    info = collect.read_lms_info(pete)
    assert (info.lms, info.canvas_user_id, info.canvas_attachment_id, info.canvas_late) == \
        ("canvas", "1002", "5002", True)
    moodle = collect.read_lms_info(klass.course.path("submitted", "carl", ASSIGNMENT))
    assert (moodle.lms, moodle.moodle_participant_id) == ("moodle", "7001")
    rows = {(r["status"], r["student_id"]) for r in _csv(klass.root / "collect.csv")}
    assert ("newest", "pete") in rows and ("note", "pete") in rows and ("missing", "alice") in rows


def test_a_moodle_folder_with_two_files_is_resolved_by_a_path_in_the_map(klass):
    _, before, _ = klass.out["collect moodle"]
    assert "CONFLICT   dora: several files (Dora Double_7003_assignsubmission_file_/mnist_lab (1).ipynb, " \
           "Dora Double_7003_assignsubmission_file_/mnist_lab.ipynb)" in before, before
    assert "UNMAPPED   Nora Nobody_7002_assignsubmission_file_/mnist_lab.ipynb: Moodle participant 7002 " \
           "(Nora Nobody) is not on the roster" in before, before
    _, after, _ = klass.out["collect moodle mapped"]
    assert "copied     Dora Double_7003_assignsubmission_file_/mnist_lab.ipynb -> dora" in after, after
    assert "ignored    Dora Double_7003_assignsubmission_file_/mnist_lab (1).ipynb: ignored by the map" in after
    assert not klass.course.path("submitted", "nora").exists()


def test_times_come_from_the_download_in_the_given_zone_or_from_a_times_file(tmp_path):
    course = tmp_path / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    blank = _bytes(nbformat.v4.new_notebook())
    moment = dt.datetime(2026, 11, 20, 23, 30)
    download = _zip(tmp_path / "d.zip", {"ann_mnist_lab.ipynb": (blank, moment),
                                         "ben_mnist_lab.ipynb": (blank, moment + dt.timedelta(hours=1))})
    times = tmp_path / "times.csv"
    times.write_text("key,submitted_at\nben,2026-11-21T08:00:00+01:00\n")
    collect.collect(download, ASSIGNMENT, course, zone="Europe/Berlin",
                    times=collect.read_times(times))
    assert collect.read_timestamp(course / "submitted" / "ann" / ASSIGNMENT) == \
        dt.datetime(2026, 11, 20, 22, 30, tzinfo=dt.UTC)  # 23:30 in Berlin
    assert collect.read_timestamp(course / "submitted" / "ben" / ASSIGNMENT) == \
        dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC)
    bad = tmp_path / "bad.csv"
    bad.write_text("ben,yesterday\n")
    with pytest.raises(collect.CollectError, match="not an ISO 8601 time"):
        collect.read_times(bad)
    with pytest.raises(collect.CollectError, match="unknown time zone"):
        collect.timezone("Mars/Olympus")


# ---------------------------------------------------------------------------------------------
# Deadlines and the late penalty
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seconds, expected", [(0, 0), (14 * 60, 0), (16 * 60, 1.0), (86400, 1.0),
                                               (86401, 2.0), (6.5 * 86400, 7.0), (7 * 86400 + 1, 10.0)])
def test_the_course_policy(seconds, expected):
    assert deadlines.penalty(10.0, seconds, 15, 10, 7) == pytest.approx(expected)


def test_durations_are_read_or_refused():
    assert deadlines.parse_duration("1d12h") == dt.timedelta(hours=36)
    assert deadlines.parse_duration("90m") == dt.timedelta(minutes=90)
    with pytest.raises(grade.GradingError, match="not a duration"):
        deadlines.parse_duration("two days")


def test_late_submissions_are_penalised_by_the_plugin_on_the_final_score(klass):
    code, output, _ = klass.out["deadline"]
    assert code == 0 and "extension for dora: 2d" in output, output
    rows = {r["student_id"]: r for r in _csv(klass.root / "grades.csv")}
    pete = rows["pete"]
    assert pete["timestamp"] == "2026-11-22 11:59:00" and pete["duedate"] == "2026-11-20 23:59:00"
    raw = float(pete["raw_score"])
    assert raw > 0 and float(pete["late_submission_penalty"]) == pytest.approx(0.2 * raw), pete
    assert float(pete["score"]) == pytest.approx(0.8 * raw)
    # Dora was a day late, within her two-day extension; everyone else was on time.
    for student in ("paula", "bea", "carl", "dora"):
        assert float(rows[student]["late_submission_penalty"]) == 0.0, rows[student]
    lateness = {r.student: r for r in deadlines.lateness(klass.course, ASSIGNMENT)}
    assert lateness["dora"].extension == dt.timedelta(days=2) and lateness["dora"].seconds_late == 0
    assert lateness["pete"].seconds_late == pytest.approx(1.5 * 86400)


# ---------------------------------------------------------------------------------------------
# Nothing unmarked slips out
# ---------------------------------------------------------------------------------------------
def test_export_and_feedback_refuse_while_written_answers_are_unmarked(klass):
    for step in ("export refused", "feedback refused"):
        code, _output, error = klass.out[step]
        assert code == 1, _explain(klass, step)
        assert "are not marked yet" in error and "paula: lab/mnist_lab q1-answer" in error, error
        assert "bea:" not in error  # a blank answer is scored 0 by nbgrader itself: nothing to mark
        assert "--allow-incomplete" in error
    assert not (klass.root / "grades-refused.csv").exists()


def test_allowed_incomplete_export_leaves_the_grade_empty_never_zero(klass):
    rows = {r["student_id"]: r for r in _csv(klass.root / "grades-incomplete.csv")}
    assert rows["paula"]["score"] == "" and rows["paula"]["status"] == "not graded yet (4 answer(s))"
    assert "mnist_lab/q1-answer" in rows["paula"]["not_graded_yet"]
    assert rows["bea"]["score"] == "0" and rows["bea"]["status"] == "graded"
    assert rows["alice"]["score"] == "" and rows["alice"]["status"] == "no submission"  # never 0


def test_allowed_incomplete_feedback_says_not_graded_yet(klass):
    html = klass.incomplete_feedback["paula"]
    assert html.count("Score: not graded yet / 3.0") >= 4, _explain(klass, "feedback incomplete")
    assert "Score: 0.0 / 3.0" not in html
    assert "Score: not graded yet /" in html.split("<h4>")[1]  # the notebook's total too
    assert "Score: 0.0 / 3.0" in klass.incomplete_feedback["bea"]  # blank answers are scored 0
    final = (klass.root / "feedback" / "paula" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert "not graded yet" not in final and "Score: 3.0 / 3.0" in final


# ---------------------------------------------------------------------------------------------
# Back to the LMS: samples written from the LMSs' documentation
# ---------------------------------------------------------------------------------------------
# Canvas's gradebook export/import CSV: Student, ID, SIS User ID, SIS Login ID, Section, then the
# assignments as "Name (id)", and a "Points Possible" row.
CANVAS_SAMPLE = """Student,ID,SIS User ID,SIS Login ID,Section,MNIST lab (424242)
Points Possible,,,,,{max}
"Blank, Bea",1003,,,B,0
"""
# Moodle's offline grading worksheet's columns, without the feedback comments (not ours to write).
MOODLE_HEADER = ("Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
                 "Last modified (submission),Last modified (grade)")


def test_canvas_gradebook_import_file(klass):
    text = (klass.root / "grades-canvas.csv").read_text()
    sample = CANVAS_SAMPLE.format(max=42).splitlines()
    lines = text.splitlines()
    assert lines[:2] == sample[:2], text
    assert sample[2] in lines
    rows = {r["Student"]: r for r in csv.DictReader(io.StringIO(text)) if r["Student"] != "Points Possible"}
    ids = {name: row["ID"] for name, row in rows.items()}
    # Canvas ids from the Canvas download (or the roster); the Moodle students have none, so
    # Canvas could not match them: left out, like Alice, who has no grade.
    assert ids == {"Perfect, Paula": "1001", "Partial, Pete": "1002", "Blank, Bea": "1003"}
    assert rows["Perfect, Paula"]["Section"] == "A"
    assert float(rows["Perfect, Paula"]["MNIST lab (424242)"]) == klass.auto["paula"] + 12
    code, output, _ = klass.out["export canvas"]
    assert code == cli.ATTENTION and "WARNING    carl: no Canvas user id" in output, output
    assert "left out" in output


def test_moodle_grading_worksheet(klass):
    text = (klass.root / "grades-moodle.csv").read_text()
    assert text.splitlines()[0] == MOODLE_HEADER
    rows = {r["Identifier"]: r for r in csv.DictReader(io.StringIO(text))}
    carl = rows["Participant 7001"]
    assert carl["Full name"] == "Carl Copy" and carl["Email address"] == "carl@uni.example"
    assert float(carl["Grade"]) == klass.auto["carl"] + 4 and carl["Maximum grade"] == "42"
    assert klass.auto["carl"] == klass.auto["pete"] > 0
    # Moodle reads "Last modified (grade)" with PHP's strtotime: an ISO date and time.
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", carl["Last modified (grade)"])
    assert set(rows) == {"Participant 7001", "Participant 7003"}  # never a Canvas id; no grade, no row
    _code, output, _ = klass.out["export moodle"]
    assert "WARNING    pete: no Moodle participant id" in output, output
    gradebook = _csv(klass.root / "grades-moodle-gradebook.csv")
    assert list(gradebook[0]) == ["First name", "Surname", "ID number", "Email address", "MNIST lab (424242)"]


def test_lab_feedback_shows_the_questions_but_no_rubric_or_model_answer(klass):
    html = (klass.root / "feedback" / "paula" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert html.count("Question 1.") == 1 and "Question 4." in html
    assert "Rubric" not in html and "MARK SCHEME" not in html and "Model answer" not in html


def _canvas_reads(name: str) -> tuple[str, str]:
    """Canvas's reading of an uploaded feedback file name: the first two all-digit parts between
    underscores are the user id and the attachment id."""
    numbers = [part for part in name.split("_") if part.isdigit()]
    return numbers[0], numbers[1]


def _moodle_reads(path: str) -> tuple[str, str, str]:
    """Moodle's reading of a feedback zip entry: the first path part that splits at underscores
    into name, numeric participant id, plugin type and plugin name (at most 5 parts)."""
    for part in path.split("/"):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit():
            return info[1], info[2], info[3]
    raise AssertionError(f"Moodle would not match {path}")


def test_feedback_files_are_named_for_each_lms_bulk_upload(klass):
    code, output, _ = klass.out["feedback"]
    assert code == 0, output
    with zipfile.ZipFile(klass.root / "feedback" / f"{ASSIGNMENT}-canvas-feedback.zip") as bundle:
        names = sorted(bundle.namelist())
    assert "perfectpaula_1001_5001_mnist_lab_feedback.html" in names
    ids = {_canvas_reads(n) for n in names}
    assert ids == {("1001", "5001"), ("1002", "5002"), ("1003", "5003")}  # pete: his LATE file's id
    with zipfile.ZipFile(klass.root / "feedback" / f"{ASSIGNMENT}-moodle-feedback.zip") as bundle:
        names = sorted(bundle.namelist())
    assert "Carl Copy_7001_assignsubmission_file/mnist_lab_feedback.html" in names
    assert {_moodle_reads(n) for n in names} == {("7001", "assignsubmission", "file"),
                                                 ("7003", "assignsubmission", "file")}


# =============================================================================================
# The LMS round trip, as an unlucky instructor meets it: a one-question assignment (cheap to
# grade), a class from Canvas's "Download Submissions" zip and Moodle's download, rosters from
# the LMSs' own exports, graded, marked, regraded and sent back in every format.
# =============================================================================================
TINY = "tiny"
DOWNLOADED = _at(2.4)  # Canvas builds its zip when asked: every entry carries this moment
RUBRIC = "**Rubric (2 points).** 2 if it says the input is doubled. Model answer: it doubles x."
#: Canvas's gradebook export (Grades -> Export), as Canvas writes it.
CANVAS_GRADEBOOK = ("Student,ID,SIS User ID,SIS Login ID,Section,Tiny lab (4242),Lesson 2 (4243),"
                    "Current Score,Final Score\n"
                    "    Points Possible,,,,,3,10,(read only),(read only)\n"
                    '"Smith, Jane",10024,S024,jsmith24@uni.example,A,,,,\n'
                    '"Smith, Jane",10025,S025,jsmith25@uni.example,B,,,,\n'
                    '"Müller, Jörg",10031,S031,mueller,A,,,,\n'
                    '"রহমান, আনিসুর",10032,S032,rahman,B,,,,\n'
                    '"Absent, Ada",10040,S040,ada,A,,,,\n')
MOODLE_COLUMNS = ("Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
                  "Last modified (submission),Online text,Last modified (grade),Feedback comments")
#: Moodle's grading worksheet (Assignment -> Download grading worksheet), as Moodle writes it.
MOODLE_SHEET = (MOODLE_COLUMNS + "\n"
                'Participant 7001,Carl Copy,carl@uni.example,Submitted for grading,,3.00,Yes,'
                '"Friday, 20 November 2026, 9:35 PM",,-,Seen in the lab session\n'
                'Participant 7002,Nora Nobody,nora@uni.example,No submission,2.00,3.00,Yes,-,,'
                '"Thursday, 19 November 2026, 10:00 AM",Handed in on paper\n')


def _tiny_release_source(root: Path) -> None:
    """A question with a rubric, an answer, a 1-point test and a 2-point written answer."""
    def cell(kind, source, **meta):
        made = (nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell)(source)
        made.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": False,
                                     "schema_version": 3, **meta}
        return made
    cells = [cell("md", "**Question.** What does `double` do?\n<!-- BEGIN MARK SCHEME -->\n"
                        f"{RUBRIC}\n<!-- END MARK SCHEME -->", grade_id="question", locked=True),
             cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                  grade_id="answer", solution=True),
             cell("code", "assert double(3) == 6", grade_id="test", grade=True, locked=True, points=1),
             cell("md", "It doubles x.", grade_id="why", grade=True, solution=True, points=2)]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (root / "source" / TINY).mkdir(parents=True)
    nbformat.write(nb, root / "source" / TINY / f"{TINY}.ipynb")


def _tiny(release, code: str, why: str, language: str = ""):
    nb = copy.deepcopy(release)
    for c in nb.cells:
        grade_id = _meta(c).get("grade_id")
        c.source = {"answer": code, "why": why}.get(grade_id, c.source)
    if language:
        nb.metadata["course"] = {"language": language}
    return _bytes(nb)


def _canvas_download(path: Path, files: dict[str, bytes]) -> Path:
    return _zip(path, {name: (data, DOWNLOADED) for name, data in files.items()})


def _mark(course: grade.Course, assignment: str, scores: dict[str, float],
          comments: dict[str, str] | None = None) -> None:
    """What formgrader does when a grader saves a written answer's score (and comment)."""
    with grade.open_gradebook(course) as gradebook:
        for student, score in scores.items():
            for notebook in gradebook.find_submission(assignment, student).notebooks:
                for g in notebook.grades:
                    if g.name == "why":
                        g.manual_score, g.needs_manual_grade = score, False
                for c in notebook.comments:
                    if c.name == "why" and student in (comments or {}):
                        c.manual_comment = comments[student]
        gradebook.db.commit()


@pytest.fixture(scope="module")
def lms_class(tmp_path_factory) -> Class:
    tmp = tmp_path_factory.mktemp("lms-round-trip")
    (tmp / "course").mkdir()
    with pytest.MonkeyPatch.context() as patch:  # instructors run everything from the course folder
        patch.chdir(tmp / "course")
        return _round_trip(tmp)


class _Timed(dict):
    """step -> (exit code, output, errors) of that CLI command; its seconds in ``seconds``."""

    def __init__(self, root: Path, out: dict) -> None:
        super().__init__()
        self.root, self.out, self.seconds = root, out, {}

    def __setitem__(self, step: str, args: tuple[str, ...]) -> None:
        started = time.time()
        self.out[step] = _cli(self.root, *args)
        self.seconds[step] = time.time() - started

    def __getitem__(self, step: str):
        return self.out[step]


def _round_trip(tmp: Path) -> Class:
    root = tmp / "course"
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "instructor", root / "instructor", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "translations" / "bn").mkdir(parents=True)
    shutil.copy(REPO / "translations" / "bn" / "instructor.po", root / "translations" / "bn")
    _tiny_release_source(root)
    course = grade.Course.load(root)
    result = Class(root, course)
    run = _Timed(root, result.out)
    started = time.time()
    code, output = grade.run_nbgrader(course, ["generate_assignment", TINY, "--force"])
    assert code == 0, output[-3000:]
    run.seconds["generate"] = time.time() - started
    with grade.open_gradebook(course) as gradebook:  # lesson 2 released, nobody has handed it in
        gradebook.update_or_create_assignment("lesson2")
    release = nbformat.read(root / TINY / f"{TINY}.ipynb", as_version=4)
    right, wrong = "def double(x):\n    return 2 * x", "def double(x):\n    return x"
    canvas = _canvas_download(tmp / "canvas.zip", {
        "smithjane_10024_5024_tiny.ipynb": _tiny(release, right, "It multiplies by two."),
        "smithjane_LATE_10025_5025_tiny.ipynb": _tiny(release, wrong, "It returns x."),
        "müllerjörg_LATE_10031_5031_tiny.ipynb": _tiny(release, right, "Twice x."),
        "রহমানআনিসুর_LATE_10032_5032_tiny.ipynb": _tiny(release, right, "এটি x-কে দ্বিগুণ করে।", "bn"),
        "anon_Qx7Zp_5040_tiny.ipynb": _tiny(release, wrong, "No idea."),
    })
    submissions = [  # Canvas's API: GET /api/v1/courses/:id/assignments/:id/submissions
        {"user_id": 10024, "submitted_at": "2026-11-20T11:59:00Z", "attachments": [{"id": 5024}]},
        {"user_id": 10025, "submitted_at": "2026-11-22T11:59:00Z", "late": True, "attachments": [{"id": 5025}]},
        {"user_id": 10031, "submitted_at": "2026-11-21T00:09:00Z", "late": True, "attachments": [{"id": 5031}]},
        {"user_id": 10032, "submitted_at": "2026-11-21T23:59:00Z", "late": True, "attachments": [{"id": 5032}]},
        {"user_id": 10040, "submitted_at": None, "attachments": []}]
    (root / "canvas-submissions.json").write_text(json.dumps(submissions))
    moodle = _zip(tmp / "moodle.zip", {"Carl Copy_7001_assignsubmission_file_/tiny.ipynb":
                                       (_tiny(release, right, "Doubles."), DOWNLOADED)})
    (root / "gradebook-export.csv").write_text(CANVAS_GRADEBOOK, encoding="utf-8")
    (root / "worksheet.csv").write_text(MOODLE_SHEET, encoding="utf-8")
    rosters = ("--roster", "gradebook-export.csv", "--roster", "worksheet.csv", "--timezone", "UTC")

    run["collect untimed"] = ("collect", TINY, str(canvas), *rosters, "--dry-run")
    run["collect canvas"] = ("collect", TINY, str(canvas), *rosters,
                                 "--canvas-submissions", "canvas-submissions.json")
    run["collect moodle"] = ("collect", TINY, str(moodle), *rosters)
    run["deadline"] = ("deadline", TINY, "--due", "2026-11-20 23:59", "--timezone", "UTC",
                           "--extend", "rahman=2d", "--extend", "ada=3650d")
    run["autograde"] = ("autograde", TINY, "--cpu-limit", "10")
    assert run["autograde"][0] in (0, cli.ATTENTION), _explain(result, "collect canvas", "autograde")
    _mark(course, TINY, {"jsmith24": 2, "jsmith25": 1, "mueller": 2, "rahman": 2, "carl": 1, "anon_Qx7Zp": 0},
          {"rahman": "ভালো ব্যাখ্যা।", "jsmith24": "Well put."})
    run["export marked"] = ("export", "--to", "before-regrade.csv", "--assignment", TINY)

    # jsmith24 hands in again with another written answer; mueller's regrade changes nothing.
    again = _canvas_download(tmp / "canvas-again.zip", {
        "smithjane_10024_5124_tiny.ipynb": _tiny(release, right, "It returns 2 * x, always.")})
    submissions[0] = {"user_id": 10024, "submitted_at": "2026-11-20T12:30:00Z", "attachments": [{"id": 5124}]}
    (root / "canvas-submissions.json").write_text(json.dumps(submissions))
    run["collect again"] = ("collect", TINY, str(again), *rosters, "--force",
                                "--canvas-submissions", "canvas-submissions.json")
    run["regrade"] = ("autograde", TINY, "--cpu-limit", "10", "--force",
                          "--student", "jsmith24", "--student", "mueller")
    run["export stale mark"] = ("export", "--to", "stale.csv", "--assignment", TINY)
    run["feedback stale mark"] = ("feedback", TINY, "--allow-early")
    run["feedback early"] = ("feedback", TINY)
    _mark(course, TINY, {"jsmith24": 1})  # the grader confirms a new mark in formgrader
    run["extension over"] = ("deadline", TINY, "--extend", "ada=0")
    run["feedback"] = ("feedback", TINY)
    for fmt in lms.FORMATS:
        run[f"export {fmt}"] = ("export", "--format", fmt, "--to", f"grades-{fmt}.csv", *rosters[:4],
                                *(["--lms-column", f"{TINY}=Tiny lab"] if fmt == "moodle-gradebook" else []))
    run["export zero"] = ("export", "--to", "grades-zero.csv", "--missing-as-zero")
    print("LMS round trip, seconds per step: " + ", ".join(f"{k} {v:.1f}" for k, v in run.seconds.items()))
    return result


def _rows_of(path: Path, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in _csv(path)}


def test_a_canvas_zip_built_at_download_time_gives_no_time_and_canvas_record_the_real_ones(lms_class):
    code, output, _ = lms_class.out["collect untimed"]
    assert code == cli.ATTENTION, output
    assert output.count("NO TIME") == 1 and "Canvas's download has no hand-in times" in output, output
    assert "5 submission(s) have no hand-in time" in output
    times = {s: collect.read_timestamp(lms_class.course.path("submitted", s, TINY))
             for s in ("jsmith24", "jsmith25", "mueller", "rahman", "carl", "anon_Qx7Zp")}
    assert times == {"jsmith24": dt.datetime(2026, 11, 20, 12, 30, tzinfo=dt.UTC),
                     "jsmith25": dt.datetime(2026, 11, 22, 11, 59, tzinfo=dt.UTC),
                     "mueller": dt.datetime(2026, 11, 21, 0, 9, tzinfo=dt.UTC),
                     "rahman": dt.datetime(2026, 11, 21, 23, 59, tzinfo=dt.UTC),
                     "carl": dt.datetime(2026, 11, 20, 21, 35, tzinfo=dt.UTC),  # Moodle's worksheet
                     "anon_Qx7Zp": None}  # in no record: no time, no penalty
    _, collected, _ = lms_class.out["collect canvas"]
    assert "NO TIME    1 submission(s)" in collected and "anon_Qx7Zp" in collected, collected
    assert "UNMAPPED" not in collected and "MISSING    ada" in collected


def test_namesakes_unicode_bengali_and_anonymous_students_are_each_their_own(lms_class):
    owners = {collect.read_lms_info(lms_class.course.path("submitted", s, TINY)).source: s
              for s in ("jsmith24", "jsmith25", "mueller", "rahman", "anon_Qx7Zp")}
    assert owners == {"smithjane_10024_5124_tiny.ipynb": "jsmith24",
                      "smithjane_LATE_10025_5025_tiny.ipynb": "jsmith25",
                      "müllerjörg_LATE_10031_5031_tiny.ipynb": "mueller",
                      "রহমানআনিসুর_LATE_10032_5032_tiny.ipynb": "rahman",
                      "anon_Qx7Zp_5040_tiny.ipynb": "anon_Qx7Zp"}


def test_grace_is_on_time_and_an_extension_is_honoured(lms_class):
    _, output, _ = lms_class.out["deadline"]
    lines = {line.split()[0]: line for line in output.splitlines() if line[:1].isalpha()}
    assert "on time (within the 15m grace period, 10m after the due time)" in lines["mueller"], output
    assert "late by 1d 12h" in lines["jsmith25"] and "(extension 2d): on time" in lines["rahman"]
    # Canvas's LATE marker, cross-checked: Canvas knows neither the grace period nor the extension.
    assert "Canvas marked it late" in lines["mueller"] and "Canvas marked it late" in lines["rahman"]
    assert "Canvas" not in lines["jsmith25"] and "Canvas" not in lines["jsmith24"]
    assert "no hand-in time recorded: no late penalty" in lines["anon_Qx7Zp"]
    assert "nothing handed in" in lines["ada"]  # an extension, no submission
    assert "\n1 late submission(s) of 5" in output, output
    rows = _rows_of(lms_class.root / "grades-plain.csv", "student_id")
    assert float(rows["mueller"]["late_submission_penalty"]) == 0 == float(rows["rahman"]["late_submission_penalty"])
    assert float(rows["jsmith25"]["late_submission_penalty"]) == pytest.approx(0.2)  # 2 started days: 20% of 1


def test_a_regrade_that_changes_a_written_answer_needs_its_mark_confirmed(lms_class):
    for step in ("export stale mark", "feedback stale mark"):
        code, _, error = lms_class.out[step]
        assert code == 1 and "jsmith24: tiny/tiny why" in error, _explain(lms_class, step)
        assert "mueller" not in error  # regraded too, but his answer is the one that was marked
    rows = _rows_of(lms_class.root / "grades-plain.csv", "student_id")
    assert float(rows["jsmith24"]["score"]) == 2.0  # 1 test point + the confirmed new mark, 1


def test_feedback_waits_for_the_last_extension(lms_class):
    code, _, error = lms_class.out["feedback early"]
    assert code == 1 and "ada (until 2036-" in error and "--allow-early" in error, error
    assert lms_class.out["feedback"][0] == 0, _explain(lms_class, "feedback")


def _feedback(lms_class: Class, student: str) -> str:
    return (lms_class.root / "feedback" / student / TINY / f"{TINY}.html").read_text(encoding="utf-8")


def test_feedback_has_no_rubric_and_a_bengali_student_reads_bengali_around_the_work(lms_class):
    for student in ("jsmith24", "rahman", "carl"):
        html = _feedback(lms_class, student)
        assert "**Question.**" in html or "Question." in html
        assert "Rubric" not in html and "Model answer" not in html and "MARK SCHEME" not in html
    english, bengali = _feedback(lms_class, "jsmith24"), _feedback(lms_class, "rahman")
    assert ">Test cell</a>" in english and "<b>Comments:</b>" in english and "Score: 1.0 / 2.0" in english
    for label in ("Score:", ">Test cell<", ">Written response<", "Comments:", "Student's answer", "(Top)"):
        assert label not in bengali, label
    assert ">টেস্ট সেল</a>" in bengali and ">লিখিত উত্তর</a>" in bengali and "<b>মন্তব্য:</b>" in bengali
    assert "নম্বর: 2.0 / 2.0" in bengali and "এটি x-কে দ্বিগুণ করে।" in bengali


def test_feedback_zips_carry_each_lms_own_names(lms_class):
    with zipfile.ZipFile(lms_class.root / "feedback" / f"{TINY}-canvas-feedback.zip") as bundle:
        names = set(bundle.namelist())
    assert names == {"smithjane_10024_5124_tiny_feedback.html", "smithjane_LATE_10025_5025_tiny_feedback.html",
                     "müllerjörg_LATE_10031_5031_tiny_feedback.html",
                     "রহমানআনিসুর_LATE_10032_5032_tiny_feedback.html", "anon_Qx7Zp_5040_tiny_feedback.html"}
    with zipfile.ZipFile(lms_class.root / "feedback" / f"{TINY}-moodle-feedback.zip") as bundle:
        assert bundle.namelist() == ["Carl Copy_7001_assignsubmission_file/tiny_feedback.html"]


def test_canvas_import_has_canvas_columns_and_only_grades_the_course_produced(lms_class):
    code, output, _ = lms_class.out["export canvas"]
    text = (lms_class.root / "grades-canvas.csv").read_text(encoding="utf-8")
    header, points, *lines = list(csv.reader(io.StringIO(text)))
    # Canvas's own columns, the assignment's column as Canvas's export names it; no Lesson 2.
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Tiny lab (4242)"], text
    assert points == ["Points Possible", "", "", "", "", "3"]
    rows = {r[1]: r for r in lines}
    assert rows == {
        "10024": ["Smith, Jane", "10024", "S024", "jsmith24@uni.example", "A", "2"],
        "10025": ["Smith, Jane", "10025", "S025", "jsmith25@uni.example", "B", "0.8"],
        "10031": ["Müller, Jörg", "10031", "S031", "mueller", "A", "3"],
        "10032": ["রহমান, আনিসুর", "10032", "S032", "rahman", "B", "3"]}, text  # no Ada: no grade
    assert code == cli.ATTENTION and "lesson2: nobody's submission has been collected" in output
    assert "carl: no Canvas user id" in output and "anon_Qx7Zp: an anonymous submission" in output


def test_moodle_worksheet_is_moodles_own_with_grades_filled_in(lms_class):
    text = (lms_class.root / "grades-moodle.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == MOODLE_COLUMNS
    rows = _rows_of(lms_class.root / "grades-moodle.csv", "Identifier")
    assert set(rows) == {"Participant 7001", "Participant 7002"}  # never a Canvas id as a participant
    carl = rows["Participant 7001"]
    assert carl["Grade"] == "2" and carl["Feedback comments"] == "Seen in the lab session"  # Moodle's own
    sheet = list(csv.DictReader(io.StringIO(MOODLE_SHEET)))
    assert rows["Participant 7002"] == sheet[1]  # nothing of ours: as Moodle wrote it
    assert {k: v for k, v in carl.items() if k != "Grade"} == {k: v for k, v in sheet[0].items() if k != "Grade"}


def test_moodle_gradebook_and_plain_exports_invent_no_grade(lms_class):
    book = _csv(lms_class.root / "grades-moodle-gradebook.csv")
    assert list(book[0]) == ["First name", "Surname", "ID number", "Email address", "Tiny lab"]
    assert "Ada" not in {r["First name"] for r in book} and len(book) == 6
    plain = _csv(lms_class.root / "grades-plain.csv")
    assert {r["assignment"] for r in plain} == {TINY}  # lesson 2 was never handed in: not exported
    ada = next(r for r in plain if r["student_id"] == "ada")
    assert (ada["score"], ada["status"]) == ("", "no submission")
    zero = next(r for r in _csv(lms_class.root / "grades-zero.csv") if r["student_id"] == "ada")
    assert zero["score"] == "0"  # only when asked for


# ---------------------------------------------------------------------------------------------
# The class report
# ---------------------------------------------------------------------------------------------
def test_class_report_shows_scores_questions_hardest_tests_and_copies(klass):
    code, output, _ = klass.out["report"]
    assert code == 0, output
    path = klass.course.path("autograded", f"class-report-{ASSIGNMENT}.html")
    text = path.read_text()
    assert text.count('src="data:image/png;base64,') == 2 and "<script" not in text
    assert "http://" not in text and "https://" not in text  # self-contained
    order = [m for m in re.findall(r"<code>([\w-]+)</code>", text.split("<h2>Hardest")[0])]
    source = nbformat.read(klass.course.path("source", ASSIGNMENT, f"{NOTEBOOK}.ipynb"), as_version=4)
    graded = [_meta(c)["grade_id"] for c in source.cells if _meta(c).get("points")]
    assert order == graded  # notebook order
    groups = text.split("<h2>Near-identical")[1]
    assert re.search(r"<td>1</td><td>2</td><td>carl \(Carl Copy\), pete \(Pete Partial\)</td>", groups), groups
    assert "bea" in groups.split("Blank")[1] and "bea" not in groups.split("Blank")[0]


def test_similarity_ignores_comments_layout_and_names_but_not_logic():
    original = "def forward(self, x):\n    self.x = x\n    return x @ self.W.T + self.b\n"
    renamed = "def forward(self, inputs):  # mine\n\n    self.x = inputs\n    return inputs @ self.W.T + self.b\n"
    different = "def forward(self, x):\n    self.x = x\n    return np.maximum(x, 0) * self.W.sum()\n"
    a, b, c = (class_report.shingles(class_report.normalised_tokens(s)) for s in (original, renamed, different))
    assert class_report.jaccard(a, b) == 1.0
    assert class_report.jaccard(a, c) < class_report.THRESHOLD


# ---------------------------------------------------------------------------------------------
# Screenshots in Chromium: the class report and formgrader's manual grading with the rubric
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip(MISSING)
    playwright = pytest.importorskip("playwright.sync_api")
    with tempfile_dir() as profile, playwright.sync_playwright() as p:
        context = launch(p, profile, width=1300)
        yield context
        context.close()


@contextlib.contextmanager
def tempfile_dir():
    import tempfile

    folder = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_screenshot_of_the_class_report(klass, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    page.goto(klass.course.path("autograded", f"class-report-{ASSIGNMENT}.html").as_uri())
    assert page.locator("img").count() == 2
    assert all(page.evaluate("(img) => img.naturalWidth > 0", img) for img in page.locator("img").element_handles())
    shot = ARTIFACTS / "class-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    page.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_formgrader_shows_the_rubric_next_to_the_answer(klass, browser, tmp_path):
    """Manual Grading -> lab -> mnist_lab -> a submission: the question cells show their rubric."""
    port, token = _free_port(), "instructor-loop-test"
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    log = tmp_path / "jupyter-server.log"
    with open(log, "w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}",
             "--ip=127.0.0.1", "--allow-root", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={klass.root}"],
            cwd=klass.root, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        page = browser.new_page()
        for _ in range(90):
            try:
                page.goto(f"{base}/formgrader?token={token}", timeout=5000)
                break
            except Exception:  # noqa: BLE001 (the server is still starting)
                assert server.poll() is None, log.read_text()[-3000:]
                time.sleep(1)
        else:
            raise AssertionError(f"jupyter server did not start:\n{log.read_text()[-3000:]}")
        page.goto(f"{base}/formgrader/gradebook")  # the "Manual Grading" page
        page.get_by_role("link", name=ASSIGNMENT, exact=True).click()
        page.get_by_role("link", name=NOTEBOOK, exact=True).click()
        page.get_by_role("link", name=re.compile(r"Submission #\d+")).first.click()
        page.wait_for_selector("text=Question 1.", timeout=60000)
        assert page.locator("text=Rubric (3 points).").count() == 4
        assert "MARK SCHEME" not in page.locator("body").inner_text()  # the markers render as nothing
        page.locator("text=Question 1.").first.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "formgrader-manual-grading.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
        page.close()
    finally:
        stop(server)


def test_students_never_get_the_rubric():
    student = (REPO / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    assert "Rubric (3 points)" not in student and "MARK SCHEME" not in student
    source = (REPO / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    assert source.count("Rubric (3 points)") == 4


# ---------------------------------------------------------------------------------------------
# Nothing private slips into git; the check before release
# ---------------------------------------------------------------------------------------------
def test_git_status_stays_clean_after_the_documented_workflow(klass):
    status = _git(klass.root, "status", "--porcelain", "--untracked-files=all")
    assert status == "", f"files with student data that git would add:\n{status}"
    made = [p for p in ("roster.csv", "map.csv", "collect.csv", "grades.csv", "grades-canvas.csv",
                        "grades-moodle.csv", "gradebook.db", "submitted", "autograded", "feedback")
            if (klass.root / p).exists()]
    assert len(made) == 10, made  # the workflow did create them: ignoring is what kept git clean


def _tiny_assignment(root: Path, tests: dict[str, str]) -> None:
    """A one-notebook assignment: an answer cell defining double(x), and the given test cells."""
    cells = [nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                                       "    ### END SOLUTION")]
    cells[0].metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                     "grade_id": "answer", "schema_version": 3}
    for grade_id, code in tests.items():
        cell = nbformat.v4.new_code_cell(code)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                     "grade_id": grade_id, "schema_version": 3}
        cells.append(cell)
    (root / "source" / "tiny").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "source" / "tiny" / "tiny.ipynb")


def test_check_reports_the_tests_that_do_not_discriminate(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "instructor", root / "instructor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    _tiny_assignment(root, {"good": "assert double(3) == 6",
                            "trivial": "assert True",
                            "wrong": "assert double(3) == 7"})
    code, output, _ = _cli(root, "check", "tiny")
    assert code == cli.ATTENTION, output
    lines = {line.split()[0]: line for line in output.splitlines() if line[:1].isalpha()}
    assert lines["good"].endswith("ok"), output
    assert lines["trivial"].endswith("PASSES ON THE BLANK NOTEBOOK"), output
    assert lines["wrong"].endswith("FAILS ON THE ANSWER KEY"), output
    assert "NOT READY: 2 test cell(s) do not discriminate" in output
    assert not (root / "gradebook.db").exists() and not (root / "submitted").exists()
    assert "check-answer-key" not in "".join(str(p) for p in root.rglob("*"))
