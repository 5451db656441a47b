"""Gradient descent (lesson 2): one step, and the minibatches stochastic gradient descent walks through."""

import numpy as np


def gradient_descent_step(params, grads, lr):
    '''One step of gradient descent, in place: every param becomes param - lr * grad.

    params: list of NumPy arrays, e.g. [W, b]; they are modified, not replaced.
    grads:  list of arrays of the same shapes in the same order, e.g. [dW, db].
    lr:     the learning rate (a positive number).
    Returns None.
    '''
    # zip() would silently stop at the shorter list and leave a parameter untrained.
    if len(params) != len(grads):
        raise ValueError(f"got {len(params)} parameters but {len(grads)} gradients; "
                         "pass one gradient per parameter, in the same order.")
    for number, (param, grad) in enumerate(zip(params, grads)):
        if np.shape(param) != np.shape(grad):
            raise ValueError(f"parameter {number} has shape {np.shape(param)} but its gradient "
                             f"has shape {np.shape(grad)}; they must match.")
    ### BEGIN SOLUTION
    for param, grad in zip(params, grads):
        param -= lr * grad
    ### END SOLUTION


def iterate_minibatches(x, y, batch_size, rng):
    '''Yield (x_batch, y_batch) pairs that cover (x, y) once, in a random order drawn from rng.

    x: array with one sample per row, shape (N, ...); y: the matching labels, shape (N, ...).
    batch_size: samples per batch; the last batch holds the rest and may be smaller.
    rng: a np.random.Generator, e.g. np.random.default_rng(0).
    '''
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}; they must match.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a NumPy Generator such as np.random.default_rng(0), "
                        f"got {type(rng).__name__}.")
    ### BEGIN SOLUTION
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        rows = order[start:start + batch_size]
        yield x[rows], y[rows]
    ### END SOLUTION
