"""The way back to the LMS: grades in its import format, feedback files named for its bulk upload.

What an export holds (``python -m instructor export --format ...``): only assignments that were
collected and autograded (an assignment nobody handed in yet is left out and said so, never
exported as zeros); a student with no submission has an empty grade (0 only with
``--missing-as-zero``); a student whose written answers are not all marked has an empty grade,
and export refuses that unless ``--allow-incomplete``. The LMS formats leave out students with
nothing to import, so a grade the course did not produce is never written over (a Canvas row
that would hold a blank beside a grade is named in a warning: export one assignment at a time).

- ``plain``: nbgrader's export columns (``assignment, duedate, timestamp, student_id,
  last_name, first_name, email, raw_score, late_submission_penalty, score, max_score``) plus
  ``lms_user_id``, ``status`` and ``not_graded_yet``; every gradebook student.
- ``canvas``: Canvas's gradebook import CSV, as Canvas exports it: ``Student`` ("Last, First"),
  ``ID`` (Canvas user id: from the download's file names or the roster's Canvas ids), ``SIS
  User ID``, ``SIS Login ID``, ``Section``, then one column per assignment, after a ``Points
  Possible`` row. The column is Canvas's own (``MNIST lab (123456)``): from Canvas's gradebook
  export given as ``--roster`` (the column named like the assignment), or ``--lms-column``.
- ``moodle``: the Moodle assignment's offline grading worksheet (*Upload grading worksheet*).
  With Moodle's own worksheet given as ``--roster``: that very file with the ``Grade`` of each
  graded student filled in and every other cell as Moodle wrote it (its ``Feedback comments``
  and ``Last modified (grade)``, so Moodle itself skips a grade changed there since). Without it:
  ``Identifier`` ("Participant <n>", from the Moodle download's folder names or the roster's
  Moodle ids, never a Canvas id), ``Full name``, ``Email address``, ``Status``, ``Grade``,
  ``Maximum grade``, ``Grade can be changed``, ``Last modified (submission)``, ``Last modified
  (grade)`` (now), and no feedback column, so no comment in Moodle is overwritten.
- ``moodle-gradebook``: Moodle's gradebook CSV import (*Import → CSV file*): ``First name``,
  ``Surname``, ``ID number``, ``Email address``, one column per assignment; map "Email address"
  to "useremail" when importing.

Feedback files (``python -m instructor feedback``), besides nbgrader's
``feedback/<student>/<assignment>/<notebook>.html`` and the plain zip:

- ``feedback/<assignment>-canvas-feedback.zip``: ``<name>[_LATE]_<user id>_<attachment id>_<notebook>_feedback.html``
  (anonymous: ``[LATE_]anon_<id>_<attachment id>_...``), the downloaded file's own prefix,
  which Canvas's re-upload of submissions reads back.
- ``feedback/<assignment>-moodle-feedback.zip``: ``<Full name>_<participant id>_assignsubmission_file/<notebook>_feedback.html``,
  the download's folder names, which Moodle's *Upload multiple feedback files in a zip* reads
  back (the participant id is the second part of a folder name split at underscores).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.grade import Course, GradingError, open_gradebook
from ..reports import marking
from . import collect, deadlines

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
    missing_as_zero: bool = False

    @property
    def score(self) -> float | None:
        """The final score; None while written answers are unmarked, and for no submission
        (unless the instructor asked for 0): an export never invents a grade."""
        if not self.submitted:
            return 0.0 if self.missing_as_zero else None
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


def collected(course: Course, assignments: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(assignments with at least one autograded submission, the others): only the former are
    exported; an assignment nobody handed in yet has no grades, not zeros."""
    with open_gradebook(course) as gradebook:
        names = [a.name for a in gradebook.assignments]
        for name in assignments or []:
            if name not in names:
                raise GradingError(f"no assignment {name!r} in the gradebook (it has: "
                                   f"{', '.join(names) or 'none'})")
        done, not_yet = [], []
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            graded = any(s.notebooks and course.path("autograded", s.student_id, assignment.name).is_dir()
                         for s in assignment.submissions)
            (done if graded else not_yet).append(assignment.name)
    return done, not_yet


