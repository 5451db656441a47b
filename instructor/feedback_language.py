"""Feedback in the language of the notebook handed in, around the student's work too.

nbgrader's feedback template writes its own words in English ("Score", "Test cell", "Written
response", "Comments"...). A Bengali student's feedback gets them from the course's catalogue
(``translations/<language>/instructor.po``, kept by ``python -m instructor.translations``): the
template's HTML around each label is matched, never the student's own text. The language is
the one the submitted notebook says (``metadata.course.language``, set by the edition).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from . import translations

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
