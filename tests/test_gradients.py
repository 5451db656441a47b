"""Every layer, loss and a whole network against centred finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gradcheck import KINK_THRESHOLD, SMOOTH_THRESHOLD, gradcheck, relative_error
from solutions import (
    AbsoluteErrorLoss,
    CrossEntropyLoss,
    Linear,
    LogisticLoss,
    Net,
    ReLU,
    Sigmoid,
    Softmax,
    SquaredErrorLoss,
    Tanh,
)


@pytest.mark.parametrize("layer", [Linear(5, 3, rng=0), Tanh(), Sigmoid(), Softmax()],
                         ids=lambda layer: type(layer).__name__)
def test_smooth_layers_match_finite_differences(layer, rng):
    x = rng.normal(size=(4, 5))
    errors = gradcheck(layer, x)
    assert errors, "gradcheck checked nothing"
    assert max(errors.values()) < SMOOTH_THRESHOLD, errors


def test_linear_checks_its_weights_bias_and_input(rng):
    errors = gradcheck(Linear(5, 3, rng=0), rng.normal(size=(4, 5)))
    assert set(errors) == {"input", "param0", "param1"}


def test_relu_matches_away_from_its_kink(rng):
    x = rng.normal(size=(6, 7))
    x[np.abs(x) < 0.1] = 0.5  # finite differences straddling 0 would measure the kink itself
    assert gradcheck(ReLU(), x)["input"] < SMOOTH_THRESHOLD


@pytest.mark.parametrize("loss,prediction,target", [
    (AbsoluteErrorLoss(), np.array([[0.5], [-1.0], [2.0]]), np.array([[0.0], [0.0], [1.0]])),
    (SquaredErrorLoss(), np.array([[0.5], [-1.0], [2.0]]), np.array([[0.0], [0.2], [1.0]])),
    (LogisticLoss(), np.array([0.2, 0.7, 0.9]), np.array([0, 1, 0])),
    (CrossEntropyLoss(), np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]), np.array([1, 0])),
], ids=lambda v: type(v).__name__ if not isinstance(v, np.ndarray) else "")
def test_losses_match_finite_differences(loss, prediction, target):
    assert gradcheck(loss, prediction, target)["input"] < SMOOTH_THRESHOLD


def test_three_layer_net_with_softmax_cross_entropy(rng):
    net = Net(Linear(4, 8, rng=1), Tanh(), Linear(8, 6, rng=2), Sigmoid(), Linear(6, 3, rng=3),
              Softmax())
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)
    errors = gradcheck(net, x, y, loss=CrossEntropyLoss(), input_grad=False)
    assert len(errors) == 6  # W and b of three layers; the first layer skips the input gradient
    assert max(errors.values()) < 1e-6, errors


def test_relu_net_passes_the_looser_kink_threshold(rng):
    net = Net(Linear(4, 8, rng=1), ReLU(), Linear(8, 3, rng=2), Softmax())
    errors = gradcheck(net, rng.normal(size=(10, 4)), rng.integers(0, 3, 10), loss=CrossEntropyLoss(),
                       input_grad=False)
    assert max(errors.values()) < KINK_THRESHOLD, errors


def test_gradcheck_catches_a_wrong_backward(rng):
    class ForgotTheBatchMean(Linear):
        def backward(self, grad_out, input_grad=True):
            result = super().backward(grad_out, input_grad)
            self.dW *= 2.0
            return result

    errors = gradcheck(ForgotTheBatchMean(3, 2, rng=0), rng.normal(size=(4, 3)))
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
    layer = Linear(3, 2, rng=0)
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


def test_gradcheck_refuses_a_backward_that_returns_nothing():
    from coursekit import gradcheck
    from solutions import Linear

    class ForgotReturn(Linear):
        def backward(self, grad):
            super().backward(grad)  # stores dW and db, but returns nothing

    with pytest.raises(ValueError, match=r"returned None.*did you forget `return`"):
        gradcheck(ForgotReturn(3, 2), np.ones((4, 3)))
