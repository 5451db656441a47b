"""Loss functions: how wrong is a model? (lesson 1 as functions; lessons 4 and 5 as classes).

Lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` are what students write; the
notebooks are generated from this file (``python -m instructor build``), so these markers are
nbgrader's.
"""

import numpy as np

from .checks import (
    as_binary_problem,
    as_matching_arrays,
    as_probabilities_and_labels,
    as_score_matrix,
    as_scores_and_labels,
    check_probabilities_and_labels,
)


def absolute_error(prediction, target):
    """Mean of |prediction - target| over all elements, as a float.

    prediction, target: arrays of the same shape, e.g. (n,) or (n, 1) or (n, k).
    """
    prediction, target = as_matching_arrays(prediction, target, "absolute_error")
    ### BEGIN SOLUTION
    return float(np.mean(np.abs(prediction - target)))
    ### END SOLUTION


def squared_error(prediction, target):
    """Mean of (prediction - target)**2 over all elements, as a float."""
    prediction, target = as_matching_arrays(prediction, target, "squared_error")
    ### BEGIN SOLUTION
    difference = prediction - target
    return float(np.mean(difference * difference))
    ### END SOLUTION


def absolute_error_grad(prediction, target):
    """Gradient of absolute_error with respect to prediction (same shape as prediction)."""
    prediction, target = as_matching_arrays(prediction, target, "absolute_error_grad")
    ### BEGIN SOLUTION
    return np.sign(prediction - target) / prediction.size
    ### END SOLUTION


def squared_error_grad(prediction, target):
    """Gradient of squared_error with respect to prediction (same shape as prediction)."""
    prediction, target = as_matching_arrays(prediction, target, "squared_error_grad")
    ### BEGIN SOLUTION
    return 2.0 * (prediction - target) / prediction.size
    ### END SOLUTION


def zero_one_loss(scores, labels):
    """Fraction of rows of scores whose argmax differs from the label (1 - accuracy)."""
    scores, labels = as_scores_and_labels(scores, labels, "zero_one_loss")
    ### BEGIN SOLUTION
    predicted = np.argmax(scores, axis=1)
    return float(np.mean(predicted != labels))
    ### END SOLUTION


def logistic_loss(p, y):
    """Mean binary cross-entropy -[y ln p + (1 - y) ln(1 - p)], as a float.

    p: predicted probabilities of class 1; y: labels 0 or 1 of the same shape.
    """
    p, y = as_binary_problem(p, y, "logistic_loss")
    ### BEGIN SOLUTION
    p = np.clip(p, 1e-12, 1 - 1e-12)  # log(0) would make the loss infinite
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    ### END SOLUTION


def softmax(z):
    """Row-wise softmax of a batch of scores z of shape (n, C); returns shape (n, C)."""
    z = as_score_matrix(z, "softmax")
    ### BEGIN SOLUTION
    # Subtracting each row's maximum changes nothing mathematically and keeps exp() <= 1.
    exponentials = np.exp(z - z.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)
    ### END SOLUTION


def cross_entropy(p, labels):
    """Mean of -ln p[i, labels[i]] over the batch, as a float.

    p: class probabilities of shape (n, C); labels: integers in 0..C-1 of shape (n,).
    """
    p, labels = as_probabilities_and_labels(p, labels, "cross_entropy")
    ### BEGIN SOLUTION
    p_true = p[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(p_true, 1e-12))))
    ### END SOLUTION


class CrossEntropyLoss:
    """Mean negative log-probability of the true class. forward caches self.p and self.y."""

    def forward(self, p, y):
        """Mean of -log p[i, y[i]] over the batch; p has shape (N, C), y holds N integer labels.

        Stores self.p (p clipped away from 0) and self.y for backward.
        """
        check_probabilities_and_labels(p, y)  # provided: clear errors for wrong shapes or labels
        ### BEGIN SOLUTION
        self.p = np.maximum(p, 1e-12)  # log(0) would make the loss infinite; p <= 1 already
        self.y = np.asarray(y)
        true_class = self.p[np.arange(len(self.y)), self.y]
        return float(-np.log(true_class).mean())
        ### END SOLUTION

    def backward(self):
        """dL/dp for the last forward: -1/(N p[i, y_i]) at the true classes, 0 elsewhere; shape (N, C)."""
        ### BEGIN SOLUTION
        n = len(self.y)
        rows = np.arange(n)
        grad = np.zeros_like(self.p)
        grad[rows, self.y] = -1.0 / (n * self.p[rows, self.y])
        return grad
        ### END SOLUTION

    def __repr__(self):
        return "CrossEntropyLoss()"


class SquaredErrorLoss:
    """L = mean of (prediction - target)^2 over all entries; for regression."""

    def forward(self, prediction, target):
        ### BEGIN SOLUTION
        if prediction.shape != target.shape:
            raise ValueError(f"SquaredErrorLoss: prediction has shape {prediction.shape} but target has "
                             f"shape {target.shape}; they must match (e.g. y.reshape(-1, 1)), otherwise "
                             "NumPy broadcasts the difference to the wrong shape.")
        self.diff = prediction - target
        return float((self.diff ** 2).mean())
        ### END SOLUTION

    def backward(self):
        ### BEGIN SOLUTION
        return 2.0 * self.diff / self.diff.size
        ### END SOLUTION
