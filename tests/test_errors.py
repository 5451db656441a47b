"""Bad input gets a clear error that says what was wrong, never a silent wrong result."""

from __future__ import annotations

import numpy as np
import pytest

from solutions import (
    CrossEntropyLoss,
    Linear,
    Net,
    ReLU,
    Softmax,
    SquaredErrorLoss,
    Tanh,
    fit,
    iterate_minibatches,
    train_epoch,
)


def small_net():
    return Net(Linear(4, 5, rng=0), Tanh(), Linear(5, 3, rng=1), Softmax())


def test_wrong_input_width_names_the_layer_and_both_shapes():
    with pytest.raises(ValueError, match=r"layer 0 of the Net, Linear\(4 -> 5\).*\(batch, 4\).*\(2, 7\)"):
        small_net().forward(np.zeros((2, 7), np.float32))


def test_a_single_sample_without_batch_axis_is_explained():
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        Linear(4, 5, rng=0).forward(np.zeros(4, np.float32))


def test_empty_batch_is_refused():
    with pytest.raises(ValueError, match="empty batch"):
        small_net().forward(np.zeros((0, 4), np.float32))


def test_float_labels_are_refused_with_a_fix():
    p = Softmax().forward(np.zeros((3, 3)))
    with pytest.raises(TypeError, match=r"integer class indices.*astype\(int\)"):
        CrossEntropyLoss().forward(p, np.array([0.0, 1.0, 2.0]))


def test_labels_out_of_range_are_refused():
    p = Softmax().forward(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"0\.\.2 for 3 classes, got values from 0 to 3"):
        CrossEntropyLoss().forward(p, np.array([0, 1, 3]))
    with pytest.raises(ValueError, match="from -1 to"):
        CrossEntropyLoss().forward(p, np.array([-1, 1, 2]))


def test_label_count_must_match_predictions():
    p = Softmax().forward(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        CrossEntropyLoss().forward(p, np.array([0, 1]))


def test_regression_shapes_that_would_broadcast_are_refused():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\).*must match"):
        SquaredErrorLoss().forward(np.zeros((4, 1)), np.zeros(4))


def test_divergence_stops_training_and_blames_the_learning_rate(rng):
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    net = Net(Linear(4, 32, rng=0), ReLU(), Linear(32, 1, rng=1))
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"learning rate lr=50.*lr=5\)"):
        fit(net, x, y, SquaredErrorLoss(), epochs=50, batch_size=8, lr=50)


def test_nan_in_the_data_is_caught_as_a_non_finite_loss():
    x = np.full((4, 4), np.nan, np.float32)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="loss became nan"):
        train_epoch(small_net(), x, np.array([0, 1, 2, 0]), CrossEntropyLoss(), batch_size=2, lr=0.1)


def test_mismatched_data_and_labels_and_bad_batch_sizes():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="5 samples but y has 4"):
        next(iterate_minibatches(x, np.zeros(4), 2))
    with pytest.raises(ValueError, match="positive integer"):
        next(iterate_minibatches(x, np.zeros(5), 0))
    with pytest.raises(ValueError, match="empty data set"):
        next(iterate_minibatches(x[:0], np.zeros(0), 2))


def test_linear_sizes_must_be_positive_integers():
    with pytest.raises(ValueError, match="n_out must be a positive integer"):
        Linear(3, 0)


def test_backward_before_forward_is_explained():
    with pytest.raises(RuntimeError, match="call forward before backward"):
        Linear(3, 2).backward(np.zeros((1, 2)))


def test_net_add_refuses_things_that_are_not_layers():
    with pytest.raises(TypeError, match="forward and backward"):
        Net().add(np.tanh)
