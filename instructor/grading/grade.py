"""Autograde a whole class with nbgrader, robustly, and report per student.

The scoring and recording are nbgrader's (its ``Autograde`` converter and preprocessors,
``generate_feedback``, ``export``); ``autograde`` below is the whole path of one run, in this
process: check the submissions, sanitise each one, run its notebooks on workers (each in its own
sandbox and judge), record each student in the gradebook as their results arrive, report.

- A notebook that is not valid JSON, is not a notebook, or is missing is reported for that
  student and not graded (its stale results, if any, are removed, so the student is exported
  with 0 points until a valid notebook is collected); everyone else is graded.
- A submission that cannot be prepared, run or recorded is that student's failure, with the
  reason; every other student is graded and recorded, and the report is written.
- Timeouts and sandbox events (a notebook stopped for ignoring its time limits, or graded
  without a sandbox) are read back from the autograded notebooks into the report.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .preprocessors import METADATA_KEY


class GradingError(Exception):
    """The course folder or the assignment is not usable (not a student's problem)."""


# ---------------------------------------------------------------------------------------------
# The course folder
# ---------------------------------------------------------------------------------------------
@dataclass
class Course:
    root: Path
    source: str = "source"
    submitted: str = "submitted"
    autograded: str = "autograded"
    feedback: str = "feedback"
    db_url: str = ""
    config: Any = None  # nbgrader_config.py, loaded once: every step of a run reads this one

    @classmethod
    def load(cls, root: str | os.PathLike = ".") -> Course:
        root = Path(root).resolve()
        config_file = root / "nbgrader_config.py"
        if not config_file.is_file():
            raise GradingError(f"{root} has no nbgrader_config.py: run this from the course folder "
                               "(the repository root) or pass --course")
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
        directories = config.get("CourseDirectory", {})
        course = cls(root, config=config,
                     source=directories.get("source_directory", "source"),
                     submitted=directories.get("submitted_directory", "submitted"),
                     autograded=directories.get("autograded_directory", "autograded"),
                     feedback=directories.get("feedback_directory", "feedback"))
        db_url = directories.get("db_url", "") or f"sqlite:///{root / 'gradebook.db'}"
        if db_url.startswith("sqlite:///") and not os.path.isabs(db_url[len("sqlite:///"):]):
            db_url = f"sqlite:///{root / db_url[len('sqlite:///'):]}"
        course.db_url = db_url
        return course

    def path(self, kind: str, *parts: str) -> Path:
        return self.root / getattr(self, kind) / Path(*parts) if parts else self.root / getattr(self, kind)

    def notebooks(self, assignment: str) -> list[str]:
        names = sorted(p.stem for p in self.path("source", assignment).glob("*.ipynb"))
        if not names:
            raise GradingError(f"no notebooks in {self.path('source', assignment)}: is '{assignment}' "
                               "an assignment of this course?")
        return names


def nbgrader_env() -> dict[str, str]:
    """nbgrader runs ``alembic`` from PATH when it opens the gradebook: put this Python's bin first."""
    env = dict(os.environ)
    bin_dir = os.path.dirname(sys.executable)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(course: Course, args: list[str], log_path: Path | None = None) -> tuple[int, str]:
    """Run one nbgrader command in the course folder; return its exit code and output (appended
    to ``log_path``)."""
    process = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.root,
                             env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, check=False)
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"$ nbgrader {' '.join(args)}\n{process.stdout}\n")
    return process.returncode, process.stdout


# ---------------------------------------------------------------------------------------------
# Per-student outcome
# ---------------------------------------------------------------------------------------------
GRADED, FAILED, INVALID, MISSING, NOT_RUN = "graded", "failed", "invalid", "missing", "not run"
STOPPED = "stopped"  # graded, but its notebook was stopped: the tests from there on scored 0


