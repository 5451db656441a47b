"""A student stuck on one exercise still gets every demo of the lesson.

Each lesson's student version, with every answer filled in from the source except the first
exercise (the one most demos depend on, e.g. lesson 2's gradient_descent_step, lesson 5's
make_mlp), is run top to bottom as Run All would if it did not stop: no cell but that
exercise's own checks may raise, and the demos that needed the exercise show the recorded
reference output and say so (coursekit/demos.py). One execution per lesson keeps this lean.
"""

from __future__ import annotations

import contextlib
import os
import time

import notebook_course as nc
import pytest
from nbclient import NotebookClient

LESSONS = [ref for ref in nc.student_notebooks() if ref.name[:2].isdigit()]
FALLBACK_CLASS = "coursekit-demo-fallback"


@contextlib.contextmanager
def as_a_student():
    """Kernels started here behave as on a student's machine (demos fall back)."""
    saved = os.environ.pop("COURSEKIT_DEMOS_STRICT", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["COURSEKIT_DEMOS_STRICT"] = saved


def first_exercise(nb) -> str:
    return next(nc.grade_id(c) for c in nb.cells if nc.is_solution_cell(c))


@pytest.mark.parametrize("ref", LESSONS, ids=str)
def test_one_blank_exercise_stops_only_its_own_checks(ref, tmp_path):
    source = nc.read_notebook(ref.source_path)
    blank = first_exercise(source)
    filled, problems = nc.fill_in_notebook(nc.read_notebook(ref.student_path), source)
    assert not problems, problems
    student = nc.read_notebook(ref.student_path)
    stub = next(c for c in student.cells if nc.grade_id(c) == blank)
    for cell in filled.cells:
        if nc.grade_id(cell) == blank:
            cell.source = stub.source
    start = time.perf_counter()
    with as_a_student():
        NotebookClient(filled, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    nc.TIMINGS.append((f"stuck student {ref.id} ({blank} blank)", time.perf_counter() - start, ""))
    failed = dict(nc.cell_errors(filled))
    checks_of_blank = {label for label in failed if f"({blank}-tests)" in label}
    assert checks_of_blank, f"{ref.id}: the checks of the blank exercise {blank} did not fail"
    others = {label: error for label, error in failed.items()
              if label not in checks_of_blank and "-tests)" not in label}
    assert not others, (f"{ref.id} with {blank} left blank: these cells raised instead of "
                        "falling back:\n" + "\n\n".join(f"--- {k}:\n{v[:1500]}" for k, v in others.items()))
    shown = [o for c in filled.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if FALLBACK_CLASS in str(o.get("data", {}).get("text/html", ""))]
    assert shown, f"{ref.id}: no demo said it fell back to the recorded output"
