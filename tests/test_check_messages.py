"""Visible checks explain a mistake before NumPy can bury it in a raw error."""

from __future__ import annotations

import ast
import re

import pytest
from notebook_course import grade_id, read_notebook, source_notebooks


def visible_test_cell(notebook: str, cell_id: str) -> str:
    """The test cell as students get it (the source's hidden tests cut off)."""
    ref = next(r for r in source_notebooks() if r.name == notebook)
    source = next(c.source for c in read_notebook(ref.source_path).cells if grade_id(c) == cell_id)
    return source.split("### BEGIN HIDDEN TESTS")[0]


# A typical mistake, as a student writes it in the notebook: W built as (n_features, n_classes).
TRANSPOSED_W = '''
import numpy as np

def train_perceptron(x, y, n_classes, lr=0.1, batch_size=8, epochs=20, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(x.shape[1], n_classes))
    b = np.zeros((1, n_classes))
    losses = []
    for _ in range(epochs):
        for x_batch, y_batch in iterate_minibatches(x, y, batch_size, rng):
            dW, db = perceptron_gradients(W, b, x_batch, y_batch)
            gradient_descent_step([W, b], [dW, db], lr)
        losses.append(0.0)
    return W, b, losses

gradient_descent_step = iterate_minibatches = perceptron_gradients = None  # the student's own
'''


def test_train_perceptron_with_a_transposed_w_is_told_so_not_given_a_matmul_error():
    namespace: dict = {}
    exec(TRANSPOSED_W, namespace)
    cell = visible_test_cell("02_gradient_descent.ipynb", "ex-train-perceptron-tests")
    with pytest.raises(AssertionError) as failure:
        exec(compile(cell, "lesson 2 train_perceptron checks", "exec"), namespace)
    message = str(failure.value)
    assert "(n_classes, n_features)" in message and "transposed" in message, message
    assert "matmul" not in message


# --- What a failing check shows first --------------------------------------------------------

SOFTMAX_WITHOUT_KEEPDIMS = '''
import numpy as np

def softmax(z):
    exponentials = np.exp(z - z.max(axis=1))
    return exponentials / exponentials.sum(axis=1)
'''

SOFTMAX_UNWRITTEN = '''
def softmax(z):
    """Row-wise softmax."""
    # YOUR CODE HERE
    raise NotImplementedError()
'''


@pytest.fixture
def kernel_like_shell(capsys):
    """An IPython shell in this process, as a kernel runs cells; yields run(cell) -> its output."""
    from IPython.core.interactiveshell import InteractiveShell

    from coursekit import unfinished

    shell = InteractiveShell.instance(colors="nocolor")
    unfinished.install()  # as importing coursekit does in a kernel

    def run(cell: str) -> str:
        capsys.readouterr()
        shell.run_cell(cell, store_history=True)
        return re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)

    yield run
    shell.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_a_failing_check_leads_with_its_hint_and_shows_no_internals(kernel_like_shell):
    kernel_like_shell(SOFTMAX_WITHOUT_KEEPDIMS)
    shown = kernel_like_shell(visible_test_cell("01_loss_functions.ipynb", "ex-softmax-tests"))
    lines = [line for line in shown.splitlines() if line.strip()]
    assert lines[0].startswith("softmax raised a broadcasting error"), shown
    assert "keepdims=True" in " ".join(lines[:4])  # the fix is in the hint, wrapped for Validate
    assert all(len(line) <= 83 for line in lines), shown
    assert re.search(r"\(the check that failed: line \d+ of this cell, `p = run\(z\)`\)", shown), shown
    for internal in ("Traceback", "grading.py", "direct cause", "ValueError"):
        assert internal not in shown, f"{internal!r} in what the student sees:\n{shown}"


def test_an_unwritten_exercise_says_which_function_and_which_cell(kernel_like_shell):
    kernel_like_shell(SOFTMAX_UNWRITTEN)
    shown = kernel_like_shell(visible_test_cell("01_loss_functions.ipynb", "ex-softmax-tests"))
    first_paragraph = shown.strip().split("\n\n")[0]
    # The stub is in the first cell this shell ran: [1] beside it in JupyterLab.
    assert " ".join(first_paragraph.split("\n")) == (
        "`softmax` is not written yet: write it in cell [1] in place of "
        "`raise NotImplementedError()`, run that cell, then run this one again."), shown
    assert all(len(line) <= 83 for line in first_paragraph.split("\n")), shown


TEST_CELLS = [(ref, cell) for ref in source_notebooks() for cell in read_notebook(ref.source_path).cells
              if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
              and not cell.metadata["nbgrader"].get("solution")]


@pytest.mark.parametrize("ref, cell", TEST_CELLS, ids=[f"{r.name}:{grade_id(c)}" for r, c in TEST_CELLS])
def test_a_test_cell_says_when_its_checks_pass_and_never_chains_a_traceback(ref, cell):
    visible = ast.parse(cell.source.split("### BEGIN HIDDEN TESTS")[0])
    last = visible.body[-1]
    assert isinstance(last, ast.Expr) and ast.unparse(last) == "passed()", (
        f"{ref.name} {grade_id(cell)}: the visible checks end with `{ast.unparse(last)[:80]}`; end "
        "them with passed() so that a student sees that they passed")
    chained = [ast.unparse(node)[:100] for node in ast.walk(ast.parse(cell.source))
               if isinstance(node, ast.Raise) and node.cause is not None
               and not (isinstance(node.cause, ast.Constant) and node.cause.value is None)]
    assert not chained, f"{ref.name} {grade_id(cell)}: raise ... from None, not {chained}"


def test_a_library_not_implemented_error_is_not_taken_for_an_exercise(kernel_like_shell):
    shown = kernel_like_shell("import numbers\nnumbers.Real.__trunc__(1.0)")  # raises NotImplementedError
    assert "is not written yet" not in shown and "NotImplementedError" in shown, shown
