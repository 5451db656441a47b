"""nbgrader preprocessors for grading untrusted notebooks. Registered in ``nbgrader_config.py``.

Autograding runs two lists of preprocessors on each submitted notebook; ours sit here:

sanitize:  ClearOutput, DeduplicateIds, OverwriteKernelspec,
           **RepairCells**, OverwriteCells, **DetectTampering**, CheckCellMetadata
autograde: **SandboxedExecute** (instead of Execute), IgnorePattern, ClearMetadataPreprocessor,
           LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata

- ``RepairCells`` puts back every deleted locked cell (tests, set-up, provided code) at its
  place, drops nbgrader metadata that does not belong to the assignment, and resets the
  grading metadata of every known cell (grade, solution, locked, points) to the gradebook's, so
  an edited notebook cannot turn an answer into a test or a test into something else.
- ``DetectTampering`` reads every student code cell's syntax tree (``instructor/tampering.py``)
  and REPORTS what looks like an attack on the grading; it never changes or disables a cell.
  Enforcement is the sandbox's and the judge's job, not a denylist's.
- ``SandboxedExecute`` runs student cells in a bubblewrap sandbox (``instructor/sandbox.py``)
  and the test cells outside it, in the judge (``instructor/judge.py``).

Findings are stored in the notebook's metadata under ``autograder_integrity`` and logged;
``python -m instructor autograde`` collects them into its report.
"""

from __future__ import annotations

import json
import time
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from . import tampering

METADATA_KEY = "autograder_integrity"
RESTORED_NOTICE = ("AUTOGRADER: this locked cell was missing from the submission and was put "
                   "back from the assignment.")


def integrity(nb: NotebookNode) -> dict[str, Any]:
    """The notebook's integrity record (created on first use)."""
    record = nb.metadata.setdefault(METADATA_KEY, {})
    for key in ("restored_cells", "tampering", "notes", "sandbox", "timeouts"):
        record.setdefault(key, [])
    return record


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _source_cells(resources: ResourcesDict) -> list[Any]:
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
            source_cells = _source_cells(resources)
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


def trusted_cells(nb: NotebookNode, resources: ResourcesDict) -> list[bool]:
    """For each cell: is it a locked instructor cell whose source is exactly the assignment's?

    Metadata alone proves nothing (a student can write ``"locked": true`` on a new cell);
    after OverwriteCells a cell is trusted only if its grade_id is a locked source cell in the
    gradebook and its source is that cell's source.
    """
    try:
        locked = {c["name"]: c["source"] for c in _source_cells(resources) if c["locked"]}
    except MissingEntry:
        locked = {}
    return [_grade_id(cell) in locked and cell.source == locked[_grade_id(cell)] for cell in nb.cells]


