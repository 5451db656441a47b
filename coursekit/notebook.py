"""Growing a class across notebook cells, one method per cell (as in d2l)."""

from __future__ import annotations

from collections.abc import Callable

from .language import translate


def add_to_class(cls: type) -> Callable[[Callable], Callable]:
    """Decorator: ``@add_to_class(Linear)`` above a ``def backward(self, ...)`` attaches it.

    This lets a lesson explain a method in the cell where it is written instead of
    re-defining the whole class every time it grows.
    """
    if not isinstance(cls, type):
        raise TypeError(translate("ui:notebook/not-a-class", "add_to_class expects a class, got "
                                  "{got}; write @add_to_class(Linear), not @add_to_class(Linear()).")
                        .format(got=repr(cls)))

    def attach(function: Callable) -> Callable:
        setattr(cls, function.__name__, function)
        return function

    return attach
