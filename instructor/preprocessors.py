"""nbgrader preprocessors for the defences nbgrader 0.9.6 lacks. Registered in ``nbgrader_config.py``.

Autograding runs two lists of preprocessors on each submitted notebook; ours sit here:

sanitize:  ClearOutput, DeduplicateIds, OverwriteKernelspec,
           **RepairCells**, OverwriteCells, **DetectTampering**, CheckCellMetadata
autograde: **GuardedExecute** (instead of Execute), IgnorePattern, ClearMetadataPreprocessor,
           LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata

- ``RepairCells`` puts back every deleted locked cell (tests, set-up, provided code) at its
  place, and strips nbgrader metadata that does not belong to the assignment. nbgrader's own
  ``add_missing_cells`` restores only grade cells and fails on the whole notebook (KeyError)
  when the cell before a deleted test cell is gone too (a student deleting an exercise's answer
  and test cells together); a cell with forged metadata (``"grade": true`` and an unknown
  ``grade_id``) makes nbgrader fail on the whole notebook too.
- ``DetectTampering`` reads every student code cell's syntax tree (``instructor/tampering.py``);
  a cell that tampers with the grading is replaced by a ``raise RuntimeError`` naming what was
  found (the original stays visible, commented out), so the tests that need it fail.
- ``GuardedExecute`` is nbgrader's ``Execute`` with ``instructor/kernel_guard.py`` installed in
  the kernel first (frozen modules, restore before every locked cell, an audit hook blocking
  the answer key, the instructor's files and other programs) and the guard's report read back.

Findings are stored in the notebook's metadata under ``autograder_integrity`` and logged;
``python -m instructor autograde`` collects them into its report.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Float, Integer, List, Unicode

from . import tampering

METADATA_KEY = "autograder_integrity"
# How a cell stopped by a time limit ends: nbgrader's wall clock, or the guard's CPU time.
TIME_LIMIT_ERRORS = ("CellTimeoutError", "CPUTimeLimitExceeded")
GUARD_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel_guard.py")
# The hidden last cell: prints the guard's report (no names from the notebook's namespace).
REPORT_CELL = ("if __import__('sys').stdout.write(\n"
               "        __import__('sys').modules['__course_guard__'].report_json() + '\\n'):\n"
               "    pass")
RESTORED_NOTICE = ("AUTOGRADER: this locked cell was missing from the submission and was put "
                   "back from the assignment.")


def integrity(nb: NotebookNode) -> dict[str, Any]:
    """The notebook's integrity record (created on first use)."""
    record = nb.metadata.setdefault(METADATA_KEY, {})
    for key in ("restored_cells", "tampering", "notes", "runtime", "timeouts"):
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
    """Neutralise student code cells that tamper with the grading (after OverwriteCells)."""

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
                self.log.warning("Tampering in %s, cell not run: %s", label,
                                 "; ".join(f.describe() for f in bad))
                cell.source = tampering.neutralised_source(cell.source, findings)
            elif notes:
                self.log.info("Note for %s: %s", label, "; ".join(f.describe() for f in notes))
                cell.source = tampering.noted_source(cell.source, findings)
        return nb, resources


class GuardedExecute(Execute):
    """nbgrader's Execute, with the runtime guard installed in the kernel before the first cell."""

    private_paths = List(Unicode(), [
        "solutions", "source", "submitted", "autograded", "feedback", "release", "downloaded",
        "nbgrader_config.py", ".git"],
        help="Paths (relative to the course root) a submission may not read.").tag(config=True)

    blas_threads = Integer(1, help=(
        "Threads for NumPy's BLAS in the student kernel (0: the library's default). The guard "
        "imports NumPy before the first cell, so a notebook's own setting would come too late; "
        "an environment variable such as OPENBLAS_NUM_THREADS still wins.")).tag(config=True)

    cpu_time_limit = Float(60.0, help=(
        "Seconds of CPU time one cell may use (0: no limit). Unlike the wall-clock `timeout`, a "
        "busy grading machine does not use it up for honest code.")).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict = None, km: Any = None):
        resources = resources if resources is not None else {}
        own_dir = os.path.abspath(resources.get("metadata", {}).get("path") or ".")
        db_url = resources.get("nbgrader", {}).get("db_url", "")
        private = list(self.private_paths)
        if db_url.startswith("sqlite:///"):
            private.append(db_url[len("sqlite:///"):])
        trusted = trusted_cells(nb, resources) if "nbgrader" in resources else [False] * len(nb.cells)
        trusted_sources = [c.source for c, t in zip(nb.cells, trusted) if t and c.cell_type == "code"]
        context = tampering.notebook_context(trusted_sources, [])
        config = {
            "course_root": os.getcwd(),  # nbgrader runs converters from the course root
            "own_dir": own_dir,
            "private_paths": private,
            "cpu_time_limit": self.cpu_time_limit,
            "blas_threads": self.blas_threads,
            "trusted_sha256": [hashlib.sha256(s.encode("utf-8")).hexdigest() for s in trusted_sources],
            "locked_imports": [[name, module, attribute]
                               for name, (module, attribute) in context.locked_imports.items()],
        }
        guard_cell = nbformat.v4.new_code_cell(
            f"if __import__('runpy').run_path({GUARD_PATH!r}, init_globals={{'CONFIG': "
            f"{json.dumps(config)!r}}}, run_name='__course_guard_install__'): pass")
        report_cell = nbformat.v4.new_code_cell(REPORT_CELL)
        nb.cells.insert(0, guard_cell)
        nb.cells.append(report_cell)
        try:
            nb, resources = super().preprocess(nb, resources, km=km)
        finally:
            guard_cell, report_cell = nb.cells.pop(0), nb.cells.pop(-1)
        errors = [o for o in guard_cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            raise RuntimeError("The autograder's runtime guard could not be installed, so this "
                               f"submission was not graded: {errors[0].get('ename')}: "
                               f"{errors[0].get('evalue')}")
        record = integrity(nb)
        record["runtime"] = self._read_report(report_cell)
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("ename") in TIME_LIMIT_ERRORS:
                    record["timeouts"].append({"cell_index": index, "grade_id": _grade_id(cell),
                                               "limit": output.get("ename")})
        for event in record["runtime"]:
            self.log.warning("Runtime guard: %s", event)
        return nb, resources

    @staticmethod
    def _read_report(cell: NotebookNode) -> list[str]:
        text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                       if o.get("output_type") == "stream" and o.get("name") == "stdout")
        try:
            return list(json.loads(text.strip().splitlines()[-1])["events"])
        except (ValueError, IndexError, KeyError, TypeError):
            return ["the runtime guard's report could not be read (the submission may have "
                    + "interfered with it)"]


__all__ = ["DetectTampering", "GuardedExecute", "RepairCells", "integrity", "trusted_cells"]
