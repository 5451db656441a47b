"""Grade many submissions at once: all cores (``--jobs``) or a Dask cluster (``--scheduler``).

nbgrader has no parallel autograde (its issue #174) and its gradebook wants one writer. So the
slow part, running each notebook, is done ahead, in parallel, and nbgrader then does what it
is good at, once, serially: it writes, scores and records every notebook, replaying the outputs
computed ahead (``SandboxedExecute.results_dir``). Three steps:

1. here, serially, with nbgrader's own sanitising preprocessors (the course's configuration):
   each submission becomes a ``Task``: the sanitised notebook, the gradebook's test and set-up
   sources, the limits and the submission's other files. Plain data, nothing else travels;
2. in worker processes (``concurrent.futures``) or on Dask workers, each in its own sandbox:
   ``execution.execute_task``. A line per student is printed and logged as each one finishes;
3. one ``nbgrader autograde`` run writes the gradebook (``instructor/grade.py``).

The three overlap: a task goes to a worker as soon as it is prepared, and with more than one
job nbgrader starts at once and records each notebook as soon as its outputs are there
(``RUNNING`` in the results folder tells it to wait for the rest), so its serial share is
hidden behind the workers instead of added after them.

Dask workers need this course's Python environment (same packages, ``instructor`` and
``coursekit`` importable) and bubblewrap; the gradebook never leaves the instructor's machine.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import nbformat

from . import execution, sandbox

RUNNING = "RUNNING"  # in the results folder while workers may still add results


def prepare_tasks(course: Any, assignment: str, students: list[str], limits: sandbox.Limits,
                  isolated: bool = True, problems: dict[str, str] | None = None) -> Iterator[execution.Task]:
    """Sanitise each submission as nbgrader's Autograde would, one task at a time (a worker can
    start on the first while the next is prepared); what cannot be prepared goes to ``problems``
    (student -> why)."""
    problems = {} if problems is None else problems
    from sqlalchemy.exc import SAWarning
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    from .preprocessors import _source_cells

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    names = config.get("Autograde", {}).get("sanitize_preprocessors") or []
    preprocessors = [import_item(name)(config=config) for name in names]
    for preprocessor in preprocessors:
        preprocessor.enabled = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        for student in students:
            folder = course.path("submitted", student, assignment)
            files = execution.submission_files(folder)
            for notebook in course.notebooks(assignment):
                resources = {"nbgrader": {"student": student, "assignment": assignment,
                                          "notebook": notebook, "db_url": course.db_url},
                             "metadata": {"path": str(folder)}, "unique_key": notebook}
                try:
                    nb = nbformat.read(folder / f"{notebook}.ipynb", as_version=4)
                    for preprocessor in preprocessors:
                        nb, resources = preprocessor(nb, resources)
                    cells = {c["name"]: c for c in _source_cells(resources)}
                except Exception as error:  # noqa: BLE001 (nbgrader reports it in step 3)
                    problems[student] = f"{type(error).__name__}: {error}"
                    continue
                yield execution.Task(student, notebook, nbformat.writes(nb), cells, limits, files, isolated)


def longest_first(students: list[str], seconds: dict[str, float]) -> list[str]:
    """The order to hand students to the workers: the slowest at the last grading first, so that
    no slow notebook runs alone at the end; a student never timed counts as a typical one (the
    median). Without timings, the order is kept."""
    known = sorted(seconds[s] for s in students if s in seconds)
    if not known:
        return list(students)
    typical = known[len(known) // 2]
    return sorted(students, key=lambda s: -seconds.get(s, typical))


def save_result(results_dir: Path, result: execution.Result) -> None:
    """The result for nbgrader to record; for a failed one, the reason (nbgrader then fails that
    submission with it, and never runs the notebook itself)."""
    folder = results_dir / result.student
    folder.mkdir(parents=True, exist_ok=True)
    data = {"fingerprint": result.fingerprint, "outputs": {str(k): v for k, v in result.outputs.items()},
            "timeouts": result.timeouts, "events": result.events, "seconds": result.seconds}
    if result.error:
        data = {"error": result.error, "seconds": result.seconds}
    partial = folder / f"{result.notebook}.json.part"  # nbgrader may be waiting for the file: whole or absent
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, folder / f"{result.notebook}.json")


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_tasks(tasks: Iterable[execution.Task], *, jobs: int = 1, scheduler: str | None = None,
              on_result: Callable[[execution.Result], None] | None = None) -> list[execution.Result]:
    """Execute every task: here (jobs 1), in `jobs` processes, or on the Dask cluster `scheduler`.

    Every task gets a result: one that cannot be executed (its worker died, the cluster went
    away) is a failed result with the reason, and the other tasks go on."""
    results = []
    pending: dict[Any, execution.Task] = {}  # future -> its task

    def finished(result: execution.Result) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    def collect(future: Any, where: str) -> None:
        task = pending.pop(future)
        try:
            result = future.result()
        except Exception as error:  # noqa: BLE001 (a lost worker fails its task, not the run)
            result = execution.failed_result(task, f"{where}: {type(error).__name__}: {error}")
        finished(result)

    tasks = iter(tasks)
    try:
        if scheduler:
            from distributed import Client
            from distributed import as_completed as dask_completed

            with Client(scheduler, timeout="30s") as client:
                for task in tasks:
                    pending[client.submit(execution.execute_task, task, pure=False,
                                          key=f"grade-{task.student}-{task.notebook}-{time.time_ns()}")] = task
                for future in dask_completed(list(pending)):
                    collect(future, "its Dask worker failed")
        elif jobs <= 1:
            for task in tasks:
                finished(execution.execute_task(task))
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for task in tasks:
                    pending[pool.submit(execution.execute_task, task)] = task
                for future in as_completed(list(pending)):
                    collect(future, "its worker process failed")
    except Exception as error:  # noqa: BLE001 (the cluster or the pool is gone: fail what is left)
        reason = f"grading stopped before this notebook finished: {type(error).__name__}: {error}"
        for task in [*pending.values(), *tasks]:
            finished(execution.failed_result(task, reason))
    return results


class Progress:
    """``[12/40] s012  30/30  14 s  ETA 6 min``: printed and appended to the log as it goes."""

    def __init__(self, total: int, log_path: Path, echo: Callable[[str], None] = print) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.log_path, self.echo = log_path, echo
        log_path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, result: execution.Result) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = self.total - self.done
        eta = "" if not left else f"  ETA {_duration(elapsed / self.done * left)}"
        score = "error" if result.error else f"{result.score:g}/{result.max_score:g}"
        line = (f"[{self.done}/{self.total}] {result.student}  {score}  {result.seconds:.0f} s{eta}"
                + (f"  ({result.error})" if result.error else "")
                + (f"  ({'; '.join(result.events)})" if result.events else ""))
        self.echo(line)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(line + "\n")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
