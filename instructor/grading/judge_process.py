"""The judge of one notebook in a process of its own, with a memory limit and a clock kept outside.

The judge decodes what student code sends, so it treats it as hostile: besides the decoding
budgets of ``instructor/grading/remote.py``, it runs in a child process of the grading worker (a fork
of it, or ``python -m instructor.grading.judge_process TASK FD``) whose address space may grow by
``Limits.judge_memory_mb`` at most, and that child and its sandbox are stopped together from here:

- when a code cell, student or test, runs longer than ``cell_wall_seconds`` plus the grace
  period (a test cell makes many requests to student code, each within the per-request limit:
  the cell as a whole is what is timed here);
- when the notebook runs longer than ``wall_seconds`` in all;
- when the child ends without finishing (out of memory, a bug): the student's result is an
  error with the reason, and nothing of theirs is recorded.

The child streams one JSON line per event to this process (``ready``, ``started`` and ``cell``
per code cell, then ``done``), so a notebook stopped here keeps the outputs of the cells that
finished; the cells from the stopped one on read ``SandboxStopped`` with the reason, as when the
sandbox is stopped from inside the judge. Only plain data (JSON) crosses, in both directions.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import resource
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nbformat

STARTUP_SECONDS = 90.0  # the judge's imports and the sandbox's start, before the notebook's clock
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where `instructor` is importable from


def run(task: Any, nb: nbformat.NotebookNode) -> tuple[dict[int, list[dict]], list[dict], list[str], str]:
    """Grade ``task`` in a judge process of its own: (outputs by cell index, timeouts, sandbox
    events, error). ``error`` is empty unless nothing of this notebook can be recorded."""
    from .execution import STOPPED, _stopped

    limits = task.limits
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    outputs: dict[int, list[dict]] = {}
    timeouts: list[dict] = []
    events: list[str] = []
    with tempfile.TemporaryDirectory(prefix="grading-judge-") as folder:
        task_file, errors_file = Path(folder) / "task.json", Path(folder) / "judge-stderr.txt"
        task_file.write_text(json.dumps(_task_to_json(task)), encoding="utf-8")
        process, events_fd = _start(task_file, errors_file, folder)
        stream = _Lines(events_fd)
        deadline, why = time.monotonic() + STARTUP_SECONDS, "the judge and the sandbox did not start in time"
        notebook_deadline = None
        current: int | None = None
        finished = error = ""
        try:
            while not finished:
                item = stream.next(deadline)
                if item is None:  # time is up: judge and sandbox go together
                    stop(process)
                    events.append(f"stopped: {why}")
                    if notebook_deadline is None:
                        error = why
                    for index in code_cells:
                        outputs.setdefault(index, [_stopped(why)])
                    if current is not None:
                        timeouts.append({"cell_index": current, "grade_id": _grade_id(nb, current),
                                         "limit": STOPPED})
                    break
                if item == "closed":
                    code = process.wait()
                    error = (f"the judge process ended before the notebook was graded (exit code {code}"
                             f"{'' if code >= 0 else ', signal ' + signal.Signals(-code).name}): "
                             f"{_tail(errors_file) or 'no message'}")
                    break
                if item.get("ready"):
                    notebook_deadline = time.monotonic() + limits.wall_seconds
                    deadline, why = notebook_deadline, _notebook_over(limits)
                elif "started" in item:
                    current = int(item["started"])
                    cell_deadline = time.monotonic() + limits.cell_wall_seconds + limits.grace()
                    if notebook_deadline is not None and cell_deadline < notebook_deadline:
                        deadline, why = cell_deadline, _cell_over(limits, _grade_id(nb, current))
                    else:
                        deadline, why = notebook_deadline or deadline, _notebook_over(limits)
                elif "cell" in item:
                    outputs[int(item["cell"])] = list(item.get("outputs") or [])
                    timeouts.extend(item.get("timeouts") or [])
                    current = None
                    deadline, why = notebook_deadline or deadline, _notebook_over(limits)
                elif "done" in item:
                    events.extend(str(e) for e in item.get("events") or [])
                    error = str(item.get("error") or "")
                    finished = "done"
        finally:
            stop(process)
            os.close(events_fd)
    return outputs, timeouts, events, error


def _start(task_file: Path, errors_file: Path, folder: str) -> tuple[Any, int]:
    """A judge process for ``task_file`` in a session of its own (its process group: the judge
    and an unsandboxed server together), and the pipe its events come out of.

    Forked from this process when it runs no other thread (a grading worker: the judge's
    modules are imported already, 0.35 s of CPU less per notebook), else a new Python (a Dask
    worker runs threads, which a fork would copy mid-step)."""
    read_fd, write_fd = os.pipe()
    variables = {"TMPDIR": folder, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    if threading.active_count() == 1:
        from IPython.core import inputtransformer2  # noqa: F401 (imported once per worker, not per judge)

        pid = os.fork()
        if pid == 0:  # the judge
            code = 1
            try:
                os.close(read_fd)
                os.setsid()
                errors = os.open(errors_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(errors, 1)
                os.dup2(errors, 2)
                os.environ.update(variables)
                tempfile.tempdir = None
                code = main(str(task_file), write_fd)
            except BaseException:  # noqa: BLE001 (the reason goes to the worker, through the file)
                os.write(2, traceback.format_exc().encode(errors="replace"))
            finally:
                os._exit(code)
        os.close(write_fd)
        return _Forked(pid), read_fd
    environment = {**os.environ, **variables, "PYTHONPATH": os.pathsep.join(
        [str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with open(errors_file, "wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "instructor.grading.judge_process", str(task_file), str(write_fd)],
            stdin=subprocess.DEVNULL, stdout=errors, stderr=errors, env=environment,
            pass_fds=[write_fd], start_new_session=True)
    os.close(write_fd)
    return process, read_fd


class _Forked:
    """A forked judge, with what ``stop`` and ``run`` use of a ``subprocess.Popen``."""

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode


def stop(process: subprocess.Popen) -> None:
    """The judge and everything in its process group (bubblewrap dies with its parent)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def _cell_over(limits: Any, grade_id: str | None) -> str:
    return (f"{'the test ' + grade_id if grade_id else 'a cell'} ran longer than "
            f"{limits.cell_wall_seconds:g} s in all; the notebook's process and its judge were stopped")


