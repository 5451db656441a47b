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
