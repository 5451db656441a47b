"""Loss functions: ``forward(prediction, target)`` returns the mean loss over the
batch as a Python float; ``backward()`` returns dL/d(prediction) for that batch."""

from __future__ import annotations

import numpy as np


def _same_shape(prediction: np.ndarray, target: np.ndarray, loss: object) -> None:
    # (N, 1) against (N,) would broadcast to (N, N) and give a silently wrong loss.
    if prediction.shape != target.shape:
        raise ValueError(f"{type(loss).__name__}: prediction has shape {prediction.shape} but "
                         f"target has shape {target.shape}; they must match (reshape one of them, "
                         "e.g. y.reshape(-1, 1)).")
    if prediction.size == 0:
        raise ValueError(f"{type(loss).__name__}: got an empty batch.")


def check_labels(labels: np.ndarray, n_samples: int, n_classes: int, loss: object) -> None:
    """Integer class labels of shape (n_samples,) in 0..n_classes-1, or a clear error."""
    name = type(loss).__name__
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{name}: labels must be integer class indices, got dtype {labels.dtype}; "
                        "use y.astype(int), or np.argmax(onehot, axis=1) for one-hot labels.")
    if labels.shape != (n_samples,):
        raise ValueError(f"{name}: expected labels of shape ({n_samples},) to match the "
                         f"{n_samples} predictions, got {labels.shape}.")
    if n_samples == 0:
        raise ValueError(f"{name}: got an empty batch.")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= n_classes:
        raise ValueError(f"{name}: labels must lie in 0..{n_classes - 1} for {n_classes} classes, "
                         f"got values from {low} to {high}.")


def check_batch_2d(prediction: np.ndarray, loss: object) -> None:
    if not isinstance(prediction, np.ndarray) or prediction.ndim != 2:
        shape = getattr(prediction, "shape", type(prediction).__name__)
        raise ValueError(f"{type(loss).__name__}: expected predictions of shape "
                         f"(batch, classes), got {shape}.")


class AbsoluteErrorLoss:
    """L = mean |f(x) - y|, for regression."""

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        _same_shape(prediction, target, self)
        self.diff = prediction - target
        return float(np.abs(self.diff).mean())

    def backward(self) -> np.ndarray:
        # The kink at 0 gets the subgradient 0.
        return np.sign(self.diff) / self.diff.size


class SquaredErrorLoss:
    """L = mean (f(x) - y)^2, for regression."""

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        _same_shape(prediction, target, self)
        self.diff = prediction - target
        return float((self.diff * self.diff).mean())

    def backward(self) -> np.ndarray:
        return 2.0 * self.diff / self.diff.size


class ZeroOneLoss:
    """Fraction of misclassified samples (1 - accuracy) from class scores or probabilities.

    It is piecewise constant, so its gradient is zero almost everywhere: it measures
    a classifier but cannot train one. ``backward`` returns those zeros honestly.
    """

    def forward(self, prediction: np.ndarray, labels: np.ndarray) -> float:
        check_batch_2d(prediction, self)
        check_labels(labels, prediction.shape[0], prediction.shape[1], self)
        self.shape = prediction.shape
        return float((prediction.argmax(axis=1) != labels).mean())

    def backward(self) -> np.ndarray:
        return np.zeros(self.shape)


class LogisticLoss:
    """Binary cross-entropy: p = predicted probability of class 1, y in {0, 1}.

    L = -mean(y log p + (1 - y) log(1 - p)).
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        target = np.asarray(target)
        _same_shape(prediction, target, self)
        if not np.isin(target, (0, 1)).all():
            raise ValueError("LogisticLoss: targets must be 0 or 1.")
        if prediction.dtype.kind != "f":
            prediction = prediction.astype(np.float64)
        # Keep p away from exactly 0 and 1: log(0) would make the loss infinite.
        limits = np.finfo(prediction.dtype)
        self.p = np.clip(prediction, limits.tiny, 1 - limits.epsneg)
        self.y = target
        return float(-(target * np.log(self.p) + (1 - target) * np.log1p(-self.p)).mean())

    def backward(self) -> np.ndarray:
        return (self.p - self.y) / (self.p * (1 - self.p)) / self.p.size


class CrossEntropyLoss:
    """Multi-class cross-entropy on class probabilities (the output of Softmax).

    L = -mean_i log p[i, y_i], with integer labels y.
    """

    def forward(self, prediction: np.ndarray, labels: np.ndarray) -> float:
        check_batch_2d(prediction, self)
        check_labels(labels, prediction.shape[0], prediction.shape[1], self)
        self.labels = labels
        self.shape = prediction.shape
        rows = np.arange(len(labels))
        # A probability that underflowed to 0 must not become log(0) = -inf.
        tiny = np.finfo(prediction.dtype).tiny
        self.p_true = np.maximum(prediction[rows, labels], tiny)
        return float(-np.log(self.p_true).mean())

    def backward(self) -> np.ndarray:
        grad = np.zeros(self.shape, dtype=self.p_true.dtype)
        grad[np.arange(len(self.labels)), self.labels] = -1.0 / (len(self.labels) * self.p_true)
        return grad

