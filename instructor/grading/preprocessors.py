"""nbgrader preprocessors for grading untrusted notebooks. Registered in ``nbgrader_config.py``.

Autograding runs two lists of preprocessors on each submitted notebook; ours sit here:

sanitize:  ClearOutput, DeduplicateIds, OverwriteKernelspec,
           **RepairCells**, OverwriteCells, **KeepEditionText**, CheckCellMetadata
autograde: **SandboxedExecute** (instead of Execute), SanitizeHTML, IgnorePattern,
           ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
           CheckCellMetadata

- ``RepairCells`` puts back every deleted locked cell (tests, set-up, provided code) at its
  place, drops nbgrader metadata that does not belong to the assignment, and resets the
  grading metadata of every known cell (grade, solution, locked, points) to the gradebook's, so
  an edited notebook cannot turn an answer into a test or a test into something else.
- ``KeepEditionText`` gives a Bengali notebook's restored locked text back in Bengali.
- ``SandboxedExecute`` puts in the outputs of the notebook's run: student cells in a bubblewrap
  sandbox (``instructor/grading/sandbox.py``), test cells outside it, in the judge (``instructor/grading/judge.py``).
  ``python -m instructor autograde`` runs the notebooks in parallel and hands each result in
  (``instructor/grading/recording.py``); under a plain ``nbgrader autograde`` it runs the notebook itself.

Findings are stored in the notebook's metadata under ``autograder_integrity`` and logged;
``python -m instructor autograde`` collects them into its report.
"""

from __future__ import annotations

from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Unicode

METADATA_KEY = "autograder_integrity"
RESTORED_NOTICE = ("AUTOGRADER: this locked cell was missing from the submission and was put "
                   "back from the assignment.")


def integrity(nb: NotebookNode) -> dict[str, Any]:
    """The notebook's integrity record (created on first use)."""
    record = nb.metadata.setdefault(METADATA_KEY, {})
    for key in ("restored_cells", "notes", "sandbox", "timeouts"):
        record.setdefault(key, [])
    return record


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def assignment_cells(resources: ResourcesDict) -> list[Any]:
    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gradebook:
        notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
        cells = [{"name": c.name, "cell_type": c.cell_type, "locked": c.locked,
                  "source": c.source, "checksum": c.checksum} for c in notebook.source_cells]
        grades = {c.name: float(c.max_score) for c in notebook.grade_cells}
        solutions = {c.name for c in notebook.solution_cells}
    for cell in cells:
        cell["points"] = grades.get(cell["name"])
        cell["solution"] = cell["name"] in solutions
    return cells


