"""The reference framework: numerics, sanity checks and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from solutions import (
    CrossEntropyLoss,
    Linear,
    Net,
    ReLU,
    Softmax,
    Tanh,
    best_epoch,
    fit,
    get_loss_acc,
    iterate_minibatches,
    logistic_loss,
    make_mlp,
    train_epoch,
    zero_one_loss,
)


def one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


def test_softmax_then_cross_entropy_gives_p_minus_onehot_over_n(rng):
    z, y = rng.normal(size=(7, 4)), rng.integers(0, 4, 7)
    softmax, loss = Softmax(), CrossEntropyLoss()
    p = softmax.forward(z)
    loss.forward(p, y)
    grad = softmax.backward(loss.backward())
    np.testing.assert_allclose(grad, (p - one_hot(y, 4)) / 7, rtol=1e-12, atol=1e-15)


def test_softmax_rows_are_probabilities_and_survive_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is harmless
        p = Softmax().forward(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p[1], 1 / 3, rtol=1e-6)
    assert p[0, 0] == pytest.approx(1.0)


def test_cross_entropy_never_takes_log_of_zero():
    p = np.array([[1.0, 0.0], [0.5, 0.5]], dtype=np.float32)
    loss = CrossEntropyLoss()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss.forward(p, np.array([1, 0]))
        grad = loss.backward()
    assert value == pytest.approx((-np.log(np.float32(1e-12)) - np.log(0.5)) / 2, rel=1e-5)
    assert np.all(np.isfinite(grad))


def test_cross_entropy_value_matches_definition(rng):
    p = Softmax().forward(rng.normal(size=(5, 3)))
    y = np.array([0, 2, 1, 1, 0])
    assert CrossEntropyLoss().forward(p, y) == pytest.approx(-np.mean(np.log(p[np.arange(5), y])))


def test_initial_ten_class_loss_is_close_to_ln_10(rng):
    np.random.seed(0)
    net = Net(Linear(784, 128), ReLU(), Linear(128, 10), Softmax())
    net.layers[-2].W *= 0.01  # near-zero logits: the untrained net should be maximally unsure
    x = rng.random((500, 784), dtype=np.float32)
    loss, _ = get_loss_acc(net, x, rng.integers(0, 10, 500), CrossEntropyLoss())
    assert loss == pytest.approx(np.log(10), rel=0.02)


def test_two_layer_net_memorises_fifty_samples(rng):
    x = rng.normal(size=(50, 20)).astype(np.float32)
    y = rng.integers(0, 10, 50)  # random labels: only memorising can fit them
    np.random.seed(0)
    net = Net(Linear(20, 64), Tanh(), Linear(64, 10), Softmax())
    history = fit(net, x, y, CrossEntropyLoss(), epochs=200, batch_size=10, lr=0.5, seed=0)
    assert history["train_acc"][-1] == 1.0


def test_same_seed_gives_bit_identical_training(rng):
    x = rng.normal(size=(200, 5)).astype(np.float32)
    y = rng.integers(0, 3, 200)

    def run():
        np.random.seed(7)
        net = Net(Linear(5, 16), ReLU(), Linear(16, 3), Softmax())
        history = fit(net, x, y, epochs=3, batch_size=16, lr=0.1, seed=42, validation=(x, y))
        return net, history

    (net_a, hist_a), (net_b, hist_b) = run(), run()
    for a, b in zip(net_a.parameters(), net_b.parameters()):
        assert np.array_equal(a, b)
    assert hist_a == hist_b


def test_minibatches_are_reshuffled_every_epoch_and_cover_the_data():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    rng = np.random.default_rng(0)
    first = np.concatenate([yb for _, yb in iterate_minibatches(x, y, 3, rng)])
    second = np.concatenate([yb for _, yb in iterate_minibatches(x, y, 3, rng)])
    assert sorted(first) == sorted(second) == list(range(10))
    assert not np.array_equal(first, second)
    for xb, yb in iterate_minibatches(x, y, 4, rng):
        assert np.array_equal(xb[:, 0] // 2, yb)  # rows stay paired with their labels


def test_float32_stays_float32_through_training(rng):
    net = Net(Linear(3, 4), Tanh(), Linear(4, 2), Softmax())
    x = rng.normal(size=(8, 3)).astype(np.float32)
    assert net.forward(x).dtype == np.float32
    train_epoch(net, x, rng.integers(0, 2, 8), CrossEntropyLoss(), batch_size=4, lr=0.1, rng=0)
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_net_exposes_parameters_and_gradients_explicitly():
    net = Net()
    net.add(Linear(3, 4))
    net.add(Tanh())
    net.add(Linear(4, 2))
    assert [p.shape for p in net.parameters()] == [(4, 3), (1, 4), (2, 4), (1, 2)]
    assert [g.shape for g in net.gradients()] == [(4, 3), (1, 4), (2, 4), (1, 2)]


def test_update_moves_parameters_against_the_gradient(rng):
    layer = Linear(3, 2)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    layer.forward(x)
    layer.backward(np.ones((4, 2), dtype=np.float32))
    w_before, dw = layer.W.copy(), layer.dW.copy()
    layer.update(0.5)
    np.testing.assert_allclose(layer.W, w_before - 0.5 * dw, rtol=1e-6)


def test_linear_initialisation_has_the_documented_shapes_and_scale():
    np.random.seed(0)
    layer = Linear(400, 300)
    assert layer.W.shape == (300, 400) and layer.b.shape == (1, 300)
    assert layer.W.std() == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert not layer.b.any()


def test_zero_one_loss_is_one_minus_accuracy():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert zero_one_loss(scores, np.array([0, 1, 1, 1])) == 0.25


def test_logistic_loss_stays_finite_at_certain_wrong_answers():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = logistic_loss(np.array([0.0, 1.0]), np.array([1, 0]))
    assert value == pytest.approx(-np.log(1e-12), rel=1e-6)


def test_make_mlp_alternates_linear_layers_and_fresh_activations():
    net = make_mlp([2, 8, 8, 3], activation=ReLU)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear", "Softmax"]
    assert net.layers[1] is not net.layers[3]  # each activation caches its own input
    assert [type(layer).__name__ for layer in make_mlp([1, 4, 1], softmax=False).layers][-1] == "Linear"


def test_best_epoch_stops_after_patience_epochs_without_improvement():
    losses = [1.0, 0.8, 0.9, 0.7, 0.75, 0.76, 0.77, 0.5]
    assert best_epoch(losses) == 8
    assert best_epoch(losses, patience=3) == 4
    assert best_epoch([float("nan"), 1.0]) == 2
