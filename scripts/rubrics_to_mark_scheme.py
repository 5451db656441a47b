"""Put each written question's rubric where formgrader shows it to the grader, and only there.

nbgrader shows the grader the student's notebook: a rubric inside the solution region of the
answer cell is replaced by the student's answer, so formgrader never shows it. nbgrader's
marking-scheme regions (``BEGIN MARK SCHEME`` / ``END MARK SCHEME``) are removed from the
student version by ``generate_assignment`` (its ClearMarkScheme preprocessor); in a locked cell
with a ``grade_id`` the whole source, rubric included, is kept in the gradebook and restored
when autograding (OverwriteCells), so formgrader and the feedback show it. nbgrader only
complains about mark-scheme regions outside "task" cells, hence
``c.ClearMarkScheme.enforce_metadata = False`` in nbgrader_config.py.

This script moves the rubric and model answer of every manually graded markdown answer cell
(``### BEGIN SOLUTION`` region starting with ``**Rubric``) into the locked question cell just
before it, between HTML-comment delimiters that render as nothing. Idempotent, keyed by
grade_id: run it again after editing, then ``nbgrader generate_assignment <assignment> --force``.

    python scripts/rubrics_to_mark_scheme.py source/lab/mnist_lab.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

BEGIN, END = "<!-- BEGIN MARK SCHEME (graders only: removed from the student version) -->", "<!-- END MARK SCHEME -->"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
POINTER = ("*Rubric and model answer: in the question cell above, between the MARK SCHEME "
           "markers (formgrader shows them to graders; students never get them).*")


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def move_rubrics(nb) -> list[str]:
    """Move rubrics into the question cells; returns the grade_ids of the answers changed."""
    moved = []
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if not (cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade")):
            continue
        lines = cell.source.split("\n")
        if SOLUTION_BEGIN not in lines or SOLUTION_END not in lines:
            continue
        start, end = lines.index(SOLUTION_BEGIN), lines.index(SOLUTION_END)
        region = lines[start + 1:end]
        if not region or not region[0].startswith("**Rubric"):
            continue  # already moved, or not a rubric
        question = nb.cells[index - 1] if index else None
        if question is None or question.cell_type != "markdown" or not _meta(question).get("locked") \
                or not _meta(question).get("grade_id"):
            raise SystemExit(f"{meta.get('grade_id')}: the cell before it must be a locked markdown "
                             "question cell with a grade_id, to hold the rubric")
        question.source = "\n".join([question.source.rstrip("\n"), BEGIN, *region, END])
        cell.source = "\n".join(lines[:start + 1] + [POINTER] + lines[end:])
        moved.append(meta.get("grade_id"))
    return moved


def main(paths: list[str]) -> int:
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        moved = move_rubrics(nb)
        if moved:
            nbformat.write(nb, path)
        print(f"{path}: {', '.join(moved) or 'nothing to move'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(p) for p in sorted(Path("source").glob("*/*.ipynb"))]))
