"""The lab's check of a trained network: its layers, and its accuracy on digits it never saw.

Students run it at home in the lab's visible tests, on the test digits of ``load_mnist()``; the
grader runs the same checks with the same thresholds on digits of its own, which are not in
``coursekit`` (``graders/lab.py``), so "passes here" means "a net that generalises like this
passes the grader" (the grader also recomputes the predictions from the weights, to make sure
``forward`` computes them rather than looking them up).

A net is read once (``read_layers``): its layers, their kinds and a copy of each weight matrix
and bias, so every check of one call sees the same net, whatever its attributes answer when
asked again. It holds no answer: it calls the net's own ``forward`` and counts correct classes.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .grading import check, failure, quiet
from .language import translate
from .mnist import load_mnist

_MISSING = object()


@dataclass(frozen=True)
class LayerRecord:
    """What a check knows of one layer, read once: its class name and, for a layer with a 2-D
    weight matrix ``W``, a float64 copy of ``W`` and of its bias (a row)."""

    kind: str
    W: np.ndarray | None = None
    b: np.ndarray | None = None


def read_layers(name: str, net: Any) -> list[LayerRecord]:
    """The net's layers as a snapshot: ``net.layers`` is read once, each layer's ``W`` and ``b`` once."""
    layers = getattr(net, "layers", None)
    check(isinstance(layers, (list, tuple)) and len(layers) > 0,
          f"{name}.layers should be the list of the net's layers (see Net in Part 1); "
          f"got {type(layers).__name__}.")
    records = []
    for layer in list(layers):
        kind, W = type(layer).__name__, getattr(layer, "W", None)
        if isinstance(W, np.ndarray) and W.ndim == 2:
            W = np.array(W, dtype=np.float64)
            b = np.array(getattr(layer, "b", 0.0), dtype=np.float64).reshape(1, -1)
            records.append(LayerRecord(kind, W, b))
        else:
            records.append(LayerRecord(kind))
    return records


def check_layers(name: str, records: Sequence[LayerRecord], n_linear: int) -> None:
    """The architecture the lab asks for: ``n_linear`` Linear layers from 784 pixels to 10
    classes, an activation between two of them, a Softmax at the end."""
    kinds = [record.kind for record in records]
    linear_at = [k for k, record in enumerate(records) if record.W is not None]
    shapes = [tuple(records[k].W.shape) for k in linear_at]
    check(len(linear_at) == n_linear, f"{name} must have exactly {n_linear} Linear layer(s); "
          f"it has {len(linear_at)} (its layers: {kinds}).")
    check(shapes[0][1] == 784 and shapes[-1][0] == 10
          and all(a[0] == b[1] for a, b in itertools.pairwise(shapes)),
          f"the weight shapes of {name}, {shapes}, do not lead from 784 pixels to 10 classes. "
          "W has shape (nout, nin), e.g. (128, 784) and then (10, 128).")
    check(all(b - a >= 2 for a, b in itertools.pairwise(linear_at)),
          f"{name} has two Linear layers with nothing between them ({kinds}). Without an "
          "activation in between they compute just one linear map: add Tanh, ReLU or Sigmoid.")
    check(kinds[-1] == "Softmax", f"{name} should end with a Softmax layer so that it outputs "
          f"class probabilities; its last layer is {kinds[-1]}.")


def predictions(name: str, net: Any, x: np.ndarray) -> np.ndarray:
    """``net.forward`` on a fresh copy of ``x``, as float64 probabilities of shape (len(x), 10)."""
    try:
        with quiet():
            probabilities = np.asarray(net.forward(np.array(x)), dtype=np.float64)
    except Exception as error:  # noqa: BLE001 (whatever the student's net raised, told as a check)
        raise failure(f"{name}.forward failed on {len(x)} test digits: "
                      f"{type(error).__name__}: {error}") from None
    check(probabilities.shape == (len(x), 10), f"{name}.forward on {len(x)} digits should "
          f"return shape ({len(x)}, 10), got {probabilities.shape}.")
    check(np.isfinite(probabilities).all() and np.abs(probabilities.sum(axis=1) - 1).max() < 1e-3,
          f"the outputs of {name} are not probabilities (nan, or rows not summing to 1). "
          "If training diverged, use a smaller learning rate.")
    return probabilities


def accuracy(probabilities: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.asarray(probabilities).argmax(axis=1) == y))


def check_trained_net(name: str, n_linear: int, min_accuracy: float, *,
                      namespace: Mapping[str, Any] | None = None, net: Any = _MISSING) -> Any:
    """Check the trained net ``name``: its layers, and its accuracy on the test digits of
    ``load_mnist()``, which training never sees.

    The net is ``net`` when given, else ``namespace[name]`` (pass ``globals()``). The accuracy
    is measured here, with the net's own forward pass; numbers you print or store are not used.
    The grader measures the same on digits of its own. Returns the net.
    """
    if net is _MISSING:
        check(namespace is not None and name in namespace,
              f"{name} is missing. Run the cell that builds and trains it first "
              "(Kernel > Restart Kernel and Run All Cells runs everything in order).")
        net = namespace[name]
    check_layers(name, read_layers(name, net), n_linear)
    _, _, x_test, y_test = load_mnist()
    measured = accuracy(predictions(name, net, x_test), y_test)
    check(measured >= min_accuracy, f"{name} on your {len(y_test)} test digits of load_mnist(): the "
          f"grader will want {100 * min_accuracy:.0f} %; yours is {100 * measured:.1f} % (the grader "
          "measures on digits of its own). Is it trained? Look at its training curves: more epochs "
          "or another learning rate may help.")
    print(translate("ui:trained-nets/accuracy", "{name}: {measured:.1f} % on your {count} test digits; "
                    "the grader wants {threshold:.0f} % (on digits of its own).").format(
                        name=name, measured=100 * measured, count=len(y_test), threshold=100 * min_accuracy))
    return net
