"""Every notebook of the Bengali edition runs, in Bengali, and passes its tests.

Each source notebook in Bengali (instructor/authoring/editions.py: the English code with the Bengali
markdown) is executed once, as nbgrader's Validator executes it, in a folder named like the
edition's (``bn/<assignment>/``), so coursekit speaks Bengali there: quizzes, test messages,
the demos' printed lines and plot texts (coursekit/edition_output.py), a Bengali font for plots.
What must hold for each: no cell raises; no warning reaches stderr, Matplotlib's "Glyph ...
missing from font" included (a box drawn instead of a letter); nbgrader's Validator reports
every graded cell passed; and the demos did speak Bengali (printed lines and plot texts that
the catalogue translates appear translated, none in English).

That the Bengali student versions fail their tests follows from parity (the same code cells
and grade ids as the English ones, tests/test_bengali_edition.py) and the English both-ways
checks (tests/test_notebooks.py); tests/test_bengali_grading.py autogrades blank and filled
Bengali submissions.

Each Bengali student version (blank: unfinished exercises, demos falling back to their
recordings, failing checks) runs too, and in both runs no English may reach the screen outside
code and Python's tracebacks: outputs, figure texts, widgets, captions (tests/english_on_screen.py
says what is scanned and what may stay English). The README's test command runs the solved
notebooks once, with nbval (tests/nbval_runs.py, with the same hook), and these tests read those
runs; the blank ones, and the solved ones when this file runs on its own, are executed here two
at a time (one kernel each), the lab's long one first.
"""

from __future__ import annotations

import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import english_on_screen
import nbformat
import nbval_runs
import notebook_course as nc
import pytest

from coursekit import language
from instructor.authoring import editions, layout, translations

LANGUAGE = "bn"
NOTEBOOKS = translations.source_notebooks(nc.ROOT)
BENGALI = re.compile("[\u0980-\u09ff]")
MISSING_GLYPH = re.compile(r"missing from font|does not have a glyph")


def _id(path: Path) -> str:
    return path.relative_to(nc.ROOT / "source").as_posix()


SOLVED, BLANK = "solved", "blank"


