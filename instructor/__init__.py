"""Instructor tools for autograding the course with nbgrader, without an exchange server.

``python -m instructor --help`` lists the commands (collect, autograde, feedback, export,
report); ``docs/instructor-lab.md`` walks through a whole round. The nbgrader preprocessors
that defend the grading against tampering are in ``instructor.preprocessors``.
"""
