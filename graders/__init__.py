"""Trusted helpers for the hidden tests; instructor side, never shipped to students.

The hidden tests of the source notebooks (between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``) import what they share from here instead of pasting it into every
test cell: a test must not depend on a name a student can rebind in the notebook, and one
copy cannot drift from another. Helpers that would answer an exercise (a numerical gradient,
a forward pass computed from weights, a softmax) live here and not in ``coursekit``, which
students receive.

``instructor/authoring/student_copy.py`` must not ship this package, and the sandbox does not mount it
(only ``coursekit/`` of the course is visible there: ``tests/test_sandbox.py``), so a submission
cannot import it although the grading environment has it installed (``pip install -e .``).

One concept per module: ``gradients`` (finite differences), ``softmax`` (a reference softmax),
``lab`` (the MNIST lab's honesty check of trained nets).
"""