@dataclass
class StudentReport:
    student: str
    status: str = NOT_RUN
    detail: str = ""
    score: float | None = None
    max_score: float | None = None
    auto_score: float | None = None
    auto_max: float | None = None
    needs_manual_grade: bool = False
    parts: dict[str, float | None] = field(default_factory=dict)
    seconds: float | None = None
    timeouts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sandbox: list[str] = field(default_factory=list)
    restored_cells: list[str] = field(default_factory=list)

    def summary(self) -> str:
        score = "-" if self.auto_score is None else f"{self.auto_score:g}/{self.auto_max:g}"
        bits = [f"{self.student:<24} {self.status:<8} autograded {score:>9}"]
        if self.seconds is not None:
            bits.append(f"{self.seconds:5.1f}s")
        if self.detail:
            bits.append(self.detail)
        if self.needs_manual_grade:
            bits.append("needs manual grading")
        if self.timeouts:
            bits.append(f"timed out: {', '.join(self.timeouts)}")
        if self.restored_cells:
            bits.append(f"restored deleted cells: {', '.join(self.restored_cells)}")
        if self.sandbox:
            bits.append(f"sandbox: {'; '.join(self.sandbox)}")
        if self.notes:
            bits.append(f"notes: {'; '.join(self.notes)}")
        return "  ".join(bits)


def check_notebook(path: Path) -> str | None:
    """Why this file cannot be graded as a notebook, or None if it can."""
    if not path.is_file():
        return f"{path.name} is missing"
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return f"{path.name} is not a text file (is it a notebook?)"
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        return f"{path.name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return f"{path.name} is JSON but not a notebook (it has no list of cells)"
    if int(data.get("nbformat", 0) or 0) < 4:
        return f"{path.name} uses notebook format {data.get('nbformat')}; save it again with Jupyter"
    try:
        nbformat.reads(raw, as_version=4)
    except Exception as error:  # noqa: BLE001 (nbformat raises several kinds)
        return f"{path.name} cannot be read as a notebook: {error}"
    return None


def preflight(course: Course, assignment: str, students: list[str] | None = None) -> dict[str, StudentReport]:
    """Check every submission before nbgrader sees it."""
    notebooks = course.notebooks(assignment)
    reports: dict[str, StudentReport] = {}
    submitted = course.path("submitted")
    found = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.is_dir() else []
    for student in sorted(set(found) | set(known_students(course))):
        if students and student not in students:
            continue
        report = reports[student] = StudentReport(student)
        folder = submitted / student / assignment
        if not folder.is_dir():
            report.status, report.detail = MISSING, "no submission"
            continue
        problems = []
        for notebook in notebooks:
            problem = check_notebook(folder / f"{notebook}.ipynb")
            if problem:
                problems.append(problem)
        if problems:
            others = sorted(p.name for p in folder.glob("*.ipynb")
                            if p.stem not in notebooks)
            hint = f" (found instead: {', '.join(others)}; rename it or collect again)" if others else ""
            present = [n for n in notebooks if (folder / f"{n}.ipynb").is_file()]
            report.status = INVALID if present else MISSING
            report.detail = "; ".join(problems) + hint
    return reports


@contextlib.contextmanager
def quiet_gradebook():
    """Without SQLAlchemy's harmless warnings about nbgrader 0.9.6's models (they are
    RuntimeWarnings, which a strict warnings filter would turn into errors)."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        yield


@contextlib.contextmanager
def open_gradebook(course: Course):
    """nbgrader's Gradebook, quietly (``quiet_gradebook``)."""
    from nbgrader.api import Gradebook

    with quiet_gradebook(), Gradebook(course.db_url) as gradebook:
        yield gradebook


def known_students(course: Course) -> list[str]:
    if not course.db_url.startswith("sqlite:///") or not Path(course.db_url[len("sqlite:///"):]).is_file():
        return []
    with open_gradebook(course) as gradebook:
        return [s.id for s in gradebook.students]


def _forget(course: Course, assignment: str, student: str) -> None:
    """Drop results of an earlier, valid submission that was replaced by an unusable one."""
    from nbgrader.api import MissingEntry

    folder = course.path("autograded", student, assignment)
    if folder.exists():
        shutil.rmtree(folder)
    with open_gradebook(course) as gradebook:
        gradebook.update_or_create_student(student)
        try:
            extension = gradebook.find_submission(assignment, student).extension
            gradebook.remove_submission(assignment, student)
        except MissingEntry:
            extension = None
        if extension:  # an extension granted before the student handed anything in stays
            gradebook.update_or_create_submission(assignment, student, extension=extension)


