"""Checks for the notebooks' test cells: clear messages, honest comparisons.

Design notes (why it looks like this):
- Every comparison uses references bound when this module is first imported (in the
  notebook's first, locked cell), so a notebook that later replaces ``np.allclose`` or
  ``math.isclose`` cannot change what the tests compute. Test cells re-import the names
  they use, so rebinding ``check_close`` in the notebook's namespace does not help either.
- Messages are the notebook's language (coursekit/language.py): the test cells are the same
  code in both editions, so a message is translated here, when it is raised.
- ``quiet()`` hides warnings raised by student code under test: nbgrader scores a test cell 0
  when anything reaches stderr, and a correct answer that warns must not lose points.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .error_display import RED, line_in_a_cell, wrapped
from .language import translate, translate_message


class CheckFailed(AssertionError):
    """A check that failed: its message is the hint, shown first and alone.

    Python's traceback would put the hint last, under the frames of this module, which tell a
    student nothing (and nbgrader's Validate dialog shows the whole test cell above it). IPython
    shows what ``_render_traceback_`` returns instead: the hint, then the line of the test cell
    that failed. An AssertionError still, so ``except AssertionError`` and pytest see it as one.
    """

    def _render_traceback_(self) -> list[str]:
        lines = wrapped(str(self), RED)
        where = line_in_a_cell(self.__traceback__)
        if where is not None:
            lines += [""] + wrapped(translate("ui:grading/failed-at", "(the check that failed: line "
                                              "{line} of this cell, `{code}`)").format(line=where[0], code=where[1]))
        return lines


# Bound once, at import: later monkeypatching of numpy or math does not reach these.
_array = np.array
_errstate = np.errstate
_isfinite = math.isfinite
_NUMPY_FUNCTIONS = ("allclose", "isclose", "array_equal", "abs", "max", "min", "sum", "mean",
                    "exp", "log", "argmax", "all", "any", "isfinite", "asarray", "array")
_NUMPY_SNAPSHOT = {name: getattr(np, name) for name in _NUMPY_FUNCTIONS}
_TESTING_SNAPSHOT = {name: getattr(np.testing, name) for name in ("assert_allclose", "assert_array_equal")}


def check_untampered() -> None:
    """Fail if the notebook replaced NumPy functions that tests and students rely on."""
    for name, original in _NUMPY_SNAPSHOT.items():
        if getattr(np, name, None) is not original:
            raise CheckFailed(translate(
                "ui:grading/numpy-replaced", "numpy.{name} was replaced in this notebook; graded tests "
                "do not run on a modified NumPy. Remove the assignment and restart the kernel.").format(name=name))
    for name, original in _TESTING_SNAPSHOT.items():
        if getattr(np.testing, name, None) is not original:
            raise CheckFailed(translate(
                "ui:grading/testing-replaced", "numpy.testing.{name} was replaced in this notebook; "
                "remove the assignment and restart the kernel.").format(name=name))


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run student code without letting warnings reach stderr (nbgrader scores stderr as 0)."""
    with warnings.catch_warnings(), _errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _as_float_list(value: Any, what: str) -> tuple[tuple[int, ...], list[float]]:
    try:
        array = _array(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise CheckFailed(translate("ui:grading/not-numbers", "{what}: expected numbers, got {kind} ({error}).")
                             .format(what=translate_message(what), kind=type(value).__name__, error=error)) from None
    return tuple(array.shape), array.reshape(-1).tolist()


def _wrong_shape(what: str, expected: tuple, got: tuple, hint: str) -> str:
    return translate("ui:grading/shape", "{what}: expected shape {expected}, got {got}. {hint}").format(
        what=translate_message(what), expected=expected, got=got, hint=translate_message(hint)).rstrip()


def check_shape(actual: Any, expected: Sequence[int], what: str, hint: str = "") -> None:
    check_untampered()
    shape = tuple(getattr(actual, "shape", ()))
    if shape != tuple(expected):
        raise CheckFailed(_wrong_shape(what, tuple(expected), shape, hint))


def check_close(actual: Any, expected: Any, what: str, hint: str = "", rtol: float = 1e-5,
                atol: float = 1e-8) -> None:
    """Assert ``actual`` equals ``expected`` (same shape, elementwise within tolerance).

    The comparison runs in plain Python floats on the values themselves.
    """
    check_untampered()
    if actual is None:
        raise CheckFailed(translate("ui:grading/none", "{what}: got None. Did you forget to return the result?")
                             .format(what=translate_message(what)))
    expected_shape, expected_values = _as_float_list(expected, what)
    actual_shape, actual_values = _as_float_list(actual, what)
    if actual_shape != expected_shape:
        raise CheckFailed(_wrong_shape(what, expected_shape, actual_shape, hint))
    worst, worst_at = 0.0, -1
    for k, (a, e) in enumerate(zip(actual_values, expected_values)):
        if not _isfinite(a):
            if a == e:
                continue
            raise CheckFailed(translate(
                "ui:grading/not-finite", "{what}: got {got} at flat index {index}, expected {expected}. "
                "Look for an overflow (e.g. exp of a large number) or a log of 0. {hint}").format(
                    what=translate_message(what), got=a, index=k, expected=e,
                    hint=translate_message(hint)).rstrip())
        error = abs(a - e)
        if error > atol + rtol * abs(e) and error > worst:
            worst, worst_at = error, k
    if worst_at >= 0:
        raise CheckFailed(translate(
            "ui:grading/wrong-values", "{what}: wrong values, e.g. {got} at flat index {index} where "
            "{expected} was expected. {hint}").format(
                what=translate_message(what), got=f"{actual_values[worst_at]:.6g}", index=worst_at,
                expected=f"{expected_values[worst_at]:.6g}", hint=translate_message(hint)).rstrip())


def agrees(actual: Any, expected: Any, rtol: float = 1e-7, atol: float = 1e-10) -> bool:
    """Whether ``actual`` equals ``expected`` within tolerance, as ``check_close`` decides; never raises.

    For recognising a known mistake: ``if agrees(answer, what_the_slip_gives): hint = ...``.
    None, a wrong shape or something that is not numbers counts as "does not agree".
    """
    try:
        check_close(actual, expected, "", rtol=rtol, atol=atol)
    except AssertionError:
        return False
    return True


def scores_for(probabilities: Any, row_constants: Any = 0.0) -> np.ndarray:
    """Scores whose softmax is exactly ``probabilities``: log p + c, with a constant c per row.

    Lets a softmax test know its expected output without computing a softmax itself (softmax
    does not change when a constant is added to a whole row, and undoes the log).
    """
    log_p = np.log(_array(probabilities, dtype=float))
    return log_p + np.reshape(_array(row_constants, dtype=float), (-1, 1))


def check(condition: bool, message: str) -> None:
    """``assert`` that also refuses to run on a tampered NumPy, with a message for the student."""
    check_untampered()
    if not bool(condition):
        raise CheckFailed(translate_message(message))


def check_raises(error: type[BaseException], function: Callable[[], Any], message: str) -> None:
    check_untampered()
    try:
        with quiet():
            function()
    except error:
        return
    raise CheckFailed(translate_message(message))


# Set by the autograder's judge while it runs a test cell outside the student's process.
_notebook_runner: Callable[[Callable[..., Any], tuple, dict], Any] | None = None


def in_notebook(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, run where the student's code lives; returns its result.

    For the part of a test that needs the notebook's own state: NumPy's global generator seeded
    for the student's code, an object made without its ``__init__``, a function that reads an
    array the student's code changes in place. In the student's kernel this is an ordinary
    call. The autograder runs test cells outside the student's process: there, ``function``'s
    source is run in the notebook, and its arguments and result travel as data (arrays are
    copies, student objects come back as proxies), so the test still decides on what it
    computes itself. ``function`` must be defined at the top level of the test cell and import
    what it uses (``import numpy as np`` inside it); the notebook's names are its globals.
    """
    if _notebook_runner is None:
        return function(*args, **kwargs)
    return _notebook_runner(function, args, kwargs)


def call_in_notebook(target: Any, method: str | None, *args: Any, **kwargs: Any) -> tuple[Any, list]:
    """``target.method(*args, **kwargs)`` (``target(...)`` when ``method`` is None), run where the
    student's code lives: ``(its result, the arguments as they are after the call)``.

    For a test that must see what the call did to its arguments (an input that must be left
    alone, a parameter that must change in place). The autograder hands student code copies of
    a test's arrays, and what student code does to a copy never reaches the test's own arrays,
    so such a test compares the arguments returned here with copies it kept::

        y, (x_after,) = call_in_notebook(layer, "forward", x)
        check_close(x_after, x_before, "x after forward")
    """
    return in_notebook(_call_and_arguments, target, method, list(args), dict(kwargs))


def _call_and_arguments(target, method, args, kwargs):
    function = target if method is None else getattr(target, method)
    return function(*args, **kwargs), args


def bare_instance(cls: type, **attributes: Any) -> Any:
    """An instance of the student's ``cls`` with only ``attributes`` set, made in the notebook
    without calling its ``__init__``: a test of one method then does not depend on another
    exercise being right (``bare_instance(Linear, W=W, b=b).forward(x)``)."""
    return in_notebook(_bare_instance, cls, **attributes)


def _bare_instance(cls, **attributes):
    instance = object.__new__(cls)
    for name, value in attributes.items():
        setattr(instance, name, value)
    return instance


def failure(message: str) -> CheckFailed:
    """The AssertionError a test raises itself (``raise failure(f"...") from None``), with its
    message in the notebook's language, as ``check`` would give it."""
    return CheckFailed(translate_message(message))


def passed() -> None:
    """The last line of a test cell's visible checks: one line saying that they passed (a cell
    that passes would otherwise show nothing, and a student cannot tell it ran)."""
    print(translate("ui:grading/passed", "✓ Visible checks passed (the grader also runs hidden tests "
                    "on other sizes, seeds and data)."))