def rows(course: Course, assignments: list[str], missing_as_zero: bool = False) -> list[Row]:
    """Every gradebook student for the given assignments."""
    from nbgrader.api import MissingEntry

    pending: dict[tuple[str, str], list[str]] = {}
    for u in marking.unmarked(course, assignments):
        pending.setdefault((u.student, u.assignment), []).append(f"{u.notebook}/{u.grade_id}")
    result = []
    with open_gradebook(course) as gradebook:
        for assignment in gradebook.assignments:
            if assignment.name not in assignments:
                continue
            for student in gradebook.students:
                row = Row(student.id, assignment.name, student.first_name or "",
                          student.last_name or "", student.email or "", student.lms_user_id or "",
                          assignment.duedate, max_score=assignment.max_score,
                          missing_as_zero=missing_as_zero)
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    submission = None
                autograded = course.path("autograded", student.id, assignment.name).is_dir()
                if submission is not None and autograded and submission.notebooks:
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
                             r.first_name, r.email, _number(r.raw_score if r.submitted else None),
                             _number(r.late_penalty if r.submitted else None), _number(r.score),
                             _number(r.max_score), r.lms_user_id, r.status, "; ".join(r.not_graded_yet)])


def _roster_by_id(roster: list[collect.Student] | None) -> dict[str, collect.Student]:
    return {s.id: s for s in roster or []}


def _by_student(table: list[Row]) -> tuple[list[str], dict[str, dict[str, Row]]]:
    assignments = sorted({r.assignment for r in table})
    students: dict[str, dict[str, Row]] = {}
    for r in table:
        students.setdefault(r.student, {})[r.assignment] = r
    return assignments, students


def _without_id(column: str) -> str:
    return re.sub(r"\s*\(\d+\)$", "", column)


def _names(assignment: str, column: str) -> bool:
    """Does an LMS column name name this assignment ('lesson2': 'Lesson 2'; 'lab': 'MNIST lab')?"""
    return (collect.compact(column) == collect.compact(assignment)
            or collect.normalise(assignment) in collect.normalise(column).split("_"))


def lms_columns(assignments: list[str], columns: dict[str, str], roster: list[collect.Student] | None
                ) -> tuple[dict[str, str], list[str]]:
    """The LMS's column for each assignment, and warnings. ``--lms-column`` wins (a name without
    Canvas's "(id)" is completed from a gradebook export given as roster); else the export's
    only column naming the assignment (its name, or a word of it); else the assignment's name
    (a new column in the LMS)."""
    known = getattr(roster, "canvas_columns", []) or []
    chosen, warnings = {}, []
    for assignment in assignments:
        wanted = columns.get(assignment)
        if wanted:
            same = [c for c in known if c == wanted or _without_id(c) == wanted]
            chosen[assignment] = same[0] if len(same) == 1 else wanted
            continue
        same = [c for c in known if _names(assignment, _without_id(c))]
        if len(same) == 1:
            chosen[assignment] = same[0]
        elif known:
            raise GradingError(f"the Canvas gradebook export has {'several columns' if same else 'no column'} "
                               f"named like {assignment!r} ({', '.join(same or known)}): pass "
                               f"--lms-column '{assignment}=<its column>'")
        else:
            chosen[assignment] = assignment
            warnings.append(f"{assignment}: no LMS column given, so the column is {assignment!r} and the "
                            "LMS would make it a new assignment; pass the LMS's gradebook export as "
                            f"--roster, or --lms-column '{assignment}=<its column>'")
    return chosen, warnings


def _graded_only(students: dict[str, dict[str, Row]], assignments: list[str]) -> dict[str, dict[str, Row]]:
    """Students with at least one grade to import: a row of blanks changes nothing, so none is written."""
    return {s: r for s, r in students.items() if any(r[a].score is not None for a in assignments)}


def write_canvas(path: Path, table: list[Row], roster: list[collect.Student] | None,
                 columns: dict[str, str]) -> list[str]:
    """Canvas gradebook import CSV; returns warnings (students Canvas could not match, left out)."""
    assignments, students = _by_student(table)
    people = _roster_by_id(roster)
    names, warnings = lms_columns(assignments, columns, roster)
    graded = _graded_only(students, assignments)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         *[names[a] for a in assignments]])
        writer.writerow(["Points Possible", "", "", "", "",
                         *[_number(next(iter(students.values()))[a].max_score) for a in assignments]])
        for student, results in sorted(graded.items()):
            first = next(iter(results.values()))
            person = people.get(student)
            # A Canvas user id from the Canvas download or the roster's Canvas column: never
            # another LMS's id.
            canvas_id = next((r.lms.canvas_user_id for r in results.values() if r.lms.canvas_user_id), "") \
                or (person.canvas_id if person else "")
            sis_user = person.sis_user_id if person else ""
            sis_login = person.sis_login_id if person else ""
            if not (canvas_id or sis_user or sis_login):
                anonymous = any(r.lms.canvas_anonymous_id for r in results.values())
                warnings.append(f"{student}: " + ("an anonymous submission: Canvas cannot match a row "
                                                  "to it; enter the grade in SpeedGrader" if anonymous else
                                                  "no Canvas user id (not in a Canvas download, no canvas_id "
                                                  "on the roster) and no SIS id: Canvas cannot match a row")
                                + ", so it is left out")
                continue
            name = ", ".join(p for p in (first.last_name, first.first_name) if p) or student
            blanks = [a for a in assignments if results[a].score is None]
            if blanks:
                warnings.append(f"{student}: no grade for {', '.join(blanks)} in a row with grades; "
                                "import one assignment at a time (--assignment) so Canvas gets no blank")
            writer.writerow([name, canvas_id, sis_user, sis_login, person.section if person else "",
                             *[_number(results[a].score) for a in assignments]])
    return warnings


