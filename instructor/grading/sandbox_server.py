"""Runs INSIDE the sandbox: the student's cells in an IPython shell, then the judge's requests.

Started by ``instructor.grading.sandbox`` with the protocol on stdin/stdout (``instructor.grading.remote``).
Everything here shares a process with the student's code, so nothing here is trusted: it only
executes and answers. Scores are decided by the judge outside, on the plain data it gets back.

Per cell, a CPU-time and a wall-clock timer stop an honest infinite loop so that only its cell
fails; a notebook that disables them is stopped from outside (the whole sandbox is killed).
"""

from __future__ import annotations

import os
import signal
import sys

# RLIMIT_NPROC does not count root's processes: under a root grader, become the unprivileged
# user it chose for this sandbox before anything else runs (capabilities go with it).
if os.environ.get("GRADER_UID"):
    _uid = int(os.environ.pop("GRADER_UID"))
    os.setgroups([])
    os.setgid(_uid)
    os.setuid(_uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("could not leave the root user")

# The protocol keeps private copies of the pipes; fd 0/1/2 become harmless for student code
# (C-level output and subprocesses write to a file nobody reads back).
PROTOCOL_IN, PROTOCOL_OUT = os.dup(0), os.dup(1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
_sink = os.open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "fd-output.txt"),
                os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.dup2(_sink, 1)
os.dup2(_sink, 2)

import remote
from IPython.core.display_trap import DisplayTrap
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

MAX_CELL_OUTPUT = int(os.environ.get("GRADER_MAX_CELL_OUTPUT", "1000000"))  # characters


class CellTimeoutError(Exception):
    """The cell ran longer than its wall-clock limit."""


class CPUTimeLimitExceeded(Exception):
    """The cell used more CPU time than its limit."""


class Outputs:
    """The current cell's outputs, as nbformat dicts, capped in size."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.size = 0
        self.truncated = False

    def add(self, output: dict, size: int) -> None:
        if self.size + size > MAX_CELL_OUTPUT:
            if not self.truncated:
                self.truncated = True
                self.items.append({"output_type": "stream", "name": "stdout",
                                   "text": "\n[output truncated by the autograder]\n"})
            return
        self.size += size
        self.items.append(output)

    def stream(self, name: str, text: str) -> None:
        if self.items and self.items[-1].get("output_type") == "stream" and \
                self.items[-1].get("name") == name and self.size + len(text) <= MAX_CELL_OUTPUT:
            self.items[-1]["text"] += text
            self.size += len(text)
        else:
            self.add({"output_type": "stream", "name": name, "text": text}, len(text))


CURRENT = Outputs()


class Stream:
    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, text: str) -> int:
        text = str(text)
        if text:
            CURRENT.stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


def _plain(data: dict) -> dict:
    return {str(k): (v if isinstance(v, str) else str(v)) for k, v in (data or {}).items()
            if isinstance(v, (str, bytes)) or k == "text/plain"}


class Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        data = _plain(data)
        CURRENT.add({"output_type": "display_data", "data": data, "metadata": {}},
                    sum(len(v) for v in data.values()))

    def clear_output(self, wait=False):
        CURRENT.items.clear()


class Hook(DisplayHook):
    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        data = _plain(format_dict)
        CURRENT.add({"output_type": "execute_result", "data": data, "metadata": {},
                     "execution_count": self.prompt_count}, sum(len(v) for v in data.values()))


class Shell(InteractiveShell):
    def init_display_pub(self):
        self.display_pub = Publisher(shell=self, parent=self)
        self.configurables.append(self.display_pub)

    def init_displayhook(self):
        self.displayhook = Hook(shell=self, cache_size=self.cache_size, parent=self)
        self.configurables.append(self.displayhook)
        self.display_trap = DisplayTrap(hook=self.displayhook)

    def enable_gui(self, gui=None):  # %matplotlib inline needs no event loop
        if gui not in (None, "inline"):
            raise NotImplementedError(f"no GUI ({gui}) in the autograder: use %matplotlib inline")

    def _showtraceback(self, etype, evalue, stb):
        text = self.InteractiveTB.stb2text(stb)
        CURRENT.add({"output_type": "error", "ename": str(getattr(etype, "__name__", etype)),
                     "evalue": str(evalue)[:4000], "traceback": [text[-20000:]]}, len(text))


def _interrupt(kind):
    def handler(signum, frame):
        raise kind("the cell was stopped by the autograder's time limit")
    return handler


def run_cell(source: str, cpu_seconds: float, wall_seconds: float) -> list:
    global CURRENT
    CURRENT = Outputs()
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    signal.signal(signal.SIGPROF, _interrupt(CPUTimeLimitExceeded))
    signal.signal(signal.SIGALRM, _interrupt(CellTimeoutError))
    if cpu_seconds:
        signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    if wall_seconds:
        signal.setitimer(signal.ITIMER_REAL, wall_seconds)
    try:
        SHELL.run_cell(source, store_history=True)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
    return CURRENT.items


def namespace() -> dict:
    """The student's names for the judge: no modules, no IPython internals, no _private names."""
    hidden = set(SHELL.user_ns_hidden)
    names = {}
    for name, value in list(SHELL.user_ns.items()):
        if name.startswith("_") or name in hidden or type(value).__name__ == "module":
            continue
        names[name] = value
    return names


def run_function(source: str, name: str, args: list, kwargs: dict):
    """A test's own function (``coursekit.grading.in_notebook``), run among the student's names."""
    namespace = dict(SHELL.user_ns)
    exec(compile(str(source), "<test function>", "exec"), namespace)  # noqa: S102 (the judge's test)
    return namespace[str(name)](*args, **kwargs)


def main() -> None:
    global SHELL
    SHELL = Shell.instance(colors="nocolor")
    SHELL.user_ns["__name__"] = "__main__"
    endpoint = remote.Endpoint(PROTOCOL_IN, PROTOCOL_OUT, array_handles=True,
                               inline_array_bytes=8 * 2**20)
    endpoint.extra_ops["run_cell"] = run_cell
    endpoint.extra_ops["namespace"] = namespace
    endpoint.extra_ops["run_function"] = run_function
    endpoint.extra_ops["set_global"] = lambda name, value: SHELL.user_ns.__setitem__(str(name), value)
    limits = {"cpu": 0.0, "wall": 0.0}

    def set_request_limits(cpu: float, wall: float) -> None:
        limits.update(cpu=cpu, wall=wall)

    endpoint.extra_ops["set_request_limits"] = set_request_limits
    original = endpoint.perform

    def perform(op, target, args):
        if op in endpoint.extra_ops and op != "run_function":
            return original(op, target, args)
        # Student code runs in getattr (properties), calls, len...: stop honest loops here too.
        global CURRENT
        CURRENT = Outputs()
        sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
        signal.signal(signal.SIGPROF, _interrupt(CPUTimeLimitExceeded))
        signal.signal(signal.SIGALRM, _interrupt(CellTimeoutError))
        nested = signal.getitimer(signal.ITIMER_PROF)[0] > 0
        if not nested and limits["cpu"]:
            signal.setitimer(signal.ITIMER_PROF, limits["cpu"])
        if not nested and limits["wall"]:
            signal.setitimer(signal.ITIMER_REAL, limits["wall"])
        try:
            return original(op, target, args)
        finally:
            if not nested:
                signal.setitimer(signal.ITIMER_PROF, 0)
                signal.setitimer(signal.ITIMER_REAL, 0)
            if CURRENT.items:
                try:
                    remote.write_message(PROTOCOL_OUT, {"output": [
                        {"name": o.get("name", "stdout"), "text": o.get("text", "")}
                        for o in CURRENT.items if o.get("output_type") == "stream"]}, [])
                except OSError:
                    pass

    endpoint.perform = perform
    remote.write_message(PROTOCOL_OUT, {"ready": True}, [])
    endpoint.serve_forever()


if __name__ == "__main__":
    main()
