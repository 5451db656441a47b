"""The committed student versions are exactly what nbgrader generates, and give nothing away.

- Every source notebook has a committed student version and vice versa; the committed release
  folders (``lessons/lesson1/`` ... ``lessons/lesson5/``, ``lab/``, including files such as ``lab/README.md``) equal a fresh
  ``nbgrader generate_assignment`` (only trailing whitespace is forgiven).
- Student versions contain no solution or hidden-test markers, no line of an answer or a hidden
  test (lines the source shows openly elsewhere, and trivial lines such as ``return x``, are not
  secrets), and no import of the answer key ``solutions``. (Answers of *later* notebooks are
  compared function by function in test_no_answers_shipped.py: single lines such as
  ``layer.update(lr)`` recur legitimately across lessons.)
"""

from __future__ import annotations

import notebook_course as nc
import pytest

from instructor.authoring import layout

ASSIGNMENTS = nc.assignments()


def _regenerate(assignment: str) -> str:
    return (f"Regenerate the student version from the repository root: "
            f"`nbgrader generate_assignment {assignment} --force`, then commit {layout.student_folder(assignment)}/.")


# --- 4. Committed student versions are current ----------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_source_notebook_has_a_student_version_and_vice_versa(assignment):
    sources = {ref.name for ref in nc.source_notebooks(assignment)}
    students = {ref.name for ref in nc.student_notebooks(assignment)}
    missing, orphans = sorted(sources - students), sorted(students - sources)
    assert not missing, f"{assignment}: no student version of {missing}. {_regenerate(assignment)}"
    assert not orphans, (f"{assignment}/{orphans}: student versions without a source notebook in "
                         f"source/{assignment}/; delete them or restore their source.")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_student_version_equals_fresh_generate(assignment, course_run):
    ignore = nc.markers().ignore
    committed = nc.tree_files(nc.ROOT / layout.student_folder(assignment), ignore)
    if not nc.tree_files(nc.SOURCE / assignment, ignore):
        assert not committed, (f"{assignment}/ holds {sorted(committed)} but source/{assignment}/ "
                               "is empty: the student version has no source.")
        return
    fresh = nc.tree_files(course_run.course(assignment).require_generated(), ignore)
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    differ = sorted(name for name in set(fresh) & set(committed)
                    if not nc.same_release_file(committed[name], fresh[name]))
    problems = [f"missing from {assignment}/: {missing}" if missing else "",
                f"not produced by nbgrader (delete them): {extra}" if extra else "",
                "out of date: " + "; ".join(
                    f"{name} ({nc.first_difference(committed[name], fresh[name])})"
                    for name in differ) if differ else ""]
    assert not any(problems), (f"The committed student version {assignment}/ differs from a fresh "
                               f"generate_assignment: {'; '.join(p for p in problems if p)}. "
                               f"{_regenerate(assignment)}")


# --- 5. Student versions contain no answers and no hidden tests ------------------------------

STUDENTS = nc.student_notebooks()


def _source_or_none(ref: nc.NotebookRef) -> dict | None:
    try:
        return nc.read_notebook(ref.source_path)
    except (OSError, ValueError, KeyError):  # unreadable: test_notebooks.py reports it
        return None


@pytest.mark.parametrize("ref", STUDENTS, ids=str)
def test_student_version_has_no_markers_or_solution_imports(ref):
    m = nc.markers()
    nb = nc.read_notebook(ref.student_path)
    problems = []
    for index, cell in enumerate(nb.cells):
        for delimiter in (m.begin_solution, m.end_solution, m.begin_hidden, m.end_hidden):
            if delimiter in cell.source:
                problems.append(f"cell {index} contains {delimiter!r}")
    for index, label, tree in nc.code_cell_trees(nb):
        if isinstance(tree, SyntaxError):
            imports = nc.text_imports_solutions(nb.cells[index].source)
        else:
            imports = nc.imports_solutions(tree)
        problems += [f"{label} imports the answer key: {imp}" for imp in imports]
    assert not problems, f"{ref.id}:\n" + "\n".join(problems)


@pytest.mark.parametrize("ref", STUDENTS, ids=str)
def test_student_version_has_no_answer_or_hidden_test_lines(ref):
    nb = nc.read_notebook(ref.student_path)
    shown = nc.all_lines(nb)
    problems = []
    source = _source_or_none(ref)
    if source is not None:
        secrets = nc.secret_lines(source)
        for kind, what in (("solution", "an answer"), ("hidden", "a hidden test")):
            for line in sorted(secrets[kind] & shown.keys()):
                label, original = shown[line]
                problems.append(f"{label} shows a line of {what}: {original.strip()!r}")
    assert not problems, (f"{ref.id} gives answers away (a line counts when it is specific and the "
                          "source shows it only inside a solution or hidden-test region):\n"
                          + "\n".join(problems))
