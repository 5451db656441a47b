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

# A notebook of the Bengali edition prints and draws in Bengali, with a Bengali font
# (edition_output.py, bengali_font.py): applied here, for a notebook that has already imported
# matplotlib (every lesson's set-up cell does, before coursekit), and again by
# coursekit.plotting. English notebooks and plain imports pay nothing.
def _speak_the_edition_language() -> None:
    from . import edition_output

    edition_output.apply()


_speak_the_edition_language()


# In a kernel, an exercise left as nbgrader's stub says which function to write and in which
# cell (unfinished.py), instead of a bare `NotImplementedError:` at the end of a traceback.
def _name_unwritten_exercises() -> None:
    from . import unfinished

    unfinished.install()


_name_unwritten_exercises()
