"""Written answers nobody has marked yet: found, refused, and never shown as 0.

nbgrader scores an unmarked written answer as 0 in ``nbgrader export`` and shows "Score: 0.0 /
3.0" in feedback. ``unmarked`` finds those answers (manually graded cells of autograded
submissions with neither an automatic nor a manual score; a blank answer is scored 0 by nbgrader
itself and is not among them); ``export`` and ``feedback`` refuse while there are any, unless
told ``--allow-incomplete``. Then the feedback says "not graded yet" (``MarkUngraded``, an extra
nbgrader feedback preprocessor, and ``say_not_graded_yet`` on the HTML it leads to).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from .grade import Course, GradingError, _gradebook

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


def unmarked(course: Course, assignments: list[str] | None = None) -> list[Unmarked]:
    """Every manually graded answer of an autograded submission that has no score yet."""
    found = []
    with _gradebook(course) as gradebook:
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for submission in assignment.submissions:
                graded = course.path("autograded", submission.student_id, assignment.name)
                if not graded.is_dir():
                    continue
                for notebook in submission.notebooks:
                    answers = {cell.name for cell in notebook.notebook.solution_cells}
                    for grade in notebook.grades:
                        if grade.name in answers and grade.auto_score is None and grade.manual_score is None:
                            found.append(Unmarked(submission.student_id, assignment.name,
                                                  notebook.name, grade.name))
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
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"],
                                                          info["student"])
            answers = {cell.name for cell in notebook.notebook.solution_cells}
            self._unmarked = {g.name for g in notebook.grades if g.name in answers
                              and g.auto_score is None and g.manual_score is None}
        if self._unmarked:
            info["score"] = math.nan
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in self._unmarked:
            cell.metadata.nbgrader["score"] = math.nan
        return cell, resources


# nbgrader_config.py's feedback preprocessors with MarkUngraded after GetGrades; ClearHiddenTests
# stays first: feedback never shows the hidden tests' source (nbgrader #917).
FEEDBACK_PREPROCESSORS = ["nbgrader.preprocessors.ClearHiddenTests", "nbgrader.preprocessors.GetGrades",
                          "instructor.marking.MarkUngraded",
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
