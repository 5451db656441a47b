"""Where each assignment's student version lives: the lessons in ``lessons/lessonN/``, the lab in
``lab/``, so that the course's top level reads as its design card does (``lessons/``, ``lab/``,
``source/``, ``solutions/``, ``tests/``).

nbgrader has one release folder for every assignment (``{release_directory}/{assignment}``) and
no per-assignment setting, so ``nbgrader_config.py`` calls ``use_course_layout()``, which widens
``CourseDirectory.format_path`` for the release step only. Every nbgrader command, its Python
API and formgrader then write and find ``lessons/lessonN/``; sources (``source/lessonN/``),
submissions, autograded notebooks and feedback keep nbgrader's own layout, and assignment names
stay ``lesson1`` ... ``lesson5`` and ``lab`` (one gradebook, unchanged LMS columns).
"""

from __future__ import annotations

import os
from pathlib import Path

LESSONS = "lessons"


def is_lesson(assignment: str) -> bool:
    return assignment.startswith("lesson") and assignment[len("lesson"):].isdigit()


def student_folder(assignment: str) -> str:
    """The folder of an assignment's student version, relative to the course (or edition) root."""
    return f"{LESSONS}/{assignment}" if is_lesson(assignment) else assignment


def lesson_folders(root: Path) -> dict[int, Path]:
    """The lessons' student folders under ``root`` (a course, an edition or a handout), by number."""
    return {int(path.name[len("lesson"):]): path for path in sorted((root / LESSONS).glob("lesson*"))
            if path.is_dir() and is_lesson(path.name)}


def use_course_layout() -> None:
    """Make nbgrader release lessons to ``lessons/lessonN/`` (idempotent)."""
    from nbgrader.coursedir import CourseDirectory

    original = CourseDirectory.format_path
    if getattr(original, "course_layout", False):
        return

    def format_path(self, nbgrader_step, student_id, assignment_id, escape=False):
        if nbgrader_step == self.release_directory and student_id == "." and is_lesson(assignment_id):
            nbgrader_step = os.path.join(nbgrader_step, LESSONS)
        return original(self, nbgrader_step, student_id, assignment_id, escape)

    format_path.course_layout = True
    CourseDirectory.format_path = format_path
