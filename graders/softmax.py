"""A softmax the hidden tests compute expected values with, formulated apart from NumPy's."""

from __future__ import annotations

import math

import numpy as np


def reference_softmax(z: np.ndarray) -> np.ndarray:
    """Row by row in Python floats: an independent formulation of the stable softmax."""
    out = np.zeros(np.shape(z))
    for i, row in enumerate(np.asarray(z, dtype=float).tolist()):
        weights = [math.exp(v - max(row)) for v in row]
        out[i] = [w / math.fsum(weights) for w in weights]
    return out
