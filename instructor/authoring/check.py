"""``python -m instructor check ASSIGNMENT``: is the assignment ready to release?

In a scratch copy of the course (never the real gradebook, ``submitted/`` or ``autograded/``):
generate the student version, then autograde two fake students, the answer key (the source
notebooks as they are) and the blank student version. Every autograded test cell must give the
answer key all its points and the blank notebook none; a test cell that does not is reported
("fails on the answer key": a wrong test or solution; "passes on the blank notebook": the test
checks nothing the student writes).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..grading import grade
from . import layout

KEY, BLANK = "check-answer-key", "check-blank"
# Never copied into the scratch course: instructor data and what is not needed to grade.
LEFT_OUT = ("submitted", "autograded", "feedback", "gradebook.db", "*.db-journal", ".git", ".venv",
            "__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache", "node_modules",
            "downloaded", "release", "*.csv", "*.zip")


@dataclass
class TestResult:
    grade_id: str
    notebook: str
    points: float
    key: float | None
    blank: float | None

    @property
    def verdict(self) -> str:
        if self.key is None or self.key < self.points:
            return "FAILS ON THE ANSWER KEY"
        if self.blank is None or self.blank > 0:
            return "PASSES ON THE BLANK NOTEBOOK" if self.blank else "NOT RUN ON THE BLANK NOTEBOOK"
        return "ok"


@dataclass
class CheckResult:
    assignment: str
    scratch: Path | None
    tests: list[TestResult] = field(default_factory=list)
    manual: list[tuple[str, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(t.verdict == "ok" for t in self.tests)

    def lines(self) -> list[str]:
        total = sum(t.points for t in self.tests)
        key = sum(t.key or 0 for t in self.tests)
        blank = sum(t.blank or 0 for t in self.tests)
        out = [(f"check {self.assignment}: answer key {key:g}/{total:g} autograded points, blank "
               f"notebook {blank:g}/{total:g}")]
        if self.manual:
            out.append(f"graded by hand (not checked): {', '.join(f'{g} ({p:g})' for g, p in self.manual)}")
        width = max([len(t.grade_id) for t in self.tests] + [9])
        out.append(f"{'test cell':<{width}}  points  key  blank  verdict")
        for t in self.tests:
            out.append(f"{t.grade_id:<{width}}  {t.points:6g}  {_n(t.key):>3}  {_n(t.blank):>5}  {t.verdict}")
        out += [f"PROBLEM: {p}" for p in self.problems]
        bad = [t for t in self.tests if t.verdict != "ok"]
        if self.ok:
            out.append("OK: every test cell gives the answer key its points and the blank notebook none.")
        else:
            out.append(f"NOT READY: {len(bad)} test cell(s) do not discriminate"
                       + (f", {len(self.problems)} other problem(s)" if self.problems else "") + ".")
        if self.scratch:
            out.append(f"scratch course kept in {self.scratch}")
        return out


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def check(course: grade.Course, assignment: str, keep: bool = False) -> CheckResult:
    notebooks = course.notebooks(assignment)  # a clear error for an unknown assignment
    scratch = Path(tempfile.mkdtemp(prefix=f"check-{assignment}-"))
    try:
        root = scratch / "course"
        shutil.copytree(course.root, root, ignore=shutil.ignore_patterns(*LEFT_OUT), symlinks=True)
        copy = grade.Course.load(root)
        code, output = grade.run_nbgrader(copy, ["generate_assignment", assignment, "--force"])
        if code != 0:
            raise grade.GradingError(f"nbgrader generate_assignment {assignment} failed:\n{output[-3000:]}")
        release = root / layout.student_folder(assignment)  # where nbgrader wrote the student version
        for student, origin in ((KEY, copy.path("source", assignment)), (BLANK, release)):
            target = copy.path("submitted", student, assignment)
            target.mkdir(parents=True)
            for notebook in notebooks:
                shutil.copyfile(origin / f"{notebook}.ipynb", target / f"{notebook}.ipynb")
        reports = {r.student: r for r in grade.autograde(copy, assignment, force=True)}
        result = CheckResult(assignment, scratch if keep else None)
        for student, report in reports.items():
            if report.status != grade.GRADED:
                result.problems.append(f"{student} was not graded: {report.status} {report.detail}")
        _read_tests(copy, assignment, result)
        return result
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)


def _read_tests(course: grade.Course, assignment: str, result: CheckResult) -> None:
    from nbgrader.api import MissingEntry

    with grade.open_gradebook(course) as gradebook:
        scores: dict[str, dict[str, float | None]] = {}
        for student in (KEY, BLANK):
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                continue
            scores[student] = {g.name: g.auto_score for nb in submission.notebooks for g in nb.grades}
        for notebook in gradebook.find_assignment(assignment).notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            for cell in notebook.grade_cells:
                if cell.name in answers:
                    result.manual.append((cell.name, cell.max_score))
                elif cell.max_score > 0:
                    result.tests.append(TestResult(cell.name, notebook.name, cell.max_score,
                                                   scores.get(KEY, {}).get(cell.name),
                                                   scores.get(BLANK, {}).get(cell.name)))
