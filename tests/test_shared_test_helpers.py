"""The helpers the notebooks' test cells share (coursekit.grading.agrees, coursekit.stand_ins,
coursekit.trained_nets, graders/): each one tested against the mistakes and attacks it exists for.

The notebook tests (test_notebooks.py) prove the helpers work in the test cells; these tests pin
down the behaviour the messages rely on, in milliseconds.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from coursekit.grading import agrees
from coursekit.stand_ins import Scale, Shift
from coursekit.trained_nets import check_trained_net, read_layers
from graders.gradients import FLOAT32_THRESHOLD, SMOOTH_THRESHOLD, numeric_gradient, relative_error
from graders.lab import check_graded_net, forward_from_weights
from graders.softmax import reference_softmax
from solutions import Linear, Net, ReLU, Softmax, Tanh

# --- coursekit.grading.agrees -------------------------------------------------------------------

def test_agrees_recognises_a_slip_and_never_raises():
    assert agrees([[1.0, 2.0]], np.array([[1.0, 2.0 + 1e-12]]))
    assert not agrees([[1.0, 2.0]], [[1.0, 2.1]])
    assert not agrees(np.ones((2, 3)), np.ones((3, 2)))      # a transposed answer is a different slip
    assert not agrees(None, 1.0)
    assert not agrees("not numbers", 1.0)
    assert not agrees([[1.0], [2.0, 3.0]], [1.0])             # ragged
    assert agrees(float("inf"), float("inf"))
    assert not agrees(float("nan"), 1.0)


def test_agrees_takes_the_tolerance_of_the_call():
    assert not agrees(1.0, 1.0 + 1e-9, rtol=0, atol=1e-12)
    assert agrees(1.0, 1.0 + 1e-9, rtol=1e-7)


# --- coursekit.stand_ins --------------------------------------------------------------------------

def test_stand_in_layers_record_their_calls_and_compute_their_gradient():
    log = []
    shift, scale = Shift(1.0, log, "shift"), Scale([[2.0, 3.0]], log, "scale")
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    out = scale.forward(shift.forward(x))
    assert np.array_equal(out, (x + 1.0) * [[2.0, 3.0]])
    grad = np.array([[1.0, 1.0], [2.0, -1.0]])
    dx = shift.backward(scale.backward(grad))
    assert np.array_equal(dx, grad * [[2.0, 3.0]])
    assert np.array_equal(scale.ds, (grad * (x + 1.0)).sum(axis=0, keepdims=True))
    assert log == [("forward", "shift"), ("forward", "scale"), ("backward", "scale"), ("backward", "shift")]
    scale.update(0.5)
    assert np.allclose(scale.s, [[2.0, 3.0]] - 0.5 * scale.ds)


def test_scale_takes_a_gradient_set_by_hand_and_records_nothing_without_a_log():
    layer = Scale([[1.0, 1.0]], ds=[[0.5, -1.0]])
    layer.update(0.1)
    assert np.allclose(layer.s, [[0.95, 1.1]])
    assert Shift(2.0).forward(np.zeros((1, 2))).tolist() == [[2.0, 2.0]]


# --- coursekit.trained_nets and graders.lab --------------------------------------------------------

def _net(*layers):
    net = Net()
    for layer in layers:
        net.add(layer)
    return net


@pytest.fixture(scope="module")
def trained_net():
    from coursekit import load_mnist
    x_train, y_train, _, _ = load_mnist()
    np.random.seed(0)
    net = _net(Linear(784, 32), Tanh(), Linear(32, 10), Softmax())
    from solutions import CrossEntropyLoss, train_epoch
    train_epoch(net, x_train, y_train, CrossEntropyLoss(), batch_size=64, lr=0.2, rng=0)  # ~89 %
    return net


def test_a_trained_net_passes_what_the_grader_measures(trained_net, capsys):
    assert check_trained_net("net", n_linear=2, min_accuracy=0.85, net=trained_net) is trained_net
    # The student sees the accuracy measured next to what the grader wants, not just silence.
    assert re.fullmatch(r"net: (\d+\.\d) % on your 1000 test digits; the grader wants 85 % "
                        r"\(on digits of its own\)\.\n", capsys.readouterr().out)
    check_graded_net("net", trained_net, n_linear=2, min_accuracy=0.85)


def test_the_visible_check_says_what_the_grader_will_want(trained_net):
    np.random.seed(0)
    untrained = _net(Linear(784, 10), Softmax())
    with pytest.raises(AssertionError, match=r"net1 on your 1000 test digits of load_mnist\(\): the "
                                             r"grader will want 85 %; yours is \d+\.\d %"):
        check_trained_net("net1", n_linear=1, min_accuracy=0.85, net=untrained)
    with pytest.raises(AssertionError, match=r"net1 on the 1000 held-out test digits the grader uses: the "
                                             r"grader will want 85 %; yours is \d+\.\d %"):
        check_graded_net("net1", untrained, n_linear=1, min_accuracy=0.85)


@pytest.mark.parametrize("layers, message", [
    (lambda: [Linear(784, 32), Tanh(), Linear(32, 10)], "should end with a Softmax"),
    (lambda: [Linear(784, 32), Linear(32, 10), Softmax()], "nothing between them"),
    (lambda: [Linear(784, 10), Softmax()], "must have exactly 2 Linear"),
    (lambda: [Linear(784, 32), ReLU(), Linear(16, 10), Softmax()], "do not lead from 784 pixels"),
])
def test_the_visible_check_explains_a_wrong_architecture(layers, message):
    with pytest.raises(AssertionError, match=message):
        check_trained_net("net2", n_linear=2, min_accuracy=0.5, net=_net(*layers()))


def test_a_missing_net_is_explained():
    with pytest.raises(AssertionError, match="net2 is missing. Run the cell that builds and trains it"):
        check_trained_net("net2", n_linear=2, min_accuracy=0.88, namespace={})


def test_a_forward_that_looks_the_answers_up_passes_the_visible_check_but_not_the_grader(trained_net):
    """The attack the hidden check exists for: predictions read from the labels, not computed."""
    from coursekit import load_mnist
    _, _, x_test, y_test = load_mnist()
    answers = {x.tobytes(): label for x, label in zip(x_test, y_test)}

    class LookUp(Net):
        def forward(self, x):
            labels = [answers.get(row.tobytes(), 0) for row in np.asarray(x)]
            return np.eye(10)[labels]

    cheat = LookUp()
    for layer in trained_net.layers[:1] + [Tanh(), Linear(32, 10), Softmax()]:
        cheat.add(layer)
    check_trained_net("net", n_linear=2, min_accuracy=0.99, net=cheat)
    with pytest.raises(AssertionError, match="disagrees with the forward pass computed from its weights"):
        check_graded_net("net", cheat, n_linear=2, min_accuracy=0.85)


def test_the_grader_refuses_layers_it_cannot_recompute(trained_net):
    class Dropout:
        def forward(self, x):
            return x
    net = SimpleNamespace(layers=[*trained_net.layers[:2], Dropout(), *trained_net.layers[2:]])
    with pytest.raises(AssertionError, match="graded nets may only use Linear, Tanh, ReLU, Sigmoid"):
        forward_from_weights(read_layers("net", net), np.zeros((1, 784)))


def test_the_grader_measures_digits_of_its_own_in_the_form_students_have_theirs():
    from coursekit import load_mnist
    from graders.lab import graded_digits
    x, y = graded_digits()
    _, _, x_test, y_test = load_mnist()
    assert (x.dtype, x.shape[1:], y.dtype) == (x_test.dtype, x_test.shape[1:], y_test.dtype)
    assert x.min() == 0.0 and x.max() == 1.0 and set(np.unique(y)) == set(range(10))
    assert not x.flags.writeable  # one test cannot change them for the next


# --- graders.gradients and graders.softmax -------------------------------------------------------

def test_numeric_gradient_matches_a_known_derivative_and_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    before = x.copy()
    grad = numeric_gradient(lambda v: float(np.sum(v ** 3)), x)
    assert np.allclose(grad, 3 * before ** 2, atol=1e-8)
    assert np.array_equal(x, before)


def test_numeric_gradient_works_in_float64_on_a_float32_input():
    # Nudging float32 entries by 1e-6 would lose the step to rounding (lesson 3's old figure).
    x = np.array([[0.3, -1.7, 2.2]], dtype=np.float32)
    grad = numeric_gradient(lambda v: float(np.sum(np.sin(v))), x)
    assert grad.dtype == np.float64 and x.dtype == np.float32
    assert relative_error(np.cos(x.astype(np.float64)), grad) < SMOOTH_THRESHOLD


def test_relative_error_separates_right_from_wrong_gradients_at_the_thresholds():
    rng = np.random.default_rng(5)
    z, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    right = G * (1 - np.tanh(z) ** 2)
    numeric = numeric_gradient(lambda v: float(np.sum(np.tanh(v) * G)), z)
    assert relative_error(right, numeric) < SMOOTH_THRESHOLD / 10
    for wrong in (2 * right, -right, right / 4, G * (1 - np.tanh(z)), right.T.reshape(4, 3)):
        assert relative_error(wrong, numeric) > 1e-3
    assert relative_error(right.astype(np.float32), numeric) < FLOAT32_THRESHOLD
    assert relative_error(np.full((4, 3), np.nan), numeric) == float("inf")


def test_relative_error_is_not_fooled_by_saturated_entries():
    # Losses of 15 and 125 with true gradients as small as 1e-13: there, the finite differences'
    # rounding noise is the whole entry. Entry by entry (lesson 3's definition) a right answer
    # measures 5e-6, above the threshold; over the array it measures 1e-9.
    scores = np.array([[0.0, 30.0, 0.0], [250.0, 0.0, 1.0]])
    y = np.array([0, 1])

    def loss(s):
        shifted = s - s.max(axis=1, keepdims=True)
        return float(-(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))[np.arange(2), y].mean())
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    right, numeric = (p - np.eye(3)[y]) / 2, numeric_gradient(loss, scores)
    entry_by_entry = np.max(np.abs(right - numeric) / np.maximum(1e-8, np.abs(right) + np.abs(numeric)))
    assert entry_by_entry > SMOOTH_THRESHOLD > relative_error(right, numeric)


def test_relative_error_of_a_wrong_shape_names_both_shapes():
    with pytest.raises(AssertionError, match=r"dW: expected shape \(2, 3\), got \(3, 2\)"):
        relative_error(np.ones((3, 2)), np.ones((2, 3)), "dW")


def test_reference_softmax_is_stable_and_rows_sum_to_one():
    z = np.array([[1000.0, 1001.0], [-800.0, -801.0], [0.0, 0.0]])
    p = reference_softmax(z)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(p[0], [1 / (1 + np.e), np.e / (1 + np.e)])
    assert np.allclose(p[2], [0.5, 0.5])


def test_scores_for_gives_scores_whose_softmax_is_the_probabilities():
    from coursekit.grading import scores_for
    p = np.array([[0.1, 0.2, 0.7], [0.25, 0.25, 0.5]])
    for constants in ([0.0, 0.0], [3.0, -2.0], [1000.0, -1000.0]):
        z = scores_for(p, constants)
        assert z.shape == p.shape
        assert np.allclose(reference_softmax(z), p, rtol=1e-10)


# --- the notebooks use them: no helper is pasted into two test cells ------------------------------

def _graded_test_cells():
    import nbformat
    from notebook_course import ROOT
    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                yield f"{path.parent.name}/{path.name}::{meta['grade_id']}", cell.source


def test_no_test_cell_pastes_a_helper_another_test_cell_defines():
    """A function or class written out in two test cells belongs in coursekit or graders/."""
    import ast
    seen: dict[str, str] = {}
    pasted = []
    for where, source in _graded_test_cells():
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                code = ast.dump(node)
                if code in seen and seen[code] != where:
                    pasted.append(f"{node.name} in {where} and {seen[code]}")
                seen.setdefault(code, where)
    assert not pasted, ("helpers pasted into several test cells (import them from coursekit, or "
                        "from graders/ in hidden tests): " + "; ".join(pasted))
