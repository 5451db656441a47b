"""The lab's check of a trained network: its layers, and its accuracy on held-out digits.

Students run it at home in the lab's visible tests, and the grader runs the same function with
the same digits and the same thresholds, so "passes here" means "passes the accuracy test of
the grader" (the grader additionally recomputes the predictions from the weights, to make sure
``forward`` computes them rather than looking them up).

It holds no answer: it calls the net's own ``forward`` and counts correct classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .grading import check, quiet
from .mnist import load_mnist

# The held-out digits every graded net is measured on: the first GRADED_DIGITS digits of the
# test split of load_mnist(), which training never sees. Small enough to take milliseconds.
GRADED_DIGITS = 2000

_MISSING = object()


def held_out_predictions(name: str, net: Any,
                         n_digits: int = GRADED_DIGITS) -> tuple[np.ndarray, np.ndarray]:
    """``net.forward`` on the first ``n_digits`` test digits, in float64, and their true labels."""
    _, _, x_test, y_test = load_mnist()
    x = x_test[:n_digits]
    try:
        with quiet():
            probabilities = np.asarray(net.forward(x), dtype=np.float64)
    except Exception as error:
        raise AssertionError(f"{name}.forward failed on {len(x)} test digits: "
                             f"{type(error).__name__}: {error}") from error
    return probabilities, y_test[:n_digits]


def check_trained_net(name: str, n_linear: int, min_accuracy: float, *,
                      namespace: Mapping[str, Any] | None = None, net: Any = _MISSING,
                      n_digits: int = GRADED_DIGITS) -> Any:
    """Check the trained net ``name``: its layers, and its accuracy on held-out test digits.

    The net is ``net`` when given, else ``namespace[name]`` (pass ``globals()``). The accuracy
    is measured here, with the net's own forward pass on digits it never saw; numbers you print
    or store are not used. Returns the net.
    """
    if net is _MISSING:
        check(namespace is not None and name in namespace,
              f"{name} is missing. Run the cell that builds and trains it first "
              "(Kernel > Restart Kernel and Run All Cells runs everything in order).")
        net = namespace[name]
    layers = getattr(net, "layers", None)
    check(isinstance(layers, (list, tuple)) and len(layers) > 0,
          f"{name}.layers should be the list of the net's layers (see Net in Part 1); "
          f"got {type(layers).__name__}.")
    kinds = [type(layer).__name__ for layer in layers]
    linear_at = [k for k, layer in enumerate(layers)
                 if isinstance(getattr(layer, "W", None), np.ndarray) and layer.W.ndim == 2]
    shapes = [tuple(layers[k].W.shape) for k in linear_at]
    check(len(linear_at) == n_linear, f"{name} must have exactly {n_linear} Linear layer(s); "
          f"it has {len(linear_at)} (its layers: {kinds}).")
    check(shapes[0][1] == 784 and shapes[-1][0] == 10
          and all(a[0] == b[1] for a, b in zip(shapes, shapes[1:])),
          f"the weight shapes of {name}, {shapes}, do not lead from 784 pixels to 10 classes. "
          "W has shape (nout, nin), e.g. (128, 784) and then (10, 128).")
    check(all(b - a >= 2 for a, b in zip(linear_at, linear_at[1:])),
          f"{name} has two Linear layers with nothing between them ({kinds}). Without an "
          "activation in between they compute just one linear map: add Tanh, ReLU or Sigmoid.")
    check(kinds[-1] == "Softmax", f"{name} should end with a Softmax layer so that it outputs "
          f"class probabilities; its last layer is {kinds[-1]}.")
    probabilities, y = held_out_predictions(name, net, n_digits)
    check(probabilities.shape == (len(y), 10), f"{name}.forward on {len(y)} digits should "
          f"return shape ({len(y)}, 10), got {probabilities.shape}.")
    check(np.isfinite(probabilities).all() and np.abs(probabilities.sum(axis=1) - 1).max() < 1e-3,
          f"the outputs of {name} are not probabilities (nan, or rows not summing to 1). "
          "If training diverged, use a smaller learning rate.")
    accuracy = float(np.mean(probabilities.argmax(axis=1) == y))
    check(accuracy >= min_accuracy, f"{name} on the {len(y)} held-out test digits the grader uses: "
          f"the grader will want {100 * min_accuracy:.0f} %; yours is {100 * accuracy:.1f} %. Is it "
          "trained? Look at its training curves: more epochs or another learning rate may help.")
    return net
