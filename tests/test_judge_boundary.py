"""The one-way boundary between the judge and student code, attacked as a student would.

Each attack is a notebook cell run in the real sandbox, followed by the hidden part of a real
test cell of the source notebooks, run by the real judge (``instructor.grading.judge``), as grading
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
import os
import re
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from instructor.grading import judge, remote, sandbox

REPO = Path(__file__).resolve().parents[1]
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)


def graded_cell(notebook: str, grade_id: str) -> str:
    """A graded cell's source, from the source notebook as the gradebook has it."""
    nb = json.loads((REPO / "source" / notebook).read_text())
    return next("".join(c["source"]) for c in nb["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def hidden_test(notebook: str, grade_id: str) -> str:
    """A graded cell's imports and hidden tests."""
    source = graded_cell(notebook, grade_id)
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    return "\n".join(imports) + "\n" + HIDDEN.search(source).group(1)


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


NET_OF_LAYERS = ("class Net:\n"
                 "    def __init__(self):\n        self.layers = []\n"
                 "    def add(self, layer):\n        self.layers.append(layer)\n")


def test_student_code_cannot_write_the_records_of_a_stand_in():
    """Lesson 4: Net.update must update each layer; setting the stand-in's gradient to zero
    made "no change" the expected result."""
    cheat = (NET_OF_LAYERS +
             "    def update(self, lr):\n"
             "        for layer in self.layers:\n"
             "            if hasattr(layer, 'ds'):\n"
             "                layer.ds = layer.ds * 0.0\n")
    outputs = judged([cheat], hidden_test("lesson4/04_backpropagation.ipynb", "ex-net-update-tests"))
    assert errors(outputs) and "may not change the grader's" in errors(outputs)[0], outputs


def test_a_stand_ins_own_methods_cannot_rewrite_what_the_test_expects():
    """The same cheat through the stand-in's own backward (which writes its ds): the hidden
    test takes the expected step from the gradients it set, before the call."""
    cheat = ("import numpy as np\n" + NET_OF_LAYERS +
             "    def update(self, lr):\n"
             "        for layer in self.layers:\n"
             "            if hasattr(layer, 'ds'):\n"
             "                layer.forward(np.ones((1, 3)))\n"
             "                layer.backward(np.zeros((1, 3)))\n")
    outputs = judged([cheat], hidden_test("lesson4/04_backpropagation.ipynb", "ex-net-update-tests"))
    assert errors(outputs) and "after net.update(0.37)" in errors(outputs)[0], outputs


def test_a_stand_ins_log_written_through_its_own_methods_does_not_set_the_expected_value():
    """The lab's train_epoch must return the mean of the batch losses. This one returns a wrong
    number and then calls the stand-in loss once more, with scores chosen so that the mean of
    the loss's log is that number: the test used to take the expected mean from that log."""
    cheat = ("import numpy as np\n"
             "def train_epoch(net, x, y, loss, batch_size=64, lr=0.1, rng=None):\n"
             "    order, values = np.random.default_rng(rng).permutation(len(x)), []\n"
             "    for start in range(0, len(x), batch_size):\n"
             "        rows = order[start:start + batch_size]\n"
             "        values.append(loss.forward(net.forward(x[rows]), y[rows]))\n"
             "        net.backward(loss.backward())\n"
             "        net.update(lr)\n"
             "    wrong = 0.123\n"
             "    loss.forward(np.full((1, 3), wrong * (len(values) + 1) - sum(values)), np.array([0]))\n"
             "    return wrong\n"
             "def get_loss_acc(net, x, y, loss):\n"
             "    p = net.forward(x)\n"
             "    return loss.forward(p, y), float(np.mean(p.argmax(axis=1) == y))\n")
    outputs = judged([cheat], graded_cell("lab/mnist_lab.ipynb", "framework-training-tests"))
    assert errors(outputs) and "the value train_epoch returns" in errors(outputs)[0], outputs


def test_a_forged_write_from_the_sandbox_never_reaches_the_judges_arrays():
    """The protocol's item writes (a LiveArray assignment) name an array by handle; the judge
    sends none by handle, but an array it cannot send by value (strings) does get one."""
    into_judge, from_sandbox = os.pipe()
    answers_read, answers_write = os.pipe()
    judge_side = remote.Endpoint(into_judge, answers_write, policy=judge.JudgePolicy())
    names = np.array(["kept", "as is"])
    handle = judge_side.encode(names, [])["r"]
    remote.write_message(from_sandbox, {"op": "len", "target": {"y": handle}, "args": [],
                                        "writes": [[{"y": handle}, {"el": 1}, {"s": "forged"}]]}, [])
    judge_side._serve_one(*remote.read_message(into_judge))
    assert names.tolist() == ["kept", "as is"]
    for fd in (into_judge, from_sandbox, answers_read, answers_write):
        os.close(fd)


@pytest.mark.parametrize("op", ["setattr", "delattr", "setitem", "delitem"])
def test_the_judge_policy_refuses_every_write(op):
    class Record:
        items: ClassVar[list[int]] = [1]

    with pytest.raises(TypeError, match="may not change"):
        judge.JudgePolicy().check(op, Record(), ["items", 0])


# --- The lab: a net is read once, and graded on digits it cannot have seen -----------------------

LAB_LAYERS = (
    "import numpy as np\n"
    "from coursekit import load_mnist\n"
    "class Linear:\n"
    "    def __init__(self, W, b):\n        self.W, self.b = W, b\n"
    "    def forward(self, x):\n        return x @ self.W.T + self.b\n"
    "class ReLU:\n    def forward(self, x):\n        return np.maximum(x, 0.0)\n"
    "class Softmax:\n"
    "    def forward(self, z):\n"
    "        e = np.exp(z - z.max(axis=1, keepdims=True))\n        return e / e.sum(axis=1, keepdims=True)\n"
    "def run(layers, x):\n"
    "    for layer in layers:\n        x = layer.forward(x)\n    return x\n"
    "history2 = {'val_acc': [0.9]}\n")


def test_a_net_whose_layers_change_at_each_read_is_judged_on_one_snapshot():
    """net2 must have two Linear layers. This one shows two (untrained) at the first read of
    ``layers`` and, from then on, the one-layer softmax regression its forward really runs: the
    structure check saw the first face, the honesty check the second, and it passed."""
    liar = LAB_LAYERS + (
        "x, y, _, _ = load_mnist()\n"
        "rng = np.random.default_rng(0)\n"
        "W, b, Y = np.zeros((784, 10)), np.zeros(10), np.eye(10)[y]\n"
        "for epoch in range(8):  # softmax regression: about 90 % with ONE Linear layer\n"
        "    order = rng.permutation(len(x))\n"
        "    for start in range(0, len(x), 100):\n"
        "        rows = order[start:start + 100]\n"
        "        p = Softmax().forward(x[rows] @ W + b)\n"
        "        grad = (p - Y[rows]) / len(rows)\n"
        "        W -= 0.5 * x[rows].T @ grad\n        b -= 0.5 * grad.sum(axis=0)\n"
        "one_layer = [Linear(W.T.copy(), b.reshape(1, -1)), Softmax()]\n"
        "two_layers = [Linear(rng.normal(size=(32, 784)), np.zeros((1, 32))), ReLU(),\n"
        "              Linear(rng.normal(size=(10, 32)), np.zeros((1, 10))), Softmax()]\n"
        "class Liar:\n"
        "    reads = 0\n"
        "    @property\n"
        "    def layers(self):\n"
        "        Liar.reads += 1\n"
        "        return two_layers if Liar.reads == 1 else one_layer\n"
        "    def forward(self, x):\n        return run(one_layer, x)\n"
        "net2 = Liar()\n")
    outputs = judged([liar], graded_cell("lab/mnist_lab.ipynb", "net2-tests"))
    assert errors(outputs) and "must have exactly 2 Linear layer(s); it has 1" in errors(outputs)[0], outputs


def test_a_net_that_memorised_the_test_digits_it_has_is_graded_on_others():
    """Two honest Linear layers whose weights hold the test digits of load_mnist() (one hidden
    unit per digit, firing only on that digit) and their labels: perfect on those digits,
    and with no training at all. The grader measures on digits that are not among them."""
    memoriser = LAB_LAYERS + (
        "_, _, x_test, y_test = load_mnist()\n"
        "x64 = x_test.astype(np.float64)\n"
        "norms = np.linalg.norm(x64, axis=1, keepdims=True)\n"
        "# unit i computes x . t_i / |t_i| - (|t_i| - 0.01): positive on t_i, below 0 for nearly all else\n"
        "first = Linear(1e4 * x64 / norms, -1e4 * (norms.T - 0.01))\n"
        "second = Linear(np.eye(10)[y_test].T * 100.0, np.zeros((1, 10)))\n"
        "class Memoriser:\n"
        "    layers = [first, ReLU(), second, Softmax()]\n"
        "    def forward(self, x):\n        return run(self.layers, x)\n"
        "net2 = Memoriser()\n")
    outputs = judged([memoriser], graded_cell("lab/mnist_lab.ipynb", "net2-tests"))
    assert errors(outputs) and "held-out test digits the grader uses" in errors(outputs)[0], outputs


def test_the_graded_digits_are_neither_in_the_toolkit_nor_in_the_sandbox():
    from coursekit import load_mnist
    from graders.lab import GRADED_DIGITS_FILE, graded_digits

    x_graded, _ = graded_digits()
    x_train, _, x_test, _ = load_mnist()
    students = {row.tobytes() for row in np.rint(np.concatenate([x_train, x_test]) * 255).astype(np.uint8)}
    assert not students & {row.tobytes() for row in np.rint(x_graded * 255).astype(np.uint8)}
    assert len(x_graded) == 1000 and len(x_test) == 1000 and len(x_train) == 8000
    with sandbox.Sandbox(None) as box:
        outputs = box.endpoint.call_extra("run_cell", (
            "import os, coursekit\n"
            f"print(os.path.exists({str(GRADED_DIGITS_FILE)!r}),\n"
            "      sorted(n for n in os.listdir(os.path.join(os.path.dirname(coursekit.__file__), 'data'))\n"
            "             if n.endswith('.npz')))"), 10.0, 20.0)
    assert "".join(o.get("text", "") for o in outputs).strip() == "False ['mnist_bundled.npz']", outputs
