"""Input checks shared by the answers: a wrong shape or label gets a clear error, not a wrong number.

They are not exercises: the notebooks show them to students as provided code.
"""

import numpy as np


def _as_float_array(values, who, what):
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: {what} must be numbers (a NumPy array or a list), "
                        f"got {type(values).__name__}.") from None


def _check_probabilities(p, who, advice):
    if np.isnan(p).any() or p.min() < 0 or p.max() > 1:
        raise ValueError(f"{who}: p must hold probabilities between 0 and 1; got values from "
                         f"{np.nanmin(p):.4g} to {np.nanmax(p):.4g}. {advice}")


def as_matching_arrays(prediction, target, who):
    """prediction and target as float arrays of the SAME shape, or a clear ValueError."""
    prediction = _as_float_array(prediction, who, "prediction")
    target = _as_float_array(target, who, "target")
    if prediction.shape != target.shape:
        raise ValueError(
            f"{who}: prediction has shape {prediction.shape} but target has shape {target.shape}. "
            "They must match exactly; NumPy would otherwise broadcast e.g. (n, 1) against (n,) "
            "to (n, n) and give a wrong loss without any error. Reshape one of them, e.g. "
            "target.reshape(-1, 1) or prediction.ravel().")
    if prediction.size == 0:
        raise ValueError(f"{who}: got an empty batch; there is no mean over zero samples.")
    return prediction, target


def as_binary_problem(p, y, who):
    """Probabilities p in [0, 1] and labels y in {0, 1} of the same shape, or a clear error."""
    p, y = as_matching_arrays(p, y, who)
    _check_probabilities(p, who, "Scores must go through a sigmoid or softmax first.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{who}: y must contain only the labels 0 and 1.")
    return p, y


def as_score_matrix(scores, who):
    """A 2-D float array of shape (n, C): one row of class scores per sample."""
    scores = _as_float_array(scores, who, "scores")
    if scores.ndim != 2 or scores.size == 0:
        raise ValueError(f"{who}: expected a batch of shape (n_samples, n_classes), got shape "
                         f"{scores.shape}. For a single sample use scores.reshape(1, -1).")
    return scores


def as_scores_and_labels(scores, labels, who):
    """Scores of shape (n, C) and integer class labels of shape (n,) in 0..C-1."""
    scores = as_score_matrix(scores, who)
    labels = np.asarray(labels)
    n, n_classes = scores.shape
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{who}: labels must be integer class indices, got dtype {labels.dtype}. "
                        "Use labels.astype(int), or onehot.argmax(axis=1) for one-hot labels.")
    if labels.shape != (n,):
        raise ValueError(f"{who}: expected {n} labels of shape ({n},), one per row of scores, "
                         f"got shape {labels.shape}.")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"{who}: labels must lie in 0..{n_classes - 1} for {n_classes} classes, "
                         f"got values from {labels.min()} to {labels.max()}.")
    return scores, labels


def as_probabilities_and_labels(p, labels, who):
    """Like as_scores_and_labels, but the rows must be probabilities (e.g. softmax output)."""
    p, labels = as_scores_and_labels(p, labels, who)
    _check_probabilities(p, who, "Pass softmax(scores), not the raw scores.")
    return p, labels


def check_perceptron_inputs(W, b, x, y=None):
    # Shape mistakes would otherwise surface as a puzzling broadcasting error deep inside NumPy.
    if W.ndim != 2:
        raise ValueError(f"W must be 2-D with shape (n_classes, n_features), got shape {W.shape}.")
    n_classes, n_features = W.shape
    if b.shape != (1, n_classes):
        raise ValueError(f"b must have shape (1, {n_classes}) to match W {W.shape}, got {b.shape}.")
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"x must have shape (batch, {n_features}) to match W {W.shape}, "
                         f"got {x.shape}; a single sample needs x.reshape(1, -1).")
    if y is not None:
        if not np.issubdtype(y.dtype, np.integer) or y.shape != (len(x),):
            raise ValueError(f"y must hold {len(x)} integer class labels, shape ({len(x)},); "
                             f"got dtype {y.dtype} and shape {y.shape}.")
        if len(y) and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {y.min()}..{y.max()}.")


def check_probabilities_and_labels(p, y):
    """Raise a clear error unless p is an (N, C) array and y holds N integer labels in 0..C-1."""
    if not isinstance(p, np.ndarray) or p.ndim != 2:
        raise ValueError(f"CrossEntropyLoss expects probabilities of shape (N, classes), got "
                         f"{getattr(p, 'shape', type(p).__name__)}.")
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"CrossEntropyLoss expects integer class labels, got dtype {y.dtype}; "
                        "use y.astype(int), or np.argmax(onehot, axis=1) for one-hot labels.")
    if y.shape != (p.shape[0],):
        raise ValueError(f"CrossEntropyLoss: {p.shape[0]} rows of probabilities need labels of "
                         f"shape ({p.shape[0]},), got {y.shape}.")
    if y.size and (y.min() < 0 or y.max() >= p.shape[1]):
        raise ValueError(f"CrossEntropyLoss: labels must lie in 0..{p.shape[1] - 1} for "
                         f"{p.shape[1]} classes, got values from {y.min()} to {y.max()}.")