class RepairCells(NbGraderPreprocessor):
    """Before OverwriteCells: drop forged nbgrader metadata, put deleted locked cells back."""

    enabled = Bool(True, help="Repair deleted locked cells and forged metadata.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        try:
            source_cells = assignment_cells(resources)
        except MissingEntry:
            return nb, resources  # unknown notebook: nbgrader reports it
        known = {cell["name"] for cell in source_cells}
        for index, cell in enumerate(nb.cells):
            if "nbgrader" in cell.get("metadata", {}) and _grade_id(cell) not in known:
                forged = _grade_id(cell)
                del cell.metadata["nbgrader"]
                self.log.warning("Cell %d has nbgrader metadata not in the assignment (grade_id %r): "
                                 "removed; it is an ordinary cell now", index, forged)
                integrity(nb)["notes"].append({
                    "cell_index": index, "grade_id": None, "line": 0,
                    "message": f"had nbgrader metadata of a cell that is not in the assignment "
                               f"(grade_id {forged!r}); it was graded as an ordinary cell"})
        by_name = {cell["name"]: cell for cell in source_cells}
        for cell in nb.cells:
            if _grade_id(cell) in by_name:
                self._reset_metadata(cell, by_name[_grade_id(cell)])
        present = {}
        for index, cell in enumerate(nb.cells):
            grade_id = _grade_id(cell)
            if grade_id is not None and grade_id not in present:
                present[grade_id] = index
        last_index = -1  # position in nb of the latest source cell seen, in source order
        restored = []
        for source_cell in source_cells:
            name = source_cell["name"]
            if name in present:
                last_index = max(last_index, present[name])
                continue
            if not source_cell["locked"]:
                # A student's own answer cell is theirs: a deleted answer stays deleted (putting
                # the stub back could overwrite code the student moved to another cell).
                continue
            cell = self._make_cell(source_cell)
            last_index += 1
            nb.cells.insert(last_index, cell)
            present = {k: (v + 1 if v >= last_index else v) for k, v in present.items()}
            present[name] = last_index
            restored.append(name)
        if restored:
            self.log.warning("Restored deleted locked cells: %s", ", ".join(restored))
            integrity(nb)["restored_cells"].extend(restored)
        return nb, resources

    @staticmethod
    def _reset_metadata(cell: NotebookNode, source_cell: dict[str, Any]) -> None:
        """Grading metadata comes from the gradebook, whatever the submission says."""
        meta = cell.metadata.nbgrader
        meta["grade"] = source_cell["points"] is not None
        meta["solution"] = source_cell["solution"]
        meta["locked"] = source_cell["locked"]
        if source_cell["points"] is not None:
            meta["points"] = source_cell["points"]
        else:
            meta.pop("points", None)

    @staticmethod
    def _make_cell(source_cell: dict[str, Any]) -> NotebookNode:
        metadata = {"grade": source_cell["points"] is not None, "grade_id": source_cell["name"],
                    "locked": source_cell["locked"], "solution": source_cell["solution"],
                    "checksum": source_cell["checksum"], "schema_version": 3}
        if source_cell["points"] is not None:
            metadata["points"] = source_cell["points"]
        if source_cell["cell_type"] == "code":
            cell = nbformat.v4.new_code_cell(source_cell["source"])
        else:
            cell = nbformat.v4.new_markdown_cell(source_cell["source"])
        cell.metadata["nbgrader"] = metadata
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False
        cell.metadata[METADATA_KEY] = RESTORED_NOTICE
        return cell


class KeepEditionText(NbGraderPreprocessor):
    """After OverwriteCells: a locked markdown cell of a notebook from another edition (the Bengali
    one) gets its translated text back, and a collapsed code cell its translated caption (the
    first line, a comment: instructor/authoring/editions.py).

    OverwriteCells restores every locked cell from the gradebook's source, which is English: the
    lab's four questions of a Bengali notebook would come back in English in the graded notebook
    and the feedback. A question is not the student's to change, but it is the edition's: its text
    comes from the course's own catalogue (``translations/<language>/``), never from the
    submission, so nothing the student wrote can reach a locked cell.
    """

    enabled = Bool(True, help="Show locked text in the language of the notebook handed in.").tag(config=True)
    course_root = Unicode("", help="The course folder (default: the folder nbgrader runs in).").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        from pathlib import Path

        from ..authoring import translations

        language = str(nb.get("metadata", {}).get("course", {}).get("language", "")).strip()
        if not self.enabled or language not in translations.LANGUAGES:
            return nb, resources
        info = resources.get("nbgrader", {})
        root = Path(self.course_root or ".").resolve()
        catalogue = root / "translations" / language / info.get("assignment", "") / f"{info.get('notebook', '')}.po"
        texts = translations.load(catalogue)
        from coursekit.language import answer_stub

        # The gradebook knows an unanswered written answer by the checksum of the English stub
        # ("YOUR ANSWER HERE"): the edition's stub, untouched, is that empty answer (scored 0,
        # "No response."), not a text for a grader to read.
        stub, english_stub = answer_stub(language).strip(), answer_stub("en")
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            caption = translations.caption(cell)
            if (cell.cell_type == "markdown" and meta.get("locked")
                    and f"{translations.MARKDOWN}{cell.get('id')}" in texts):
                cell.source = texts[f"{translations.MARKDOWN}{cell.get('id')}"]
            elif meta.get("locked") and caption and translations.caption_context(caption) in texts:
                cell.source = translations.with_caption(cell.source, texts[translations.caption_context(caption)])
            elif cell.cell_type == "markdown" and meta.get("solution") and cell.source.strip() == stub:
                cell.source = english_stub
        return nb, resources


class NotebookNotGradedError(Exception):
    """This notebook could not be graded (the reason says why); nbgrader fails that submission."""


#: Where ``instructor/grading/recording.py`` hands SandboxedExecute the result computed by a worker.
RESULT = "instructor_result"
NEVER_RAN = {"output_type": "error", "ename": "NotRun", "evalue": "this cell was never run",
             "traceback": ["NotRun: this cell was never run"]}


class SandboxedExecute(NbGraderPreprocessor):
    """The notebook's outputs: student cells run in a bubblewrap sandbox, test cells in the judge.

    Replaces nbgrader's ``Execute``. Every code cell that is not an autograded test (the
    student's answers, the instructor's set-up cells) runs in the sandbox's IPython shell
    (``instructor/grading/sandbox_server.py``); each autograded test cell runs outside it, in
    ``instructor.grading.judge``, from the gradebook's source. The outputs land in the notebook, so
    nbgrader's ``SaveAutoGrades`` scores them as usual, and the feedback shows them.

    ``python -m instructor autograde`` has run the notebook already, on a worker, and passes the
    result in ``resources[RESULT]``; a plain ``nbgrader autograde`` runs it here, with the limits
    of ``c.SandboxLimits`` (``instructor/grading/sandbox.py``).
    """

    sandbox = Bool(True, help=(
        "Run student code in a bubblewrap sandbox. False (`--no-sandbox`) runs the same server "
        "as an ordinary process with the instructor's rights: it can read and change the course "
        "folder, the gradebook and everything else the instructor can.")).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        result = resources.get(RESULT) or self._run(nb, resources)
        if result.error:  # nothing of it is recorded: nbgrader fails this submission, with why
            raise NotebookNotGradedError(result.error)
        count = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                count += 1
                # nbgrader gives a test cell without outputs full marks: one that never ran fails.
                outputs = result.outputs.get(index, [NEVER_RAN])
                cell.outputs = [nbformat.from_dict(o) for o in outputs]
                cell.execution_count = count
        record = integrity(nb)
        record["timeouts"].extend(result.timeouts)
        record["sandbox"].extend(result.events)
        return nb, resources

    def _run(self, nb: NotebookNode, resources: ResourcesDict):
        from pathlib import Path

        from . import execution, sandbox

        if not self.sandbox:
            self.log.warning("GRADING WITHOUT A SANDBOX (--no-sandbox): student code runs with your "
                             "rights and can read or change the course, the gradebook and your files.")
        files = execution.submission_files(Path(resources.get("metadata", {}).get("path") or "."))
        task = execution.Task(resources["nbgrader"]["student"], resources["nbgrader"]["notebook"],
                              nbformat.writes(nb), {c["name"]: c for c in assignment_cells(resources)},
                              sandbox.Limits.from_config(self.config), files, self.sandbox)
        return execution.execute_task(task)  # the judge in a process of its own


__all__ = ["KeepEditionText", "RepairCells", "SandboxedExecute", "assignment_cells", "integrity"]
