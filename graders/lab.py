"""The MNIST lab's hidden check that a trained net's forward pass computes what its weights say.

The visible tests (``coursekit.trained_nets``) measure a net's accuracy with its own
``forward``; a ``forward`` that looked the answers up instead of computing them would pass
there, so the grader recomputes the predictions from the weights alone and compares.
"""

from __future__ import annotations

import numpy as np

from coursekit import load_mnist
from coursekit.grading import check, quiet
from coursekit.trained_nets import GRADED_DIGITS, held_out_predictions


def forward_from_weights(net, x: np.ndarray) -> np.ndarray:
    """The net's forward pass recomputed in float64 from its weights alone."""
    out = np.asarray(x, dtype=np.float64)
    for layer in net.layers:
        kind = type(layer).__name__
        if isinstance(getattr(layer, "W", None), np.ndarray):
            bias = np.asarray(getattr(layer, "b", 0.0), dtype=np.float64).reshape(1, -1)
            out = out @ np.asarray(layer.W, dtype=np.float64).T + bias
        elif kind == "Tanh":
            out = np.tanh(out)
        elif kind == "ReLU":
            out = np.maximum(out, 0.0)
        elif kind == "Sigmoid":
            out = 0.5 * (1.0 + np.tanh(0.5 * out))
        elif kind == "Softmax":
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out = out / out.sum(axis=1, keepdims=True)
        else:
            check(False, f"a graded net contains a {kind} layer; graded nets may only "
                         "use Linear, Tanh, ReLU, Sigmoid and Softmax.")
    return out


def check_honest_forward(name: str, net, n_digits: int = GRADED_DIGITS) -> None:
    """The net's forward must compute what its weights say (no look-ups of known digits).

    Compared on the held-out digits the accuracy is measured on; run it after
    ``coursekit.trained_nets.check_trained_net`` has checked the net's layers.
    """
    probabilities, _ = held_out_predictions(name, net, n_digits)
    _, _, x_test, _ = load_mnist()
    with quiet():
        recomputed = forward_from_weights(net, x_test[:n_digits])
    agreement = float(np.mean(recomputed.argmax(axis=1) == probabilities.argmax(axis=1)))
    check(agreement >= 0.99, f"{name}.forward disagrees with the forward pass computed from its "
          f"weights on {1 - agreement:.1%} of the test digits; forward must compute x W^T + b "
          "and the activations, nothing else.")
