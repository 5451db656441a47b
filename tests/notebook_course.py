"""Shared machinery for the notebook tests: discovery, a throwaway nbgrader course, analysis.

The notebook tests prove three things about every notebook under ``source/``: it runs, its
graded tests are honest (pass on the answers, fail without them, autograde to full and zero
marks), and the committed student version is exactly what nbgrader generates and gives
nothing away. This module holds what those tests share:

- discovery of the assignments (``source/<assignment>/``) and their notebooks;
- :class:`CourseRun`, a lazily built temporary nbgrader course per assignment (one
  ``generate_assignment``, one execution of every source notebook, one ``autograde`` of two
  fake students ``perfect`` and ``blank``), driven in-process through nbgrader's Python API
  (each ``nbgrader`` command line would cost ~5 s of start-up);
- line-, region- and AST-level analysis of notebooks for the "no answers shipped" checks (what
  counts as an answer lives in ``instructor/authoring/answers.py``, which ``student-copy`` shares).

Nothing here writes into the repository: every course lives under pytest's temp folder.
``NBCOURSE_ROOT=/path/to/a/course/copy`` points the suite at another checkout of the course
(useful to try it on a scratch copy); by default it checks the repository it lives in.
"""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import functools
import json
import os
import re
import shutil
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import nbval_runs

from instructor.authoring import answers, layout
from instructor.authoring.answers import (  # noqa: F401 (part of this module's interface for the tests)
    Markers,
    Segment,
    all_lines,
    body_statements,
    called_name,
    cell_python,
    code_cell_trees,
    grade_id,
    is_solution_cell,
    is_test_cell,
    nbgrader_meta,
)

REPO = Path(__file__).resolve().parents[1]
ROOT = Path(os.environ.get("NBCOURSE_ROOT") or REPO).resolve()
SOURCE = ROOT / "source"
CONFIG_FILE = ROOT / "nbgrader_config.py"

#: Assignments in the order students meet them (a later notebook may recap earlier answers).
ASSIGNMENT_ORDER = ("lesson1", "lesson2", "lesson3", "lesson4", "lesson5", "lab")
#: Fake students of the autograde run: every answer filled in from the source, and untouched.
PERFECT, BLANK = "perfect", "blank"
#: Each source notebook should run in this many seconds on 2 cores (reported, never asserted).
TIME_BUDGET_SECONDS = 60.0
#: Folders that never belong to the course tree (environments, caches, nbgrader's work folders).
NOT_COURSE_DIRS = {".git", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
                   ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache", "build", "dist",
                   "submitted", "autograded", "feedback", "release", "downloaded"}

#: Wall-clock records for the terminal summary: (what, seconds, note).
TIMINGS: list[tuple[str, float, str]] = []


# --------------------------------------------------------------------------------------------
# Discovery


@dataclass(frozen=True, order=True)
class NotebookRef:
    """One notebook of an assignment, e.g. ``lessons/01_loss_functions.ipynb``."""

    assignment: str
    name: str  # file name, with the .ipynb suffix

    @property
    def id(self) -> str:
        return f"{self.assignment}/{self.name}"

    @property
    def stem(self) -> str:
        return self.name[: -len(".ipynb")]

    @property
    def source_path(self) -> Path:
        return SOURCE / self.assignment / self.name

    @property
    def student_path(self) -> Path:
        return ROOT / layout.student_folder(self.assignment) / self.name

    def __str__(self) -> str:
        return self.id


def assignment_rank(name: str) -> tuple[int, str]:
    known = ASSIGNMENT_ORDER.index(name) if name in ASSIGNMENT_ORDER else len(ASSIGNMENT_ORDER)
    return known, name