def read_scores(course: Course, assignment: str, reports: dict[str, StudentReport]) -> None:
    """Each student's scores from the gradebook (nbgrader's scoring: the one rule for the
    progress line, the report and the export)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gradebook:
        for student, report in reports.items():
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                continue
            report.score, report.max_score = submission.score, submission.max_score
            report.needs_manual_grade = bool(submission.needs_manual_grade)
            auto, auto_max = 0.0, 0.0
            for notebook in submission.notebooks:
                answers = {cell.name for cell in notebook.notebook.solution_cells}
                for grade in notebook.grades:
                    # Test cells are graded by the autograder; answer cells with points by hand.
                    if grade.name not in answers:
                        auto += grade.auto_score or 0.0
                        auto_max += grade.max_score
                        report.parts[grade.name] = grade.score
                    else:
                        report.parts[grade.name] = grade.manual_score
            report.auto_score, report.auto_max = auto, auto_max


def _read_integrity(course: Course, assignment: str, reports: dict[str, StudentReport]) -> None:
    for student, report in reports.items():
        for path in sorted(course.path("autograded", student, assignment).glob("*.ipynb")):
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:  # noqa: BLE001, S112 (written by nbgrader: unreadable means no record)
                continue
            record = nb.metadata.get(METADATA_KEY, {})
            for item in record.get("notes", []):
                where = item.get("grade_id") or f"cell {item.get('cell_index')}"
                report.notes.append(f"{where} line {item.get('line')}: {item.get('message')}")
            report.sandbox.extend(record.get("sandbox", []))
            report.restored_cells.extend(record.get("restored_cells", []))
            for item in record.get("timeouts", []):
                report.timeouts.append(item.get("grade_id") or f"cell {item.get('cell_index')}")


# nbgrader's own messages of a run (its converter and preprocessors), timestamped, in the log.
LOG_FORMAT = "[%(name)s | %(levelname)s | %(created).3f] %(message)s"


def autograde(course: Course, assignment: str, *, force: bool = False, timeout: int | None = None,
              cpu_limit: float | None = None, students: list[str] | None = None,
              sandboxed: bool = True, memory_mb: int | None = None, jobs: int | None = None,
              scheduler: str | None = None, echo=print) -> list[StudentReport]:
    """Check, run every notebook (in parallel), record each student as they finish, report."""
    if sandboxed:  # off Linux, one line saying what to do, before anything is read or changed
        from .sandbox import SandboxUnavailable, require_linux

        try:
            require_linux()
        except SandboxUnavailable as error:
            raise GradingError(str(error)) from None
    reports = preflight(course, assignment, students)  # fails early for a wrong assignment name
    if not reports:
        raise GradingError(f"nothing to grade: no folder {course.path('submitted')}/<student>/"
                           f"{assignment}/ (run `python -m instructor collect` first)")
    for student in [s for s, r in reports.items() if r.status in (INVALID, MISSING)]:
        _forget(course, assignment, student)
    pending = [s for s, r in reports.items() if r.status == NOT_RUN]
    # collect writes no timestamp.txt, so new and changed submissions are found here by the
    # files' times and regraded (all of them with force).
    to_grade = [s for s in pending if force or _needs_grading(course, assignment, s)]
    for student in sorted(set(pending) - set(to_grade)):
        reports[student].status = GRADED
        reports[student].detail = "unchanged since the last autograde (--force regrades it)"
    if to_grade:
        from .sandbox import Limits, SandboxUnavailable, check_available

        if sandboxed:
            try:  # one clear message now, not a class of failed students
                check_available()
            except SandboxUnavailable as error:
                raise GradingError(str(error)) from None
        try:
            limits = Limits.from_config(course.config, cell_wall_seconds=timeout,
                                        cell_cpu_seconds=cpu_limit, memory_mb=memory_mb,
                                        total_memory_mb=memory_mb)
        except (TypeError, ValueError) as error:
            raise GradingError(str(error)) from None
        _grade(course, assignment, to_grade, reports, limits, sandboxed, jobs, scheduler, echo)
    read_scores(course, assignment, reports)
    for report in reports.values():
        if report.status == GRADED and report.score is None:  # "graded" only from the gradebook
            report.status = FAILED
            report.detail = report.detail or "no record in the gradebook"
    _read_integrity(course, assignment, reports)
    mark_stopped(reports)
    write_report(course, assignment, list(reports.values()))
    return list(reports.values())


def _grade(course: Course, assignment: str, students: list[str], reports: dict[str, StudentReport],
           limits, sandboxed: bool, jobs: int | None, scheduler: str | None, echo) -> None:
    """Sanitise each student's notebooks, run them on the workers, record each student in the
    gradebook as their last result arrives; whatever goes wrong for one student is theirs alone."""
    from . import parallel, recording

    jobs = jobs or parallel.default_jobs()
    log_path = course.path("autograded", f"autograde-{assignment}.log")
    earlier = earlier_seconds(course, assignment)
    students = parallel.longest_first(students, earlier)
    progress = parallel.Progress(parallel.Estimate(students, earlier, jobs), log_path, echo)
    where = f"on the Dask cluster {scheduler}" if scheduler else f"with {jobs} job(s)"
    echo(f"Grading {len(students)} submission(s) {where}, each notebook in its own sandbox"
         + ("" if sandboxed else " (NO SANDBOX)") + ":")
    waiting: dict[str, int] = {}  # student -> notebooks not finished yet
    events: dict[str, list[str]] = {student: [] for student in students}

    # In the course folder, as nbgrader's converter runs (paths of nbgrader_config.py are relative).
    with _logged_to(log_path) as log, quiet_gradebook(), contextlib.chdir(course.root):
        recorder = recording.Recorder(course, assignment, log)

        def failed(student: str, reason: str) -> None:
            report = reports[student]
            if report.status != FAILED:
                report.status, report.detail = FAILED, reason
                log.error("%s: not graded: %s", student, reason)
                recorder.forget(student)

        def tasks():
            for student in students:
                try:
                    prepared = recorder.prepare(student, limits, sandboxed)
                except Exception as error:  # noqa: BLE001 (one student's failure is theirs alone)
                    failed(student, f"could not be prepared: {type(error).__name__}: {error}")
                    progress(student, "failed", None, [reports[student].detail])
                    continue
                waiting[student] = len(prepared)
                yield from prepared

        def finished(result) -> None:
            student, report = result.student, reports[result.student]
            report.seconds = (report.seconds or 0.0) + result.seconds
            events[student].extend(result.events)
            if report.status != FAILED:
                try:
                    recorder.record(result)
                except Exception as error:  # noqa: BLE001 (one student's failure is theirs alone)
                    reason = str(error) if result.error else f"{type(error).__name__}: {error}"
                    failed(student, reason or type(error).__name__)
            waiting[student] -= 1
            if waiting[student]:
                return
            outcome = "failed"
            if report.status != FAILED:
                try:
                    recorder.finish(student)
                    read_scores(course, assignment, {student: report})
                    report.status = GRADED
                    outcome = f"{report.auto_score:g}/{report.auto_max:g}"
                except Exception as error:  # noqa: BLE001
                    failed(student, f"could not be recorded: {type(error).__name__}: {error}")
            notes = events[student] + ([report.detail] if report.status == FAILED else [])
            progress(student, outcome, report.seconds, notes)

        parallel.run_tasks(tasks(), jobs=jobs, scheduler=scheduler, on_result=finished,
                           on_slots=lambda slots: setattr(progress.estimate, "slots", slots))


@contextlib.contextmanager
def _logged_to(log_path: Path):
    """nbgrader's messages of this run go to the log file (as its own command's output did)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger("instructor.autograde")
    log.setLevel(logging.INFO)
    log.propagate = False
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    log.addHandler(handler)
    try:
        yield log
    finally:
        log.removeHandler(handler)
        handler.close()


