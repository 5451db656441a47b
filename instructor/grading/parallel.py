"""Grade many submissions at once: all cores (``--jobs``) or a Dask cluster (``--scheduler``).

nbgrader has no parallel autograde (its issue #174) and its gradebook wants one writer. So the
slow part, running each notebook in its sandbox, is done by workers, and this process does the
rest with nbgrader's own converter (``instructor/grading/recording.py``): it sanitises each submission
into a ``Task`` (plain data: the sanitised notebook, the gradebook's test and set-up sources, the
limits, the submission's other files), hands it to a worker (``execution.execute_task``, in a
``concurrent.futures`` process or on a Dask worker) and records each result in the gradebook as it
arrives, with a line per student (``Progress``).

Dask workers need this course's Python environment (same packages, ``instructor`` and
``coursekit`` installed) and bubblewrap; the gradebook never leaves the instructor's machine.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from . import execution


def longest_first(students: list[str], seconds: dict[str, float]) -> list[str]:
    """The order to hand students to the workers: the slowest at the last grading first, so that
    no slow notebook runs alone at the end; a student never timed counts as a typical one (the
    median). Without timings, the order is kept."""
    known = sorted(seconds[s] for s in students if s in seconds)
    if not known:
        return list(students)
    typical = known[len(known) // 2]
    return sorted(students, key=lambda s: -seconds.get(s, typical))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_tasks(tasks: Iterable[execution.Task], *, jobs: int = 1, scheduler: str | None = None,
              on_result: Callable[[execution.Result], None] | None = None,
              on_slots: Callable[[int], None] | None = None) -> list[execution.Result]:
    """Execute every task: here (jobs 1), in `jobs` processes, or on the Dask cluster `scheduler`.

    Every task gets a result: one that cannot be executed (its worker died, the cluster went
    away) is a failed result with the reason, and the other tasks go on. ``on_result`` must not
    raise; ``on_slots`` hears how many notebooks the cluster runs at once."""
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
                if on_slots is not None:
                    on_slots(sum(client.nthreads().values()) or 1)
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


class Estimate:
    """How long the students not finished yet will take, about: each one's time at the last grading
    where known (what ``longest_first`` orders by), else the typical (median) time of the students
    finished in this run, else of the last grading; over the notebooks that run at once."""

    def __init__(self, students: list[str], earlier: dict[str, float], slots: int) -> None:
        self.left, self.earlier, self.slots = list(students), earlier, max(1, slots)
        self.finished: list[float] = []

    def done(self, student: str, seconds: float | None) -> None:
        """``seconds`` None: this student never ran (it says nothing about the others)."""
        self.left.remove(student)
        if seconds is not None:
            self.finished.append(seconds)

    def seconds_left(self) -> float | None:
        """None when nothing is known to estimate from (the first student of a first grading)."""
        if not self.left:
            return 0.0
        known = self.finished or [self.earlier[s] for s in self.left if s in self.earlier]
        if not known:
            return None
        typical = statistics.median(known)
        work = sum(self.earlier.get(student, typical) for student in self.left)
        return work / min(self.slots, len(self.left))


def about(seconds: float) -> str:
    """A duration as precise as an estimate is: tens of seconds, whole minutes, half hours."""
    if seconds < 60:
        return f"about {max(10, round(seconds / 10) * 10)} s"
    if seconds < 90 * 60:
        return f"about {max(1, round(seconds / 60))} min"
    return f"about {round(seconds / 1800) / 2:g} h"


class Progress:
    """``[12/40] s012  30/30  14 s  ETA about 6 min``: a line per student as each one is recorded,
    printed and appended to the log."""

    def __init__(self, estimate: Estimate, log_path: Path, echo: Callable[[str], None] = print) -> None:
        self.estimate, self.total, self.done = estimate, len(estimate.left), 0
        self.log_path, self.echo = log_path, echo
        log_path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, student: str, outcome: str, seconds: float | None, notes: list[str]) -> None:
        self.done += 1
        self.estimate.done(student, seconds)
        left = self.estimate.seconds_left()
        line = (f"[{self.done}/{self.total}] {student}  {outcome}  {seconds or 0:.0f} s"
                + (f"  ETA {about(left)}" if left is not None and self.estimate.left else "")
                + (f"  ({'; '.join(notes)})" if notes else ""))
        self.echo(line)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(line + "\n")
