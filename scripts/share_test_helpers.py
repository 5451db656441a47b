"""Replace the test helpers pasted into several test cells by imports of the shared modules.

Issue 9: "Helpers used by several test cells live once, in a module the tests import and the
grader protects." This script made that change in the graded test cells of source/ and is kept
so it can be re-applied after a merge that brings back an old test cell: it is idempotent
(a cell already changed is left alone) and finds cells by notebook and grade_id, not by
position. It touches only graded test cells (grade=true, solution=false).

    python scripts/share_test_helpers.py          # rewrite source/*/*.ipynb in place
    python scripts/share_test_helpers.py --check  # exit 1 if a cell still needs the change

Where the helpers went: coursekit.grading.agrees (recognising a known slip), coursekit.stand_ins
(stand-in layers), coursekit.trained_nets (the lab's check of a trained net, visible tests);
graders.gradients, graders.softmax, graders.lab (hidden tests only: they encode answers).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = "### BEGIN HIDDEN TESTS\n"


def remove_function(source: str, name: str) -> str:
    """Remove the top-level ``def name(...)`` or ``class name`` block and the blank lines after it."""
    pattern = re.compile(rf"^(def|class) {name}\b.*?(?=^\S)", re.DOTALL | re.MULTILINE)
    return pattern.sub("", source, count=1)


def add_import(source: str, line: str, hidden: bool = False) -> str:
    """Add ``line`` at the top of the cell, or of its hidden part."""
    if line in source:
        return source
    if hidden:
        return source.replace(HIDDEN, HIDDEN + line + "\n", 1)
    return line + "\n" + source


def import_from_grading(source: str, name: str) -> str:
    """Add ``name`` to the cell's ``from coursekit.grading import ...`` line."""
    first = re.search(r"^from coursekit\.grading import (.*)$", source, re.MULTILINE)
    names = [imported.strip() for imported in first.group(1).split(",")]
    if name in names:
        return source
    names = sorted(names + [name])
    return source[:first.start()] + "from coursekit.grading import " + ", ".join(names) + source[first.end():]


def rename_calls(source: str, old: str, new: str, extra: str = "") -> str:
    """Turn every call ``old(a, b)`` into ``new(a, b<extra>)`` (``extra`` adds keyword arguments)."""
    if not extra:
        return re.sub(rf"(?<![\w.]){old}\(", f"{new}(", source)
    out, position = [], 0
    for match in re.finditer(rf"(?<![\w.]){old}\(", source):
        out.append(source[position:match.start()] + f"{new}(")
        depth, k = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(source[k], 0)
            k += 1
        out.append(source[match.end():k - 1] + extra + ")")
        position = k
    out.append(source[position:])
    return "".join(out)


def shared_agrees(helper: str, extra: str = "") -> Callable[[str], str]:
    """A pasted ``helper(actual, expected)`` predicate becomes ``coursekit.grading.agrees``."""
    def change(source: str) -> str:
        if not re.search(rf"^def {helper}\(", source, re.MULTILINE):
            return source
        return import_from_grading(rename_calls(remove_function(source, helper), helper, "agrees", extra), "agrees")
    return change


def shared_numeric_gradient(source: str) -> str:
    if not re.search(r"^def numeric_gradient\(", source, re.MULTILINE):
        return source
    step = re.search(r"^def numeric_gradient\(f, x, h=([^)]+)\)", source, re.MULTILINE).group(1)
    source = remove_function(source, "numeric_gradient")
    if step != "1e-6":
        source = rename_calls(source, "numeric_gradient", "numeric_gradient", f", h={step}")
    return add_import(source, "from graders.gradients import numeric_gradient", hidden=True)


def shared_stand_ins(source: str) -> str:
    if not re.search(r"^class (Shift|Scale)\b", source, re.MULTILINE):
        return source
    source = remove_function(remove_function(source, "Shift"), "Scale")
    # net-update's Scale(s, ds) gives the gradient by hand; the shared Scale takes it as ds=.
    source = source.replace("Scale(a, da), Scale(b, db)", "Scale(a, ds=da), Scale(b, ds=db)")
    source = source.replace("Scale(rng.normal(size=(1, 3)), rng.normal(size=(1, 3)))",
                            "Scale(rng.normal(size=(1, 3)), ds=rng.normal(size=(1, 3)))")
    return re.sub(r"^(from coursekit\.grading import .*\n)", r"\1from coursekit.stand_ins import Scale, Shift\n",
                  source, count=1, flags=re.MULTILINE)


