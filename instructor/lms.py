"""The way back to the LMS: grades in its import format, feedback files named for its bulk upload.

Grade files (``python -m instructor export --format ...``), one row per student:

- ``plain``: nbgrader's export columns (``assignment, duedate, timestamp, student_id,
  last_name, first_name, email, raw_score, late_submission_penalty, score, max_score``) plus
  ``lms_user_id``, ``status`` and ``not_graded_yet``.
- ``canvas``: Canvas's gradebook import CSV, as Canvas exports it: ``Student`` ("Last, First"),
  ``ID`` (Canvas user id), ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per
  assignment (``--lms-column``, e.g. ``MNIST lab (123456)`` as in Canvas's own export), after
  a ``Points Possible`` row. Canvas matches rows by ``ID`` (from the download's file names) or
  the SIS ids (roster columns ``sis_user_id``, ``sis_login_id``, ``section``).
- ``moodle``: the Moodle assignment's offline grading worksheet (*Upload grading worksheet*):
  ``Identifier`` ("Participant <n>", the number in the download's folder names), ``Full name``,
  ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``, ``Grade can be changed``,
  ``Last modified (submission)``, ``Last modified (grade)``, ``Feedback comments``. Moodle needs
  the ``Identifier``, ``Grade`` and ``Last modified (grade)`` columns.
- ``moodle-gradebook``: Moodle's gradebook CSV import (*Import → CSV file*): ``First name``,
  ``Surname``, ``ID number``, ``Email address``, one column per assignment; map "Email address"
  to "useremail" when importing.

A student whose written answers are not all marked gets an empty grade (the LMS leaves it
ungraded), never 0; export refuses that unless ``--allow-incomplete``. A roster student who
handed in nothing gets 0.

Feedback files (``python -m instructor feedback``), besides nbgrader's
``feedback/<student>/<assignment>/<notebook>.html`` and the plain zip:

- ``feedback/<assignment>-canvas-feedback.zip``: ``<name>[_LATE]_<user id>_<attachment id>_<notebook>_feedback.html``,
  the downloaded file's own prefix, which Canvas's *Upload Feedback Comments* reads back
  (it takes the first two numbers between underscores as user and attachment ids).
- ``feedback/<assignment>-moodle-feedback.zip``: ``<Full name>_<participant id>_assignsubmission_file/<notebook>_feedback.html``,
  the download's folder names, which Moodle's *Upload multiple feedback files in a zip* reads
  back (the participant id is the second part of a folder name split at underscores).
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import collect, deadlines, marking
from .grade import Course, GradingError, _gradebook

FORMATS = ("plain", "canvas", "moodle", "moodle-gradebook")


@dataclass
class Row:
    """One student's result for one assignment, from the gradebook and what collect stored."""

    student: str
    assignment: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    duedate: dt.datetime | None = None
    timestamp: dt.datetime | None = None
    raw_score: float = 0.0
    late_penalty: float = 0.0
    max_score: float = 0.0
    submitted: bool = False
    not_graded_yet: list[str] = field(default_factory=list)
    lms: collect.LmsInfo = field(default_factory=collect.LmsInfo)

    @property
    def score(self) -> float | None:
        """The final score, or None while written answers are unmarked."""
        if self.not_graded_yet:
            return None
        return max(0.0, self.raw_score - self.late_penalty)

    @property
    def status(self) -> str:
        if not self.submitted:
            return "no submission"
        if self.not_graded_yet:
            return f"{marking.NOT_GRADED_YET} ({len(self.not_graded_yet)} answer(s))"
        return "graded"


