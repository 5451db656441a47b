"""Solution code lives once, in solutions/; the notebooks' copies are generated from it.

- every generated cell of source/ is what ``python -m instructor build`` writes from solutions/;
- no notebook cell defines, by hand, a function, class or method that solutions/ defines (that
  would be a pasted copy, free to drift);
- everything in solutions/ is shown somewhere in the course (no dead answer-key code);
- the generator itself: references it cannot resolve and answer cells without a solution region
  are errors, markers are kept only in answer cells.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import nbformat
import notebook_course as nc
import pytest

from instructor.authoring.build import METADATA_KEY, BuildError, Solutions, build, cell_source

SOLUTIONS = nc.ROOT / "solutions"


def solution_definitions() -> set[str]:
    """Qualified names defined in solutions/: 'softmax', 'Linear', 'Linear.forward', ..."""
    names = set()
    for path in SOLUTIONS.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names |= {f"{node.name}.{item.name}" for item in node.body
                          if isinstance(item, ast.FunctionDef) and not item.name.startswith("__")}
    return names


def handwritten_definitions(source: str) -> set[str]:
    """What a hand-written cell defines, in the same qualified form."""
    try:
        tree = ast.parse(nc.cell_python(source))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            names |= {f"{node.name}.{item.name}" for item in node.body
                      if isinstance(item, ast.FunctionDef) and not item.name.startswith("__")}
        elif isinstance(node, ast.FunctionDef):
            owners = [d.args[0].id for d in node.decorator_list
                      if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "add_to_class"
                      and d.args and isinstance(d.args[0], ast.Name)]
            names |= {f"{owner}.{node.name}" for owner in owners} if owners else {node.name}
    return names


def test_every_generated_cell_matches_solutions():
    stale = build(nc.ROOT, check=True)
    assert not stale, ("cells of source/ differ from solutions/; run `python -m instructor build` "
                       f"and commit the result: {stale}")


@pytest.mark.parametrize("ref", nc.source_notebooks(), ids=str)
def test_no_notebook_pastes_solution_code_by_hand(ref):
    # Test cells and demos may define helpers of their own, just not under the answer key's names.
    answer_key = solution_definitions()
    pasted = []
    for index, cell in enumerate(nc.read_notebook(ref.source_path).cells):
        if cell.cell_type != "code" or METADATA_KEY in cell.metadata or nc.is_test_cell(cell):
            continue
        for name in sorted(handwritten_definitions(cell.source) & answer_key):
            pasted.append(f"cell {index} ({nc.grade_id(cell) or cell.get('id')}) defines {name}")
    assert not pasted, (f"{ref.id} defines solution code by hand instead of generating it from "
                        "solutions/ (add a course.code reference, see docs/AUTHORING.md): "
                        + "; ".join(pasted))


def test_everything_in_solutions_is_shown_somewhere_in_the_course():
    used = set()
    for ref in nc.source_notebooks():
        for cell in nc.read_notebook(ref.source_path).cells:
            for reference in cell.metadata.get(METADATA_KEY, {}).get("code", []):
                _module, _, rest = reference.partition(".")
                used.add(rest.split("[")[0].split(".")[0])
    top_level = {name for name in solution_definitions() if "." not in name}
    assert top_level - used == set(), f"solutions/ defines code no notebook shows: {top_level - used}"


# --- the generator -------------------------------------------------------------------------------

@pytest.fixture
def toy_solutions(tmp_path: Path) -> Solutions:
    (tmp_path / "layers.py").write_text(textwrap.dedent('''\
        class Layer:
            pass


        class Scale(Layer):
            """Multiplies by two."""

            factor = 2

            def forward(self, x):
                """Twice x."""
                ### BEGIN SOLUTION
                return 2 * x
                ### END SOLUTION

            def backward(self, grad):
                return 2 * grad


        def helper():
            return 1
        '''))
    return Solutions(tmp_path)


def cell(references, *, answer=False, **extra) -> dict:
    nbgrader = {"solution": answer, "grade": False, "locked": not answer, "grade_id": "x"}
    return nbformat.v4.new_code_cell("old", metadata={"nbgrader": nbgrader,
                                                      METADATA_KEY: {"code": references, **extra}})


def test_an_answer_cell_keeps_the_solution_region_and_a_recap_drops_it(toy_solutions):
    answer = cell_source(cell(["layers.Scale.forward"], answer=True), toy_solutions)
    assert answer.startswith("@add_to_class(Scale)\ndef forward(self, x):\n")
    assert "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION" in answer
    recap = cell_source(cell(["layers.Scale"], header="# Recap"), toy_solutions)
    assert recap.startswith("# Recap\nclass Scale(Layer):") and "SOLUTION" not in recap
    assert "        return 2 * x\n" in recap


def test_a_class_skeleton_shows_its_class_attributes_and_only_the_listed_members(toy_solutions):
    skeleton = cell_source(cell(["layers.Scale[backward]"], drop_bases=["Scale"]), toy_solutions)
    assert skeleton == ('class Scale:\n    """Multiplies by two."""\n\n    factor = 2\n\n'
                        "    def backward(self, grad):\n        return 2 * grad")


@pytest.mark.parametrize("reference, message", [
    ("layers.Missing", "has no function or class Missing"),
    ("layers.Scale.nothing", "has no method nothing"),
    ("layers.helper.x", "helper is not a class"),
    ("nowhere.helper", r"solutions/nowhere.py does not exist"),
    ("layers", "cannot read the reference"),
])
def test_bad_references_are_explained(toy_solutions, reference, message):
    with pytest.raises(BuildError, match=message):
        cell_source(cell([reference]), toy_solutions)


def test_an_answer_cell_without_a_solution_region_is_refused(toy_solutions):
    with pytest.raises(BuildError, match="no ### BEGIN SOLUTION region"):
        cell_source(cell(["layers.helper"], answer=True), toy_solutions)