def chain(*changes: Callable[[str], str]) -> Callable[[str], str]:
    def change(source: str) -> str:
        for one in changes:
            source = one(source)
        return source
    return change


# ---- lesson 4: softmax tests without a softmax in the visible part --------------------------
def without_reference_softmax(source: str) -> tuple[str, str]:
    """The visible part without its softmax (scores are built with scores_for), and the hidden part."""
    visible, hidden = source.split(HIDDEN)
    visible = import_from_grading(remove_function(visible, "reference_softmax"), "scores_for")
    return visible, hidden


def replace_once(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def softmax_forward(source: str) -> str:
    if not re.search(r"^def reference_softmax\(", source, re.MULTILINE):
        return source
    visible, hidden = without_reference_softmax(source)
    visible = replace_once(visible, [
        ("z = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5], [-1.0, 4.0, 0.0]])\n",
         ("# Scores built from known probabilities, softmax(log p + c) = p: the expected answer is exact.\n"
         "expected = np.array([[0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3], [0.05, 0.9, 0.05]])\n"
         "z = scores_for(expected, [1.0, 0.5, -1.0])\n")),
        ('check_close(p, reference_softmax(z), "Softmax.forward(z)",',
         'check_close(p, expected, "Softmax.forward(z)",'),
        ('check_close(softmax.p, reference_softmax(z), "self.p after', 'check_close(softmax.p, expected, "self.p after'),
        ("z = np.array([[0.0, 1.0, 2.0, 3.0], [3.0, 2.0, 1.0, 0.0]])\n",
         ("expected = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])\n"
         "z = scores_for(expected, [0.0, 3.0])\n")),
        ('check_close(p, reference_softmax(z), "Softmax.forward on a (2, 4) batch")',
         'check_close(p, expected, "Softmax.forward on a (2, 4) batch")'),
        ("big = np.array([[1000.0, 1001.0, 1002.0]])\n",
         "expected_big = np.array([[0.2, 0.3, 0.5]])\nbig = scores_for(expected_big, [1002.0])\n"),
        ("check_close(p_big, reference_softmax(big),", "check_close(p_big, expected_big,"),
        ("mixed = np.array([[0.0, 1.0], [1000.0, 1001.0]])\n",
         "expected_mixed = np.array([[0.25, 0.75], [0.6, 0.4]])\nmixed = scores_for(expected_mixed, [1.0, 1001.0])\n"),
        ("check_close(p_mixed, reference_softmax(mixed),", "check_close(p_mixed, expected_mixed,"),
    ])
    assert "reference_softmax" not in visible
    return visible + HIDDEN + "from graders.softmax import reference_softmax\n" + hidden


def softmax_backward(source: str) -> str:
    if not re.search(r"^def reference_softmax\(", source, re.MULTILINE):
        return source
    visible, hidden = without_reference_softmax(source)
    visible = replace_once(visible, [
        ('def softmax_layer_holding(z):\n    """A Softmax whose cache holds the right probabilities, even if forward is unfinished."""',
         'def softmax_layer_holding(z, p):\n    """A Softmax whose cache holds the right probabilities p of z, even if forward is unfinished."""'),
        ("    layer.p = reference_softmax(z)\n", "    layer.p = np.array(p, dtype=float)\n"),
        (("z = rng.normal(size=(4, 4))      # square, so that a missing keepdims gives wrong numbers\n"
         "g = rng.normal(size=(4, 4))\np = reference_softmax(z)\n"),
         ("p = rng.uniform(0.05, 1.0, size=(4, 4))   # square, so that a missing keepdims gives wrong numbers\n"
         "p = p / p.sum(axis=1, keepdims=True)\nz = scores_for(p, rng.normal(size=4))\n"
         "g = rng.normal(size=(4, 4))\n")),
        ("    grad = softmax_layer_holding(z).backward(g.copy())\ncheck(grad is not None",
         "    grad = softmax_layer_holding(z, p).backward(g.copy())\ncheck(grad is not None"),
        (("z = rng.normal(size=(2, 5))\ng = np.zeros((2, 5)); g[0, 1] = -2.0; g[1, 4] = -0.5\np = reference_softmax(z)\n"
         "with quiet():\n    grad = softmax_layer_holding(z).backward(g.copy())\n"),
         ("p = np.array([[0.1, 0.3, 0.2, 0.25, 0.15], [0.05, 0.05, 0.4, 0.1, 0.4]])\nz = scores_for(p, [0.5, -2.0])\n"
         "g = np.zeros((2, 5)); g[0, 1] = -2.0; g[1, 4] = -0.5\n"
         "with quiet():\n    grad = softmax_layer_holding(z, p).backward(g.copy())\n")),
    ])
    assert "reference_softmax" not in visible
    hidden = hidden.replace("softmax_layer_holding(z).backward", "softmax_layer_holding(z, reference_softmax(z)).backward")
    return visible + HIDDEN + "from graders.softmax import reference_softmax\n" + hidden


# ---- the lab: one check of a trained net, measured as the grader measures -----------------------
LAB_IMPORTS_OLD = "from coursekit import load_mnist\nfrom coursekit.grading import check, quiet\n"
LAB_IMPORTS_NEW = "from coursekit.grading import check\nfrom coursekit.trained_nets import check_trained_net\n"


def lab_net(name: str, n_linear: int, grader_accuracy: float) -> Callable[[str], str]:
    def change(source: str) -> str:
        if "def _evaluate_net(" not in source:
            return source
        source = remove_function(source, "_evaluate_net")
        source = remove_function(remove_function(source, "_forward_from_weights"), "_check_honest_forward")
        source = source.replace(LAB_IMPORTS_OLD, LAB_IMPORTS_NEW)
        old_visible = f'_evaluate_net("{name}", n_linear={n_linear}, min_accuracy=0.5, n_digits=200)\n'
        new_visible = (f'check_trained_net("{name}", n_linear={n_linear}, min_accuracy={grader_accuracy}, '
                       'namespace=globals())\n')
        old_hidden = (f'_net, _probabilities = _evaluate_net("{name}", n_linear={n_linear}, '
                      f'min_accuracy={grader_accuracy}, n_digits=2000)\n_check_honest_forward("{name}", _net, _probabilities)\n')
        new_hidden = f'check_honest_forward("{name}", {name})\n'
        source = replace_once(source, [(old_visible, new_visible), (old_hidden, new_hidden)])
        return add_import(source, "from graders.lab import check_honest_forward", hidden=True)
    return change


def lab_activations(source: str) -> str:
    if "def _evaluate_net(" not in source:
        return source
    source = remove_function(source, "_evaluate_net")
    source = remove_function(remove_function(source, "_forward_from_weights"), "_check_honest_forward")
    source = source.replace(LAB_IMPORTS_OLD, LAB_IMPORTS_NEW)
    source = replace_once(source, [
        (("    _net, _ = _evaluate_net(f\"activation_nets['{_name}']\", n_linear=2, min_accuracy=0.5,\n"
         "                            n_digits=200, net=activation_nets[_name])\n"),
         ("    _net = check_trained_net(f\"activation_nets['{_name}']\", n_linear=2, min_accuracy=0.85,\n"
         "                             net=activation_nets[_name])\n")),
        (("    _label = f\"activation_nets['{_name}']\"\n"
         "    _net, _probabilities = _evaluate_net(_label, n_linear=2, min_accuracy=0.85, n_digits=2000,\n"
         "                                         net=activation_nets[_name])\n"
         "    _check_honest_forward(_label, _net, _probabilities)\n"),
         "    check_honest_forward(f\"activation_nets['{_name}']\", activation_nets[_name])\n"),
    ])
    return add_import(source, "from graders.lab import check_honest_forward", hidden=True)


# The tolerances each pasted predicate had, so every slip is recognised exactly as before.
lesson4_agrees = shared_agrees("same", ", rtol=0, atol=1e-6")
CHANGES: dict[tuple[str, str], Callable[[str], str]] = {
    ("01_loss_functions", "ex-absolute-error-tests"): shared_agrees("near", ", atol=1e-9"),
    ("01_loss_functions", "ex-squared-error-tests"): shared_agrees("near", ", atol=1e-9"),
    ("01_loss_functions", "ex-logistic-loss-tests"): shared_agrees("near", ", atol=1e-9"),
    ("01_loss_functions", "ex-cross-entropy-tests"): shared_agrees("near", ", atol=1e-9"),
    ("02_gradient_descent", "ex-gradient-descent-step-tests"): shared_agrees("_same", ", rtol=0, atol=1e-12"),
    ("03_linear_layer", "ex-linear-forward-tests"): shared_agrees("agrees"),
    ("03_linear_layer", "ex-linear-backward-tests"): shared_agrees("agrees"),
    ("03_linear_layer", "ex-linear-update-tests"): shared_agrees("agrees"),
    ("03_linear_layer", "ex-relative-error-tests"): shared_agrees("agrees", ", rtol=1e-9, atol=1e-15"),
    ("04_backpropagation", "ex-softmax-forward-tests"): chain(lesson4_agrees, softmax_forward),
    ("04_backpropagation", "ex-softmax-backward-tests"): chain(lesson4_agrees, softmax_backward,
                                                              shared_numeric_gradient),
    ("04_backpropagation", "ex-cross-entropy-forward-tests"): lesson4_agrees,
    ("04_backpropagation", "ex-cross-entropy-backward-tests"): chain(lesson4_agrees, shared_numeric_gradient),
    ("04_backpropagation", "ex-tanh-backward-tests"): chain(lesson4_agrees, shared_numeric_gradient),
    ("04_backpropagation", "ex-relu-backward-tests"): chain(lesson4_agrees, shared_numeric_gradient),
    ("04_backpropagation", "ex-sigmoid-tests"): chain(lesson4_agrees, shared_numeric_gradient),
    ("04_backpropagation", "ex-net-forward-tests"): chain(lesson4_agrees, shared_stand_ins),
    ("04_backpropagation", "ex-net-backward-tests"): shared_stand_ins,
    ("04_backpropagation", "ex-net-update-tests"): shared_stand_ins,
    ("mnist_lab", "net1-tests"): lab_net("net1", 1, 0.85),
    ("mnist_lab", "net2-tests"): lab_net("net2", 2, 0.88),
    ("mnist_lab", "net3-tests"): lab_net("net3", 3, 0.88),
    ("mnist_lab", "activations-tests"): lab_activations,
}


def numerical_gradient_agrees(source: str) -> str:
    """lesson 3's numerical-gradient test compared with atol=1e-9 by default."""
    if not re.search(r"^def agrees\(", source, re.MULTILINE):
        return source
    source = remove_function(source, "agrees")
    for old in ("agrees(grad, 3 * x ** 2 + 3 * x * h + h ** 2)", "agrees(grad, 2 * expected)"):
        source = source.replace(old, old[:-1] + ", atol=1e-9)")
    return import_from_grading(source, "agrees")


CHANGES[("03_linear_layer", "ex-numerical-gradient-tests")] = numerical_gradient_agrees


def main(check_only: bool) -> int:
    pending = []
    seen = set()
    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        changed = False
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not (cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")):
                continue
            key = (path.stem, meta.get("grade_id"))
            if key not in CHANGES:
                continue
            seen.add(key)
            new = CHANGES[key](cell.source)
            if new != cell.source:
                pending.append(f"{path.relative_to(ROOT)}: {key[1]}")
                cell.source, changed = new, True
        if changed and not check_only:
            nbformat.write(notebook, path)
    missing = set(CHANGES) - seen
    for key in sorted(missing):
        print(f"not found: {key[0]} {key[1]}", file=sys.stderr)
    for line in pending:
        print(("needs the change: " if check_only else "changed: ") + line)
    return 1 if (check_only and pending) or missing else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
