"""Minibatch stochastic gradient descent and the bookkeeping around it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .layers import Linear
from .losses import CrossEntropyLoss
from .net import Net


def iterate_minibatches(x: np.ndarray, y: np.ndarray, batch_size: int,
                        rng: np.random.Generator | int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (x_batch, y_batch) pairs covering the data once, in a fresh random order."""
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}; they must match.")
    if len(x) == 0:
        raise ValueError("cannot iterate over an empty data set.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    order = np.random.default_rng(rng).permutation(len(x))
    for start in range(0, len(x), batch_size):
        rows = order[start:start + batch_size]
        yield x[rows], y[rows]


def train_epoch(net: Net, train_x: np.ndarray, train_labels: np.ndarray, loss=None,
                batch_size: int = 4, lr: float = 0.1,
                rng: np.random.Generator | int | None = None) -> float:
    """One pass of SGD over the data in a new random order; returns the mean batch loss."""
    loss = CrossEntropyLoss() if loss is None else loss
    total, batches = 0.0, 0
    for x_batch, y_batch in iterate_minibatches(train_x, train_labels, batch_size, rng):
        value = loss.forward(net.forward(x_batch), y_batch)
        if not np.isfinite(value):
            raise FloatingPointError(
                f"the loss became {value} at batch {batches}: training diverged. "
                f"The learning rate lr={lr} is a likely cause; try a smaller one (e.g. lr={lr / 10:g}).")
        net.backward(loss.backward())
        net.update(lr)
        total += value
        batches += 1
    return total / batches


def get_loss_acc(net: Net, x: np.ndarray, y: np.ndarray, loss=None,
                 batch_size: int = 4096) -> tuple[float, float]:
    """Mean loss and accuracy of ``net`` on (x, y), evaluated in chunks to bound memory."""
    loss = CrossEntropyLoss() if loss is None else loss
    if len(x) == 0:
        raise ValueError("cannot evaluate on an empty data set.")
    total_loss, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        out = net.forward(x[start:start + batch_size])
        labels = y[start:start + batch_size]
        total_loss += loss.forward(out, labels) * len(labels)
        correct += int((out.argmax(axis=1) == labels).sum())
    return total_loss / len(x), correct / len(x)


@dataclass
class History:
    """Per-epoch record of a training run; ``max_abs_weight[e][k]`` is layer k after epoch e."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    max_abs_weight: list[list[float]] = field(default_factory=list)


def max_abs_weights(net: Net) -> list[float]:
    return [float(np.abs(layer.W).max()) for layer in net.layers if isinstance(layer, Linear)]


def fit(net: Net, train_x: np.ndarray, train_labels: np.ndarray, loss=None, *, epochs: int = 10,
        batch_size: int = 64, lr: float = 0.1, validation: tuple[np.ndarray, np.ndarray] | None = None,
        seed: int = 0, progress: bool = False) -> History:
    """Train for ``epochs`` epochs; every epoch reshuffles from one generator seeded by ``seed``."""
    loss = CrossEntropyLoss() if loss is None else loss
    rng = np.random.default_rng(seed)
    history = History()
    epoch_range = range(epochs)
    if progress:
        from coursekit.progress import progress_bar
        epoch_range = progress_bar(epoch_range, desc="epochs")
    for _ in epoch_range:
        train_epoch(net, train_x, train_labels, loss, batch_size, lr, rng)
        train_loss, train_acc = get_loss_acc(net, train_x, train_labels, loss)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        if validation is not None:
            val_loss, val_acc = get_loss_acc(net, *validation, loss)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
        history.max_abs_weight.append(max_abs_weights(net))
    return history
