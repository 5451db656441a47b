"""Every notebook of the Bengali edition runs, in Bengali, and passes its tests.

Each source notebook in Bengali (instructor/editions.py: the English code with the Bengali
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
Bengali submissions. The README's test command runs the notebooks once, with nbval, and these
tests read those runs (tests/nbval_runs.py); run on their own, they execute the six notebooks
themselves, two at a time (one kernel each).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import nbval_runs
import notebook_course as nc
import pytest

from coursekit import language
from instructor import translations

LANGUAGE = "bn"
NOTEBOOKS = translations.source_notebooks(nc.ROOT)
BENGALI = re.compile("[\u0980-\u09ff]")
MISSING_GLYPH = re.compile(r"missing from font|does not have a glyph")


def _id(path: Path) -> str:
    return path.relative_to(nc.ROOT / "source").as_posix()


def _execute(notebook: Path, base: Path) -> tuple[Path, float, str | None]:
    """The notebook in Bengali as nbval ran it (the README's test command), or executed here in
    base/bn/lessons/lessonN/ (or base/bn/lab/) the way the Validator does."""
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    bengali = nbval_runs.write_bengali_source(nc.ROOT, notebook, base)
    executed = bengali.with_suffix(".executed.ipynb")
    by_nbval = nbval_runs.executed(nbval_runs.BENGALI_SOURCES.get(notebook.resolve(), bengali))
    if by_nbval is not None:
        nb, seconds = by_nbval
        nc.TIMINGS.append((f"execute Bengali {_id(notebook)}", seconds, "run by nbval"))
        nbformat.write(nb, str(executed))
        return executed, seconds, None
    nb = nc.read_notebook(bengali)
    config = Config()
    config.Execute.timeout = 300
    started, crash = time.perf_counter(), None
    try:
        nb, _ = Execute(config=config).preprocess(nb, {"metadata": {"path": str(bengali.parent)}})
    except Exception as error:  # noqa: BLE001 (reported by each test of the notebook)
        crash = f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - started
    nc.TIMINGS.append((f"execute Bengali {_id(notebook)}", seconds, ""))
    nbformat.write(nb, str(executed))
    return executed, seconds, crash


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[Path, tuple[Path, float, str | None]]:
    from nbgrader.utils import setenv

    base = tmp_path_factory.mktemp("bengali-edition")
    # Set once for both threads (setenv restores os.environ on exit: not per thread).
    with setenv(NBGRADER_VALIDATING="1", NBGRADER_EXECUTION="validate"), \
            ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(NOTEBOOKS, pool.map(lambda notebook: _execute(notebook, base), NOTEBOOKS)))
    return runs


def _run(executed, notebook: Path) -> nbformat.NotebookNode:
    path, _, crash = executed[notebook]
    if crash:
        pytest.fail(f"{_id(notebook)} in Bengali: execution broke off: {crash}")
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
    path, _, _ = executed[notebook]
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