WORKSHEET = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum grade",
             "Grade can be changed", "Last modified (submission)", "Last modified (grade)"]


def _participant(row: Row, person: collect.Student | None) -> str:
    """The Moodle participant id: from the Moodle download or the roster's Moodle column only."""
    return row.lms.moodle_participant_id or (person.moodle_id if person else "")


def write_moodle_worksheet(path: Path, table: list[Row], roster: list[collect.Student] | None = None,
                           now: dt.datetime | None = None) -> list[str]:
    """Moodle's offline grading worksheet for one assignment; returns warnings.

    With the worksheet Moodle gave (``--roster``): that file with the Grade of each graded
    student filled in, every other cell as Moodle wrote it (feedback comments, its times, rows of
    students with nothing to import). Without it: only graded students, no feedback column."""
    assignments = sorted({r.assignment for r in table})
    if len(assignments) != 1:
        raise GradingError("the Moodle grading worksheet holds one assignment: pass --assignment NAME")
    people = _roster_by_id(roster)
    worksheet = getattr(roster, "worksheet", None)
    warnings = []
    grades = {}
    for r in table:
        if r.score is None:
            continue
        participant = _participant(r, people.get(r.student))
        if participant:
            grades[participant] = r
        else:
            warnings.append(f"{r.student}: no Moodle participant id (not in a Moodle download, no "
                            "moodle_id on the roster): left out of the worksheet")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if worksheet is not None:
            writer.writerow(worksheet.header)
            for line in worksheet.rows:
                r = grades.pop(_number_in(line.get("Identifier", "")), None)
                if r is not None:
                    line = {**line, "Grade": _number(r.score)}
                writer.writerow([line.get(h, "") for h in worksheet.header])
            for participant, r in sorted(grades.items()):
                warnings.append(f"{r.student}: Participant {participant} is not in Moodle's worksheet "
                                f"{worksheet.path}: left out")
            return warnings
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow(WORKSHEET)
        for participant, r in sorted(grades.items(), key=lambda item: item[1].student):
            writer.writerow([f"Participant {participant}", f"{r.first_name} {r.last_name}".strip() or r.student,
                             r.email, "Submitted for grading" if r.submitted else "No submission",
                             _number(r.score), _number(r.max_score), "Yes", _time(r.timestamp), stamp])
    return warnings


def _number_in(identifier: str) -> str:
    match = re.search(r"(\d+)\s*$", identifier)
    return match[1] if match else ""


def write_moodle_gradebook(path: Path, table: list[Row], roster: list[collect.Student] | None,
                           columns: dict[str, str]) -> list[str]:
    assignments, students = _by_student(table)
    people = _roster_by_id(roster)
    names, warnings = lms_columns(assignments, columns, None)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Surname", "ID number", "Email address", *[names[a] for a in assignments]])
        for student, results in sorted(_graded_only(students, assignments).items()):
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
           allow_incomplete: bool = False, missing_as_zero: bool = False) -> tuple[Path, list[str]]:
    """Write the grades in ``fmt``; returns the file and warnings. Only assignments that were
    collected and graded; refuses while answers are unmarked unless ``allow_incomplete``."""
    if fmt not in FORMATS:
        raise GradingError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    names, not_yet = collected(course, assignments)
    if not names:
        raise GradingError("nothing to export: no submission of "
                           f"{', '.join(assignments or not_yet) or 'any assignment'} has been collected "
                           "and autograded yet")
    marking.require_marked(course, names, allow_incomplete, "export")
    for name in names:
        deadlines.refresh_penalties(course, name)
    table = rows(course, names, missing_as_zero)
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
        warnings = write_moodle_worksheet(destination, table, roster)
    else:
        warnings = write_moodle_gradebook(destination, table, roster, columns)
    skipped = [f"{name}: nobody's submission has been collected and graded: not exported" for name in not_yet]
    return destination, skipped + warnings


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