def rows(course: Course, assignments: list[str] | None = None) -> list[Row]:
    """Every gradebook student for every (or the given) assignment."""
    from nbgrader.api import MissingEntry

    pending: dict[tuple[str, str], list[str]] = {}
    for u in marking.unmarked(course, assignments):
        pending.setdefault((u.student, u.assignment), []).append(f"{u.notebook}/{u.grade_id}")
    result = []
    with _gradebook(course) as gradebook:
        names = [a.name for a in gradebook.assignments]
        for name in assignments or names:
            if name not in names:
                raise GradingError(f"no assignment {name!r} in the gradebook (it has: "
                                   f"{', '.join(names) or 'none'})")
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for student in gradebook.students:
                row = Row(student.id, assignment.name, student.first_name or "",
                          student.last_name or "", student.email or "", student.lms_user_id or "",
                          assignment.duedate, max_score=assignment.max_score)
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    submission = None
                autograded = course.path("autograded", student.id, assignment.name).is_dir()
                if submission is not None and autograded:
                    row.submitted = True
                    row.timestamp = submission.timestamp
                    row.raw_score = submission.score
                    row.late_penalty = submission.late_submission_penalty or 0.0
                    row.not_graded_yet = pending.get((student.id, assignment.name), [])
                row.lms = collect.read_lms_info(course.path("submitted", student.id, assignment.name))
                result.append(row)
    return sorted(result, key=lambda r: (r.assignment, r.student))


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _time(value: dt.datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def write_plain(path: Path, table: list[Row]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                         "email", "raw_score", "late_submission_penalty", "score", "max_score",
                         "lms_user_id", "status", "not_graded_yet"])
        for r in table:
            writer.writerow([r.assignment, _time(r.duedate), _time(r.timestamp), r.student, r.last_name,
                             r.first_name, r.email, _number(r.raw_score), _number(r.late_penalty),
                             _number(r.score), _number(r.max_score), r.lms_user_id, r.status,
                             "; ".join(r.not_graded_yet)])


def _roster_by_id(roster: list[collect.Student] | None) -> dict[str, collect.Student]:
    return {s.id: s for s in roster or []}


def _by_student(table: list[Row]) -> tuple[list[str], dict[str, dict[str, Row]]]:
    assignments = sorted({r.assignment for r in table})
    students: dict[str, dict[str, Row]] = {}
    for r in table:
        students.setdefault(r.student, {})[r.assignment] = r
    return assignments, students


def write_canvas(path: Path, table: list[Row], roster: list[collect.Student] | None,
                 columns: dict[str, str]) -> list[str]:
    """Canvas gradebook import CSV; returns warnings (students Canvas could not match)."""
    assignments, students = _by_student(table)
    people = _roster_by_id(roster)
    warnings = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         *[columns.get(a, a) for a in assignments]])
        writer.writerow(["Points Possible", "", "", "", "",
                         *[_number(next(iter(students.values()))[a].max_score) for a in assignments]])
        for student, results in sorted(students.items()):
            first = next(iter(results.values()))
            person = people.get(student)
            # The roster's lms_id is a Canvas user id unless the student came from a Moodle download.
            canvas_id = next((r.lms.canvas_user_id for r in results.values() if r.lms.canvas_user_id), "") \
                or ("" if any(r.lms.lms == "moodle" for r in results.values()) else first.lms_user_id)
            sis_user = person.sis_user_id if person else ""
            sis_login = person.sis_login_id if person else ""
            if not (canvas_id or sis_user or sis_login):
                warnings.append(f"{student}: no Canvas user id (not in a Canvas download, no lms_id "
                                "in the roster) and no SIS id: Canvas cannot match this row")
            name = ", ".join(p for p in (first.last_name, first.first_name) if p) or student
            writer.writerow([name, canvas_id, sis_user, sis_login, person.section if person else "",
                             *[_number(results[a].score) for a in assignments]])
    return warnings


