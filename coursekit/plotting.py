"""Plots the lessons and the lab share: decision boundaries, training curves, digits."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np

from . import edition_output
from .language import translate

# Titles and labels in the notebook's language, with a font for it (edition_output.py).
edition_output.apply()


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                           y: np.ndarray, ax: plt.Axes | None = None, resolution: int = 200,
                           title: str = "") -> plt.Axes:
    """Colour the plane by the class ``predict`` gives each point, with the data on top.

    ``predict`` maps an (n, 2) array to n class labels (e.g. ``lambda p: net.forward(p).argmax(1)``).
    """
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(translate("ui:plotting/not-2d", "decision boundaries are drawn for 2-D data; "
                                   "x has shape {shape}.").format(shape=x.shape))
    ax = plt.gca() if ax is None else ax
    margin = 0.5
    (x0, y0), (x1, y1) = x.min(axis=0) - margin, x.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(x.dtype)
    classes = np.asarray(predict(grid)).reshape(gx.shape)
    n_classes = int(max(classes.max(), y.max())) + 1
    ax.contourf(gx, gy, classes, levels=np.arange(n_classes + 1) - 0.5, cmap="coolwarm", alpha=0.3)
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25,
               vmin=0, vmax=max(n_classes - 1, 1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title)
    return ax


def plot_history(history: object, axes: Sequence[plt.Axes] | None = None) -> Sequence[plt.Axes]:
    """Training and validation loss and accuracy per epoch, side by side.

    ``history`` is anything with ``train_loss``, ``train_acc`` and optionally ``val_loss``,
    ``val_acc`` lists (e.g. what ``fit`` returns, or a dict with those keys).
    """
    get = history.get if isinstance(history, dict) else (lambda k, d=None: getattr(history, k, d))
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, metric in zip(axes, ("loss", "acc")):
        for split in ("train", "val"):
            values = get(f"{split}_{metric}") or []
            if len(values):
                ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3,
                        label="training" if split == "train" else "validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" if metric == "loss" else "accuracy")
        ax.legend()
        ax.grid(alpha=0.3)
    return axes


def show_digits(images: np.ndarray, labels: np.ndarray | None = None,
                predictions: np.ndarray | None = None, columns: int = 10,
                title: str = "") -> plt.Figure:
    """A grid of 28x28 digits, captioned with the label (and the prediction when given)."""
    images = np.asarray(images).reshape(-1, 28, 28)
    rows = max(1, int(np.ceil(len(images) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.3), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(images[k], cmap="gray_r")
        label = "" if labels is None else f"y={labels[k]}"
        # Written whole in the call, so that the Bengali edition finds it (instructor/authoring/translations.py).
        ax.set_title(label if predictions is None else f"{label} pred={predictions[k]}", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(translate("ui:plotting/confusion-shapes", "labels {labels} and predictions "
                                   "{predictions} must have the same shape.")
                         .format(labels=labels.shape, predictions=predictions.shape))
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts


def plot_confusion_matrix(counts: np.ndarray, ax: plt.Axes | None = None) -> plt.Axes:
    ax = plt.gca() if ax is None else ax
    ax.imshow(counts, cmap="Blues")
    for (i, j), value in np.ndenumerate(counts):
        ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                color="white" if value > counts.max() / 2 else "black")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_xticks(range(len(counts)))
    ax.set_yticks(range(len(counts)))
    return ax
