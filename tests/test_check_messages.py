"""Visible checks explain a mistake before NumPy can bury it in a raw error."""

from __future__ import annotations

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