def _notebook_over(limits: Any) -> str:
    return (f"the notebook ran longer than {limits.wall_seconds:g} s in all; the notebook's process "
            "and its judge were stopped")


def _grade_id(nb: nbformat.NotebookNode, index: int) -> str | None:
    return nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _tail(path: Path, size: int = 1500) -> str:
    text = path.read_bytes()[-size:].decode("utf-8", errors="replace").strip()
    return text.splitlines()[-1] if text else ""


class _Lines:
    """JSON lines from the judge, each waited for until a deadline (never a blocking read)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer = fd, bytearray()

    def next(self, deadline: float) -> dict[str, Any] | str | None:
        """The next event, ``"closed"`` when the judge is gone, None when the deadline passed."""
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return "closed"
            self.buffer += chunk
        line, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        item = json.loads(line)
        return item if isinstance(item, dict) else "closed"


# ---------------------------------------------------------------------------------------------
# A task as JSON (no pickles between the grading processes either)
# ---------------------------------------------------------------------------------------------
def _task_to_json(task: Any) -> dict[str, Any]:
    data = dataclasses.asdict(task)
    data["files"] = {name: base64.b64encode(content).decode("ascii") for name, content in task.files.items()}
    return data


def _task_from_json(data: dict[str, Any]) -> Any:
    from . import execution, sandbox

    data["limits"] = sandbox.Limits(**data["limits"])
    data["files"] = {name: base64.b64decode(content) for name, content in data["files"].items()}
    return execution.Task(**data)


# ---------------------------------------------------------------------------------------------
# The child
# ---------------------------------------------------------------------------------------------
class _Node(dict):
    """A notebook's dict with attribute access, as nbformat's NotebookNode: the notebook was
    validated by the worker; importing nbformat here (jsonschema) would cost seconds a notebook."""

    __getattr__ = dict.__getitem__


def main(task_file: str, events_fd: int) -> int:
    """Grade the task, reporting each event as a JSON line on ``events_fd``."""
    channel = os.fdopen(events_fd, "w", encoding="utf-8")

    def report(item: dict[str, Any]) -> None:
        channel.write(json.dumps(item) + "\n")
        channel.flush()

    from . import execution, sandbox

    task = _task_from_json(json.loads(Path(task_file).read_text(encoding="utf-8")))
    # What the judge may take beyond what it holds now (a forked judge starts with its worker's
    # memory). Soft limit only: the sandbox's own processes get theirs from instructor/grading/sandbox.py.
    with open("/proc/self/statm", "rb") as statm:
        now = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = now + task.limits.judge_memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    nb = json.loads(task.notebook_json, object_hook=_Node)  # read as nbformat.reads would, not validated
    for cell in nb.cells:  # nbformat writes a source as a list of lines
        cell["source"] = "".join(cell.source) if isinstance(cell.source, list) else cell.source
    try:
        _, _, events = execution.run_notebook(nb, task.cells, task.limits, task.files,
                                              isolated=task.isolated, report=report)
    except sandbox.SandboxUnavailable as problem:
        report({"done": True, "error": str(problem)})
        return 0
    report({"done": True, "events": events})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
