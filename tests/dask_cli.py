"""A Dask cluster started from the command line, as docs/instructor-lab.md tells instructors to
start one, and the grades a run left in the gradebook: for tests/test_parallel_grading.py and
benchmarks/benchmark_grading.py, which compare grades across serial, --jobs and Dask runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def cluster(folder: Path, workers: int = 2) -> Iterator[str]:
    """A scheduler and one process per worker (``dask scheduler``, ``dask worker``), in
    ``folder`` and with no PYTHONPATH, so the workers find ``instructor`` only as installed;
    yields the scheduler's address."""
    import distributed

    dask = os.path.join(os.path.dirname(sys.executable), "dask")
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    scheduler_file = folder / "scheduler.json"
    with open(folder / "dask.log", "wb") as log:
        common: dict[str, Any] = {"cwd": folder, "env": environment, "stdout": subprocess.DEVNULL,
                                  "stderr": log, "start_new_session": True}
        processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                       "--no-dashboard", "--scheduler-file", str(scheduler_file)], **common)]
        try:
            started = time.monotonic()
            while not scheduler_file.is_file() and time.monotonic() - started < 60:
                time.sleep(0.1)
            processes.append(subprocess.Popen(
                [dask, "worker", "--scheduler-file", str(scheduler_file), "--nworkers", str(workers),
                 "--nthreads", "1", "--no-dashboard", "--local-directory", str(folder)], **common))
            with distributed.Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
                client.wait_for_workers(workers, timeout=60)
                address = client.scheduler.address
            yield address
        finally:
            for process in reversed(processes):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def grades(course: Any, assignment: str) -> dict[str, dict[str, float | None]]:
    """student -> test cell -> score, as the gradebook holds them."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        return {s.id: {g.name: g.score for nb in gradebook.find_submission(assignment, s.id).notebooks
                       for g in nb.grades} for s in gradebook.students}