def mark_stopped(reports: dict[str, StudentReport]) -> None:
    """A graded notebook that was stopped early is ``stopped``, with why (from its sandbox events)."""
    for report in reports.values():
        stops = [event.removeprefix("stopped: ") for event in report.sandbox if event.startswith("stopped: ")]
        if report.status == GRADED and stops:
            report.status, report.detail = STOPPED, "; ".join(filter(None, [report.detail, *stops]))


def _needs_grading(course: Course, assignment: str, student: str) -> bool:
    """True unless every autograded notebook is newer than the submitted files."""
    submitted = [p for p in course.path("submitted", student, assignment).rglob("*") if p.is_file()]
    graded = list(course.path("autograded", student, assignment).glob("*.ipynb"))
    if not graded or len(graded) < len(course.notebooks(assignment)):
        return True
    return max(p.stat().st_mtime for p in submitted) >= min(p.stat().st_mtime for p in graded)


REPORT_COLUMNS = ["student_id", "status", "autograded_score", "autograded_max", "score", "max_score",
                  "needs_manual_grade", "seconds", "detail", "timeouts", "restored_cells", "sandbox",
                  "notes"]


def earlier_seconds(course: Course, assignment: str) -> dict[str, float]:
    """How long each student's notebooks took at the last grading (the class report), if known."""
    path = course.path("autograded", f"report-{assignment}.csv")
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found = {}
    for row in rows:
        try:
            found[row["student_id"]] = float(row["seconds"])
        except (KeyError, TypeError, ValueError):
            continue  # never timed (not graded, invalid, missing)
    return found


