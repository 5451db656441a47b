"""A student stuck on one exercise still gets every demo of the lesson, cleanly.

Each lesson's student version, with every answer filled in from the source except one exercise
(the first, the one most demos depend on, e.g. lesson 2's gradient_descent_step, lesson 5's
make_mlp; in lesson 4 `Net.backward`, which the training demos need), is run top to bottom as
Run All would if it did not stop: no cell but that exercise's own checks may raise, and the
demos that needed the exercise show the recorded reference output and say so
(coursekit/demos.py): the notice first, then exactly the recording (no partial output of the
student's run, no progress bar, no half-drawn figure), naming the unfinished exercise, and never
asking to run a cell the student did run. The exercise's own checks say which function to write.
One execution per lesson keeps this lean.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import time

import notebook_course as nc
import pytest
from nbclient import NotebookClient

from coursekit.demos import recordings

LESSONS = [ref for ref in nc.student_notebooks() if ref.name[:2].isdigit()]
FALLBACK_CLASS = "coursekit-demo-fallback"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@contextlib.contextmanager
def as_a_student():
    """Kernels started here behave as on a student's machine (demos fall back)."""
    saved = os.environ.pop("COURSEKIT_DEMOS_STRICT", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["COURSEKIT_DEMOS_STRICT"] = saved


# The exercise left blank where the first one would not show the lesson's worst case.
BLANK = {"04_backpropagation.ipynb": "ex-net-backward"}


def blank_exercise(ref, nb) -> str:
    return BLANK.get(ref.name) or next(nc.grade_id(c) for c in nb.cells if nc.is_solution_cell(c))


def fallback_problems(cell, recorded: list[dict], exercise: str) -> list[str]:
    """What is wrong with a demo cell that fell back, as a student sees it."""
    outputs = cell.get("outputs", [])
    first = str(outputs[0].get("data", {}).get("text/html", "")) if outputs else ""
    problems = []
    if FALLBACK_CLASS not in first:
        problems.append(f"{len(outputs)} outputs, the notice is not the first: "
                        f"{[o.get('text', '') or list(o.get('data', {})) for o in outputs][:4]}")
    if "is not defined yet" in first:
        problems.append(f"asks to run a cell that did run: {first[:300]}")
    if f"`{exercise}`" not in first:
        problems.append(f"does not name the unfinished exercise `{exercise}`: {first[:300]}")
    shown = ["image" if "image/png" in o.get("data", {}) else "text" if o.get("output_type") == "stream"
             else str(list(o.get("data", {}))) for o in outputs[1:]]
    expected = ["image" if "image/png" in o else "text" for o in recorded]
    # Consecutive printed lines may arrive as one or several stream outputs.
    if [k for i, k in enumerate(shown) if not (k == "text" and i and shown[i - 1] == "text")] != \
            [k for i, k in enumerate(expected) if not (k == "text" and i and expected[i - 1] == "text")]:
        problems.append(f"after the notice shows {shown}, the recording is {expected}")
    return problems


@pytest.mark.parametrize("ref", LESSONS, ids=str)
def test_one_blank_exercise_stops_only_its_own_checks(ref, tmp_path):
    source = nc.read_notebook(ref.source_path)
    blank = blank_exercise(ref, source)
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
    fell_back = [c for c in filled.cells if c.cell_type == "code" and any(
        FALLBACK_CLASS in str(o.get("data", {}).get("text/html", "")) for o in c.get("outputs", []))]
    assert fell_back, f"{ref.id}: no demo said it fell back to the recorded output"
    exercise = unfinished_function_of(stub.source)
    demos = recordings(ref.name.removesuffix(".ipynb"))["demos"]
    unclean = {c.source.split("\n")[0]: problems for c in fell_back
               if (problems := fallback_problems(c, demos[c.source.split("\n")[0].split("/")[-1]], exercise))}
    assert not unclean, f"{ref.id} with {blank} left blank: demos that fell back untidily: {unclean}"
    errors = [o for c in filled.cells if nc.grade_id(c) == f"{blank}-tests" for o in c.outputs
              if o.output_type == "error"]
    first_line = _ANSI.sub("", errors[0].traceback[0]) if errors else "(no error)"
    assert f"`{exercise}` is not written yet" in first_line, (
        f"{ref.id}: the checks of the blank {blank} do not lead with where to write: {first_line!r}")


def unfinished_function_of(stub: str) -> str:
    """``Net.backward`` for an answer cell ``@add_to_class(Net) def backward``; ``make_mlp``."""
    tree = ast.parse(stub)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            return f"{node.name}.{next(n.name for n in node.body if isinstance(n, ast.FunctionDef))}"
        if isinstance(node, ast.FunctionDef):
            owner = [d.args[0].id for d in node.decorator_list if isinstance(d, ast.Call) and d.args]
            return f"{owner[0]}.{node.name}" if owner else node.name
    raise AssertionError(f"no function in {stub!r}")
