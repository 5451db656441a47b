"""Small, seeded toy data sets for the lessons, plus a reproducible train/validation split.

Every maker returns ``(x, y)``: float32 features of shape ``(n_samples, 2)`` and int64 class
labels of shape ``(n_samples,)`` (except :func:`make_regression_1d`, whose targets are float32
of shape ``(n_samples, 1)``). The same ``seed`` always gives the same arrays, so a lesson's
plots and numbers can be checked against the text.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

FEATURE_DTYPE = np.float32
LABEL_DTYPE = np.int64


class Split(NamedTuple):
    """A training part and a validation part; unpacks as ``x_train, y_train, x_val, y_val``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


# ---------------------------------------------------------------------------------------------
# Argument checks: students call these functions by hand, so a wrong argument should say what
# was wrong and what a valid value looks like, not fail later inside NumPy.
# ---------------------------------------------------------------------------------------------


def _check_count(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def _check_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__}).")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.")
    return float(value)


def _check_fraction(name: str, value: object, *, allow_zero: bool) -> float:
    """A fraction in [0, 1) (or (0, 1) when zero makes no sense)."""
    fraction = _check_real(name, value)
    low_ok = fraction >= 0.0 if allow_zero else fraction > 0.0
    if not (low_ok and fraction < 1.0):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(
            f"{name} is a fraction and must be in {interval}, got {fraction}. "
            f"For example {name}=0.2 means 20%."
        )
    return fraction


def _check_spread(name: str, value: object, *, allow_zero: bool = True) -> float:
    """A standard deviation (of Gaussian jitter): zero or more, never negative."""
    spread = _check_real(name, value)
    if spread < 0.0 or (spread == 0.0 and not allow_zero):
        bound = "0 or more" if allow_zero else "greater than 0"
        raise ValueError(f"{name} is a standard deviation and must be {bound}, got {spread}.")
    return spread


def _balanced_labels(n_samples: int, n_classes: int) -> np.ndarray:
    """Labels 0, 0, ..., 1, 1, ... with class sizes differing by at most one."""
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return np.repeat(np.arange(n_classes, dtype=LABEL_DTYPE), sizes)


