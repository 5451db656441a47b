"""Does the toolkit hand out answers? Run every exercise's tests against answers that only call it.

A student has ``coursekit`` from day one. If one of its functions does what an exercise asks (as
``coursekit.numerical_gradient`` once did for lesson 3's exercise 5), a one-line answer that
calls it earns the points. Comparing source code cannot see that (a different implementation of
the same thing); running the graded tests can. For every exercise of every source notebook (a
solution cell that defines functions or methods, and the first graded test cell after it) this
binds, one function at a time, a *cheat* in place of the student's answer and runs the test cell,
hidden tests included. A cheat calls one callable of ``coursekit`` and nothing else:

- every callable reachable from ``coursekit`` and its submodules, underscore names included, the
  methods of its classes, and the nested functions inside them (rebuilt from their code objects,
  as an adversary reading the source could do, when they need no enclosing variables);
- called the ways a one-line answer would: with the same arguments, positionally, reversed, with
  the first argument only, and for a method with or without ``self``.

Controls keep this honest: the real answer must pass its test cell here (else the harness proves
nothing), and only functions whose stub (``raise NotImplementedError``) fails the test cell are
probed: a function the test cell never calls earns no points there, whatever it is bound to.

Everything runs in one process per notebook
(``python tests/answer_cheats.py lesson3/03_linear_layer.ipynb WORKDIR OUT.json``, WORKDIR a
scratch copy of the assignment folder, where the notebook reads and writes its files), in an
IPython shell like a kernel's. The cells the graded cells need (``cells_to_run``) run once, in
order, with the real answers; just before a graded test cell runs for real, it runs once per
cheat in the same namespace, which is put back after each. A cheat is bound just before the test
cell, not before the solution cell: cells between the two (rare) keep the real answer.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import pkgutil
import random
import signal
import symtable
import sys
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import notebook_course as nc

from instructor.authoring import answers

#: A cheat run that takes longer is stopped and reported (a real test cell takes well under this).
CHEAT_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Exercise:
    """A solution cell that defines functions, and the graded test cell that checks it."""

    notebook: str  # "lesson3/03_linear_layer.ipynb"
    grade_id: str  # of the solution cell
    cell: int
    test_cell: int
    test_grade_id: str
    functions: tuple[str, ...]  # "numerical_gradient", "Linear.forward" (methods as Class.name)

    def __str__(self) -> str:
        return f"{self.notebook}::{self.grade_id}"


def exercises(ref: nc.NotebookRef, nb: dict | None = None) -> list[Exercise]:
    """The exercises of a source notebook that define functions, in cell order."""
    nb = nc.read_notebook(ref.source_path) if nb is None else nb
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or not nc.is_solution_cell(cell):
            continue
        names = [qualname for _, _, qualname in answers.answer_functions({"cells": [cell]},
                                                                         nc.markers())]
        # Functions nested in an answer function are part of that answer, not separate answers.
        top = tuple(dict.fromkeys(n for n in names if not any(n.startswith(f"{m}.") for m in names)))
        tests = [i for i in range(index + 1, len(nb["cells"])) if nc.is_test_cell(nb["cells"][i])]
        if top and tests:
            found.append(Exercise(ref.id, nc.grade_id(cell), index, tests[0],
                                  nc.grade_id(nb["cells"][tests[0]]), top))
    return found


# --------------------------------------------------------------------------------------------
# The cheats


def _coursekit_modules() -> list[types.ModuleType]:
    import coursekit

    modules = [coursekit]
    for info in pkgutil.walk_packages(coursekit.__path__, prefix="coursekit."):
        modules.append(importlib.import_module(info.name))
    return modules


def _nested_functions(function: types.FunctionType, name: str) -> Iterator[tuple[str, Callable]]:
    """Functions defined inside ``function``, rebuilt from their code objects where possible."""
    pending = [function.__code__]
    while pending:
        code = pending.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                pending.append(const)
                # Comprehensions (<listcomp>, <genexpr>) are not functions one could call.
                if not const.co_freevars and (const.co_name == "<lambda>"
                                              or not const.co_name.startswith("<")):
                    yield (f"{name} -> nested {const.co_qualname}",
                           types.FunctionType(const, function.__globals__, const.co_name))


def coursekit_callables() -> list[tuple[str, Callable]]:
    """Every callable of coursekit a student can reach, each once, with a readable name."""
    found: dict[int, tuple[str, Callable]] = {}

    def add(name: str, obj: Callable) -> None:
        found.setdefault(id(obj), (name, obj))

    for module in _coursekit_modules():
        for attr, obj in sorted(vars(module).items()):
            if not callable(obj) or not str(getattr(obj, "__module__", "")).startswith("coursekit"):
                continue
            name = f"{module.__name__}.{attr}"
            add(name, obj)
            if isinstance(obj, type):
                for member_name, member in vars(obj).items():
                    member = getattr(member, "__func__", member)  # static and class methods
                    if callable(member) and isinstance(member, types.FunctionType):
                        add(f"{name}.{member_name}", member)
    for name, obj in list(found.values()):
        if isinstance(obj, types.FunctionType):
            for nested_name, nested in _nested_functions(obj, name):
                add(nested_name, nested)
    return sorted(found.values(), key=lambda item: item[0])


def _call_shapes(is_method: bool) -> list[tuple[str, Callable]]:
    """How a one-line answer could call ``target``: (label, adapter(target, self, args, kwargs))."""
    shapes = [
        ("(*args, **kwargs)", lambda c, s, a, k: c(*a, **k)),
        ("(*args)", lambda c, s, a, k: c(*a)),
        ("(*reversed(args))", lambda c, s, a, k: c(*reversed(a))),
        ("(args[0])", lambda c, s, a, k: c(a[0])),
    ]
    if is_method:
        shapes += [("(self, *args, **kwargs)", lambda c, s, a, k: c(s, *a, **k)),
                   ("(self)", lambda c, s, a, k: c(s))]
    return shapes


def cheats(callables: list[tuple[str, Callable]], is_method: bool) -> Iterator[tuple[str, Callable]]:
    """Stand-ins for an exercise function, each calling one coursekit callable one way."""
    for name, target in callables:
        for label, adapt in _call_shapes(is_method):
            if is_method:
                def cheat(self, *args, _t=target, _adapt=adapt, **kwargs):
                    return _adapt(_t, self, args, kwargs)
            else:
                def cheat(*args, _t=target, _adapt=adapt, **kwargs):
                    return _adapt(_t, None, args, kwargs)
            yield f"{name}{label}", cheat


def _bound_and_read(source: str) -> tuple[set[str], set[str]]:
    """Names a cell binds at top level, and the names it reads without binding them first
    (function bodies included: they read globals when called). Raises SyntaxError."""
    module = symtable.symtable(answers.cell_python(source), "<cell>", "exec")
    bound = {s.get_name() for s in module.get_symbols() if s.is_assigned() or s.is_imported()}
    read = {s.get_name() for s in module.get_symbols() if s.is_referenced()} - bound
    pending = list(module.get_children())
    while pending:
        table = pending.pop()
        pending += table.get_children()
        read |= {s.get_name() for s in table.get_symbols()
                 if s.is_referenced() and (s.is_global() or s.is_free()) and s.get_name() not in bound}
    return bound, read


def cells_to_run(nb: dict, last: int) -> list[int]:
    """The code cells up to ``last`` that the graded cells need: every solution and test cell,
    and every other cell that binds a name a later needed cell reads (a backward slice).

    Demos, plots and widgets that nothing graded depends on are skipped; they are most of a
    notebook's run time. A mistake here cannot hide a leak: the real answers must still pass
    every probed test cell (the control), or the test reports the probe as broken.
    """
    needed: set[str] = set()
    keep: list[int] = []
    for index in range(last, -1, -1):
        cell = nb["cells"][index]
        if cell["cell_type"] != "code":
            continue
        try:
            bound, read = _bound_and_read(cell["source"])
        except SyntaxError:
            bound, read = None, set()
        graded = answers.is_solution_cell(cell) or nc.is_test_cell(cell)
        if graded or bound is None or bound & needed:
            keep.append(index)
            needed |= read
    return sorted(keep)


def _stub(*args, **kwargs):
    raise NotImplementedError("stub: the exercise left unanswered")


# --------------------------------------------------------------------------------------------
# Running a notebook


class CheatTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CheatTimeout(f"stopped after {CHEAT_TIMEOUT_SECONDS} s")


class Notebook:
    """A notebook's cells run in one IPython shell, as in a kernel (magics, display())."""

    def __init__(self, folder: Path) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        class Shell(InteractiveShell):
            def enable_matplotlib(self, gui=None):
                """``%matplotlib inline``: stay on Agg (MPLBACKEND); nobody looks at the figures,
                and rendering them would cost more than every cheat together."""
                return None, None

        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams["figure.max_open_warning"] = 0
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.hist_file = ":memory:"  # probes run side by side: no shared history
        os.chdir(folder)
        self.shell = Shell.instance(config=config)
        self.ns = self.shell.user_ns
        self._compiled: dict[str, types.CodeType] = {}
        signal.signal(signal.SIGALRM, _on_alarm)

    def run(self, source: str, timeout: int | None = None) -> str | None:
        """Run one cell; None if it succeeded, else a one-line description of its error.

        Compiled once and run with ``exec`` inside the shell's builtins (``display``,
        ``get_ipython``): IPython's own ``run_cell`` formats a rich traceback for every failing
        cheat, which costs a hundred times more than the run itself.
        """
        if source not in self._compiled:
            self._compiled[source] = compile(self.shell.transform_cell(source), "<cell>", "exec")
        sink = io.StringIO()
        if timeout:
            signal.alarm(timeout)
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                    self.shell.builtin_trap:
                exec(self._compiled[source], self.ns)
        except (Exception, SystemExit) as error:  # noqa: BLE001 (any failure fails the cell)
            return f"{type(error).__name__}: {str(error)[:300]}"
        finally:
            signal.alarm(0)
            if "matplotlib.pyplot" in sys.modules:  # as the inline backend does after each cell
                sys.modules["matplotlib.pyplot"].close("all")
        return None

    @contextlib.contextmanager
    def scratch(self) -> Iterator[None]:
        """Whatever a trial run binds or rebinds in the namespace, and the global RNGs, go back."""
        import numpy as np

        saved, np_state, py_state = dict(self.ns), np.random.get_state(), random.getstate()
        try:
            yield
        finally:
            for key in [k for k in self.ns if k not in saved]:
                del self.ns[key]
            for key, value in saved.items():
                if self.ns.get(key, saved) is not value:
                    self.ns[key] = value
            np.random.set_state(np_state)
            random.setstate(py_state)

    @contextlib.contextmanager
    def bound(self, qualname: str, replacement: Callable) -> Iterator[None]:
        """``qualname`` (a global or ``Class.method``) replaced by ``replacement`` meanwhile."""
        owner_name, _, attr = qualname.rpartition(".")
        owner = self.ns[owner_name] if owner_name else None
        if owner is None:
            with self.scratch():
                self.ns[attr] = replacement
                yield
            return
        original = owner.__dict__[attr]
        setattr(owner, attr, replacement)
        try:
            with self.scratch():
                yield
        finally:
            setattr(owner, attr, original)


