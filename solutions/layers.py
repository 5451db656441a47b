"""Layers (lessons 3 and 4): each is a forward/backward pair working on a batch of shape (N, features).

``forward`` caches what ``backward`` needs; ``backward(grad)`` takes dL/d(output) and returns
dL/d(input), storing the gradients of the layer's own parameters on the way.
"""

import numpy as np


class Layer:
    """Base class of all layers. A layer without parameters only overrides forward/backward."""

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__}.forward is not written yet.")

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__}.backward is not written yet.")

    def parameters(self):
        """The layer's parameter arrays (none by default)."""
        return []

    def gradients(self):
        """dL/d(parameter) for each array of parameters(), in the same order."""
        return []

    def update(self, lr):
        # In place (-=), so anyone holding a reference to the array sees the new values.
        for param, grad in zip(self.parameters(), self.gradients()):
            param -= lr * grad

    def __repr__(self):
        return f"{type(self).__name__}()"


class Linear(Layer):
    """A fully connected layer z = x W^T + b on a batch x of shape (N, nin).

    Attributes: W (nout, nin) and b (1, nout) are the parameters; forward caches its input
    as x; backward stores dW and db, the gradients of the loss with respect to W and b.
    input_grad: whether backward returns dL/dx. Set it to False on a network's first layer: its
    input is the data, whose gradient nobody uses (PyTorch skips it too: requires_grad=False).
    """

    input_grad = True

    def __init__(self, nin, nout):
        """Weights from N(0, 1/sqrt(nin)) drawn with np.random.normal; zero bias."""
        ### BEGIN SOLUTION
        # Standard deviation 1/sqrt(nin) keeps z on the same scale as x, whatever nin is.
        # float32: half the memory and twice the speed of float64, precise enough for training.
        # order="F": W stored column by column, so W.T, the matrix forward multiplies by, lies
        # row by row, the layout BLAS reads fastest (lesson 3, "How W lies in memory").
        weights = np.random.normal(0.0, 1.0 / np.sqrt(nin), size=(nout, nin))
        self.W = weights.astype(np.float32, order="F")
        self.b = np.zeros((1, nout), dtype=np.float32)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        ### END SOLUTION

    def forward(self, x):
        """z = x @ W.T + b for x of shape (N, nin); caches x as self.x; returns shape (N, nout)."""
        ### BEGIN SOLUTION
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.W.shape[1]:
            raise ValueError(f"{self!r} expects input of shape (batch, {self.W.shape[1]}), got "
                             f"{x.shape}; a single sample needs x.reshape(1, -1).")
        self.x = x.astype(self.W.dtype, copy=False)  # cached: dW needs it
        return self.x @ self.W.T + self.b
        ### END SOLUTION

    def backward(self, grad):
        """Store self.dW, self.db from grad = dL/dz of shape (N, nout); return dL/dx, shape (N, nin).

        Returns None instead when self.input_grad is False (a first layer, whose input is the data).
        """
        ### BEGIN SOLUTION
        # (x^T grad)^T is grad^T x, computed so that it comes out column by column like W:
        # then W -= lr * dW walks both arrays in the same order.
        self.dW = (self.x.T @ grad).T
        self.db = grad.sum(axis=0, keepdims=True)
        if not self.input_grad:  # a first layer: one matmul as large as dW saved, nothing lost
            return None
        return grad @ self.W
        ### END SOLUTION

    def update(self, lr):
        """One gradient-descent step on W and b with learning rate lr."""
        ### BEGIN SOLUTION
        self.W -= lr * self.dW
        self.b -= lr * self.db
        ### END SOLUTION

    def parameters(self):
        return [self.W, self.b]

    def gradients(self):
        return [self.dW, self.db]

    def __repr__(self):
        return f"Linear({self.W.shape[1]} -> {self.W.shape[0]})"


class Tanh(Layer):
    """y = tanh(x), element-wise. forward caches the input self.x and the output self.y."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.x = x
        self.y = np.tanh(x)
        return self.y
        ### END SOLUTION

    def backward(self, grad):
        """dL/dx = grad * (1 - tanh(x)^2), using the cached output self.y."""
        ### BEGIN SOLUTION
        return grad * (1.0 - self.y * self.y)
        ### END SOLUTION


class ReLU(Layer):
    """y = max(x, 0), element-wise. forward caches the input self.x and the output self.y."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.x = x
        self.y = np.maximum(x, 0)
        return self.y
        ### END SOLUTION

    def backward(self, grad):
        """dL/dx = grad where the input x > 0, and 0 elsewhere (0 at x == 0 too)."""
        ### BEGIN SOLUTION
        return grad * (self.x > 0)
        ### END SOLUTION


class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x)), element-wise; forward caches the input self.x and the output self.y."""

    def forward(self, x):
        """1 / (1 + exp(-x)) element-wise, without overflow for any x; caches self.x and self.y."""
        ### BEGIN SOLUTION
        self.x = x
        # The tanh form is the same function, and tanh saturates at +-1 instead of overflowing.
        self.y = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.y
        ### END SOLUTION

    def backward(self, grad):
        """dL/dx = grad * y * (1 - y), using the cached output self.y."""
        ### BEGIN SOLUTION
        return grad * self.y * (1.0 - self.y)
        ### END SOLUTION


class Softmax(Layer):
    """Turns each row of scores into probabilities. forward caches them in self.p."""

    def forward(self, z):
        """Row-wise softmax of z (shape (N, C)); stores and returns the probabilities self.p."""
        ### BEGIN SOLUTION
        # Subtracting each row's maximum changes nothing mathematically and keeps exp() <= 1.
        exps = np.exp(z - z.max(axis=1, keepdims=True))
        self.p = exps / exps.sum(axis=1, keepdims=True)
        return self.p
        ### END SOLUTION

    def backward(self, grad):
        """dL/dz = p * (grad - sum_j grad_j p_j), row by row; grad and the result have shape (N, C)."""
        ### BEGIN SOLUTION
        p = self.p
        return p * (grad - (grad * p).sum(axis=1, keepdims=True))
        ### END SOLUTION