def write_moodle_worksheet(path: Path, table: list[Row], now: dt.datetime | None = None) -> list[str]:
    """Moodle's offline grading worksheet for one assignment; returns warnings."""
    assignments = sorted({r.assignment for r in table})
    if len(assignments) != 1:
        raise GradingError("the Moodle grading worksheet holds one assignment: pass --assignment NAME")
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M:%S")
    warnings = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                         "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                         "Feedback comments"])
        for r in table:
            # The roster's lms_id is a Moodle participant id unless the student came from Canvas.
            participant = r.lms.moodle_participant_id or ("" if r.lms.lms == "canvas" else r.lms_user_id)
            if not participant:
                warnings.append(f"{r.student}: no Moodle participant id (not in a Moodle download, no "
                                "lms_id in the roster): left out of the worksheet")
                continue
            comment = r.status if r.submitted else "no submission"
            if r.late_penalty:
                comment += f"; late penalty {r.late_penalty:g}"
            writer.writerow([f"Participant {participant}", f"{r.first_name} {r.last_name}".strip() or r.student,
                             r.email, "Submitted for grading" if r.submitted else "No submission",
                             _number(r.score), _number(r.max_score), "Yes", _time(r.timestamp), stamp,
                             comment])
    return warnings


def write_moodle_gradebook(path: Path, table: list[Row], roster: list[collect.Student] | None,
                           columns: dict[str, str]) -> list[str]:
    assignments, students = _by_student(table)
    people = _roster_by_id(roster)
    warnings = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Surname", "ID number", "Email address",
                         *[columns.get(a, a) for a in assignments]])
        for student, results in sorted(students.items()):
            first = next(iter(results.values()))
            if not first.email:
                warnings.append(f"{student}: no e-mail address (add it to the roster): Moodle cannot "
                                "match this row by e-mail")
            person = people.get(student)
            writer.writerow([first.first_name, first.last_name, person.sis_user_id if person else "",
                             first.email, *[_number(results[a].score) for a in assignments]])
    return warnings


def export(course: Course, to: str | Path, fmt: str = "plain", assignments: list[str] | None = None,
           roster: list[collect.Student] | None = None, columns: dict[str, str] | None = None,
           allow_incomplete: bool = False) -> tuple[Path, list[str]]:
    """Write the grades in ``fmt``; returns the file and warnings. Refuses while answers are
    unmarked unless ``allow_incomplete``."""
    if fmt not in FORMATS:
        raise GradingError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    marking.require_marked(course, assignments, allow_incomplete, "export")
    with _gradebook(course) as gradebook:
        names = assignments or [a.name for a in gradebook.assignments]
    for name in names:
        deadlines.refresh_penalties(course, name)
    table = rows(course, assignments)
    if not table:
        raise GradingError("the gradebook has no students yet: collect and autograde first")
    destination = Path(to)
    if not destination.is_absolute():
        destination = Path.cwd() / destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or {}
    if fmt == "plain":
        write_plain(destination, table)
        warnings = []
    elif fmt == "canvas":
        warnings = write_canvas(destination, table, roster, columns)
    elif fmt == "moodle":
        warnings = write_moodle_worksheet(destination, table)
    else:
        warnings = write_moodle_gradebook(destination, table, roster, columns)
    return destination, warnings


def feedback_names(course: Course, assignment: str) -> dict[str, dict[str, str]]:
    """{lms: {html path in feedback/: name in that LMS's upload zip}} for every feedback file."""
    names: dict[str, dict[str, str]] = {"canvas": {}, "moodle": {}}
    for html in sorted(course.path("feedback").glob(f"*/{assignment}/*.html")):
        student = html.parent.parent.name
        info = collect.read_lms_info(course.path("submitted", student, assignment))
        if info.lms == "canvas":
            names["canvas"][str(html)] = f"{info.prefix}_{html.stem}_feedback.html"
        elif info.lms == "moodle":
            names["moodle"][str(html)] = f"{info.prefix}/{html.stem}_feedback.html"
    return names


def feedback_zips(course: Course, assignment: str) -> tuple[list[Path], list[str]]:
    """One zip per LMS the class came from; returns them and the students in neither."""
    archives = []
    in_zip: set[str] = set()
    for lms, files in feedback_names(course, assignment).items():
        if not files:
            continue
        archive = course.path("feedback", f"{assignment}-{lms}-feedback.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for html, name in files.items():
                bundle.write(html, name)
                in_zip.add(Path(html).parent.parent.name)
        archives.append(archive)
    everyone = {p.parent.parent.name for p in course.path("feedback").glob(f"*/{assignment}/*.html")}
    return archives, sorted(everyone - in_zip)