@dataclass
class FunctionProbe:
    """What happened to one exercise function: its stub, and the cheats that passed."""

    stub_error: str | None = None  # None: the stub passed, so this test cell does not test it
    unreachable: str = ""  # why the function could not be swapped (e.g. nested in another)
    cheats_run: int = 0
    passed: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)


@dataclass
class ExerciseResult:
    control_error: str | None = None  # the real answer's test cell run (None: it passed)
    functions: dict[str, FunctionProbe] = field(default_factory=dict)
    seconds: float = 0.0


def _swappable(nb: Notebook, qualname: str) -> str:
    owner_name, _, attr = qualname.rpartition(".")
    if not owner_name:
        return "" if callable(nb.ns.get(attr)) else f"{attr} is not defined after the solution cell"
    owner = nb.ns.get(owner_name)
    if not isinstance(owner, type):
        return f"{owner_name} is not a class (a nested function is part of its parent's answer)"
    return "" if attr in owner.__dict__ else f"{owner_name} has no method {attr} of its own"


def probe(ref: nc.NotebookRef, workdir: Path) -> dict:
    """Run the notebook once, probing each exercise's test cell; a JSON-ready summary."""
    start = time.perf_counter()
    source_nb = nc.read_notebook(ref.source_path)
    planned = exercises(ref, source_nb)
    by_test: dict[int, list[Exercise]] = {}
    for exercise in planned:
        by_test.setdefault(exercise.test_cell, []).append(exercise)
    callables = coursekit_callables()
    nb = Notebook(workdir)
    results: dict[str, ExerciseResult] = {}
    other_errors: list[str] = []
    for index in cells_to_run(source_nb, max(by_test, default=-1)):
        cell = source_nb.cells[index]
        for exercise in by_test.get(index, []):
            began = time.perf_counter()
            result = results[exercise.grade_id] = ExerciseResult()
            for qualname in exercise.functions:
                function = result.functions[qualname] = FunctionProbe()
                function.unreachable = _swappable(nb, qualname)
                if function.unreachable:
                    continue
                with nb.bound(qualname, _stub):
                    function.stub_error = nb.run(cell.source, CHEAT_TIMEOUT_SECONDS)
                if function.stub_error is None:
                    continue
                for name, cheat in cheats(callables, is_method="." in qualname):
                    with nb.bound(qualname, cheat):
                        error = nb.run(cell.source, CHEAT_TIMEOUT_SECONDS)
                    function.cheats_run += 1
                    if error is None:
                        function.passed.append(name)
                    elif error.startswith(CheatTimeout.__name__):
                        function.timed_out.append(name)
            result.seconds = time.perf_counter() - began
        error = nb.run(cell.source)
        for exercise in by_test.get(index, []):
            results[exercise.grade_id].control_error = error
        if error and index not in by_test:
            other_errors.append(f"cell {index} ({nc.grade_id(cell) or 'no grade_id'}): {error}")
    return {"notebook": ref.id, "callables": [name for name, _ in callables],
            "exercises": {gid: asdict(r) for gid, r in results.items()},
            "other_errors": other_errors, "seconds": time.perf_counter() - start}


