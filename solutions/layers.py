"""Layers of the reference framework: each is a forward/backward pair.

Every layer works on a batch: inputs have shape (batch, features). ``forward``
caches what ``backward`` needs; ``backward(grad_out)`` takes dL/d(output) and
returns dL/d(input), storing the gradients of its own parameters on the way.
"""

from __future__ import annotations

import numpy as np

DEFAULT_DTYPE = np.float32


def check_batch(x: np.ndarray, layer: object, n_features: int | None = None) -> None:
    """Raise a clear error unless ``x`` is a non-empty (batch, features) array."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{layer!r} expects a NumPy array, got {type(x).__name__}; "
                        "convert it with np.asarray(x, dtype=np.float32).")
    if x.ndim != 2:
        expected = f"(batch, {n_features})" if n_features is not None else "(batch, features)"
        raise ValueError(f"{layer!r} expected input of shape {expected}, got {x.shape}; "
                         "a single sample needs x.reshape(1, -1).")
    if x.shape[0] == 0:
        raise ValueError(f"{layer!r} got an empty batch of shape {x.shape}; "
                         "check the batch size and the slicing of your data.")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{layer!r} expected input of shape (batch, {n_features}), got {x.shape}.")


class Layer:
    """Base class: a layer without parameters. Subclasses override what they need."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> list[np.ndarray]:
        return []

    def gradients(self) -> list[np.ndarray]:
        return []

    def update(self, lr: float) -> None:
        """One gradient-descent step, in place: param <- param - lr * grad."""
        for param, grad in zip(self.parameters(), self.gradients()):
            # Scaling into a reused buffer instead of allocating lr * grad every step: for
            # large layers that allocation (and its page faults) costs as much as a matmul.
            step = self._step_buffer(param)
            np.multiply(grad, lr, out=step)
            param -= step

    def _step_buffer(self, param: np.ndarray) -> np.ndarray:
        buffers = self.__dict__.setdefault("_step_buffers", {})
        buffer = buffers.get(id(param))
        if buffer is None or buffer.shape != param.shape or buffer.dtype != param.dtype:
            buffer = buffers[id(param)] = np.empty_like(param)
        return buffer

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Layer):
    """y = x W^T + b, with W of shape (n_out, n_in) and b of shape (1, n_out)."""

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator | int | None = None,
                 dtype: type = DEFAULT_DTYPE) -> None:
        for name, value in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}.")
        self.n_in, self.n_out = int(n_in), int(n_out)
        # N(0, 1/sqrt(n_in)) keeps the output variance near the input variance.
        scale = 1.0 / np.sqrt(n_in)
        if rng is None:  # the global generator, so np.random.seed(...) works as upstream
            weights = np.random.normal(0.0, scale, size=(n_out, n_in))
        else:
            weights = np.random.default_rng(rng).normal(0.0, scale, size=(n_out, n_in))
        self.W = weights.astype(dtype)
        self.b = np.zeros((1, n_out), dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_batch(x, self, self.n_in)
        self.x = x if x.dtype == self.W.dtype else x.astype(self.W.dtype)
        out = self.x @ self.W.T
        out += self.b
        return out

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Store dW, db; return dL/dx unless ``input_grad`` is False (first layer of a net)."""
        if self.x is None:
            raise RuntimeError(f"{self!r}: call forward before backward.")
        if grad_out.shape != (self.x.shape[0], self.n_out):
            raise ValueError(f"{self!r}.backward expected a gradient of shape "
                             f"{(self.x.shape[0], self.n_out)}, got {grad_out.shape}.")
        # Write into the existing buffers: no allocation in the hot path.
        np.matmul(grad_out.T, self.x, out=self.dW)
        np.sum(grad_out, axis=0, keepdims=True, out=self.db)
        return grad_out @ self.W if input_grad else None

    def parameters(self) -> list[np.ndarray]:
        return [self.W, self.b]

    def gradients(self) -> list[np.ndarray]:
        return [self.dW, self.db]

    def __repr__(self) -> str:
        return f"Linear({self.n_in} -> {self.n_out})"


class Tanh(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        check_batch(x, self)
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * (1.0 - self.y * self.y)


class ReLU(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        check_batch(x, self)
        self.positive = x > 0
        return np.maximum(x, 0)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.positive


class Sigmoid(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        check_batch(x, self)
        # 1/(1+exp(-x)) overflows for large negative x; the tanh form never does.
        self.y = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.y * (1.0 - self.y)


class Softmax(Layer):
    """Turns each row of scores into probabilities."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        check_batch(z, self)
        # Subtracting the row maximum changes nothing mathematically and keeps exp() <= 1.
        e = np.exp(z - z.max(axis=1, keepdims=True))
        self.p = e / e.sum(axis=1, keepdims=True)
        return self.p

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # Jacobian-vector product of softmax: p * (g - <g, p>) row by row.
        p = self.p
        return p * (grad_out - (grad_out * p).sum(axis=1, keepdims=True))
