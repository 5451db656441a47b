"""The student toolkit of the course: data, plots, gradient checks, progress bars.

Everything here ships with the student notebooks and contains no exercise answers
(the answer key lives in ``solutions/``, which students never receive).
"""

from .datasets import (
                       make_blobs,
                       make_circles,
                       make_moons,
                       make_regression_1d,
                       make_two_class,
                       make_xor,
                       train_val_split,
)
from .gradcheck import gradcheck
from .mnist import load_mnist
from .notebook import add_to_class
from .progress import progress_bar

__all__ = [
    "add_to_class", "gradcheck", "load_mnist", "make_blobs", "make_circles", "make_moons",
    "make_regression_1d", "make_two_class", "make_xor", "progress_bar", "train_val_split",
]

# A Bengali notebook's plots need a Bengali font (bengali_font.py); applied here when the
# notebook has already imported matplotlib (every lesson's set-up cell does, before coursekit),
# and by coursekit.plotting otherwise. English notebooks and plain imports pay nothing.
def _bengali_plots_if_needed() -> None:
    import sys

    from . import language

    if "matplotlib" in sys.modules and language.current() == "bn":
        from .bengali_font import use_bengali_font

        use_bengali_font()


_bengali_plots_if_needed()
