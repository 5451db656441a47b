"""Training with minibatch SGD (lessons 4 and 5): an epoch, an evaluation, a whole run, early stopping."""

import numpy as np

from coursekit.progress import progress_bar

from .losses import CrossEntropyLoss


def train_epoch(net, train_x, train_labels, loss, batch_size=4, lr=0.1, rng=None):
    """One epoch of minibatch SGD over the data in a fresh random order; returns the mean batch loss.

    rng: a seed, a np.random.Generator, or None; the shuffle uses np.random.default_rng(rng).
    The last batch may be smaller than batch_size. train_x and train_labels are not modified.
    """
    ### BEGIN SOLUTION
    # A Python float: lr * dW stays float32, while a NumPy float64 lr (from np.logspace, say)
    # would turn every update into a float64 copy of the gradient.
    lr = float(lr)
    order = np.random.default_rng(rng).permutation(len(train_x))
    batch_losses = []
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        value = loss.forward(net.forward(train_x[rows]), train_labels[rows])
        if not np.isfinite(value):  # going on would only spread nan through every weight
            raise FloatingPointError(f"the loss became {value} in batch {len(batch_losses) + 1}: "
                                     f"training diverged. Try a smaller learning rate than lr={lr}.")
        batch_losses.append(value)
        net.backward(loss.backward())
        net.update(lr)
    return float(np.mean(batch_losses))
    ### END SOLUTION


def get_loss_acc(net, x, y, loss):
    """(mean loss, accuracy) of `net` on the samples x with integer labels y; does not train."""
    ### BEGIN SOLUTION
    out = net.forward(x)
    value = loss.forward(out, y)
    accuracy = (out.argmax(axis=1) == y).mean()
    return float(value), float(accuracy)
    ### END SOLUTION


def fit(net, train_x, train_labels, loss=None, *, epochs=10, batch_size=64, lr=0.1,
        validation=None, seed=0, progress=False):
    """Train net with minibatch SGD for some epochs; return the per-epoch history as a dict."""
    ### BEGIN SOLUTION
    loss = CrossEntropyLoss() if loss is None else loss
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    epoch_range = progress_bar(range(epochs), desc="epochs") if progress else range(epochs)
    for _ in epoch_range:
        train_epoch(net, train_x, train_labels, loss, batch_size, lr, rng)
        train_loss, train_acc = get_loss_acc(net, train_x, train_labels, loss)
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        if validation is not None:
            val_loss, val_acc = get_loss_acc(net, validation[0], validation[1], loss)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
    return history
    ### END SOLUTION


def best_epoch(val_losses, patience=None):
    """The epoch (counted from 1) early stopping keeps: the lowest validation loss seen before stopping."""
    ### BEGIN SOLUTION
    losses = [float(value) for value in val_losses]
    if not losses:
        raise ValueError("best_epoch needs at least one validation loss; did training run for 0 epochs, "
                         "or without validation data?")
    if patience is not None and patience < 1:
        raise ValueError(f"patience must be at least 1 epoch, got {patience}.")
    best, best_loss, epochs_without_improvement = None, float("inf"), 0
    for epoch, value in enumerate(losses, start=1):
        if value < best_loss:  # False for nan, so a diverged epoch never wins
            best, best_loss, epochs_without_improvement = epoch, value, 0
        else:
            epochs_without_improvement += 1
            if patience is not None and epochs_without_improvement >= patience:
                break
    return best
    ### END SOLUTION
