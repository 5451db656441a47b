"""The MNIST lab's hidden check of a trained net, on digits that only the grader has.

The visible tests (``coursekit.trained_nets``) measure a net on the student's own test digits
with its own ``forward``. Here the grader:

- measures on the digits of ``graders/data/mnist_graded.npz``, which are not among the digits of
  ``load_mnist()`` and are never in the student's toolkit nor in a grading sandbox, so a net
  cannot have trained on them or stored them;
- reads the net once (``coursekit.trained_nets.read_layers``) and decides everything on that
  snapshot: the architecture, and the accuracy of the forward pass that the grader computes
  itself from the snapshot's weights;
- calls the student's ``forward`` on a fresh copy of the digits only to compare: a ``forward``
  that does anything but what its weights say (a look-up, a different net behind ``layers``)
  disagrees with the grader's own computation.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from coursekit.grading import check, quiet
from coursekit.trained_nets import LayerRecord, accuracy, check_layers, predictions, read_layers

GRADED_DIGITS_FILE = Path(__file__).resolve().parent / "data" / "mnist_graded.npz"


@functools.lru_cache(maxsize=1)
def graded_digits() -> tuple[np.ndarray, np.ndarray]:
    """The grader's digits, as ``load_mnist()`` gives its own: (N, 784) float32 in [0, 1], int64 labels.
    Read-only arrays: a test cannot change them for the next one."""
    if not GRADED_DIGITS_FILE.is_file():
        raise FileNotFoundError(
            f"{GRADED_DIGITS_FILE} is missing: the lab is graded on digits kept in the course "
            "repository (never packaged, so a sandbox cannot see them). Install the course with "
            "`pip install -e .` from the repository, or rebuild them with "
            "`python scripts/build_mnist_bundle.py`.")
    with np.load(GRADED_DIGITS_FILE, allow_pickle=False) as data:
        images, labels = data["images"], data["labels"]
    x = (images.reshape(len(images), -1) / np.float32(255.0)).astype(np.float32)
    y = labels.astype(np.int64)
    x.flags.writeable = y.flags.writeable = False
    return x, y


def forward_from_weights(records: list[LayerRecord], x: np.ndarray) -> np.ndarray:
    """The forward pass of a snapshot, in float64, computed here from its weights alone."""
    out = np.asarray(x, dtype=np.float64)
    for record in records:
        if record.W is not None:
            out = out @ record.W.T + record.b
        elif record.kind == "Tanh":
            out = np.tanh(out)
        elif record.kind == "ReLU":
            out = np.maximum(out, 0.0)
        elif record.kind == "Sigmoid":
            out = 0.5 * (1.0 + np.tanh(0.5 * out))
        elif record.kind == "Softmax":
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out = out / out.sum(axis=1, keepdims=True)
        else:
            check(False, f"a graded net contains a {record.kind} layer; graded nets may only "
                         "use Linear, Tanh, ReLU, Sigmoid and Softmax.")
    return out


def check_graded_net(name: str, net, n_linear: int, min_accuracy: float) -> None:
    """The hidden check of a trained net: architecture, honesty and accuracy, on one snapshot."""
    records = read_layers(name, net)
    check_layers(name, records, n_linear)
    x, y = graded_digits()
    with quiet():
        computed = forward_from_weights(records, x)
    agreement = float(np.mean(predictions(name, net, x).argmax(axis=1) == computed.argmax(axis=1)))
    check(agreement >= 0.99, f"{name}.forward disagrees with the forward pass computed from its "
          f"weights on {1 - agreement:.1%} of the test digits; forward must compute x W^T + b "
          "and the activations, nothing else.")
    measured = accuracy(computed, y)
    check(measured >= min_accuracy, f"{name} on the {len(y)} held-out test digits the grader uses: "
          f"the grader will want {100 * min_accuracy:.0f} %; yours is {100 * measured:.1f} %. Is it "
          "trained? Look at its training curves: more epochs or another learning rate may help.")
