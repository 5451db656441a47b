"""Run one notebook: student cells in a sandbox, test cells in the judge. No gradebook access.

``execute_task`` is what a parallel worker or a Dask worker does (``instructor/grading/parallel.py``), and
what ``SandboxedExecute`` does under a plain ``nbgrader autograde``: a ``Task`` holds everything a
worker needs as plain, picklable data (the sanitised notebook, the instructor's test and set-up
sources, the limits, the submission's other files); the ``Result`` holds the outputs of every code
cell, which nbgrader's own preprocessors then score and record (``instructor/grading/recording.py``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import judge as judge_module
from . import remote, sandbox

if TYPE_CHECKING:  # nbformat imports jsonschema, seconds to start: the judge process goes without
    import nbformat

# How a cell stopped by a time limit ends: the sandbox's wall clock or CPU timer, or the kill.
TIME_LIMIT_ERRORS = ("CellTimeoutError", "CPUTimeLimitExceeded", "SandboxStopped")
STOPPED = "SandboxStopped"


@dataclass
class Task:
    student: str
    notebook: str
    notebook_json: str  # the sanitised notebook (after RepairCells, OverwriteCells...)
    cells: dict[str, dict[str, Any]]  # the gradebook's source cells by grade_id
    limits: sandbox.Limits
    files: dict[str, bytes] = field(default_factory=dict)  # the submission's other files
    isolated: bool = True


@dataclass
class Result:
    student: str
    notebook: str
    outputs: dict[int, list[dict[str, Any]]]  # cell index -> nbformat outputs
    timeouts: list[dict[str, Any]]
    events: list[str]
    seconds: float
    error: str = ""  # why this notebook could not be graded (then nothing of it is recorded)


def submission_files(folder: Path) -> dict[str, bytes]:
    """The files handed in beside the notebooks, for the sandbox's work folder."""
    return {p.name: p.read_bytes() for p in folder.iterdir()
            if p.is_file() and p.suffix != ".ipynb" and p.stat().st_size < sandbox.MAX_FILE}


def test_names(cells: dict[str, dict[str, Any]]) -> set[str]:
    return {name for name, c in cells.items()
            if c["points"] is not None and not c["solution"] and c["cell_type"] == "code"}


