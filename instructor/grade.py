"""Autograde a whole class with nbgrader, robustly, and report per student.

The grading itself is nbgrader's (``nbgrader autograde``, ``generate_feedback``, ``export``):
this module only checks the submissions first, runs nbgrader once for the whole batch, and
tells the instructor, student by student, what happened.

- A notebook that is not valid JSON, is not a notebook, or is missing is reported for that
  student and left out of the nbgrader run (its stale results, if any, are removed, so the
  student is exported with 0 points until a valid notebook is collected); everyone else is
  graded.
- A submission nbgrader fails on (a kernel that died, a guard that could not start) is
  reported with the reason from nbgrader's log; the rest of the batch is graded.
- Timeouts, suspicious code reported by ``instructor.preprocessors`` and sandbox events (a
  notebook stopped for ignoring its time limits, or graded without a sandbox) are read back
  from the autograded notebooks into the report.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

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
        course = cls(root,
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
    """Run one nbgrader command in the course folder; return its exit code and output."""
    return finish_nbgrader(start_nbgrader(course, args), args, log_path)


def start_nbgrader(course: Course, args: list[str]) -> subprocess.Popen:
    """Start one nbgrader command in the course folder (its output collected in a file)."""
    output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed by finish_nbgrader)
    process = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=course.root,
                               env=nbgrader_env(), stdout=output, stderr=subprocess.STDOUT, text=True)
    process.output_file = output  # type: ignore[attr-defined]
    return process


def finish_nbgrader(process: subprocess.Popen, args: list[str], log_path: Path | None = None) -> tuple[int, str]:
    """Wait for a command of start_nbgrader; its exit code and output, appended to ``log_path``."""
    code = process.wait()
    with process.output_file as handle:  # type: ignore[attr-defined]
        handle.seek(0)
        output = handle.read()
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"$ nbgrader {' '.join(args)}\n{output}\n")
    return code, output


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
    tampering: list[str] = field(default_factory=list)
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
        if self.tampering:
            bits.append(f"suspicious code (reported, not enforced): {'; '.join(self.tampering)}")
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
def open_gradebook(course: Course):
    """nbgrader's Gradebook, without SQLAlchemy's harmless warnings about nbgrader 0.9.6's models
    (they are RuntimeWarnings, which a strict warnings filter would turn into errors)."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        with Gradebook(course.db_url) as gradebook:
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


def _read_scores(course: Course, assignment: str, reports: dict[str, StudentReport]) -> None:
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
            for item in record.get("tampering", []):
                where = item.get("grade_id") or f"cell {item.get('cell_index')}"
                report.tampering.append(f"{where} line {item.get('line')}: {item.get('message')}")
            for item in record.get("notes", []):
                where = item.get("grade_id") or f"cell {item.get('cell_index')}"
                report.notes.append(f"{where} line {item.get('line')}: {item.get('message')}")
            report.sandbox.extend(record.get("sandbox", []))
            report.restored_cells.extend(record.get("restored_cells", []))
            for item in record.get("timeouts", []):
                report.timeouts.append(item.get("grade_id") or f"cell {item.get('cell_index')}")


def _failures_from_log(log: str, course: Course, assignment: str) -> dict[str, str]:
    """student -> the reason nbgrader gave for failing on their submission."""
    failures: dict[str, str] = {}
    lines = log.splitlines()
    for number, line in enumerate(lines):
        match = re.search(r"There was an error processing assignment: (.+)$", line)
        if not match:
            continue
        folder = Path(match.group(1).strip())
        if folder.name != assignment:
            continue
        student = folder.parent.name
        reason = ""
        for following in lines[number + 1: number + 60]:
            if re.match(r"^\s*\w+(\.\w+)*(Error|Exception|Interrupt)\b.*", following.strip()) or \
                    re.match(r"^\s*[\w.]+Error: ", following):
                reason = following.strip()
            if following.startswith("[") and "Removing failed" in following:
                break
        failures[student] = reason or "nbgrader could not grade it (see the log)"
    for number, line in enumerate(lines):
        if "the kernel became unresponsive" in line:
            match = re.search(r"assignment (\S+)", line)
            if match:
                failures[Path(match.group(1)).parent.name] = (
                    "the kernel became unresponsive (an infinite loop that ignores interrupts?)")
    return failures


def _timings_from_log(log: str, assignment: str) -> dict[str, float]:
    """Seconds per student, from nbgrader's log lines (needs the timestamped log format)."""
    starts: dict[str, float] = {}
    seconds: dict[str, float] = {}
    current = None
    for line in log.splitlines():
        match = re.match(r"^\[AutogradeApp \| \w+ \| (\d+\.\d+)\] (.*)$", line)
        if not match:
            continue
        stamp, message = float(match.group(1)), match.group(2)
        who = re.search(r"Creating/updating student with ID '([^']+)'", message)
        if who:
            if current is not None:
                seconds[current] = stamp - starts[current]
            current = who.group(1)
            starts[current] = stamp
        elif current is not None and "Setting destination file permissions" in message:
            seconds[current] = stamp - starts[current]
            current = None
    return seconds


