"""Record each student in the gradebook as their results arrive: nbgrader's own ``Autograde``
converter, driven step by step in this process.

``nbgrader autograde`` does, for each student: ``init_assignment`` (the student in the gradebook,
the hand-in time from ``timestamp.txt``, the assignment's other files), then for each notebook
its sanitising preprocessors, its autograde preprocessors (``Execute``, ``SaveAutoGrades``,
``AssignLatePenalties``...) and the write to ``autograded/<student>/<assignment>/``. The same
converter, configured by the course's ``nbgrader_config.py``, does the same steps here, split
where the notebook runs:

- ``prepare``, before a worker runs the notebooks: ``init_assignment`` and the sanitising
  preprocessors, once per notebook; the sanitised notebook is the worker's ``Task``;
- ``record``, when a worker's result arrives: the autograde preprocessors, where
  ``SandboxedExecute`` puts in the result's outputs instead of running the notebook, and the write.

nbgrader's gradebook wants one writer: this process is it; workers never see the gradebook.
"""

from __future__ import annotations

import copy
import logging
import shutil
from pathlib import Path
from typing import Any

import nbformat

from . import execution, preprocessors, sandbox


class Recorder:
    """One assignment's nbgrader converter, exporters and writer, made once per run."""

    def __init__(self, course: Any, assignment: str, log: logging.Logger) -> None:
        from nbconvert.writers import FilesWriter
        from nbgrader.converters import Autograde
        from nbgrader.coursedir import CourseDirectory

        config = copy.deepcopy(course.config)
        config.CourseDirectory.root = str(course.root)  # it says ".": the course, wherever we run
        config.CourseDirectory.db_url = course.db_url  # absolute, like the root
        config.CourseDirectory.assignment_id = assignment
        coursedir = CourseDirectory(config=config, log=log)
        self.assignment = assignment
        self.converter = converter = Autograde(coursedir=coursedir, config=config, log=log)
        converter.writer = FilesWriter(parent=converter, config=converter.config)
        self.sanitiser = self._exporter(converter.sanitize_preprocessors)
        self.grader = self._exporter(converter.autograde_preprocessors)
        self.waiting: dict[tuple[str, str], tuple[str, Any]] = {}  # sanitised, not yet recorded

    def _exporter(self, steps: list[Any]) -> Any:
        exporter = self.converter.exporter_class(parent=self.converter, config=self.converter.config)
        for step in steps:
            exporter.register_preprocessor(step)
        return exporter

    def prepare(self, student: str, limits: sandbox.Limits, isolated: bool) -> list[execution.Task]:
        """The student in the gradebook, their notebooks sanitised: one task per notebook."""
        converter, assignment = self.converter, self.assignment
        self.forget(student)  # a regrade starts from nothing, as nbgrader's --force does
        folder = Path(converter._format_source(assignment, student))
        converter.notebooks = sorted(str(path) for path in folder.glob("*.ipynb"))
        converter.init_assignment(assignment, student)  # keeps the gradebook's notebooks only
        files = execution.submission_files(folder)
        tasks = []
        for filename in converter.notebooks:
            resources = converter.init_single_notebook_resources(filename)
            sanitised, resources = self.sanitiser.from_filename(filename, resources=resources)
            notebook = resources["nbgrader"]["notebook"]
            self.waiting[student, notebook] = sanitised, resources
            cells = {cell["name"]: cell for cell in preprocessors.assignment_cells(resources)}
            tasks.append(execution.Task(student, notebook, sanitised, cells, limits, files, isolated))
        return tasks

    def record(self, result: execution.Result) -> None:
        """Score and write one notebook's result with nbgrader's autograde preprocessors; raises
        (``NotebookNotGradedError`` with the worker's reason for a failed result) if it cannot."""
        sanitised, resources = self.waiting.pop((result.student, result.notebook))
        resources = {**resources, preprocessors.RESULT: result}
        graded, resources = self.grader.from_notebook_node(nbformat.reads(sanitised, as_version=4),
                                                           resources=resources)
        self.converter.write_single_notebook(graded, resources)

    def finish(self, student: str) -> None:
        self.converter.set_permissions(self.assignment, student)

    def forget(self, student: str) -> None:
        """Nothing of this student's run is kept in autograded/ (nbgrader's rule for a failure)."""
        for key in [key for key in self.waiting if key[0] == student]:
            del self.waiting[key]
        folder = Path(self.converter._format_dest(self.assignment, student))
        if folder.exists():
            shutil.rmtree(folder)
