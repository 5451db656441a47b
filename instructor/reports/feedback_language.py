"""What feedback shows of the course's own text: the student's edition, without the graders' part.

- **The questions as the student had them** (``CourseText``, a feedback preprocessor): the
  graded notebook's locked markdown cells come from the source, where the written questions
  carry their rubric and model answer between ``BEGIN/END MARK SCHEME`` markers for formgrader;
  the markers are HTML comments, which autograde's SanitizeHTML removes, so nbgrader's
  ClearMarkScheme would find nothing there. Each such cell is rebuilt from the course's text
  (the source, or the edition's catalogue) with the mark scheme taken out.
- **The template's words in the notebook's language** (``translate_feedback``): nbgrader's
  feedback template writes "Score", "Test cell", "Written response", "Comments"... in English; a
  Bengali student's feedback gets them from the course's catalogue
  (``translations/<language>/instructor.po``, kept by ``python -m instructor.authoring.translations``).
  The template's HTML around each label is matched, never the student's own text.

The language is the one the submitted notebook says (``metadata.course.language``, set by the
edition).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearMarkScheme, NbGraderPreprocessor

from ..authoring import translations

CATALOGUE = "instructor.po"


def labels(translate) -> dict[str, str]:
    """English label -> its translation (``translate(context, english)``)."""
    return {
        "Score": translate("ui:feedback/score", "Score"),
        "Test cell": translate("ui:feedback/test-cell", "Test cell"),
        "Written response": translate("ui:feedback/written-response", "Written response"),
        "Coding free-response": translate("ui:feedback/coding-response", "Coding free-response"),
        "Task": translate("ui:feedback/task", "Task"),
        "Comment": translate("ui:feedback/comment", "Comment"),
        "Comments": translate("ui:feedback/comments", "Comments"),
        "Student's answer": translate("ui:feedback/students-answer", "Student's answer"),
        "Student's task": translate("ui:feedback/students-task", "Student's task"),
        "Grade cell": translate("ui:feedback/grade-cell", "Grade cell"),
        "Late submission penalty": translate("ui:feedback/late-penalty", "Late submission penalty"),
        "Top": translate("ui:feedback/top", "Top"),
        "not graded yet": translate("ui:feedback/not-graded-yet", "not graded yet"),
    }


# Where nbgrader's feedback template (formgrader/templates/feedback/index.html.j2) puts each label.
PLACES = [
    (r'(<h4>[^<]*\()Score(: )', "Score"),
    (r'(<li><a href="#[^"]*">)Test cell(</a>)', "Test cell"),
    (r'(<li><a href="#[^"]*">)Coding free-response(</a>)', "Coding free-response"),
    (r'(<li><a href="#[^"]*">)Written response(</a>)', "Written response"),
    (r'(<li><a href="#[^"]*">)Task(</a>)', "Task"),
    (r'(<li><a href="#comment-[^"]*">)Comment(</a>)', "Comment"),
    (r'(</a> \()Score(: )', "Score"),
    (r'(<li class="late-penalty">)Late submission penalty( \()', "Late submission penalty"),
    (r'(<li class="late-penalty">[^<]*\()Score(: )', "Score"),
    (r'(<span class="pull-right">\s*)Score(: )', "Score"),
    (r'(<a href="#top">\()Top(\)</a>)', "Top"),
    (r'(<span class="nbgrader-label">)Student\'s answer(</span>)', "Student's answer"),
    (r'(<span class="nbgrader-label">)Student\'s task(</span>)', "Student's task"),
    (r'(<span class="nbgrader-label">)Grade cell(: <code>)', "Grade cell"),
    (r'(<b>)Comments(:</b>)', "Comments"),
    (r'(: )not graded yet( / )', "not graded yet"),
]


def notebook_language(notebook: Path) -> str:
    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError):
        return ""
    return str(nb.get("metadata", {}).get("course", {}).get("language", "")).strip()


class CourseText(NbGraderPreprocessor):
    """Feedback preprocessor: each locked markdown cell is the course's text in the notebook's
    edition, without its mark scheme (see the module's docstring)."""

    def preprocess(self, nb, resources):
        from ..grading.grade import Course

        info = resources["nbgrader"]
        course = Course.load(".")  # nbgrader runs in the course folder
        submitted = course.path("submitted", info["student"], info["assignment"], f"{info['notebook']}.ipynb")
        language = notebook_language(submitted)
        texts = (translations.load(course.root / "translations" / language / info["assignment"]
                                   / f"{info['notebook']}.po") if language in translations.LANGUAGES else {})
        source = nbformat.read(course.path("source", info["assignment"], f"{info['notebook']}.ipynb"), as_version=4)
        self._texts = {c.get("id"): texts.get(f"{translations.MARKDOWN}{c.get('id')}", c.source)
                       for c in source.cells if c.get("id") and c.cell_type == "markdown"
                       and c.metadata.get("nbgrader", {}).get("locked")}
        self._clear = ClearMarkScheme(enforce_metadata=False)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and cell.get("metadata", {}).get("nbgrader", {}).get("locked") \
                and cell.get("id") in self._texts:
            cell.source = self._texts[cell.get("id")]
            cell, resources = self._clear.preprocess_cell(cell, resources, index)
        return cell, resources


def translate_feedback(html: Path, language: str, course_root: Path) -> int:
    """Rewrite the template's labels of one feedback file in ``language``; returns how many."""
    if language not in translations.LANGUAGES:
        return 0
    texts = translations.load(course_root / "translations" / language / CATALOGUE)
    words = labels(lambda context, english: texts.get(context, english))
    text = html.read_text(encoding="utf-8")
    count = 0
    for place, english in PLACES:
        text, n = re.subn(place, lambda m, w=words[english]: f"{m[1]}{w}{m[2]}", text)
        count += n
    text = re.sub(r'<html(?![^>]*\blang=)', f'<html lang="{language}"', text, count=1)
    html.write_text(text, encoding="utf-8")
    return count
