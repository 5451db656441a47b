"""The one-way boundary between the judge and student code, attacked as a student would.

Each attack is a notebook cell run in the real sandbox, followed by the hidden part of a real
test cell of the source notebooks, run by the real judge (``instructor.judge``), as grading
does. The rule under attack (docs/AUTHORING.md, "Hidden tests and the boundary"):

- student code gets copies: what it does to an argument never reaches the judge's data;
- the test's stand-ins can be called, never written (``layer.ds = ...``);
- a student object is read once, into a snapshot the judge checks (a ``layers`` that answers
  differently at each read gains nothing);
- the digits the lab's nets are graded on are not in the student's process at all.

One sandbox per test (about a second each); no nbgrader.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from instructor import judge, sandbox

REPO = Path(__file__).resolve().parents[1]
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def hidden_test(notebook: str, grade_id: str) -> str:
    """A graded cell's imports and hidden tests, from the source notebook as the gradebook has it."""
    nb = json.loads((REPO / "source" / notebook).read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            source = "".join(cell["source"])
            imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
            return "\n".join(imports) + "\n" + HIDDEN.search(source).group(1)
    raise LookupError(f"{grade_id} is not in source/{notebook}")


def judged(student_cells: list[str], test: str) -> list[dict]:
    """Run the student's cells in the sandbox, then ``test`` in the judge; the test's outputs."""
    with sandbox.Sandbox(None, policy=judge.JudgePolicy()) as box:
        for cell in student_cells:
            outputs = box.endpoint.call_extra("run_cell", cell, 30.0, 60.0)
            assert not [o for o in outputs if o.get("output_type") == "error"], outputs
        grader = judge.Judge(box.endpoint, judge.trusted_imports(["import numpy as np"]))
        return grader.run_test(test, "attacked-test")


def errors(outputs: list[dict]) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"]


def test_changing_an_argument_in_place_does_not_steer_the_reference():
    """Lesson 1: the hidden test differentiates the loss around the target it passed; a
    "gradient" that moves the target under every prediction and returns a constant slope
    passed it while the judge copied the student's change back into its own target."""
    cheat = ("import numpy as np\n"
             "def absolute_error_grad(prediction, target):\n"
             "    target[...] = prediction - 1.0  # every prediction now lies above its target\n"
             "    return np.ones_like(prediction) / prediction.size\n")
    outputs = judged([cheat], hidden_test("lesson1/01_loss_functions.ipynb", "ex-absolute-error-grad-tests"))
    assert errors(outputs) and "finite differences" in errors(outputs)[0], outputs


def test_a_generator_drawn_from_in_the_sandbox_stays_as_the_judge_left_it():
    cheat = "def draw(rng):\n    rng.random(1000)\n"
    outputs = judged([cheat], "rng = np.random.default_rng(5)\ndraw(rng)\n"
                              "assert rng.random() == np.random.default_rng(5).random()\n")
    assert not errors(outputs), outputs


def test_student_code_cannot_write_the_records_of_a_stand_in():
    """Lesson 4: Net.update must update each layer; setting the stand-in's gradient to zero
    made "no change" the expected result."""
    cheat = ("class Net:\n"
             "    def __init__(self):\n        self.layers = []\n"
             "    def add(self, layer):\n        self.layers.append(layer)\n"
             "    def update(self, lr):\n"
             "        for layer in self.layers:\n"
             "            if hasattr(layer, 'ds'):\n"
             "                layer.ds = layer.ds * 0.0\n")
    outputs = judged([cheat], hidden_test("lesson4/04_backpropagation.ipynb", "ex-net-update-tests"))
    assert errors(outputs) and "may not change the grader's" in errors(outputs)[0], outputs


def test_a_stand_ins_own_methods_cannot_rewrite_what_the_test_expects():
    """The same cheat through the stand-in's own backward (which writes its ds): the hidden
    test takes the expected step from the gradients it set, before the call."""
    cheat = ("import numpy as np\n"
             "class Net:\n"
             "    def __init__(self):\n        self.layers = []\n"
             "    def add(self, layer):\n        self.layers.append(layer)\n"
             "    def update(self, lr):\n"
             "        for layer in self.layers:\n"
             "            if hasattr(layer, 'ds'):\n"
             "                layer.forward(np.ones((1, 3)))\n"
             "                layer.backward(np.zeros((1, 3)))\n")
    outputs = judged([cheat], hidden_test("lesson4/04_backpropagation.ipynb", "ex-net-update-tests"))
    assert errors(outputs) and "after net.update(0.37)" in errors(outputs)[0], outputs


@pytest.mark.parametrize("op", ["setattr", "delattr", "setitem", "delitem"])
def test_the_judge_policy_refuses_every_write(op):
    class Record:
        items = [1]

    with pytest.raises(TypeError, match="may not change"):
        judge.JudgePolicy().check(op, Record(), ["items", 0])
