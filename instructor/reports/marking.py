"""Written answers nobody has marked yet: found, refused, and never shown as 0.

nbgrader scores an unmarked written answer as 0 in ``nbgrader export`` and shows "Score: 0.0 /
3.0" in feedback. ``unmarked`` finds those answers (manually graded cells of autograded
submissions with neither an automatic nor a manual score; a blank answer is scored 0 by nbgrader
itself and is not among them); ``export`` and ``feedback`` refuse while there are any, unless
told ``--allow-incomplete``. Then the feedback says "not graded yet" (``MarkUngraded``, an extra
nbgrader feedback preprocessor, and ``say_not_graded_yet`` on the HTML it leads to).

A regrade keeps a written answer's manual mark even when the answer changed (nbgrader only
flags it for review in formgrader). So each confirmed mark is remembered with the answer it was
given for (``autograded/marked-answers-<assignment>.json``, written whenever marks are checked):
a mark flagged again by a regrade counts as unmarked until it is confirmed in formgrader, unless
the answer is the very one it was given for.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from ..grading.grade import Course, GradingError, open_gradebook

NOT_GRADED_YET = "not graded yet"


@dataclass(frozen=True)
class Unmarked:
    student: str
    assignment: str
    notebook: str
    grade_id: str

    def __str__(self) -> str:
        return f"{self.student}: {self.assignment}/{self.notebook} {self.grade_id}"


class MarkingIncomplete(GradingError):
    """Written answers are unmarked; the message lists them."""


def _answers(course: Course, student: str, assignment: str, notebook: str) -> dict[str, str]:
    """grade id -> a digest of the answer in the autograded notebook."""
    path = course.path("autograded", student, assignment, f"{notebook}.ipynb")
    try:
        cells = nbformat.read(path, as_version=4).cells
    except (OSError, ValueError):
        return {}
    return {c.metadata["nbgrader"]["grade_id"]: hashlib.sha256(c.source.encode()).hexdigest()
            for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def _ledger(course: Course, assignment: str) -> Path:
    return course.path("autograded", f"marked-answers-{assignment}.json")


def pending(course: Course, student: str, assignment: str, notebook, ledger: dict[str, str]) -> set[str]:
    """The written answers of one submitted notebook (nbgrader's record) that count as unmarked;
    remembers in ``ledger`` the answer each confirmed mark was given for."""
    answers = {cell.name for cell in notebook.notebook.solution_cells}
    current = None
    found = set()
    for grade in notebook.grades:
        if grade.name not in answers:
            continue
        if grade.manual_score is None:
            if grade.auto_score is None:
                found.add(grade.name)
            continue
        current = current if current is not None else _answers(course, student, assignment, notebook.name)
        key = f"{student}/{notebook.name}/{grade.name}"
        if not grade.needs_manual_grade:  # confirmed by a grader: remember what was marked
            if grade.name in current:
                ledger[key] = current[grade.name]
        elif ledger.get(key) != current.get(grade.name):  # flagged by a regrade, and changed
            found.add(grade.name)
    return found


def unmarked(course: Course, assignments: list[str] | None = None) -> list[Unmarked]:
    """Every manually graded answer of an autograded submission that has no score yet, or whose
    score was given to an answer a regrade has changed."""
    found = []
    with open_gradebook(course) as gradebook:
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            path = _ledger(course, assignment.name)
            try:
                ledger = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                ledger = {}
            before = dict(ledger)
            for submission in assignment.submissions:
                graded = course.path("autograded", submission.student_id, assignment.name)
                if not graded.is_dir():
                    continue
                for notebook in submission.notebooks:
                    for grade_id in pending(course, submission.student_id, assignment.name, notebook, ledger):
                        found.append(Unmarked(submission.student_id, assignment.name, notebook.name, grade_id))
            if ledger != before:
                path.write_text(json.dumps(ledger, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return sorted(found, key=lambda u: (u.assignment, u.student, u.notebook, u.grade_id))


def require_marked(course: Course, assignments: list[str] | None, allow_incomplete: bool,
                   what: str) -> list[Unmarked]:
    """Refuse (MarkingIncomplete) while answers are unmarked, unless allowed; returns them."""
    missing = unmarked(course, assignments)
    if missing and not allow_incomplete:
        students = sorted({u.student for u in missing})
        listing = "\n".join(f"  {u}" for u in missing)
        raise MarkingIncomplete(
            f"{len(missing)} written answer(s) of {len(students)} student(s) are not marked yet, so "
            f"{what} would count them as 0:\n{listing}\nMark them in formgrader (Manual Grading), or "
            f"pass --allow-incomplete to {what} anyway (they are then shown as '{NOT_GRADED_YET}' and "
            "those students get no total).")
    return missing


class MarkUngraded(NbGraderPreprocessor):
    """Feedback preprocessor (after nbgrader's GetGrades): an unmarked answer's score, and the
    notebook's total while any is unmarked, become NaN, which ``say_not_graded_yet`` rewrites."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        course = Course.load(".")  # nbgrader runs in the course folder
        try:
            ledger = json.loads(_ledger(course, info["assignment"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            ledger = {}
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"],
                                                          info["student"])
            self._unmarked = pending(course, info["student"], info["assignment"], notebook, ledger)
        if self._unmarked:
            info["score"] = math.nan
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in self._unmarked:
            cell.metadata.nbgrader["score"] = math.nan
        return cell, resources


# nbgrader_config.py's feedback preprocessors with MarkUngraded after GetGrades; ClearHiddenTests
# stays first: feedback never shows the hidden tests' source (nbgrader #917); CourseText shows the
# questions without their rubrics and model answers (instructor/reports/feedback_language.py).
FEEDBACK_PREPROCESSORS = ["nbgrader.preprocessors.ClearHiddenTests", "instructor.reports.feedback_language.CourseText",
                          "nbgrader.preprocessors.GetGrades",
                          "instructor.reports.marking.MarkUngraded",
                          "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]


def feedback_args() -> list[str]:
    """nbgrader generate_feedback arguments that add MarkUngraded to its preprocessors."""
    return [f"--GenerateFeedback.preprocessors={name}" for name in FEEDBACK_PREPROCESSORS]


def say_not_graded_yet(html: Path) -> int:
    """Rewrite the 'Score: nan' MarkUngraded left in a feedback file; returns how many."""
    text = html.read_text(encoding="utf-8")
    new, count = re.subn(r"Score: nan(?= / )", f"Score: {NOT_GRADED_YET}", text)
    if count:
        html.write_text(new, encoding="utf-8")
    return count
