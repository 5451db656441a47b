"""Grading: every notebook in its own sandbox, judged outside it, recorded with nbgrader."""
