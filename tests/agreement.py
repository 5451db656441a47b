"""Proof that every copy of solution code in the notebooks behaves like ``solutions/``.

The source notebooks (their solution regions and recap cells) restate parts of the
reference framework for students to read. ``check_agreement(namespace)`` runs whatever
of those names a notebook defined through the same inputs as the answer key and fails on
any difference. The notebook tests call it inside each executed source notebook's kernel.
"""

from __future__ import annotations

import copy

import numpy as np

import solutions

TOLERANCE = 1e-10


def _close(name: str, ours, reference) -> None:
    ours, reference = np.asarray(ours, dtype=float), np.asarray(reference, dtype=float)
    if ours.shape != reference.shape or not np.allclose(ours, reference, rtol=TOLERANCE, atol=TOLERANCE):
        raise AssertionError(f"the notebook's {name} disagrees with solutions/: {ours!r} vs {reference!r}")


def _linear_pair(cls, rng, n_in=5, n_out=3):
    theirs = cls(n_in, n_out)
    ours = solutions.Linear(n_in, n_out, dtype=np.float64)
    ours.W[...] = rng.normal(size=ours.W.shape)
    ours.b[...] = rng.normal(size=ours.b.shape)
    theirs.W, theirs.b = ours.W.copy(), ours.b.copy()
    # A float32 copy (like solutions/ by default) would round its gradients: compare in float64.
    theirs.dW, theirs.db = np.zeros_like(theirs.W), np.zeros_like(theirs.b)
    return theirs, ours


def _check_layer(name, theirs, ours, rng, x=None) -> None:
    x = rng.normal(size=(6, getattr(ours, "n_in", 4))) * 3 if x is None else x
    _close(f"{name}.forward", theirs.forward(x.copy()), ours.forward(x.copy()))
    grad = rng.normal(size=ours.forward(x.copy()).shape)
    theirs.forward(x.copy())
    _close(f"{name}.backward", theirs.backward(grad.copy()), ours.backward(grad.copy()))


def check_agreement(namespace: dict) -> list[str]:
    """Compare every reference name ``namespace`` defines; return the names compared."""
    rng = np.random.default_rng(0)
    checked = []
    if isinstance(namespace.get("Linear"), type):
        theirs, ours = _linear_pair(namespace["Linear"], rng)
        _check_layer("Linear", theirs, ours, rng)
        _close("Linear.dW", theirs.dW, ours.dW)
        _close("Linear.db", theirs.db, ours.db)
        theirs.update(0.1)
        ours.update(0.1)
        _close("Linear.update", theirs.W, ours.W)
        checked.append("Linear")
    for name in ("Tanh", "ReLU", "Sigmoid", "Softmax"):
        if isinstance(namespace.get(name), type):
            _check_layer(name, namespace[name](), getattr(solutions, name)(), rng)
            checked.append(name)
    p = solutions.Softmax().forward(rng.normal(size=(6, 4)))
    y = rng.integers(0, 4, 6)
    if isinstance(namespace.get("CrossEntropyLoss"), type):
        theirs, ours = namespace["CrossEntropyLoss"](), solutions.CrossEntropyLoss()
        _close("CrossEntropyLoss.forward", theirs.forward(p, y), ours.forward(p, y))
        _close("CrossEntropyLoss.backward", theirs.backward(), ours.backward())
        checked.append("CrossEntropyLoss")
    if callable(namespace.get("softmax")):
        z = rng.normal(size=(5, 3)) * 1000  # large logits: a naive softmax overflows
        _close("softmax", namespace["softmax"](z.copy()), solutions.Softmax().forward(z))
        checked.append("softmax")
    if callable(namespace.get("cross_entropy")):
        _close("cross_entropy", namespace["cross_entropy"](p, y), solutions.CrossEntropyLoss().forward(p, y))
        checked.append("cross_entropy")
    for function, cls in (("squared_error", solutions.SquaredErrorLoss),
                          ("absolute_error", solutions.AbsoluteErrorLoss)):
        if callable(namespace.get(function)):
            a, b = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
            _close(function, namespace[function](a, b), cls().forward(a, b))
            checked.append(function)
    if isinstance(namespace.get("SquaredErrorLoss"), type):
        a, b = rng.normal(size=(7, 1)), rng.normal(size=(7, 1))
        theirs, ours = namespace["SquaredErrorLoss"](), solutions.SquaredErrorLoss()
        _close("SquaredErrorLoss.forward", theirs.forward(a, b), ours.forward(a, b))
        _close("SquaredErrorLoss.backward", theirs.backward(), ours.backward())
        checked.append("SquaredErrorLoss")
    if all(isinstance(namespace.get(n), type) for n in ("Net", "Linear", "Tanh", "Softmax")):
        checked += _check_net_and_training(namespace, rng)
    return checked


def _check_net_and_training(ns: dict, rng) -> list[str]:
    first, first_ref = _linear_pair(ns["Linear"], rng, 4, 5)
    second, second_ref = _linear_pair(ns["Linear"], rng, 5, 3)
    theirs = ns["Net"]()
    for layer in (first, ns["Tanh"](), second, ns["Softmax"]()):
        theirs.add(layer)
    ours = solutions.Net(first_ref, solutions.Tanh(), second_ref, solutions.Softmax())
    x, y = rng.normal(size=(8, 4)), rng.integers(0, 3, 8)
    _close("Net.forward", theirs.forward(x), ours.forward(x))
    grad = rng.normal(size=(8, 3))
    theirs.backward(grad)
    ours.backward(grad)
    theirs.update(0.1)
    ours.update(0.1)
    for k, (a, b) in enumerate(zip((first.W, first.b, second.W, second.b), ours.parameters())):
        _close(f"Net.update parameter {k}", a, b)
    checked = ["Net"]
    loss_cls = ns.get("CrossEntropyLoss")
    if callable(ns.get("get_loss_acc")) and isinstance(loss_cls, type):
        _close("get_loss_acc", ns["get_loss_acc"](theirs, x, y, loss_cls()),
               solutions.get_loss_acc(ours, x, y, solutions.CrossEntropyLoss()))
        checked.append("get_loss_acc")
    if callable(ns.get("train_epoch")) and isinstance(loss_cls, type):
        # Same data, same batches in the same order (one batch holds everything): same step.
        theirs_copy, ours_copy = copy.deepcopy(theirs), copy.deepcopy(ours)
        ns["train_epoch"](theirs_copy, x, y, loss_cls(), batch_size=len(x), lr=0.1)
        solutions.train_epoch(ours_copy, x, y, solutions.CrossEntropyLoss(), batch_size=len(x), lr=0.1)
        _close("train_epoch", theirs_copy.forward(x), ours_copy.forward(x))
        checked.append("train_epoch")
    return checked