def main(argv: list[str]) -> int:
    notebook, workdir, out = argv
    assignment, name = Path(notebook).parts[-2:]
    summary = probe(nc.NotebookRef(assignment, name), Path(workdir))
    Path(out).write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# --------------------------------------------------------------------------------------------
# Driving the probes from pytest


class CheatProbes:
    """One probe process per source notebook, started together on first use, two at a time.

    Every notebook runs in its own process, in a scratch copy of its assignment folder, with only
    ``coursekit`` and ``instructor`` (of the course under test) importable besides this folder's
    modules: never the repository root, which would make the answer key importable.
    """

    def __init__(self, scratch: Path, notebooks: set[str], workers: int = 2) -> None:
        self.scratch = scratch
        self.notebooks = notebooks
        self.workers = workers
        self._futures: dict[str, Any] = {}

    def summary(self, notebook: str) -> dict:
        if not self._futures:
            self._start()
        return self._futures[notebook].result()

    def _start(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        import_path = self.scratch / "import-path"
        import_path.mkdir()
        # instructor/ for notebook_course (what counts as an answer), never anything of the
        # answer key.
        for package in ("coursekit", "instructor"):
            (import_path / package).symlink_to(nc.ROOT / package, target_is_directory=True)
        env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join([str(import_path), str(Path(__file__).parent)]))
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="cheat-probe")
        for ref in nc.source_notebooks():
            if ref.id in self.notebooks:
                self._futures[ref.id] = pool.submit(self._run, ref, env)
        pool.shutdown(wait=False)

    def _run(self, ref: nc.NotebookRef, env: dict[str, str]) -> dict:
        import shutil
        import subprocess

        workdir = self.scratch / ref.assignment / ref.stem
        shutil.copytree(ref.source_path.parent, workdir,
                        ignore=shutil.ignore_patterns(*nc.markers().ignore))
        out = workdir / "cheats.json"
        start = time.perf_counter()
        process = subprocess.run([sys.executable, __file__, ref.id, str(workdir), str(out)],
                                 env=env, capture_output=True, text=True, timeout=900, check=False)
        seconds = time.perf_counter() - start
        if process.returncode != 0 or not out.exists():
            return {"exercises": {}, "other_errors": [],
                    "crash": f"the probe exited with {process.returncode}: {process.stderr[-3000:]}"}
        summary = json.loads(out.read_text())
        runs = sum(f["cheats_run"] for e in summary["exercises"].values()
                   for f in e["functions"].values())
        nc.TIMINGS.append((f"cheat probe {ref.id} ({runs} cheat runs)", seconds, ""))
        return summary