class DetectTampering(NbGraderPreprocessor):
    """Report student code cells that look like attacks on the grading (after OverwriteCells).

    Only a report for the instructor: the cell still runs, in the sandbox, where it can change
    nothing the judge uses. A static check of a dynamic language is neither complete nor free
    of false alarms, so it must never cost an honest student points.
    """

    enabled = Bool(True, help="Check student cells for tampering.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        trusted = trusted_cells(nb, resources)
        code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        context = tampering.notebook_context(
            [c.source for i, c in code if trusted[i]], [c.source for i, c in code if not trusted[i]])
        record = integrity(nb)
        for index, cell in code:
            if trusted[index]:
                continue
            findings = tampering.check_cell(cell.source, context)
            if not findings:
                continue
            where = {"cell_index": index, "grade_id": _grade_id(cell)}
            bad = [f for f in findings if f.severity == tampering.TAMPERING]
            notes = [f for f in findings if f.severity == tampering.NOTE]
            for finding in bad:
                record["tampering"].append({**where, "line": finding.line, "message": finding.message})
            for finding in notes:
                record["notes"].append({**where, "line": finding.line, "message": finding.message})
            label = where["grade_id"] or f"cell {index}"
            if bad:
                self.log.warning("Suspicious code in %s (reported, still run in the sandbox): %s",
                                 label, "; ".join(f.describe() for f in bad))
            elif notes:
                self.log.info("Note for %s: %s", label, "; ".join(f.describe() for f in notes))
        return nb, resources


class KeepEditionText(NbGraderPreprocessor):
    """After OverwriteCells: a locked markdown cell of a notebook from another edition (the Bengali
    one) gets its translated text back, and a collapsed code cell its translated caption (the
    first line, a comment: instructor/editions.py).

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

        from . import translations

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


class SandboxedExecute(NbGraderPreprocessor):
    """Runs the notebook: student cells in a bubblewrap sandbox, test cells in the judge.

    Replaces nbgrader's ``Execute``. Cells run in notebook order: every code cell that is not
    an autograded test (the student's answers, the instructor's set-up cells) runs in the
    sandbox's IPython shell (``instructor/sandbox_server.py``); each autograded test cell runs
    here, in ``instructor.judge``, from the gradebook's source, on proxies of the student's
    objects. The outputs land in the notebook, so nbgrader's ``SaveAutoGrades`` scores them as
    usual, and the feedback shows them. The sandbox is gone before this method returns.
    """

    sandbox = Bool(True, help=(
        "Run student code in a bubblewrap sandbox. False (`--no-sandbox`) runs the same server "
        "as an ordinary process with the instructor's rights: it can read and change the course "
        "folder, the gradebook and everything else the instructor can.")).tag(config=True)
    timeout = Integer(120, help="Wall-clock seconds for one cell or one request of a test.").tag(config=True)
    cpu_time_limit = Float(60.0, help=(
        "CPU seconds for one cell or one request of a test (0: none). Unlike the wall clock, a "
        "busy grading machine does not use it up for honest code.")).tag(config=True)
    notebook_timeout = Integer(1800, help="Wall-clock seconds for the whole notebook.").tag(config=True)
    notebook_cpu_limit = Integer(900, help="CPU seconds of each sandboxed process.").tag(config=True)
    memory_limit_mb = Integer(4096, help=(
        "Memory of a sandbox, MiB: the address space of each of its processes, and the resident "
        "memory of all of them together.")).tag(config=True)
    process_limit = Integer(64, help="Processes and threads in one sandbox.").tag(config=True)
    judge_memory_limit_mb = Integer(2048, help=(
        "Address space the judge's own process for one notebook may add while it grades, MiB: "
        "what the notebook sends it beyond that stops the notebook.")).tag(config=True)

    results_dir = Unicode("", help=(
        "A folder of outputs computed ahead by parallel or Dask workers (instructor/parallel.py): "
        "a notebook whose fingerprint matches is replayed instead of run again.")).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        from pathlib import Path

        from . import execution, sandbox

        cells = {c["name"]: c for c in _source_cells(resources)}
        record = integrity(nb)
        replayed = self._replay(nb, resources, cells)
        if replayed is not None:
            outputs, timeouts, events = replayed
        else:
            limits = sandbox.Limits(memory_mb=self.memory_limit_mb, total_memory_mb=self.memory_limit_mb,
                                    processes=self.process_limit, judge_memory_mb=self.judge_memory_limit_mb,
                                    cpu_seconds=self.notebook_cpu_limit, wall_seconds=self.notebook_timeout,
                                    cell_cpu_seconds=self.cpu_time_limit, cell_wall_seconds=self.timeout)
            files = execution.submission_files(Path(resources.get("metadata", {}).get("path") or "."))
            task = execution.Task(resources["nbgrader"]["student"], resources["nbgrader"]["notebook"],
                                  nbformat.writes(nb), cells, limits, files, self.sandbox)
            result = execution.execute_task(task)  # the judge in a process of its own
            if result.error:
                raise NotebookNotGradedError(result.error)
            outputs, timeouts, events = result.outputs, result.timeouts, result.events
        if not self.sandbox:
            self.log.warning("GRADING WITHOUT A SANDBOX (--no-sandbox): student code runs with your "
                             "rights and can read or change the course, the gradebook and your files.")
            events = ["graded without a sandbox (--no-sandbox)", *events]
        count = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                count += 1
                cell.outputs = [nbformat.from_dict(o) for o in outputs.get(index, [])]
                cell.execution_count = count
        record["timeouts"].extend(timeouts)
        record["sandbox"].extend(events)
        return nb, resources

    def _replay(self, nb: NotebookNode, resources: ResourcesDict, cells: dict[str, Any]):
        from pathlib import Path

        from . import execution

        if not self.results_dir:
            return None
        info = resources["nbgrader"]
        path = Path(self.results_dir) / info["student"] / f"{info['notebook']}.json"
        running = Path(self.results_dir) / "RUNNING"  # instructor.parallel.RUNNING
        while not path.is_file() and running.exists():  # workers are still at it: wait for them
            time.sleep(0.1)
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("error"):  # a worker could not grade it: nbgrader fails it, with the reason
            raise NotebookNotGradedError(str(data["error"]))
        if data.get("fingerprint") != execution.fingerprint(nb, cells):
            self.log.warning("Outputs computed ahead for %s do not match the notebook; running it again",
                             info["student"])
            return None
        outputs = {int(k): v for k, v in data["outputs"].items()}
        return outputs, data.get("timeouts", []), data.get("events", [])


__all__ = ["DetectTampering", "KeepEditionText", "RepairCells", "SandboxedExecute", "integrity",
           "trusted_cells"]
