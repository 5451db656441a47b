"""Stand-in layers for the tests of a network container (``Net``).

They follow the course's layer interface but are deliberately unlike any layer the course
builds, so a test of ``Net.forward``, ``backward`` or ``update`` passes or fails on the
container alone, whatever state the student's own layers are in. With a ``log`` list they
record every call, so a test can tell the order in which the container called them.
"""

from __future__ import annotations

import numpy as np


class Shift:
    """Stand-in layer (independent of your activations): y = x + c, no parameters."""

    def __init__(self, c, log=None, name="Shift"):
        self.c, self.log, self.name = c, log, name

    def _record(self, call):
        if self.log is not None:
            self.log.append((call, self.name))

    def forward(self, x):
        self._record("forward")
        return x + self.c

    def backward(self, grad):
        self._record("backward")
        return grad

    def parameters(self):
        return []

    def gradients(self):
        return []

    def update(self, lr):
        pass


class Scale:
    """Stand-in layer with one parameter s of shape (1, d): y = x * s.

    ``ds`` may be given (a test of ``update`` sets the gradient by hand); else ``backward``
    computes it.
    """

    def __init__(self, s, log=None, name="Scale", ds=None):
        self.s, self.log, self.name = np.array(s, dtype=float), log, name
        self.ds = np.zeros_like(self.s) if ds is None else np.array(ds, dtype=float)

    def _record(self, call):
        if self.log is not None:
            self.log.append((call, self.name))

    def forward(self, x):
        self._record("forward")
        self.x = x
        return x * self.s

    def backward(self, grad):
        self._record("backward")
        self.ds[...] = (grad * self.x).sum(axis=0, keepdims=True)
        return grad * self.s

    def parameters(self):
        return [self.s]

    def gradients(self):
        return [self.ds]

    def update(self, lr):
        self.s -= lr * self.ds