def write_report(course: Course, assignment: str, reports: list[StudentReport]) -> Path:
    """The class report: these students' rows, merged with the other students' earlier rows
    (a regrade of one student with --student updates that student only)."""
    path = course.path("autograded", f"report-{assignment}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, object]] = {}
    if path.is_file():
        with open(path, newline="", encoding="utf-8") as handle:
            rows = {row["student_id"]: row for row in csv.DictReader(handle) if row.get("student_id")}
    for row in rows.values():  # a report written before the static checks went: not a test's part
        row.pop("tampering", None)
    for r in reports:
        rows[r.student] = {
            "student_id": r.student, "status": r.status, "autograded_score": r.auto_score,
            "autograded_max": r.auto_max, "score": r.score, "max_score": r.max_score,
            "needs_manual_grade": r.needs_manual_grade,
            "seconds": None if r.seconds is None else round(r.seconds, 1), "detail": r.detail,
            "timeouts": "; ".join(r.timeouts), "restored_cells": "; ".join(r.restored_cells),
            "sandbox": " | ".join(r.sandbox),
            "notes": " | ".join(r.notes), **r.parts}
    parts = sorted({key for row in rows.values() for key in row} - set(REPORT_COLUMNS))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*REPORT_COLUMNS, *parts], restval="")
        writer.writeheader()
        for student in sorted(rows):
            writer.writerow({k: ("" if v is None else v) for k, v in rows[student].items()})
    return path


# ---------------------------------------------------------------------------------------------
# Feedback and export
# ---------------------------------------------------------------------------------------------
def feedback(course: Course, assignment: str, *, force: bool = True) -> tuple[int, Path | None]:
    """nbgrader generate_feedback, then one zip of every student's HTML for upload to the LMS.

    Unmarked written answers read "not graded yet" rather than 0 (``instructor/reports/marking.py``); a
    notebook of another edition gets the template's words in its language too
    (``instructor/reports/feedback_language.py``).
    """
    from ..reports import feedback_language, marking

    args = ["generate_feedback", assignment] + (["--force"] if force else []) + marking.feedback_args()
    code, _ = run_nbgrader(course, args, course.path("autograded", f"feedback-{assignment}.log"))
    files = sorted(course.path("feedback").glob(f"*/{assignment}/*.html"))
    for html in files:
        marking.say_not_graded_yet(html)
        submitted = course.path("submitted", html.parent.parent.name, assignment, f"{html.stem}.ipynb")
        feedback_language.translate_feedback(html, feedback_language.notebook_language(submitted),
                                             course.root)
    if not files:
        return code, None
    archive = course.path("feedback", f"{assignment}-feedback.zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for html in files:
            student = html.parent.parent.name
            bundle.write(html, f"{student}_{html.name}")
    return code, archive


def export(course: Course, to: str = "grades.csv", assignments: list[str] | None = None) -> tuple[int, Path]:
    """nbgrader export (CSV: one row per student and assignment) to ``to``."""
    destination = Path(to)
    if not destination.is_absolute():
        destination = Path.cwd() / destination
    args = ["export", f"--to={destination}"]
    for assignment in assignments or []:
        args.append(f"--assignment={assignment}")
    code, output = run_nbgrader(course, args, course.path("autograded", "export.log"))
    if code != 0 or not destination.is_file():
        raise GradingError(f"nbgrader export failed (exit code {code}):\n{output[-2000:]}")
    return code, destination
