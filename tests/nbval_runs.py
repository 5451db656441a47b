"""nbval runs the course's notebooks; the tests that need what a run printed read it from there.

The README's one test command runs nbval (``--nbval-lax``, pyproject.toml: a cell that raises
fails, outputs are not compared) over every source notebook (``source/`` is a test path) and
over the Bengali edition's source notebooks, which exist only as generated: they are written to
``bn/lessons/lessonN/`` (``bn/lab/``) of a temporary folder, because coursekit takes a notebook's
language from its folder. Each notebook runs once: tests/test_notebooks.py and
tests/test_bengali_notebooks.py read the outputs nbval recorded (for warnings, the demos'
verdicts and nbgrader's Validator on the graded cells) and execute a notebook themselves only
when nbval did not run all of it in this session (a test file run on its own).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import english_on_screen
import nbformat
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

from instructor.authoring import editions, layout, translations

BENGALI = "bn"
#: notebook -> code cell number -> the outputs nbval recorded, and the notebook's seconds
_OUTPUTS: dict[Path, dict[int, list]] = {}
_SECONDS: dict[Path, float] = {}
#: English source notebook -> its Bengali version that nbval runs
BENGALI_SOURCES: dict[Path, Path] = {}


def is_nbval(item) -> bool:
    return isinstance(item, IPyNbCell)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep what each cell printed (nbval fills ``test_outputs`` even when the cell raised)."""
    report = yield
    if report.when == "call" and is_nbval(item) and item.test_outputs is not None:
        notebook = Path(item.parent.path).resolve()
        _OUTPUTS.setdefault(notebook, {})[item.cell_num] = [
            nbformat.from_dict(dict(output)) for output in item.test_outputs]
        _SECONDS[notebook] = _SECONDS.get(notebook, 0.0) + report.duration
    return report


def executed(notebook: Path) -> tuple[nbformat.NotebookNode, float] | None:
    """The notebook with the outputs nbval recorded and its run time, if nbval ran every code
    cell of it in this session."""
    notebook = Path(notebook).resolve()
    outputs = _OUTPUTS.get(notebook, {})
    nb = nbformat.read(str(notebook), as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if set(outputs) != set(range(len(code))):
        return None
    for number, cell in enumerate(code):
        cell.outputs, cell.execution_count = outputs[number], number + 1
    return nb, _SECONDS[notebook]


def write_bengali_source(root: Path, notebook: Path, base: Path) -> Path:
    """The source notebook in Bengali, with its assignment's other files, where a Bengali
    notebook lives (``base/bn/lessons/lessonN/``); returns its path."""
    folder = base / BENGALI / layout.student_folder(notebook.parent.name)
    if not folder.exists():
        shutil.copytree(notebook.parent, folder, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    path = folder / notebook.name
    # With the hook that reports every figure's texts (tests/test_bengali_notebooks.py scans them).
    nb = english_on_screen.with_hook(editions.translated_source(root, notebook, BENGALI))
    nbformat.write(nb, str(path))
    return path


class BengaliSources(pytest.File):
    """nbval's notebooks of the Bengali edition, written once per session (``root`` is the course)."""

    root: Path

    def collect(self) -> list[IPyNbFile]:
        if not BENGALI_SOURCES:
            base = Path(tempfile.mkdtemp(prefix="bengali-sources-"))
            for notebook in translations.source_notebooks(self.root):
                BENGALI_SOURCES[notebook.resolve()] = write_bengali_source(self.root, notebook, base).resolve()
        return [IPyNbFile.from_parent(self, path=path) for path in BENGALI_SOURCES.values()]


def bengali_sources(parent, beside: Path, root: Path) -> BengaliSources:
    """The collector of the Bengali notebooks, named after the test file that reads their runs."""
    collector = BengaliSources.from_parent(parent, path=beside.with_name(f"{beside.stem}[bn-sources]"))
    collector.root = root
    return collector
