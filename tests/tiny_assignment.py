"""A tiny nbgrader assignment for grading tests: fast to run, with hidden tests and a sentinel.

``attacks.ipynb``: a set-up cell, one answer cell (a class ``Scaler`` and a function
``safe_log``) and two test cells (2 and 1 points) whose hidden parts hold ``SENTINEL``.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import nbformat

from instructor import cli

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = NOTEBOOK = "attacks"
SENTINEL = "HIDDEN-SENTINEL-7F3A"  # only in the hidden tests (source, gradebook)
PERFECT_MARK = "PERFECT-WORK-51C2"  # only in perfect submissions

SETUP = ("import numpy as np\nimport coursekit.grading\n"
         "from coursekit.grading import check, check_close, check_raises, quiet")
ANSWER = '''\
class Scaler:
    def __init__(self, factor):
        ### BEGIN SOLUTION
        self.factor = float(factor)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return np.asarray(x) * self.factor
        ### END SOLUTION


def safe_log(x):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    if (x <= 0).any():
        raise ValueError("safe_log needs positive numbers")
    return np.log(x)
    ### END SOLUTION
'''
TEST_SCALER = f'''\
import numpy as np
from coursekit.grading import check, check_close, quiet

rng = np.random.default_rng(5)
x = rng.standard_normal((3, 4))
with quiet():
    layer = Scaler(2.5)
    y = layer.forward(x)
check(type(layer).__name__ == "Scaler", "Scaler should be a class")
check_close(y, x * 2.5, "Scaler(2.5).forward(x)")
### BEGIN HIDDEN TESTS
expected = x * 2.5 + 1234.5  # {SENTINEL}
check_close(Scaler(-1.0).forward(expected), -expected, "Scaler(-1.0).forward")
check(abs(float(Scaler(3).forward(np.ones(1))[0]) - 3.0) < 1e-12, "Scaler(3) on ones")
### END HIDDEN TESTS
'''
TEST_LOG = '''\
import numpy as np
from coursekit.grading import check_close, check_raises

check_raises(ValueError, lambda: safe_log([-1.0]), "safe_log must raise ValueError for -1")
check_close(safe_log([1.0, np.e]), [0.0, 1.0], "safe_log([1, e])")
### BEGIN HIDDEN TESTS
check_close(safe_log(np.full((2, 2), np.e ** 2)), np.full((2, 2), 2.0), "safe_log on a matrix")
### END HIDDEN TESTS
'''
POINTS = {"tests-scaler": 2, "tests-log": 1}


def source_notebook() -> nbformat.NotebookNode:
    def meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
        data = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                "solution": solution, "task": False}
        if points is not None:
            data["points"] = points
        return {"nbgrader": data}

    cells = [nbformat.v4.new_markdown_cell("# Attacks\nA tiny assignment.", metadata={}),
             nbformat.v4.new_code_cell(SETUP, metadata=meta("setup", locked=True)),
             nbformat.v4.new_code_cell(ANSWER, metadata=meta("answer", solution=True)),
             nbformat.v4.new_code_cell(TEST_SCALER, metadata=meta(
                 "tests-scaler", grade=True, locked=True, points=POINTS["tests-scaler"])),
             nbformat.v4.new_code_cell(TEST_LOG, metadata=meta(
                 "tests-log", grade=True, locked=True, points=POINTS["tests-log"]))]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def perfect_submission(release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(nbformat.writes(release)))
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            body = "\n".join(line for line in ANSWER.splitlines() if "### " not in line)
            cell.source = f"# {PERFECT_MARK}\n{body}"
    return nb


def cli_run(*args: str) -> tuple[int, str]:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = cli.main(list(args))
    return code, output.getvalue()


def submission(answer: str = "", extra_cells: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The source notebook with ``answer`` (default: the solution) and student cells after it."""
    nb = source_notebook()
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = answer or "\n".join(line for line in ANSWER.splitlines() if "### " not in line)
            nb.cells[index + 1:index + 1] = [nbformat.v4.new_code_cell(code) for code in extra_cells]
            break
    return nb


def grading_task(nb: nbformat.NotebookNode, limits, tests: dict[str, str] | None = None):
    """What a grading worker gets for ``nb`` (``instructor.grading.execution.Task``), without nbgrader:
    the gradebook's cells are the source notebook's, plus ``tests`` (grade_id -> source, one
    point each), which are appended to ``nb`` as test cells."""
    from instructor.grading import execution

    def entry(name, cell_type, source, locked, points=None, solution=False):
        return {"name": name, "cell_type": cell_type, "locked": locked, "source": source,
                "checksum": "", "points": points, "solution": solution}

    cells = {}
    for cell in source_notebook().cells:
        meta = cell.metadata.get("nbgrader")
        if meta:
            cells[meta["grade_id"]] = entry(meta["grade_id"], cell.cell_type, cell.source, meta["locked"],
                                            meta.get("points"), meta["solution"])
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for name, source in (tests or {}).items():
        cells[name] = entry(name, "code", source, True, 1.0)
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
            "grade": True, "grade_id": name, "locked": True, "points": 1, "schema_version": 3,
            "solution": False}}))
    return execution.Task("student", NOTEBOOK, nbformat.writes(nb), cells, limits)


def scored(task, result) -> tuple[float, float]:
    """(score, max score) of a worker's result for ``task``, by nbgrader's own rule
    (``nbgrader.utils.determine_grade``, what SaveAutoGrades records), without a gradebook."""
    from nbgrader.utils import determine_grade, is_grade, is_solution

    nb = nbformat.reads(task.notebook_json, as_version=4)
    score = max_score = 0.0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            cell.outputs = [nbformat.from_dict(o) for o in result.outputs.get(index, [])]
            points, most = determine_grade(cell)
            score, max_score = score + (points or 0.0), max_score + most
    return score, max_score
