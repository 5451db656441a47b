"""Students get every quiz packed, so that expanding its collapsed cell does not give it away.

Authors write a quiz readably in the source notebook (``show_quiz(quiz_id, [questions...])``,
coursekit/quiz.py). When nbgrader generates the student version (``python -m instructor build``,
``nbgrader generate_assignment``, and the Bengali edition's build), ``PackQuizzes`` replaces the
list of questions by the string ``coursekit.quiz.pack`` makes of it, which ``show_quiz`` unpacks
when the cell runs:

    show_quiz("01_loss_functions/quiz-pre", (
        "eJyVVk1v2zAM/Su..."
    ), title="Before we start");

This keeps the right answers and the feedback out of sight, not secret: the quizzes are not
graded, and anyone can unpack them. The gradebook stores the packed cell (this runs before
nbgrader's checksums), so autograding restores and checks the cell students have.
"""

from __future__ import annotations

import ast

from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit.quiz import pack, validate

#: Characters of the packed string per line: the cell stays as wide as the course's code.
LINE = 88


def _quiz_calls(tree: ast.Module) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "show_quiz" and len(node.args) >= 2]


def packed_source(source: str) -> str:
    """``source`` with the question list of its ``show_quiz`` call packed (unchanged without one,
    or when it is packed already). A malformed quiz is refused with coursekit's message."""
    calls = [call for call in _quiz_calls(ast.parse(source)) if isinstance(call.args[1], ast.List)]
    if not calls:
        return source
    # The syntax tree counts columns in UTF-8 bytes: splice the bytes.
    data = source.encode("utf-8")
    starts = [0]
    for line in data.split(b"\n"):
        starts.append(starts[-1] + len(line) + 1)
    for call in sorted(calls, key=lambda c: (c.args[1].lineno, c.args[1].col_offset), reverse=True):
        quiz_id = ast.literal_eval(call.args[0])
        questions = ast.literal_eval(call.args[1])
        validate(quiz_id, questions)
        packed = pack(questions)
        lines = "".join(f'    "{packed[i:i + LINE]}"\n' for i in range(0, len(packed), LINE))
        node = call.args[1]
        begin = starts[node.lineno - 1] + node.col_offset
        end = starts[node.end_lineno - 1] + node.end_col_offset
        data = data[:begin] + f"(\n{lines})".encode() + data[end:]
    return data.decode("utf-8")


class PackQuizzes(NbGraderPreprocessor):
    """Pack the questions of every quiz cell (see the module's docstring)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "show_quiz(" in cell.source:
            cell.source = packed_source(cell.source)
        return cell, resources
