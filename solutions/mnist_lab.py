"""The MNIST lab's helper answers: the data split, weight tracking, a training loop, the mistakes."""

import numpy as np

from coursekit import load_mnist, progress_bar, train_val_split

from .losses import CrossEntropyLoss
from .training import get_loss_acc, train_epoch


def prepare_data(seed=0):
    """x_train (7200, 784), y_train (7200,), x_val (800, 784), y_val (800,): the same for the same seed."""
    ### BEGIN SOLUTION
    x, y, _, _ = load_mnist()
    x_train, y_train, x_val, y_val = train_val_split(x, y, val_fraction=0.1, seed=seed)
    return x_train, y_train, x_val, y_val
    ### END SOLUTION


def max_abs_weights(net):
    """[max |W| of the first Linear layer, of the second, ...] as Python floats."""
    ### BEGIN SOLUTION
    return [float(np.abs(layer.W).max()) for layer in net.layers if hasattr(layer, "W")]
    ### END SOLUTION


def train(net, data, epochs=10, lr=0.1, batch_size=64, seed=0, desc="training"):
    """Train net on data = (x_train, y_train, x_val, y_val); return the per-epoch history dict."""
    ### BEGIN SOLUTION
    x_train, y_train, x_val, y_val = data
    loss = CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    history = {key: [] for key in ("train_loss", "train_acc", "val_loss", "val_acc", "max_abs_weight")}
    for _ in progress_bar(range(epochs), desc=desc):
        train_epoch(net, x_train, y_train, loss, batch_size=batch_size, lr=lr, rng=rng)
        for split, (x, y) in (("train", (x_train, y_train)), ("val", (x_val, y_val))):
            split_loss, split_acc = get_loss_acc(net, x, y, loss)
            history[f"{split}_loss"].append(split_loss)
            history[f"{split}_acc"].append(split_acc)
        history["max_abs_weight"].append(max_abs_weights(net))
    return history
    ### END SOLUTION


def misclassified(net, x, y):
    """Indices (ascending) of the rows of x whose predicted class differs from y."""
    ### BEGIN SOLUTION
    return np.flatnonzero(net.forward(x).argmax(axis=1) != y)
    ### END SOLUTION
