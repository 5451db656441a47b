"""The judge's finite differences: every hidden test that compares a gradient with the definition.

One numerical gradient, one relative error, explicit thresholds, all in float64 with centred
differences, so every hidden test judges a backward pass the same way:

    numeric = numeric_gradient(lambda z: float((reference_softmax(z) * G).sum()), z)
    error = relative_error(grad, numeric)
    check(error < SMOOTH_THRESHOLD, f"... relative error {error:.1e} ...")

The relative error is taken over the whole array (``max |a - n| / (max |a| + max |n|)``), not
entry by entry as lesson 3 teaches students: a hidden test does not choose its inputs to avoid
saturation, and an entry whose true gradient is almost 0 (a saturated softmax, a large loss)
would otherwise measure the rounding noise of the finite differences, not the student's answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from coursekit.grading import check_shape

#: Above this, a gradient computed in float64 is wrong. The answer key measures 6e-12 to 1.1e-9
#: against the centred differences below in every hidden test (lessons 2 to 5); a wrong gradient
#: (a transpose, a missing 1/N, a wrong sign or factor) is off by 1e-2 or more.
SMOOTH_THRESHOLD = 1e-7
#: The same for an answer computed in float32, which rounds at about 6e-8 of every value (the
#: answer key measures 2e-8 on lesson 2's float32 case).
FLOAT32_THRESHOLD = 1e-5

STEP = 1e-6  # about eps ** (1/3) (times the size of x), where centred differences err least


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = STEP) -> np.ndarray:
    """Centred differences (f(x + h e_i) - f(x - h e_i)) / 2h of the scalar ``f(x)`` for every
    entry i, in float64. ``f`` gets the nudged array as its argument; the caller's ``x`` is never
    changed (the nudges happen on a float64 copy)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = f(x)
        x[index] = original - h
        minus = f(x)
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(analytic, numeric: np.ndarray, what: str = "the gradient") -> float:
    """``max |a - n| / (max |a| + max |n|)`` over the arrays (0.0 when both are 0), in float64.

    A gradient of the wrong shape fails here with the shapes named, as ``check_close`` would."""
    check_shape(np.asarray(analytic), np.shape(numeric), what)
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    scale = float(np.max(np.abs(a), initial=0.0) + np.max(np.abs(n), initial=0.0))
    if not np.all(np.isfinite(a)):
        return float("inf")
    return float(np.max(np.abs(a - n), initial=0.0)) / scale if scale > 0 else 0.0