def _shuffled(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    # Makers build points class by class; shuffling keeps mini-batches from being one class.
    order = rng.permutation(len(y))
    return x[order].astype(FEATURE_DTYPE), y[order].astype(LABEL_DTYPE)


# ---------------------------------------------------------------------------------------------
# Classification sets
# ---------------------------------------------------------------------------------------------


def make_two_class(
    n_samples: int = 100, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs in 2-D, one per class, with a fraction of labels flipped.

    Without label noise a straight line separates the classes almost perfectly; ``noise`` is
    the fraction of labels flipped on purpose (exactly ``round(noise * n_samples)`` of them),
    so even the best line gets about that share wrong.

    Returns:
        x: float32 array (n_samples, 2); y: int64 array (n_samples,) of 0 and 1.
    """
    n_samples = _check_count("n_samples", n_samples, minimum=2)
    noise = _check_fraction("noise", noise, allow_zero=True)
    rng = np.random.default_rng(seed)

    y = _balanced_labels(n_samples, 2)
    # Centres 3*sqrt(2) apart with unit spread: the blobs barely touch (about 2% overlap).
    centres = np.array([[-1.5, -1.5], [1.5, 1.5]])
    x = centres[y] + rng.normal(size=(n_samples, 2))

    n_flipped = round(noise * n_samples)
    flipped = rng.choice(n_samples, size=n_flipped, replace=False)
    y[flipped] = 1 - y[flipped]
    return _shuffled(x, y, rng)


def make_blobs(
    n_samples: int = 300, n_classes: int = 3, spread: float = 0.6, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` Gaussian blobs with centres evenly spaced on a circle of radius 2.

    ``spread`` is each blob's standard deviation: around 0.5 the classes are well apart,
    above 1 they overlap a lot. Class sizes differ by at most one.

    Returns:
        x: float32 array (n_samples, 2); y: int64 array (n_samples,) in 0..n_classes-1.
    """
    n_classes = _check_count("n_classes", n_classes, minimum=2)
    n_samples = _check_count("n_samples", n_samples, minimum=n_classes)
    spread = _check_spread("spread", spread, allow_zero=False)
    rng = np.random.default_rng(seed)

    angles = 2.0 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = _balanced_labels(n_samples, n_classes)
    x = centres[y] + spread * rng.normal(size=(n_samples, 2))
    return _shuffled(x, y, rng)


def make_xor(
    n_samples: int = 200, noise: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Four clusters at (+-1, +-1): class 1 where the signs of the two features differ.

    No single straight line separates the classes, which is why XOR needs a hidden layer.
    ``noise`` is the standard deviation of each cluster.

    Returns:
        x: float32 array (n_samples, 2); y: int64 array (n_samples,) of 0 and 1.
    """
    n_samples = _check_count("n_samples", n_samples, minimum=4)
    noise = _check_spread("noise", noise)
    rng = np.random.default_rng(seed)

    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    corner = _balanced_labels(n_samples, 4)
    x = corners[corner] + noise * rng.normal(size=(n_samples, 2))
    y = (corner >= 2).astype(LABEL_DTYPE)  # the last two corners have mixed signs
    return _shuffled(x, y, rng)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 arches up, class 1 arches down beside it.

    ``noise`` is the standard deviation of Gaussian jitter added to every point.

    Returns:
        x: float32 array (n_samples, 2); y: int64 array (n_samples,) of 0 and 1.
    """
    n_samples = _check_count("n_samples", n_samples, minimum=2)
    noise = _check_spread("noise", noise)
    rng = np.random.default_rng(seed)

    y = _balanced_labels(n_samples, 2)
    angle = rng.uniform(0.0, np.pi, size=n_samples)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) + noise * rng.normal(size=(n_samples, 2))
    return _shuffled(x, y, rng)


def make_circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two rings around the origin: class 0 has radius 1, class 1 has radius ``factor``.

    ``noise`` is the standard deviation of Gaussian jitter; ``factor`` in (0, 1) sets how close
    the inner ring is to the outer one.

    Returns:
        x: float32 array (n_samples, 2); y: int64 array (n_samples,) of 0 and 1.
    """
    n_samples = _check_count("n_samples", n_samples, minimum=2)
    noise = _check_spread("noise", noise)
    factor = _check_fraction("factor", factor, allow_zero=False)
    rng = np.random.default_rng(seed)

    y = _balanced_labels(n_samples, 2)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n_samples)
    radius = np.where(y == 0, 1.0, factor)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x += noise * rng.normal(size=(n_samples, 2))
    return _shuffled(x, y, rng)


# ---------------------------------------------------------------------------------------------
# Regression set
# ---------------------------------------------------------------------------------------------


def make_regression_1d(
    n_samples: int = 100, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of ``y = sin(x)`` for x in [-pi, pi]: a curve a straight line cannot fit.

    ``x`` is sorted so ``plt.plot(x, model(x))`` draws a clean curve. ``noise`` is the standard
    deviation of Gaussian noise added to ``y``.

    Returns:
        x: float32 array (n_samples, 1); y: float32 array (n_samples, 1).
    """
    n_samples = _check_count("n_samples", n_samples)
    noise = _check_spread("noise", noise)
    rng = np.random.default_rng(seed)

    x = np.sort(rng.uniform(-np.pi, np.pi, size=n_samples))
    y = np.sin(x) + noise * rng.normal(size=n_samples)
    return x[:, None].astype(FEATURE_DTYPE), y[:, None].astype(FEATURE_DTYPE)


# ---------------------------------------------------------------------------------------------
# Splitting
# ---------------------------------------------------------------------------------------------


def split_indices(
    labels: np.ndarray, fraction: float, seed: int = 0, *, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic shuffled index split: ``(keep, held_out)``, held out ~ ``fraction``.

    With ``stratify`` each class is held out in the same proportion: exactly
    ``round(fraction * n)`` indices in total, and each class within one of its share.
    """
    labels = np.asarray(labels)
    n_samples = len(labels)
    n_held_out = round(fraction * n_samples)
    if not 0 < n_held_out < n_samples:
        raise ValueError(
            f"A fraction of {fraction} of {n_samples} samples leaves "
            f"{n_held_out} held out and {n_samples - n_held_out} kept; both parts need at "
            "least one sample. Use a fraction nearer 0.5 or more samples."
        )
    rng = np.random.default_rng(seed)
    if not stratify:
        order = rng.permutation(n_samples)
        return order[n_held_out:], order[:n_held_out]

    classes, class_of_sample = np.unique(labels, return_inverse=True)
    counts = np.bincount(class_of_sample, minlength=len(classes))
    # Largest-remainder rounding: each class gets floor(share), then the leftover slots go to
    # the classes closest to rounding up, so the total is exact and no class is off by more
    # than one. The stable sort breaks ties by class order, keeping the result reproducible.
    shares = counts * (n_held_out / n_samples)
    per_class = np.floor(shares).astype(int)
    leftover = n_held_out - per_class.sum()
    per_class[np.argsort(-(shares - per_class), kind="stable")[:leftover]] += 1

    keep, held_out = [], []
    for class_index, n_class_held_out in enumerate(per_class):
        members = rng.permutation(np.flatnonzero(class_of_sample == class_index))
        held_out.append(members[:n_class_held_out])
        keep.append(members[n_class_held_out:])
    # Mix the classes again so neither part is sorted by label.
    return rng.permutation(np.concatenate(keep)), rng.permutation(np.concatenate(held_out))


def train_val_split(
    x: np.ndarray,
    y: np.ndarray,
    val_fraction: float = 0.2,
    seed: int = 0,
    stratify: bool = True,
) -> Split:
    """Split ``x, y`` into training and validation parts, the same way for the same ``seed``.

    With ``stratify=True`` and integer class labels, every class keeps its share in both parts
    (so a rare class cannot vanish from validation). Float targets (regression) are always
    split at random, as classes mean nothing there.

    Returns:
        ``Split(x_train, y_train, x_val, y_val)``; unpack it like a tuple.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("x and y must be arrays with one row per sample, not scalars.")
    if len(x) != len(y):
        raise ValueError(
            f"x has {len(x)} samples but y has {len(y)}; they must have one row per sample each."
        )
    val_fraction = _check_fraction("val_fraction", val_fraction, allow_zero=False)
    holds_classes = np.issubdtype(y.dtype, np.integer) and y.ndim == 1
    train, val = split_indices(y, val_fraction, seed, stratify=stratify and holds_classes)
    return Split(x[train], y[train], x[val], y[val])