def assignments() -> list[str]:
    """Assignments with a source folder, plus the known ones (whose student folder may exist)."""
    names = set(ASSIGNMENT_ORDER)
    if SOURCE.is_dir():
        names |= {p.name for p in SOURCE.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_"))}
    return sorted(names, key=assignment_rank)


def _notebooks_under(base: Path, assignment: str | None, folder_of=lambda name: name) -> list[NotebookRef]:
    """The top-level notebooks of ``base/<folder_of(assignment)>`` for one or every assignment, in
    course order."""
    refs = []
    for name in [assignment] if assignment else assignments():
        folder = base / folder_of(name)
        if folder.is_dir():
            refs += [NotebookRef(name, p.name) for p in sorted(folder.glob("*.ipynb"))]
    return refs


def source_notebooks(assignment: str | None = None) -> list[NotebookRef]:
    """Source notebooks in course order (nbgrader takes an assignment's top-level notebooks)."""
    return _notebooks_under(SOURCE, assignment)


def student_notebooks(assignment: str | None = None) -> list[NotebookRef]:
    """Committed student notebooks (``lessons/lessonN/`` and ``lab/``: instructor/authoring/layout.py)."""
    return _notebooks_under(ROOT, assignment, layout.student_folder)


def course_position(ref: NotebookRef) -> tuple[tuple[int, str], str]:
    """Sort key: lessons in file order, then the lab (the order of release)."""
    return assignment_rank(ref.assignment), ref.name


def is_ignored(relative: Path, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in patterns)


def tree_files(folder: Path, ignore: Iterable[str]) -> dict[str, Path]:
    """Files below ``folder`` by relative POSIX path, skipping nbgrader's ignore patterns."""
    ignore = list(ignore)
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and not is_ignored(p.relative_to(folder), ignore)}


def committed_notebooks() -> list[Path]:
    """Every .ipynb of the course tree (sources, student versions, anything else committed)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in NOT_COURSE_DIRS and not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".ipynb")]
    return found


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


# --------------------------------------------------------------------------------------------
# nbgrader configuration and cell metadata


def load_course_config(course_root: Path | None = None):
    """The course's ``nbgrader_config.py``, re-rooted at ``course_root``.

    The file sets ``root = "."`` and a relative ``db_url``, which nbgrader resolves against the
    current directory: right for the command line run from the course root, wrong in-process.
    """
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    if course_root is not None:
        config.CourseDirectory.root = str(course_root)
        config.CourseDirectory.db_url = f"sqlite:///{course_root / 'gradebook.db'}"
        config.Exchange.root = str(course_root / "exchange")  # unused; keeps nbgrader quiet
        # Kernels talk over Unix sockets, not TCP: on a busy machine (CI, or several test runs at
        # once) a TCP port picked for a kernel can be taken before the kernel binds it, and the
        # kernel dies ("Address already in use").
        # The socket files need an absolute prefix: kernels run in the notebook's folder.
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(course_root / "kernel-ipc")
    return config


_MARKERS: Markers | None = None


def markers() -> Markers:
    global _MARKERS
    if _MARKERS is None:
        _MARKERS = Markers.from_config(load_course_config(ROOT))
    return _MARKERS


def test_cell_ids(nb: dict) -> list[str]:
    return [grade_id(c) for c in nb["cells"] if is_test_cell(c)]


def graded_cell_params(refs: Iterable[NotebookRef]) -> list[tuple[NotebookRef, str | None]]:
    """(notebook, grade_id) of every autograded test cell, read at collection time.

    A notebook that cannot be read yet (someone is writing it) yields (ref, None), so a test
    reports it instead of the whole collection crashing.
    """
    params: list[tuple[NotebookRef, str | None]] = []
    for ref in refs:
        try:
            ids = test_cell_ids(json.loads(ref.source_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError):
            params.append((ref, None))
            continue
        params += [(ref, gid) for gid in ids]
    return params


# --------------------------------------------------------------------------------------------
# Solution and hidden-test regions


def split_regions(source: str) -> list[Segment]:
    return answers.split_regions(source, markers())


def notebook_lines(nb: dict) -> dict[str, set[str]]:
    return answers.notebook_lines(nb, markers())


def is_specific(line: str, min_tokens: int = 6) -> bool:
    return answers.is_specific(line, markers(), min_tokens)


def secret_lines(source_nb: dict) -> dict[str, set[str]]:
    return answers.secret_lines(source_nb, markers())


class FillInError(AssertionError):
    pass


def fill_in_answer(student_source: str, source_source: str, cell_type: str = "code") -> str:
    """Put the solution regions of a source cell into the student cell's stubs.

    Everything outside the regions must be identical in both versions (it is what nbgrader
    keeps), and every region must have become the configured stub at the marker's indentation.
    """
    m = markers()
    stub = m.code_stub if cell_type == "code" else m.text_stub
    segments = split_regions(source_source)
    if not any(s.kind == "solution" for s in segments):
        if student_source.split("\n") != list(stub):
            raise FillInError("the whole answer cell should have become the stub "
                              f"{chr(10).join(stub)!r}, but it reads {student_source!r}")
        return source_source
    student = student_source.split("\n")
    filled: list[str] = []
    at = 0
    for segment in segments:
        if segment.kind == "solution":
            expected = [segment.indent + s for s in stub]
            if student[at:at + len(expected)] != expected:
                raise FillInError(f"expected the stub {expected!r} at line {at + 1} of the student "
                                  f"cell, found {student[at:at + len(expected)]!r}")
            at += len(expected)
            filled += segment.lines
        else:
            if student[at:at + len(segment.lines)] != segment.lines:
                found = student[at:at + len(segment.lines)]
                raise FillInError(f"the student cell differs from the source outside the solution "
                                  f"regions near line {at + 1}: {found!r} instead of "
                                  f"{segment.lines!r}")
            at += len(segment.lines)
            filled += segment.lines
    if at != len(student):
        raise FillInError(f"the student cell has extra lines: {student[at:]!r}")
    return "\n".join(filled)


def fill_in_notebook(student_nb: dict, source_nb: dict) -> tuple[dict, dict[str, str]]:
    """The student notebook with every answer cell completed from the source notebook.

    Returns the notebook and, per grade_id, the reason an answer could not be filled in.
    """
    sources = {grade_id(c): c for c in source_nb["cells"] if grade_id(c)}
    filled = nbformat.from_dict(json.loads(json.dumps(student_nb)))
    problems: dict[str, str] = {}
    for cell in filled.cells:
        if not is_solution_cell(cell):
            continue
        gid = grade_id(cell)
        if gid not in sources:
            problems[gid] = "the source notebook has no cell with this grade_id"
            continue
        try:
            cell.source = fill_in_answer(cell.source, sources[gid]["source"], cell.cell_type)
        except FillInError as error:
            problems[gid] = str(error)
    return filled, problems


# --------------------------------------------------------------------------------------------
# Python code of notebooks, function bodies as ASTs


def imports_solutions(tree: ast.AST) -> list[str]:
    """Import statements (or import_module calls) that reach the answer key ``solutions``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "solutions"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "solutions":
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Call) and called_name(node) in {"import_module", "__import__"} \
                and node.args and isinstance(node.args[0], ast.Constant) \
                and str(node.args[0].value).split(".")[0] == "solutions":
            found.append(f"import_module({node.args[0].value!r})")
    return found


