"""Every layer, loss and a whole network against centred finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gradcheck import KINK_THRESHOLD, SMOOTH_THRESHOLD, gradcheck
from solutions import (
    CrossEntropyLoss,
    Linear,
    Net,
    ReLU,
    Sigmoid,
    Softmax,
    SquaredErrorLoss,
    Tanh,
    absolute_error,
    absolute_error_grad,
    cross_entropy,
    logistic_loss,
    relative_error,
    squared_error,
    squared_error_grad,
)


def seeded_linear(nin, nout, seed):
    np.random.seed(seed)
    return Linear(nin, nout)


@pytest.mark.parametrize("layer", [seeded_linear(5, 3, 0), Tanh(), Sigmoid(), Softmax()],
                         ids=lambda layer: type(layer).__name__)
def test_smooth_layers_match_finite_differences(layer, rng):
    x = rng.normal(size=(4, 5))
    errors = gradcheck(layer, x)
    assert errors, "gradcheck checked nothing"
    assert max(errors.values()) < SMOOTH_THRESHOLD, errors


def test_linear_checks_its_weights_bias_and_input(rng):
    errors = gradcheck(seeded_linear(5, 3, 0), rng.normal(size=(4, 5)))
    assert set(errors) == {"input", "W", "b"}


def test_relu_matches_away_from_its_kink(rng):
    x = rng.normal(size=(6, 7))
    x[np.abs(x) < 0.1] = 0.5  # finite differences straddling 0 would measure the kink itself
    assert gradcheck(ReLU(), x)["input"] < SMOOTH_THRESHOLD


@pytest.mark.parametrize("loss,prediction,target", [
    (SquaredErrorLoss(), np.array([[0.5], [-1.0], [2.0]]), np.array([[0.0], [0.2], [1.0]])),
    (CrossEntropyLoss(), np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]), np.array([1, 0])),
], ids=lambda v: type(v).__name__ if not isinstance(v, np.ndarray) else "")
def test_losses_match_finite_differences(loss, prediction, target):
    assert gradcheck(loss, prediction, target)["input"] < SMOOTH_THRESHOLD


@pytest.mark.parametrize("loss,gradient,prediction,target", [
    (absolute_error, absolute_error_grad, np.array([[0.5], [-1.0], [2.0]]), np.array([[0.0], [0.0], [1.0]])),
    (squared_error, squared_error_grad, np.array([[0.5], [-1.0], [2.0]]), np.array([[0.0], [0.2], [1.0]])),
], ids=["absolute_error", "squared_error"])
def test_lesson_one_gradients_match_finite_differences(loss, gradient, prediction, target):
    def value():
        return loss(prediction, target)

    numeric = np.zeros_like(prediction)
    for index in np.ndindex(prediction.shape):  # lesson 1 predates the checker of lesson 3
        original = prediction[index]
        prediction[index] = original + 1e-6
        plus = value()
        prediction[index] = original - 1e-6
        minus = value()
        prediction[index] = original
        numeric[index] = (plus - minus) / 2e-6
    assert relative_error(gradient(prediction, target), numeric) < SMOOTH_THRESHOLD


def test_lesson_one_losses_are_finite_and_positive():
    assert logistic_loss(np.array([0.2, 0.7, 0.9]), np.array([0, 1, 0])) > 0
    assert cross_entropy(np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]), np.array([1, 0])) > 0


def test_three_layer_net_with_softmax_cross_entropy(rng):
    net = Net(seeded_linear(4, 8, 1), Tanh(), seeded_linear(8, 6, 2), Sigmoid(), seeded_linear(6, 3, 3),
              Softmax())
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)
    errors = gradcheck(net, x, y, loss=CrossEntropyLoss())
    assert len(errors) == 7  # the input, and W and b of three layers
    assert max(errors.values()) < 1e-6, errors


def test_relu_net_passes_the_looser_kink_threshold(rng):
    net = Net(seeded_linear(4, 8, 1), ReLU(), seeded_linear(8, 3, 2), Softmax())
    errors = gradcheck(net, rng.normal(size=(10, 4)), rng.integers(0, 3, 10), loss=CrossEntropyLoss())
    assert max(errors.values()) < KINK_THRESHOLD, errors


def test_gradcheck_catches_a_wrong_backward(rng):
    class ForgotTheBatchMean(Linear):
        def backward(self, grad):
            result = super().backward(grad)
            self.dW *= 2.0
            return result

    np.random.seed(0)
    errors = gradcheck(ForgotTheBatchMean(3, 2), rng.normal(size=(4, 3)))
    assert errors["W"] > 0.1 and errors["b"] < SMOOTH_THRESHOLD


def test_gradcheck_reads_student_style_attribute_pairs(rng):
    class StudentLinear:  # no parameters()/gradients(): W/dW and b/db pairs, as upstream
        def __init__(self):
            self.W, self.b = rng.normal(size=(2, 3)), np.zeros((1, 2))
            self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

        def forward(self, x):
            self.x = x
            return x @ self.W.T + self.b

        def backward(self, grad):
            self.dW, self.db = grad.T @ self.x, grad.sum(axis=0, keepdims=True)
            return grad @ self.W

    errors = gradcheck(StudentLinear(), rng.normal(size=(5, 3)))
    assert set(errors) == {"input", "W", "b"} and max(errors.values()) < SMOOTH_THRESHOLD


def test_gradcheck_leaves_the_float32_layer_untouched(rng):
    layer = seeded_linear(3, 2, 0)
    before = layer.W.copy()
    gradcheck(layer, rng.normal(size=(4, 3)))
    assert layer.W.dtype == np.float32 and np.array_equal(layer.W, before)


class _Scale:
    """y = c * x, with a backward that is off by ``factor`` (1: right)."""

    def __init__(self, c, factor=1.0):
        self.c, self.factor = c, factor

    def forward(self, x):
        return self.c * x

    def backward(self, grad):
        return self.factor * self.c * grad


def test_the_error_is_relative_so_one_threshold_fits_every_scale(rng):
    x = rng.normal(size=(3, 4))
    for c in (1e-6, 1.0, 1e6):
        assert gradcheck(_Scale(c), x)["input"] < SMOOTH_THRESHOLD
        # |2cg - cg| / (|2cg| + |cg|) = 1/3, whatever the scale c.
        assert gradcheck(_Scale(c, factor=2.0), x)["input"] == pytest.approx(1 / 3, rel=1e-6)


def test_a_non_contiguous_parameter_is_nudged_in_place(rng):
    class ColumnMajor:  # W stored transposed: nudging a flattened copy would measure nothing
        def __init__(self):
            self.W = np.asfortranarray(rng.normal(size=(3, 2)))
            self.dW = np.zeros_like(self.W)

        def forward(self, x):
            self.x = x
            return x @ self.W

        def backward(self, grad):
            self.dW = self.x.T @ grad
            return grad @ self.W.T

    layer = ColumnMajor()
    before = layer.W.copy()
    errors = gradcheck(layer, rng.normal(size=(4, 3)))
    assert set(errors) == {"input", "W"} and errors["W"] < SMOOTH_THRESHOLD, errors
    assert np.array_equal(layer.W, before)  # gradcheck works on a copy


def test_a_gradient_of_the_wrong_shape_is_explained(rng):
    class WrongShape(_Scale):
        def backward(self, grad):
            return grad.T

    with pytest.raises(ValueError, match=r"gradient has shape \(4, 3\) but the array it belongs "
                                         r"to has shape \(3, 4\)"):
        gradcheck(WrongShape(1.0), rng.normal(size=(3, 4)))



def test_gradcheck_refuses_a_backward_that_returns_nothing():
    from coursekit import gradcheck
    from solutions import Linear

    class ForgotReturn(Linear):
        def backward(self, grad):
            super().backward(grad)  # stores dW and db, but returns nothing

    with pytest.raises(ValueError, match=r"returned None.*did you forget `return`"):
        gradcheck(ForgotReturn(3, 2), np.ones((4, 3)))


def test_a_first_layer_without_input_grad_skips_only_dx(rng):
    # The same parameter gradients as a net that computes dL/dx, and no dL/dx: what PyTorch does
    # for data with requires_grad=False.
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)
    computed = {}
    for input_grad in (True, False):
        net = Net(seeded_linear(4, 8, 1), ReLU(), seeded_linear(8, 3, 2), Softmax())
        net.layers[0].input_grad = input_grad
        loss = CrossEntropyLoss()
        loss.forward(net.forward(x), y)
        computed[input_grad] = net.backward(loss.backward()), net.gradients()
    (dx, with_dx), (nothing, without_dx) = computed[True], computed[False]
    assert dx.shape == x.shape and nothing is None
    assert all(np.array_equal(a, b) for a, b in zip(with_dx, without_dx))
    assert Linear.input_grad is True  # every other layer, and a layer made without __init__


def test_a_net_that_skips_its_input_gradient_is_checked_without_it(rng):
    net = Net(seeded_linear(4, 8, 1), Tanh(), seeded_linear(8, 3, 2), Softmax())
    net.layers[0].input_grad = False
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)
    with pytest.raises(ValueError, match="returned None"):
        gradcheck(net, x, y, loss=CrossEntropyLoss())
    errors = gradcheck(net, x, y, loss=CrossEntropyLoss(), input_grad=False)
    assert "input" not in errors and len(errors) == 4
    assert max(errors.values()) < SMOOTH_THRESHOLD, errors
