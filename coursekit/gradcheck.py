"""Numerical gradient checking: does ``backward`` agree with finite differences?

Works on any layer, loss or network with the course's interface (students' own
classes included): layers have ``forward(x)`` and ``backward(grad_out)``; losses
have ``forward(prediction, target)`` and ``backward()``. Parameters are found via
``parameters()``/``gradients()`` or as attribute pairs such as ``W``/``dW``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import numpy as np

from .language import translate

STEP = 1e-5  # the h of the centred differences: float64 errs least near eps ** (1/3)

# What a relative error says, in float64 with centred differences (CS231n's rule of thumb):
# below SMOOTH_THRESHOLD the gradient is right; up to KINK_THRESHOLD it is right if the function
# has kinks (ReLU at 0, max) near the point checked; above that, backward has a bug.
SMOOTH_THRESHOLD = 1e-7
KINK_THRESHOLD = 1e-5


# The check in three steps, as lesson 3 builds it: one centred difference, one relative error,
# the worst over the entries. Private and per entry on purpose: a numerical gradient of a whole
# array and the relative error of two arrays are lesson 3's exercises 5 and 6, and the toolkit
# must not answer them (tests/test_no_answers_shipped.py).

def _centred_difference(scalar: Callable[[], float], array: np.ndarray, index: tuple) -> float:
    """(f(x + h e_i) - f(x - h e_i)) / 2h for the entry ``index`` of ``array``, which ``scalar()``
    reads: the entry is nudged in place and put back."""
    original = array[index]
    array[index] = original + STEP
    plus = scalar()
    array[index] = original - STEP
    minus = scalar()
    array[index] = original
    return (plus - minus) / (2 * STEP)


def _relative_error(exact: float, numeric: float) -> float:
    """|a - n| / max(1e-8, |a| + |n|) of one entry (the floor keeps 0 against 0 at 0)."""
    return abs(exact - numeric) / max(1e-8, abs(exact) + abs(numeric))


def _worst_relative_error(scalar: Callable[[], float], array: np.ndarray, analytic: np.ndarray,
                          entries: Iterable[int]) -> float:
    """The largest relative error between ``analytic`` (the gradient of ``scalar()`` with respect
    to ``array``) and centred differences, over the flat ``entries`` of ``array``."""
    if np.shape(analytic) != array.shape:
        raise ValueError(translate("ui:gradcheck/shape", "gradient has shape {got} but the array it "
                                   "belongs to has shape {expected}; they must match.")
                         .format(got=np.shape(analytic), expected=array.shape))
    worst = 0.0
    for flat_index in entries:
        # Index the array itself (not a flattened copy): it may be a non-contiguous view.
        index = np.unravel_index(flat_index, array.shape)
        worst = max(worst, _relative_error(float(analytic[index]), _centred_difference(scalar, array, index)))
    return worst


def _to_float64(obj: object, seen: set[int] | None = None) -> None:
    """Convert every floating-point array held by ``obj`` (recursively) to float64, in place."""
    seen = set() if seen is None else seen
    if id(obj) in seen or not hasattr(obj, "__dict__"):
        return
    seen.add(id(obj))
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            setattr(obj, name, value.astype(np.float64))
        elif isinstance(value, (list, tuple)):
            for item in value:
                _to_float64(item, seen)
        else:
            _to_float64(value, seen)


Getter = Callable[[], np.ndarray]


def _named_parameters(obj: object, prefix: str = "") -> list[tuple[str, Getter, Getter]]:
    """(name, parameter getter, gradient getter) for every parameter of ``obj``.

    Getters, not arrays: a layer may replace its arrays (e.g. ``self.dW = ...``) on backward.
    Attribute pairs such as ``W``/``dW`` come first: they name the parameters as the lessons do,
    and they are read and nudged where they live (``parameters()`` may return copies, e.g. when
    the grader calls a student's layer from outside its sandbox).
    """
    found = []
    for name, value in vars(obj).items() if hasattr(obj, "__dict__") else ():
        if isinstance(value, np.ndarray) and isinstance(getattr(obj, "d" + name, None), np.ndarray):
            found.append((prefix + name, (lambda name=name: getattr(obj, name)),
                          (lambda name=name: getattr(obj, "d" + name))))
    if found:
        return found
    if callable(getattr(obj, "parameters", None)) and callable(getattr(obj, "gradients", None)):
        return [(f"{prefix}param{k}", (lambda k=k: obj.parameters()[k]),
                 (lambda k=k: obj.gradients()[k])) for k in range(len(obj.parameters()))]
    if isinstance(getattr(obj, "layers", None), (list, tuple)):
        return [entry for k, layer in enumerate(obj.layers)
                for entry in _named_parameters(layer, f"{prefix}layers[{k}].")]
    return []


def gradcheck(obj: object, x: np.ndarray, target: np.ndarray | None = None, *, loss: object = None,
              seed: int = 0, max_entries: int = 400,
              input_grad: bool = True) -> dict[str, float]:
    """Relative error between ``obj``'s analytic gradients and centred differences.

    - a layer or net: ``gradcheck(layer, x)`` checks L = sum(forward(x) * G) for a random G;
    - a layer or net with a loss: ``gradcheck(net, x, y, loss=CrossEntropyLoss())``;
    - a loss: ``gradcheck(loss, prediction, target)``.
    Returns {"input": error, "<parameter>": error, ...}: below ``SMOOTH_THRESHOLD`` (1e-7) a
    gradient is right, up to ``KINK_THRESHOLD`` (1e-5) right near a kink, above it wrong.
    ``backward`` must return the gradient
    with respect to the input; a net that deliberately skips it (returns None) is checked with
    ``input_grad=False``, which leaves "input" out. Works on a float64 deep copy, so
    the object you pass is left untouched. Arrays with more than ``max_entries`` entries are
    checked at that many random entries.
    """
    obj, loss = copy.deepcopy(obj), copy.deepcopy(loss)
    for item in (obj, loss):
        if item is not None:
            _to_float64(item)
    x = np.array(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    is_loss = target is not None and loss is None

    if is_loss:
        def scalar() -> float:
            return float(obj.forward(x, target))
        scalar()
        analytic_input = obj.backward()
    else:
        out = obj.forward(x)
        weights = rng.standard_normal(np.shape(out))

        def scalar() -> float:
            result = obj.forward(x)
            return float(loss.forward(result, target)) if loss is not None else float(np.sum(result * weights))
        if loss is not None:
            loss.forward(out, target)
            upstream = loss.backward()
        else:
            upstream = weights
        analytic_input = obj.backward(upstream)

    def entries(array: np.ndarray) -> Iterable[int]:
        if array.size <= max_entries:
            return range(array.size)
        return rng.choice(array.size, max_entries, replace=False).tolist()

    if analytic_input is None and input_grad:
        # Skipping the input gradient would report only the parameters and look like a pass.
        called = "backward()" if is_loss else "backward(grad)"
        raise ValueError(translate(
            "ui:gradcheck/returned-none", "{name}.{called} returned None, so the gradient with respect "
            "to its input cannot be checked. It must return dL/d(input), an array of shape {shape} like "
            "the input: did you forget `return`? (A net that skips it on purpose is checked with "
            "gradcheck(..., input_grad=False).)").format(name=type(obj).__name__, called=called, shape=x.shape))

    errors: dict[str, float] = {}
    if input_grad:
        errors["input"] = _worst_relative_error(scalar, x, np.asarray(analytic_input, float), entries(x))
    params = _named_parameters(obj)
    # Copy every analytic gradient before nudging anything: later forward calls overwrite caches.
    analytic_params = {name: np.array(get_grad(), dtype=float) for name, _, get_grad in params}
    for name, get_param, _ in params:
        param = get_param()
        errors[name] = _worst_relative_error(scalar, param, analytic_params[name], entries(param))
    return errors