_IMPORT_SOLUTIONS_TEXT = re.compile(r"^\s*(from\s+solutions\b|import\s+solutions\b)", re.MULTILINE)


def text_imports_solutions(text: str) -> list[str]:
    """Textual fallback for code that does not parse."""
    return [m.group(0).strip() for m in _IMPORT_SOLUTIONS_TEXT.finditer(text)]


class _RenameArguments(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.mapping:
            return ast.copy_location(ast.Name(self.mapping[node.id], node.ctx), node)
        return node


@dataclass(frozen=True)
class FunctionBody:
    where: str  # "solutions/layers.py: Linear.backward", "lessons/03.ipynb cell 7: Tanh.forward"
    dump: str  # ast.dump of the body, docstring removed, parameters renamed by position
    size: int  # number of AST nodes in the body (a measure of how much it gives away)
    qualname: str = ""  # "Linear.backward", also for `@add_to_class(Linear) def backward`


def function_body(node: ast.FunctionDef | ast.AsyncFunctionDef, where: str,
                  qualname: str = "") -> FunctionBody:
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    module = ast.Module(body=body_statements(node), type_ignores=[])
    # Renaming parameters by position: copying a body and renaming `grad_out` is still a copy.
    module = _RenameArguments({name: f"_arg{i}" for i, name in enumerate(names)}).visit(
        ast.parse(ast.unparse(module)))
    size = sum(1 for n in ast.walk(module) if not isinstance(n, (ast.expr_context, ast.Module)))
    return FunctionBody(where, ast.dump(module), size, qualname or node.name)


def function_bodies(tree: ast.AST, where: str) -> Iterator[tuple[ast.FunctionDef, FunctionBody]]:
    """Every (possibly nested) function or method with its qualified name."""
    for node, qualname in answers.function_definitions(tree):
        yield node, function_body(node, f"{where}: {qualname}", qualname)


def python_file_bodies(folder: Path) -> list[FunctionBody]:
    bodies = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bodies += [b for _, b in function_bodies(tree, path.relative_to(ROOT).as_posix())]
    return bodies


def notebook_bodies(nb: dict, label: str) -> list[FunctionBody]:
    bodies = []
    for _, cell_label, tree in code_cell_trees(nb):
        if not isinstance(tree, SyntaxError):
            bodies += [b for _, b in function_bodies(tree, f"{label} {cell_label}")]
    return bodies


def answer_bodies(source_nb: dict, label: str) -> list[FunctionBody]:
    """Functions the source notebook asks students to write: defs around a solution region."""
    cells = source_nb["cells"]
    return [function_body(node, f"{label} {answers.cell_label(index, cells[index])}: {qualname}",
                          qualname)
            for index, node, qualname in answers.answer_functions(source_nb, markers())]


# --------------------------------------------------------------------------------------------
# Comparing the committed student version with a fresh one


def normalise_text(text: str) -> str:
    """Trailing whitespace is the only thing forgiven (editors and git hooks strip it)."""
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n"))


def _normalise_json(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("source", "text") and isinstance(item, list):  # nbformat's multi-line string
                item = "".join(item)
            out[key] = _normalise_json(item)
        return out
    if isinstance(value, list):
        return [_normalise_json(v) for v in value]
    if isinstance(value, str):
        return normalise_text(value)
    return value


def first_difference(committed: Path, fresh: Path) -> str:
    """Where a committed release file first differs from the fresh one, for the failure message."""
    if committed.suffix != ".ipynb":
        old = normalise_text(committed.read_text(encoding="utf-8")).split("\n")
        new = normalise_text(fresh.read_text(encoding="utf-8")).split("\n")
        for number, (a, b) in enumerate(zip(old, new, strict=False), start=1):
            if a != b:
                return f"line {number}: {a!r} should be {b!r}"
        return f"{len(old)} lines instead of {len(new)}"
    try:
        old = _normalise_json(json.loads(committed.read_text(encoding="utf-8")))
    except ValueError as error:
        return f"not valid JSON ({error})"
    new = _normalise_json(json.loads(fresh.read_text(encoding="utf-8")))
    old_cells, new_cells = old.pop("cells", []), new.pop("cells", [])
    for index, (a, b) in enumerate(zip(old_cells, new_cells, strict=False)):
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            return f"cell {index} ({grade_id(b) or b.get('cell_type')}) differs in {keys}"
    if len(old_cells) != len(new_cells):
        return f"{len(old_cells)} cells instead of {len(new_cells)}"
    return "the notebook metadata differs"


def same_release_file(committed: Path, fresh: Path) -> bool:
    if committed.suffix == ".ipynb":
        try:
            return _normalise_json(json.loads(committed.read_text(encoding="utf-8"))) == \
                _normalise_json(json.loads(fresh.read_text(encoding="utf-8")))
        except ValueError:
            return False
    try:
        return normalise_text(committed.read_text(encoding="utf-8")) == \
            normalise_text(fresh.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return committed.read_bytes() == fresh.read_bytes()


# --------------------------------------------------------------------------------------------
# A throwaway nbgrader course per assignment


def _cache_alembic_head() -> None:
    """nbgrader asks the ``alembic`` command for its schema version each time it creates a
    gradebook (~5 s of interpreter start-up on a busy machine); the answer cannot change within a
    session, so ask once."""
    import nbgrader.api

    original = nbgrader.api.get_alembic_version
    if not hasattr(original, "cache_info"):
        nbgrader.api.get_alembic_version = functools.cache(original)


def _ensure_venv_tools_on_path() -> None:
    """nbgrader runs the ``alembic`` executable when it creates a gradebook; it lives next to
    this interpreter, which is not on PATH when the venv's python is called directly
    (``.venv/bin/python -m pytest``, as the README says)."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


#: A kernel that could not start (an overloaded machine) is retried once; nothing else is.
KERNEL_START_FAILURE = re.compile(r"Kernel died before replying to kernel_info|"
                                  r"Kernel didn't respond in \d+ seconds")


@contextlib.contextmanager
def nbgrader_warnings_as_warnings() -> Iterator[None]:
    """nbgrader 0.9.6 on SQLAlchemy 2.x emits an SAWarning (a RuntimeWarning) while it creates a
    submission; pyproject.toml turns RuntimeWarnings into errors for our own code, which would
    abort autograde in-process. Outside pytest (the nbgrader command) it is only a warning."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.simplefilter("ignore", SAWarning)  # harmless here: the grades are all recorded
        yield


@dataclass
class ExecutedNotebook:
    ref: NotebookRef
    path: Path | None  # the executed copy on disk (None if execution crashed)
    seconds: float
    crash: str | None = None  # a failure of the machinery rather than of a cell

    @property
    def nb(self) -> nbformat.NotebookNode:
        return read_notebook(self.path)


@dataclass
class ValidatorVerdict:
    """What nbgrader's Validator says about an executed notebook, by grade_id."""

    failed: dict[str, str] = field(default_factory=dict)  # grade_id -> error text
    passed: set[str] = field(default_factory=set)
    changed: list[str] = field(default_factory=list)  # sources of cells whose checksum changed
    type_changed: list[str] = field(default_factory=list)


@dataclass
class GradeRecord:
    auto_score: float | None
    max_score: float
    needs_manual_grade: bool


@dataclass
class AutogradeRun:
    assignment: str
    success: dict[str, bool] = field(default_factory=dict)  # student -> nbgrader reported success
    logs: dict[str, str] = field(default_factory=dict)
    # notebook -> grade_id -> why the answer could not be filled in
    fill_problems: dict[str, dict[str, str]] = field(default_factory=dict)
    # student -> notebook name -> grade_id -> record
    grades: dict[str, dict[str, dict[str, GradeRecord]]] = field(default_factory=dict)

    def autograded_path(self, root: Path, student: str, ref: NotebookRef) -> Path:
        return root / "autograded" / student / ref.assignment / ref.name


class TempCourse:
    """A copy of one assignment's sources in a temp course folder, driven by nbgrader's API."""

    def __init__(self, root: Path, assignment: str) -> None:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        _ensure_venv_tools_on_path()
        _cache_alembic_head()
        self.root, self.assignment = root, assignment
        shutil.copy2(CONFIG_FILE, root / CONFIG_FILE.name)
        shutil.copytree(SOURCE / assignment, root / "source" / assignment,
                        ignore=shutil.ignore_patterns(*markers().ignore))
        self.config = load_course_config(root)
        (root / "exchange").mkdir()
        self.coursedir = CourseDirectory(config=self.config)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=self.config)
        self._generated: dict[str, Any] | None = None
        self._executed: dict[str, ExecutedNotebook] = {}
        self._autograde: AutogradeRun | None = None
        self._autograde_error: str | None = None

    @property
    def release_dir(self) -> Path:
        coursedir = self.coursedir
        return Path(coursedir.format_path(coursedir.release_directory, ".", self.assignment))

    # -- generate_assignment, once --------------------------------------------------------
    def generate(self) -> dict[str, Any]:
        if self._generated is None:
            start = time.perf_counter()
            with nbgrader_warnings_as_warnings(), contextlib.chdir(self.root):
                self._generated = self.api.generate_assignment(self.assignment, force=True,
                                                               create=True)
            TIMINGS.append((f"nbgrader generate_assignment {self.assignment}",
                            time.perf_counter() - start, ""))
        return self._generated

    def require_generated(self) -> Path:
        result = self.generate()
        if not result.get("success"):
            raise AssertionError(f"nbgrader generate_assignment {self.assignment} failed:\n"
                                 f"{result.get('log', '')}\n{result.get('error', '')}")
        return self.release_dir

    # -- executing a source notebook, once ---------------------------------------------------
    def execute_source(self, ref: NotebookRef) -> ExecutedNotebook:
        if ref.name not in self._executed:
            self._executed[ref.name] = self._execute(ref)
        return self._executed[ref.name]

    def _execute(self, ref: NotebookRef) -> ExecutedNotebook:
        from nbgrader.preprocessors import Execute
        from nbgrader.utils import setenv

        # A copy of the whole assignment folder, so that files the notebook reads are there
        # and files it writes cannot reach the release.
        workdir = self.root / "executed" / self.assignment
        if not workdir.exists():
            shutil.copytree(SOURCE / self.assignment, workdir,
                            ignore=shutil.ignore_patterns(*markers().ignore))
        by_nbval = nbval_runs.executed(ref.source_path)
        if by_nbval is not None:  # the README's test command: nbval ran it first
            nb, seconds = by_nbval
            TIMINGS.append((f"execute source {ref.id}", seconds, "run by nbval"))
            out = workdir / f"{ref.stem}.executed.ipynb"
            nbformat.write(nb, str(out))
            return ExecutedNotebook(ref, out, seconds)
        for attempt in (1, 2):
            nb = read_notebook(workdir / ref.name)
            # The executor nbgrader's Validator and autograder use, with the course's timeout.
            executor = Execute(config=self.config)
            start = time.perf_counter()
            crash = None
            try:
                with setenv(NBGRADER_VALIDATING="1", NBGRADER_EXECUTION="validate"):
                    nb, _ = executor.preprocess(nb, {"metadata": {"path": str(workdir)}})
            except Exception as error:  # noqa: BLE001 (a dead or stuck kernel is reported)
                crash = f"{type(error).__name__}: {error}"
            seconds = time.perf_counter() - start
            if not (crash and KERNEL_START_FAILURE.search(crash)) or attempt == 2:
                break
        notes = [f"over the {TIME_BUDGET_SECONDS:.0f} s budget" if seconds > TIME_BUDGET_SECONDS
                 else "", "second attempt: the kernel did not start" if attempt == 2 else ""]
        TIMINGS.append((f"execute source {ref.id}", seconds, "; ".join(n for n in notes if n)))
        out = workdir / f"{ref.stem}.executed.ipynb"
        nbformat.write(nb, str(out))
        return ExecutedNotebook(ref, out, seconds, crash)

    # -- autograde two fake students, once ----------------------------------------------------
    def autograde(self) -> AutogradeRun:
        if self._autograde_error is not None:
            raise AssertionError(self._autograde_error)
        if self._autograde is None:
            try:
                self._autograde = self._run_autograde()
            except Exception as error:  # remembered: each test of the assignment reports it
                self._autograde_error = (f"autograding {self.assignment} could not run: "
                                         f"{type(error).__name__}: {error}")
                raise AssertionError(self._autograde_error) from error
        return self._autograde

    def _run_autograde(self) -> AutogradeRun:
        from nbgrader.api import Gradebook, MissingEntry

        release = self.require_generated()
        sources = {ref.name: read_notebook(ref.source_path)
                   for ref in source_notebooks(self.assignment)}
        run = AutogradeRun(self.assignment)
        for student in (PERFECT, BLANK):
            submission = self.root / "submitted" / student / self.assignment
            shutil.copytree(release, submission)
            if student == PERFECT:
                for name, source_nb in sources.items():
                    filled, problems = fill_in_notebook(read_notebook(submission / name), source_nb)
                    nbformat.write(filled, str(submission / name))
                    run.fill_problems[name] = problems
            for attempt in (1, 2):
                start = time.perf_counter()
                with nbgrader_warnings_as_warnings(), contextlib.chdir(self.root):
                    result = self.api.autograde(self.assignment, student, force=True, create=True)
                log = f"{result.get('log', '')}\n{result.get('error', '')}"
                if result.get("success") or not KERNEL_START_FAILURE.search(log):
                    break
            what = f"nbgrader autograde {self.assignment} ({student}, {len(sources)} notebooks)"
            TIMINGS.append((what, time.perf_counter() - start,
                            "second attempt: a kernel did not start" if attempt == 2 else ""))
            run.success[student] = bool(result.get("success"))
            run.logs[student] = f"{result.get('log', '')}\n{result.get('error', '')}".strip()
        with nbgrader_warnings_as_warnings(), \
                Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            for student in (PERFECT, BLANK):
                run.grades[student] = {}
                for name in sources:
                    try:
                        submitted = gradebook.find_submission_notebook(name[:-len(".ipynb")],
                                                                       self.assignment, student)
                    except MissingEntry:
                        continue
                    run.grades[student][name] = {
                        g.name: GradeRecord(g.auto_score, g.max_score, g.needs_manual_grade)
                        for g in submitted.grades}
        return run

    def autograded_notebook(self, student: str, ref: NotebookRef) -> Path:
        return self.root / "autograded" / student / self.assignment / ref.name


def _kernels_import_this_coursekit(folder: Path) -> None:
    """Kernels import ``coursekit`` from the course under test, and nothing else from it.

    CI installs coursekit in editable mode (the same files); a developer's environment may hold
    another copy or none. Only coursekit goes on the kernels' path, never the repository root,
    which would make the answer key ``solutions`` importable from a notebook.
    """
    link = folder / "coursekit"
    try:
        link.symlink_to(ROOT / "coursekit", target_is_directory=True)
    except OSError:
        shutil.copytree(ROOT / "coursekit", link)
    paths = [str(folder)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)


class CourseRun:
    """Session-wide cache: one TempCourse per assignment, created on first use."""

    def __init__(self, tmp_path_factory) -> None:
        self._factory = tmp_path_factory
        self._courses: dict[str, TempCourse] = {}
        _kernels_import_this_coursekit(tmp_path_factory.mktemp("kernel-path"))

    def course(self, assignment: str) -> TempCourse:
        if assignment not in self._courses:
            root = self._factory.mktemp(f"course-{assignment}")
            self._courses[assignment] = TempCourse(root, assignment)
        return self._courses[assignment]


@functools.cache
def validator_verdict(executed: Path) -> ValidatorVerdict:
    """Run nbgrader's Validator on an already executed notebook, without executing it again.

    The Validator normally clears outputs and re-executes; here its preprocessors are reduced
    to the metadata check so it judges the outputs we already have (the executions are the
    expensive part, and each notebook is executed once per session).
    """
    from nbgrader.preprocessors import CheckCellMetadata
    from nbgrader.validator import Validator

    nb = read_notebook(executed)
    cells_by_source: dict[str, list[str]] = {}
    for cell in nb.cells:
        if grade_id(cell):
            cells_by_source.setdefault(cell.source.strip(), []).append(grade_id(cell))
    # A locked markdown cell with a MARK SCHEME region (a question's rubric, for graders) is
    # stripped in the student version and restored (markers removed) when autograding, so its
    # checksum is the stripped one: not a student's change (locked cells are restored anyway). (nbgrader's Validator reports no failures at all
    # while any locked cell looks changed, so those checksums are brought up to date first.)
    from nbgrader.utils import compute_checksum

    rubric_cells = [cell for cell in nb.cells if cell.cell_type == "markdown"
                    and "checksum" in nbgrader_meta(cell)
                    and compute_checksum(cell) != nbgrader_meta(cell)["checksum"]]
    if rubric_cells:
        for cell in rubric_cells:
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
        executed = executed.with_name(executed.stem + ".rubric-checksums.ipynb")
        nbformat.write(nb, str(executed))
    verdict = ValidatorVerdict()
    for invert in (False, True):
        validator = Validator(preprocessors=[CheckCellMetadata], invert=invert)
        results = validator.validate(str(executed))
        verdict.type_changed += [r["source"] for r in results.get("type_changed", [])]
        verdict.changed += [r["source"] for r in results.get("changed", [])]
        for record in results.get("failed", []):
            for gid in cells_by_source.get(record["source"], []):
                verdict.failed[gid] = record.get("raw_error", "")
        for record in results.get("passed", []):
            verdict.passed |= set(cells_by_source.get(record["source"], []))
    return verdict


def cell_errors(nb: dict) -> list[tuple[str, str]]:
    """(cell label, error) of every code cell that raised, except cells tagged to raise.

    nbval's ``--nbval-lax`` semantics: outputs are not compared, errors fail; a cell tagged
    ``raises-exception`` (or with a ``# NBVAL_RAISES_EXCEPTION`` comment) must raise instead.
    """
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        label = f"cell {index}" + (f" ({grade_id(cell)})" if grade_id(cell) else "")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        expected = "raises-exception" in cell.get("metadata", {}).get("tags", []) or \
            "NBVAL_RAISES_EXCEPTION" in cell["source"]
        if errors and not expected:
            error = errors[0]
            traceback = _ANSI.sub("", "\n".join(error.get("traceback", [])))
            message = f"{error.get('ename')}: {error.get('evalue')}\n{traceback[-3000:]}"
            problems.append((label, message))
        elif expected and not errors:
            problems.append((label, "tagged raises-exception but did not raise"))
    return problems


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WARNING = re.compile(r"\b\w*(Warning|warning:)\b")


def warnings_in_outputs(nb: dict) -> list[tuple[str, str]]:
    """Warnings a cell printed to stderr (deprecated APIs, overflow, divide by zero...)."""
    found = []
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = _ANSI.sub("", output.get("text", ""))
                if _WARNING.search(text):
                    label = f"cell {index}" + (f" ({grade_id(cell)})" if grade_id(cell) else "")
                    found.append((label, text.strip()[:1000]))
    return found
