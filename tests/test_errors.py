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
    absolute_error,
    cross_entropy,
    fit,
    gradient_descent_step,
    iterate_minibatches,
    softmax,
    train_epoch,
)


def small_net():
    np.random.seed(0)
    return Net(Linear(4, 5), Tanh(), Linear(5, 3), Softmax())


def test_wrong_input_width_names_the_layer_and_both_shapes():
    with pytest.raises(ValueError, match=r"Linear\(4 -> 5\).*\(batch, 4\).*\(2, 7\)"):
        small_net().forward(np.zeros((2, 7), np.float32))


def test_a_single_sample_without_batch_axis_is_explained():
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        Linear(4, 5).forward(np.zeros(4, np.float32))


def test_float_labels_are_refused_with_a_fix():
    p = Softmax().forward(np.zeros((3, 3)))
    with pytest.raises(TypeError, match=r"integer class labels.*astype\(int\)"):
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
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\).*broadcast"):
        absolute_error(np.zeros((4, 1)), np.zeros(4))


def test_lesson_one_functions_refuse_scores_where_probabilities_belong():
    with pytest.raises(ValueError, match=r"probabilities between 0 and 1.*softmax\(scores\)"):
        cross_entropy(np.array([[2.0, -1.0]]), np.array([0]))
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        softmax(np.array([1.0, 2.0]))


def test_divergence_stops_training_and_blames_the_learning_rate(rng):
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    np.random.seed(0)
    net = Net(Linear(4, 32), ReLU(), Linear(32, 1))
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"smaller learning rate than lr=50"):
        fit(net, x, y, SquaredErrorLoss(), epochs=50, batch_size=8, lr=50)


def test_nan_in_the_data_is_caught_as_a_non_finite_loss():
    x = np.full((4, 4), np.nan, np.float32)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="loss became nan in batch 1"):
        train_epoch(small_net(), x, np.array([0, 1, 2, 0]), CrossEntropyLoss(), batch_size=2, lr=0.1)


def test_mismatched_data_and_labels_and_bad_batch_sizes():
    x, rng = np.zeros((5, 2)), np.random.default_rng(0)
    with pytest.raises(ValueError, match="5 samples but y has 4"):
        next(iterate_minibatches(x, np.zeros(4), 2, rng))
    with pytest.raises(ValueError, match="positive integer"):
        next(iterate_minibatches(x, np.zeros(5), 0, rng))
    with pytest.raises(TypeError, match=r"default_rng\(0\)"):
        next(iterate_minibatches(x, np.zeros(5), 2, 0))


def test_a_gradient_step_refuses_lists_that_do_not_pair_up():
    with pytest.raises(ValueError, match="2 parameters but 1 gradients"):
        gradient_descent_step([np.zeros(2), np.zeros(3)], [np.zeros(2)], 0.1)
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(2,\) but its gradient has shape \(3,\)"):
        gradient_descent_step([np.zeros(2)], [np.zeros(3)], 0.1)


def test_net_add_refuses_things_that_are_not_layers():
    with pytest.raises(TypeError, match="forward and backward"):
        Net().add(np.tanh)
    with pytest.raises(TypeError, match=r"pass an instance: Tanh\(...\)"):
        Net().add(Tanh)