# nbgrader's log lines with a timestamp, so the time per submission can be reported.
LOG_FORMAT = "[%(name)s | %(levelname)s | %(created).3f] %(message)s"


def autograde(course: Course, assignment: str, *, force: bool = False, timeout: int | None = None,
              cpu_limit: float | None = None, students: list[str] | None = None,
              extra_args: list[str] | None = None, sandboxed: bool = True,
              memory_mb: int | None = None, jobs: int | None = None, scheduler: str | None = None,
              echo=print) -> list[StudentReport]:
    """Check, run every notebook (in parallel), record them with one nbgrader run, report."""
    if sandboxed:  # off Linux, one line saying what to do, before anything is read or changed
        from .sandbox import SandboxUnavailable, require_linux

        try:
            require_linux()
        except SandboxUnavailable as error:
            raise GradingError(str(error)) from None
    notebooks = course.notebooks(assignment)  # fails early for a wrong assignment name
    del notebooks
    reports = preflight(course, assignment, students)
    if not reports:
        raise GradingError(f"nothing to grade: no folder {course.path('submitted')}/<student>/"
                           f"{assignment}/ (run `python -m instructor collect` first)")
    unusable = [s for s, r in reports.items() if r.status in (INVALID, MISSING)]
    for student in unusable:
        _forget(course, assignment, student)
    pending = [s for s, r in reports.items() if r.status == NOT_RUN]
    # nbgrader skips a student graded before unless --force; collect writes no timestamp.txt,
    # so new and changed submissions are found here and regraded (all of them with force).
    to_grade = [s for s in pending if force or _needs_grading(course, assignment, s)]
    for student in sorted(set(pending) - set(to_grade)):
        reports[student].status = GRADED
        reports[student].detail = "unchanged since the last autograde (--force regrades it)"
    log_path = course.path("autograded", f"autograde-{assignment}.log")
    if to_grade and sandboxed:
        from .sandbox import SandboxUnavailable, check_available

        try:  # one clear message now, not a class of failed students
            check_available()
        except SandboxUnavailable as error:
            raise GradingError(str(error)) from None
    if to_grade:
        everyone = [p.name for p in course.path("submitted").iterdir() if p.is_dir()]
        excluded = sorted(set(everyone) - set(to_grade))
        args = ["autograde", assignment, "--force", f"--Application.log_format={LOG_FORMAT}"]
        if timeout is not None:
            args.append(f"--SandboxedExecute.timeout={int(timeout)}")
        if cpu_limit is not None:
            args.append(f"--SandboxedExecute.cpu_time_limit={float(cpu_limit)}")
        if memory_mb is not None:
            args.append(f"--SandboxedExecute.memory_limit_mb={int(memory_mb)}")
        if not sandboxed:
            args.append("--SandboxedExecute.sandbox=False")
        if excluded:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(excluded)}")
        args.extend(extra_args or [])
        limits = sandbox_limits(course, timeout=timeout, cpu_limit=cpu_limit, memory_mb=memory_mb)
        with tempfile.TemporaryDirectory(prefix="grading-results-") as results_dir:
            args.append(f"--SandboxedExecute.results_dir={results_dir}")
            # With more than one job, nbgrader records each notebook while the others still run
            # (it waits while RUNNING exists); --jobs 1 stays one thing at a time.
            overlap = bool(scheduler) or (jobs or _default_jobs()) > 1
            running = Path(results_dir) / "RUNNING"
            recorder = None
            if overlap:
                running.touch()
                recorder = start_nbgrader(course, args)
            try:
                timings, failed = _run_ahead(course, assignment, to_grade, limits, sandboxed, jobs,
                                             scheduler, Path(results_dir), log_path, echo)
            except BaseException:
                if recorder is not None:
                    recorder.kill()
                    recorder.wait()
                raise
            finally:
                running.unlink(missing_ok=True)
            code, log = (finish_nbgrader(recorder, args, log_path) if recorder is not None
                         else run_nbgrader(course, args, log_path))
        failures = {**_failures_from_log(log, course, assignment), **failed}
        for student, seconds in _timings_from_log(log, assignment).items():
            timings.setdefault(student, seconds)
        for student in to_grade:
            report = reports[student]
            report.seconds = timings.get(student)
            if student in failures:
                report.status, report.detail = FAILED, failures[student]
                continue
            graded = [course.path("autograded", student, assignment, f"{n}.ipynb")
                      for n in course.notebooks(assignment)]
            if all(p.is_file() for p in graded):
                report.status = GRADED
            else:
                report.status, report.detail = FAILED, (
                    f"nbgrader produced no autograded notebook (exit code {code}; see {log_path})")
    _read_scores(course, assignment, reports)
    for report in reports.values():
        if report.status == GRADED and report.score is None:  # "graded" only from the gradebook
            report.status = FAILED
            report.detail = report.detail or "no record in the gradebook (see the log)"
    _read_integrity(course, assignment, reports)
    mark_stopped(reports)
    write_report(course, assignment, list(reports.values()))
    return list(reports.values())