def notebook_environment(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Variables the student's process gets from the notebook handed in: its language (the
    Bengali edition's notebooks say ``course.language = "bn"``), so what coursekit prints in
    the graded notebook, and so in the feedback, is in the language the student worked in."""
    language = str(nb.get("metadata", {}).get("course", {}).get("language", "")).strip().lower()
    return {"COURSEKIT_LANGUAGE": language} if language.isalpha() and len(language) <= 8 else {}


@contextlib.contextmanager
def _judged_in(environment: dict[str, str]) -> Iterator[None]:
    """The judge (this process) speaks the notebook's language too: the messages of the tests it
    runs come from coursekit.grading here. One notebook at a time per grading process."""
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_notebook(nb: nbformat.NotebookNode, cells: dict[str, dict[str, Any]], limits: sandbox.Limits,
                 files: Path | dict[str, bytes] | None, *, isolated: bool = True, slot: int | None = None,
                 log: logging.Logger | None = None,
                 report: Callable[[dict[str, Any]], None] | None = None,
                 ) -> tuple[dict[int, list[dict]], list[dict], list[str]]:
    """Execute ``nb`` in order: (outputs by cell index, timeouts, sandbox events). Student and
    set-up cells run in the sandbox; every test cell runs in the judge, from the gradebook's
    source. ``report`` hears when the sandbox is ready, when each code cell starts and what it
    gave (``instructor/grading/judge_process.py`` keeps the clock from outside with it)."""
    report = report or (lambda item: None)
    log = log or logging.getLogger(__name__)
    tests = test_names(cells)
    imports = judge_module.trusted_imports(
        [c["source"] for c in cells.values() if c["locked"] and c["cell_type"] == "code"
         and c["name"] not in tests])
    results: dict[int, list[dict]] = {}
    timeouts: list[dict] = []
    events: list[str] = []
    started = time.monotonic()
    environment = notebook_environment(nb)
    with sandbox.Sandbox(files, limits, slot=slot, policy=judge_module.JudgePolicy(),
                         isolated=isolated, environment=environment) as box, _judged_in(environment):
        judge = judge_module.Judge(box.endpoint, imports)
        report({"ready": True})
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            cell_started = time.monotonic()
            report({"started": index})
            if box.stopped is None and time.monotonic() - started > limits.wall_seconds:
                box.kill(f"the notebook ran longer than {limits.wall_seconds:g} s in all")
            if box.stopped is not None:
                outputs = [_stopped(box.stopped)]
            elif grade_id in tests:
                try:
                    outputs = judge.run_test(cells[grade_id]["source"], grade_id)
                except (remote.ProtocolError, MemoryError) as error:
                    box.kill(_why_stopped(error, box))
                    outputs = [_stopped(box.stopped)]
            else:
                try:
                    outputs = checked_outputs(box.endpoint.call_extra(
                        "run_cell", cell.source, float(limits.cell_cpu_seconds),
                        float(limits.cell_wall_seconds)))
                except (remote.ProtocolError, MemoryError) as error:
                    box.kill(_why_stopped(error, box))
                    outputs = [_stopped(box.stopped)]
            results[index] = outputs
            log.debug("cell %d (%s): %.2f s", index, grade_id or "-", time.monotonic() - cell_started)
            timed_out = [{"cell_index": index, "grade_id": grade_id, "limit": output.get("ename")}
                         for output in outputs
                         if output.get("output_type") == "error" and output.get("ename") in TIME_LIMIT_ERRORS]
            timeouts.extend(timed_out)
            report({"cell": index, "outputs": outputs, "timeouts": timed_out})
        if box.stopped:
            events.append(f"stopped: {box.stopped}")
            log.warning("Sandbox stopped: %s", box.stopped)
    return results, timeouts, events


def execute_task(task: Task) -> Result:
    """One submission's notebook, start to end (runs in a worker process or on a Dask worker).

    Never raises: whatever the submission does, or whatever goes wrong while it is graded, is
    this student's ``Result.error`` (the judge runs in a process of its own, with limits and
    deadlines kept from here: ``instructor/grading/judge_process.py``)."""
    import nbformat

    from . import judge_process

    started = time.monotonic()
    try:
        nb = nbformat.reads(task.notebook_json, as_version=4)
        outputs, timeouts, events, error = judge_process.run(task, nb)
    except Exception as problem:  # noqa: BLE001 (one student's failure is that student's alone)
        return failed_result(task, f"{type(problem).__name__}: {problem}", time.monotonic() - started)
    if not task.isolated:
        events = ["graded without a sandbox (--no-sandbox)", *events]
    return Result(task.student, task.notebook, outputs, timeouts, events, time.monotonic() - started, error)


def failed_result(task: Task, reason: str, seconds: float = 0.0) -> Result:
    """The result of a task that could not be graded: nothing to record, and why."""
    return Result(task.student, task.notebook, {}, [], [], seconds, reason or "unknown error")


def _stopped(reason: str) -> dict[str, Any]:
    return {"output_type": "error", "ename": STOPPED, "evalue": reason,
            "traceback": [f"{STOPPED}: {reason}"]}


def _why_stopped(error: Exception, box: sandbox.Sandbox) -> str:
    if isinstance(error, MemoryError):
        return (f"the notebook sent the judge more data than its {box.limits.judge_memory_mb} MiB "
                "hold; the notebook's process was stopped")
    if isinstance(error, remote.PeerTimeout):
        return (f"a cell or test did not finish within {box.limits.cell_wall_seconds:g} s and ignored "
                "the time limit; the notebook's process was stopped")
    code = box.process.poll() if box.process else None
    if code is not None:
        return f"the notebook's process ended (exit code {code}: out of memory, killed, or exit())"
    return f"the notebook's process broke the protocol ({error})"


OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}


def checked_outputs(outputs: Any) -> list[dict[str, Any]]:
    """Outputs from the sandbox are data from student code: keep only well-formed nbformat outputs."""
    checked = []
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict) or output.get("output_type") not in OUTPUT_TYPES:
            continue
        kind = output["output_type"]
        if kind == "stream":
            checked.append({"output_type": kind, "text": str(output.get("text", "")),
                            "name": "stderr" if output.get("name") == "stderr" else "stdout"})
        elif kind == "error":
            traceback = output.get("traceback")
            checked.append({"output_type": kind, "ename": str(output.get("ename", "")),
                            "evalue": str(output.get("evalue", "")),
                            "traceback": [str(t) for t in traceback] if isinstance(traceback, list) else []})
        else:
            data = output.get("data")
            data = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
            item = {"output_type": kind, "data": data, "metadata": {}}
            if kind == "execute_result":
                item["execution_count"] = None
            checked.append(item)
    return checked