def _execute(notebook: Path, base: Path, kind: str) -> tuple[Path, float, str | None]:
    """The notebook in Bengali, executed in base/<kind>/bn/lessons/lessonN/ (or .../bn/lab/) the
    way the Validator does: the source with its answers (``solved``) or the committed Bengali
    student version (``blank``), with english_on_screen's hook reporting every figure's texts."""
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    ran = nbval_runs.BENGALI_SOURCES.get(notebook.resolve()) if kind == SOLVED else None
    by_nbval = nbval_runs.executed(ran) if ran else None
    if by_nbval is not None:
        nb, seconds = by_nbval
        nc.TIMINGS.append((f"execute Bengali {kind} {_id(notebook)}", seconds, "run by nbval"))
        executed = ran.with_suffix(".executed.ipynb")
        nbformat.write(english_on_screen.without_hook(nb), str(executed))
        return executed, seconds, None
    assignment = notebook.parent.name
    folder = base / kind / LANGUAGE / layout.student_folder(assignment)
    if kind == SOLVED:
        shutil.copytree(notebook.parent, folder, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        nb = editions.translated_source(nc.ROOT, notebook, LANGUAGE)
    else:
        student = editions.edition_dir(nc.ROOT, LANGUAGE) / layout.student_folder(assignment)
        shutil.copytree(student, folder, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        nb = nbformat.read(str(student / notebook.name), as_version=4)
    nb = english_on_screen.with_hook(nb, as_a_student=kind == BLANK)
    config = Config()
    config.Execute.timeout = 300
    started, crash = time.perf_counter(), None
    try:
        nb, _ = Execute(config=config).preprocess(nb, {"metadata": {"path": str(folder)}})
    except Exception as error:  # noqa: BLE001 (reported by each test of the notebook)
        crash = f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - started
    nc.TIMINGS.append((f"execute Bengali {kind} {_id(notebook)}", seconds, ""))
    executed = folder / f"{notebook.stem}.executed.ipynb"
    nbformat.write(english_on_screen.without_hook(nb), str(executed))
    return executed, seconds, crash


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[tuple[Path, str], tuple[Path, float, str | None]]:
    from nbgrader.utils import setenv

    base = tmp_path_factory.mktemp("bengali-edition")
    runs = [(notebook, kind) for kind in (SOLVED, BLANK) for notebook in NOTEBOOKS]
    # Set once for both threads (setenv restores os.environ on exit: not per thread).
    with setenv(NBGRADER_VALIDATING="1", NBGRADER_EXECUTION="validate"), \
            ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(runs, pool.map(lambda run: _execute(run[0], base, run[1]), runs)))


def _run(executed, notebook: Path, kind: str = SOLVED) -> nbformat.NotebookNode:
    path, _, crash = executed[notebook, kind]
    if crash:
        pytest.fail(f"{_id(notebook)} in Bengali ({kind}): execution broke off: {crash}")
    return nc.read_notebook(path)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_a_bengali_notebook_runs_without_errors_or_warnings(notebook, executed):
    nb = _run(executed, notebook)
    errors = nc.cell_errors(nb)
    assert not errors, f"{_id(notebook)} in Bengali: cells raised:\n" + "\n\n".join(
        f"--- {label}:\n{error}" for label, error in errors)
    # Warnings on stderr, Matplotlib's missing glyphs ("Glyph 2453 ... missing from font(s)")
    # among them: a Bengali letter drawn as a box.
    found = nc.warnings_in_outputs(nb)
    assert not found, f"{_id(notebook)} in Bengali: warnings on stderr:\n" + "\n".join(
        f"--- {label}:\n{text}" for label, text in found)
    # Mathtext logs its own missing glyphs ("Font 'default' does not have a glyph for ...").
    boxes = [line for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
             for line in output.get("text", "").splitlines() if MISSING_GLYPH.search(line)]
    assert not boxes, f"{_id(notebook)} in Bengali drew letters as boxes:\n" + "\n".join(boxes[:5])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_every_graded_cell_passes_in_bengali(notebook, executed):
    path, _, _ = executed[notebook, SOLVED]
    _run(executed, notebook)
    verdict = nc.validator_verdict(path)
    graded = {nc.grade_id(c) for c in nc.read_notebook(notebook).cells if nc.is_test_cell(c)}
    assert not verdict.failed, f"{_id(notebook)} in Bengali: the Validator says {verdict.failed}"
    assert graded <= verdict.passed, f"{_id(notebook)} in Bengali: not reported passed: {graded - verdict.passed}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_the_demos_print_in_bengali(notebook, executed):
    """Every printed line that the catalogue translates comes out translated, never in English."""
    nb = _run(executed, notebook)
    printed = [line for cell in nb.cells if cell.cell_type == "code"
               for output in cell.get("outputs", [])
               if output.get("output_type") == "stream" and output.get("name") == "stdout"
               for line in output.get("text", "").splitlines() if line.strip()]
    translatable = [line for line in printed if language.translate_message(line, LANGUAGE) != line]
    assert not translatable, (f"{_id(notebook)} in Bengali printed English that its catalogue "
                              f"translates:\n" + "\n".join(translatable[:10]))
    if any("a printed line" in entry.note for entry in translations.notebook_entries(notebook)):
        assert any(BENGALI.search(line) for line in printed), f"{_id(notebook)}: nothing printed in Bengali"


@pytest.mark.parametrize("kind", [SOLVED, BLANK])
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_no_english_reaches_a_bengali_student(notebook, kind, executed):
    """Outputs, figure texts, widgets and captions, in the solved notebook and the blank one."""
    nb = _run(executed, notebook, kind)
    answer_key = nc.read_notebook(notebook) if kind == SOLVED else None
    found = english_on_screen.findings(nb, nc.ROOT, answer_key)
    assert not found, (f"{_id(notebook)} ({kind}) shows a Bengali student {len(found)} English text(s) "
                       "(translate them: docs/AUTHORING.md, 'Two languages'):\n"
                       + "\n".join(str(item) for item in found[:30]))
