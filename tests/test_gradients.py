"""Every layer, loss and a whole network against centred finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gradcheck import KINK_THRESHOLD, SMOOTH_THRESHOLD, gradcheck, relative_error
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
    assert set(errors) == {"input", "param0", "param1"}


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
    assert errors["param0"] > 0.1 and errors["param1"] < SMOOTH_THRESHOLD


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


def test_relative_error_is_scale_free():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a * 1e6, a * 1e6 * (1 + 1e-9)) == pytest.approx(relative_error(a, a * (1 + 1e-9)))


def test_numerical_gradient_works_on_a_transposed_view():
    from coursekit.gradcheck import numerical_gradient

    base = np.arange(6, dtype=np.float64).reshape(2, 3)
    view = base.T  # not contiguous: a flattened copy would never be nudged
    grad = numerical_gradient(lambda: float(np.sum(view**2)), view)
    np.testing.assert_allclose(grad, 2 * view, rtol=1e-8)
    assert np.array_equal(base, np.arange(6).reshape(2, 3))  # restored
