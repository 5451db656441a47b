"""The one-layer softmax perceptron trained by minibatch SGD (lesson 2), in plain functions."""

import numpy as np

from .checks import check_perceptron_inputs
from .gradient_descent import gradient_descent_step, iterate_minibatches
from .losses import cross_entropy, softmax


def perceptron_forward(W, b, x):
    # The class probabilities softmax(x W^T + b), one row per sample.
    check_perceptron_inputs(W, b, x)
    return softmax(x @ W.T + b)


def predict_classes(W, b, x):
    # softmax never changes which score is largest, so the argmax of the scores suffices.
    return (x @ W.T + b).argmax(axis=1)


def perceptron_gradients(W, b, x, y):
    '''Gradients of the mean cross-entropy of softmax(x @ W.T + b) with respect to W and b.

    W: (C, F) weights; b: (1, C) bias; x: (N, F) batch; y: (N,) integer labels in 0..C-1.
    Returns (dW, db) with dW.shape == W.shape and db.shape == b.shape.
    '''
    check_perceptron_inputs(W, b, x, y)
    ### BEGIN SOLUTION
    n_samples = len(y)
    # dL/dZ = (P - Y) / N, the 1/N coming from the mean over the batch.
    grad_scores = perceptron_forward(W, b, x)
    grad_scores[np.arange(n_samples), y] -= 1.0
    grad_scores /= n_samples
    dW = grad_scores.T @ x
    db = grad_scores.sum(axis=0, keepdims=True)
    return dW, db
    ### END SOLUTION


def train_perceptron(x, y, n_classes, lr=0.1, batch_size=8, epochs=20, seed=0):
    '''Train a softmax perceptron with minibatch SGD.

    Returns W of shape (n_classes, n_features), b of shape (1, n_classes) and a list of
    `epochs` floats: the mean cross-entropy on all of (x, y) after each epoch.
    '''
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    n_features = x.shape[1]
    W = rng.normal(0.0, 1.0 / np.sqrt(n_features), size=(n_classes, n_features))
    b = np.zeros((1, n_classes))
    losses = []
    for _ in range(epochs):
        for x_batch, y_batch in iterate_minibatches(x, y, batch_size, rng):
            dW, db = perceptron_gradients(W, b, x_batch, y_batch)
            gradient_descent_step([W, b], [dW, db], lr)
        losses.append(cross_entropy(perceptron_forward(W, b, x), y))
    return W, b, losses
    ### END SOLUTION