def mark_stopped(reports: dict[str, StudentReport]) -> None:
    """A graded notebook that was stopped early is ``stopped``, with why (from its sandbox events)."""
    for report in reports.values():
        stops = [event.removeprefix("stopped: ") for event in report.sandbox if event.startswith("stopped: ")]
        if report.status == GRADED and stops:
            report.status, report.detail = STOPPED, "; ".join(filter(None, [report.detail, *stops]))


def sandbox_limits(course: Course, *, timeout: int | None = None, cpu_limit: float | None = None,
                   memory_mb: int | None = None):
    """The sandbox limits of nbgrader_config.py (SandboxedExecute), with this run's overrides."""
    from traitlets.config.loader import PyFileConfigLoader

    from .sandbox import Limits

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    settings = config.get("SandboxedExecute", {})
    defaults = Limits()
    return Limits(
        memory_mb=int(memory_mb or settings.get("memory_limit_mb", defaults.memory_mb)),
        total_memory_mb=int(memory_mb or settings.get("memory_limit_mb", defaults.total_memory_mb)),
        processes=int(settings.get("process_limit", defaults.processes)),
        judge_memory_mb=int(settings.get("judge_memory_limit_mb", defaults.judge_memory_mb)),
        cpu_seconds=int(settings.get("notebook_cpu_limit", defaults.cpu_seconds)),
        wall_seconds=float(settings.get("notebook_timeout", defaults.wall_seconds)),
        cell_cpu_seconds=float(cpu_limit if cpu_limit is not None else
                               settings.get("cpu_time_limit", defaults.cell_cpu_seconds)),
        cell_wall_seconds=float(timeout if timeout is not None else
                                settings.get("timeout", defaults.cell_wall_seconds)))


def _run_ahead(course: Course, assignment: str, students: list[str], limits, sandboxed: bool,
               jobs: int | None, scheduler: str | None, results_dir: Path, log_path: Path,
               echo) -> tuple[dict[str, float], dict[str, str]]:
    """Run the notebooks in parallel (instructor/parallel.py): seconds per student, and why the
    students whose notebooks could not be graded failed (nbgrader records everyone else)."""
    from . import parallel

    problems: dict[str, str] = {}
    students = parallel.longest_first(students, earlier_seconds(course, assignment))
    tasks = parallel.prepare_tasks(course, assignment, students, limits, sandboxed, problems)
    count = len(students) * len(course.notebooks(assignment))
    where = f"on the Dask cluster {scheduler}" if scheduler else \
        f"with {jobs or parallel.default_jobs()} job(s)"
    echo(f"Running {count} notebook(s) {where}, each in its own sandbox"
         + ("" if sandboxed else " (NO SANDBOX)") + ":")
    progress = parallel.Progress(count, log_path, echo)
    seconds: dict[str, float] = {}
    failed: dict[str, str] = {}

    def finished(result) -> None:
        parallel.save_result(results_dir, result)
        if result.error:
            failed[result.student] = result.error
        seconds[result.student] = seconds.get(result.student, 0.0) + result.seconds
        progress(result)

    parallel.run_tasks(tasks, jobs=jobs or parallel.default_jobs(), scheduler=scheduler,
                       on_result=finished)
    for student, problem in sorted(problems.items()):
        echo(f"{student}: could not be prepared ({problem}); nbgrader will report it")
    return seconds, failed


def _default_jobs() -> int:
    from . import parallel

    return parallel.default_jobs()


def _needs_grading(course: Course, assignment: str, student: str) -> bool:
    """True unless every autograded notebook is newer than the submitted files."""
    submitted = [p for p in course.path("submitted", student, assignment).rglob("*") if p.is_file()]
    graded = list(course.path("autograded", student, assignment).glob("*.ipynb"))
    if not graded or len(graded) < len(course.notebooks(assignment)):
        return True
    return max(p.stat().st_mtime for p in submitted) >= min(p.stat().st_mtime for p in graded)


REPORT_COLUMNS = ["student_id", "status", "autograded_score", "autograded_max", "score", "max_score",
                  "needs_manual_grade", "seconds", "detail", "timeouts", "restored_cells", "tampering",
                  "sandbox", "notes"]


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
    for r in reports:
        rows[r.student] = {
            "student_id": r.student, "status": r.status, "autograded_score": r.auto_score,
            "autograded_max": r.auto_max, "score": r.score, "max_score": r.max_score,
            "needs_manual_grade": r.needs_manual_grade,
            "seconds": None if r.seconds is None else round(r.seconds, 1), "detail": r.detail,
            "timeouts": "; ".join(r.timeouts), "restored_cells": "; ".join(r.restored_cells),
            "tampering": " | ".join(r.tampering), "sandbox": " | ".join(r.sandbox),
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

    Unmarked written answers read "not graded yet" rather than 0 (``instructor/marking.py``); a
    notebook of another edition gets the template's words in its language too
    (``instructor/feedback_language.py``).
    """
    from . import feedback_language, marking

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
