"""What student code cannot reach in its sandbox: the kernel's riskier calls (the seccomp filter),
memory beside the memory watch, and the host's /proc. Each attack runs in the real sandbox,
driven directly (no nbgrader); a normal notebook's work is checked to run as before.

Each refused call is made with arguments the kernel itself would answer with something other
than EPERM (success, or EINVAL/EFAULT/ENOTTY), so an EPERM can only come from the filter.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import platform
import struct
from pathlib import Path

import pytest

from instructor.grading import remote, sandbox, seccomp


def _run(code: str, limits: sandbox.Limits | None = None, **options) -> str:
    with sandbox.Sandbox(None, limits or sandbox.Limits(wall_seconds=60), **options) as box:
        outputs = box.endpoint.call_extra("run_cell", code, 30.0, 60.0)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


# Each probe runs in a child of its own (a namespace it might make stays there) and answers
# "allowed" or the errno's name.
PROBES = r'''
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NUMBERS = json.loads(%r)
CLONE_NEWNS, CLONE_NEWUSER, SIGCHLD = 0x20000, 0x10000000, 17

def answer(result):
    return "allowed" if result >= 0 else errno.errorcode[ctypes.get_errno()]

def syscall(name, *args):
    return answer(libc.syscall(ctypes.c_long(NUMBERS[name]), *(ctypes.c_long(a) for a in args)))

def mount_in_user_namespace():
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        return errno.errorcode[ctypes.get_errno()]
    return answer(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))

def clone_user_namespace():
    pid = libc.syscall(ctypes.c_long(NUMBERS["clone"]), ctypes.c_long(CLONE_NEWUSER | SIGCHLD),
                       *(ctypes.c_long(0) for _ in range(4)))
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    return answer(pid)

def read_own_memory():
    secret = ctypes.create_string_buffer(b"12345678")
    copy = ctypes.create_string_buffer(8)
    local = (ctypes.c_void_p * 2)(ctypes.addressof(copy), 8)
    remote = (ctypes.c_void_p * 2)(ctypes.addressof(secret), 8)
    return answer(libc.process_vm_readv(os.getpid(), local, 1, remote, 1, 0))

def memfd():
    try:
        os.memfd_create("hidden")
        return "allowed"
    except OSError as error:
        return errno.errorcode[error.errno]

PROBES = {
    "unshare_user_namespace": lambda: answer(libc.unshare(CLONE_NEWUSER)),
    "clone_user_namespace": clone_user_namespace,
    "mount_in_user_namespace": mount_in_user_namespace,
    "clone3": lambda: syscall("clone3", 0, 0),  # the kernel: EINVAL (size 0)
    "ptrace": lambda: answer(libc.ptrace(0, 0, None, None)),  # PTRACE_TRACEME
    "process_vm_readv": read_own_memory,
    "bpf": lambda: syscall("bpf", 9999, 0, 0),  # the kernel: EINVAL (no such command)
    "keyctl": lambda: syscall("keyctl", 0, -3, 1),  # the session keyring's id
    "perf_event_open": lambda: syscall("perf_event_open", 0, 0, -1, -1, 0),  # EFAULT
    "userfaultfd": lambda: syscall("userfaultfd", 1),  # UFFD_USER_MODE_ONLY: unprivileged
    "memfd_create": memfd,
    "shmget": lambda: answer(libc.shmget(0, 2**20, 0o1600)),
    "tiocsti": lambda: answer(libc.ioctl(0, 0x5412, b"x")),  # stdin is /dev/null: ENOTTY
    "personality": lambda: answer(libc.personality(0x0040000)),  # ADDR_NO_RANDOMIZE
}
results = {}
for name, probe in PROBES.items():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            outcome = probe()
        except Exception as error:
            outcome = repr(error)
        os.write(write_end, outcome.encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    results[name] = os.read(read_end, 200).decode()
    os.close(read_end)
print(json.dumps(results))
'''


@pytest.fixture(scope="module")
def refused() -> dict[str, str]:
    numbers = json.dumps(seccomp.SYSCALLS[platform.machine()])
    return json.loads(_run(PROBES % numbers))


@pytest.mark.parametrize("attack, answer", [
    ("unshare_user_namespace", "EPERM"), ("clone_user_namespace", "EPERM"),
    ("mount_in_user_namespace", "EPERM"), ("clone3", "ENOSYS"), ("ptrace", "EPERM"),
    ("process_vm_readv", "EPERM"), ("bpf", "EPERM"), ("keyctl", "EPERM"),
    ("perf_event_open", "EPERM"), ("userfaultfd", "EPERM"), ("memfd_create", "EPERM"),
    ("shmget", "EPERM"), ("tiocsti", "EPERM"), ("personality", "EPERM"),
])
def test_the_filter_refuses_what_a_notebook_never_needs(refused, attack, answer):
    assert refused[attack] == answer, (attack, refused[attack])


def test_a_normal_notebook_still_runs():
    """OpenBLAS with threads of its own, a thread, a subprocess, a process pool, a plot, psutil
    and the CPU count all work under the filter and the masked /proc."""
    printed = _run(
        "import json, os, subprocess, threading\nimport numpy as np, psutil\n"
        "import matplotlib.pyplot as plt\n"
        "a = np.random.default_rng(0).random((600, 600))\nb = a @ a\n"
        "threads = len(os.listdir('/proc/self/task'))\n"
        "box = []\nworker = threading.Thread(target=lambda: box.append(1))\nworker.start()\n"
        "worker.join()\nplt.plot([1, 2])\nplt.savefig('/tmp/plot.png')\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "with ProcessPoolExecutor(2) as pool:\n    pooled = list(pool.map(abs, [-1, -2]))\n"
        "print(json.dumps({'threads': threads, 'thread': box,\n"
        "    'echo': subprocess.run(['echo', 'hi'], capture_output=True, text=True).stdout,\n"
        "    'cpus': os.cpu_count(), 'memory': psutil.virtual_memory().total,\n"
        "    'plot': os.path.getsize('/tmp/plot.png') > 0, 'close': bool(np.allclose(b, b.T.T)),\n"
        "    'pool': pooled}))",
        environment={"OPENBLAS_NUM_THREADS": "2"})
    seen = json.loads(printed)
    assert seen["threads"] >= 2 and seen["thread"] == [1] and seen["echo"] == "hi\n", seen
    assert seen["cpus"] == os.cpu_count() and seen["memory"] > 0 and seen["plot"] and seen["close"]
    assert seen["pool"] == [1, 2]  # multiprocessing's semaphores live in /dev/shm


def test_proc_shows_the_sandbox_not_the_host():
    printed = _run(
        "import json, os, socket\nshown = {}\n"
        "for name in os.listdir('/proc'):\n"
        "    path = os.path.join('/proc', name)\n"
        "    if name.isdigit() or os.path.islink(path):\n"
        "        continue\n"
        "    try:\n"
        "        shown[name] = bool(os.listdir(path) if os.path.isdir(path)\n"
        "                           else open(path, 'rb').read(1))\n"
        "    except OSError as error:\n"
        "        shown[name] = error.strerror\n"
        "print(json.dumps({'shown': sorted(name for name, what in shown.items()\n"
        "                                   if what is not False),\n"
        "    'stat': open('/proc/stat').read(), 'host': socket.gethostname(),\n"
        "    'processes': sorted(int(name) for name in os.listdir('/proc') if name.isdigit())}))")
    seen = json.loads(printed)
    # Host entries present and readable here, and empty or absent there.
    assert Path("/proc/cmdline").read_bytes() and "cmdline" not in seen["shown"]
    assert set(seen["shown"]) <= sandbox.PROC_VISIBLE | {"stat"}, seen["shown"]
    assert {"cpuinfo", "meminfo", "sys"} <= set(seen["shown"])
    assert all(line.startswith("cpu") and set(line.split()[1:]) == {"0"}
               for line in seen["stat"].splitlines()), seen["stat"]
    assert seen["host"] == "sandbox" and max(seen["processes"]) < 100  # its own PID namespace


@pytest.mark.parametrize("folders", [("/tmp", "."), ("/dev/shm", "/tmp")])
def test_what_the_in_memory_folders_hold_counts_in_the_memory_budget(folders):
    """Each folder stays under its size, but two of them with the processes exceed the budget:
    the sandbox is stopped."""
    limits = sandbox.Limits(total_memory_mb=220, disk_mb=128, wall_seconds=60)
    with sandbox.Sandbox(None, limits) as box:
        with pytest.raises(remote.ProtocolError):
            box.endpoint.call_extra("run_cell", (
                "import time\n"
                f"for folder in {folders!r}:\n"
                "    for part in range(5):\n"
                "        with open(f'{folder}/fill{part}', 'wb') as handle:\n"
                "            handle.write(bytes(20 * 2**20))\n"
                "time.sleep(30)"), 0.0, 40.0)
        assert box.stopped and "in-memory folders used more than 220 MiB" in box.stopped
        assert box.memory_watch.peak > 220 * 2**20


# A small classic-BPF interpreter: the program's answers for machines and calling conventions
# this machine cannot produce (aarch64 on x86_64, foreign architectures, the x32 ABI).
CODE = list(struct.iter_unpack("=HBBI", seccomp.program()))


def _decide(arch: int, nr: int, args: tuple[int, ...] = ()) -> int:
    data = struct.pack("<iIQ6Q", nr, arch, 0, *(list(args) + [0] * (6 - len(args))))
    at, accumulator = 0, 0
    while True:
        op, jt, jf, k = CODE[at]
        if op == seccomp.RET:
            return k
        if op == seccomp.LD_W_ABS:
            accumulator = struct.unpack_from("<I", data, k)[0]
            at += 1
            continue
        taken = {seccomp.JEQ: accumulator == k, seccomp.JGE: accumulator >= k,
                 seccomp.JSET: bool(accumulator & k)}[op]
        at += 1 + (jt if taken else jf)


EPERM, ENOSYS = seccomp.ERRNO | errno.EPERM, seccomp.ERRNO | errno.ENOSYS


@pytest.mark.parametrize("machine", sorted(seccomp.SYSCALLS))
def test_the_program_decides_each_machine_by_its_own_numbers(machine):
    arch, numbers = seccomp.AUDIT_ARCH[machine], seccomp.SYSCALLS[machine]
    for name in seccomp.DENIED:
        if name in numbers:
            assert _decide(arch, numbers[name]) == EPERM, name
    assert _decide(arch, numbers["clone3"]) == ENOSYS
    assert _decide(arch, numbers["clone"], (0x10000000 | 17,)) == EPERM  # CLONE_NEWUSER
    assert _decide(arch, numbers["clone"], (0x3D0F00,)) == seccomp.ALLOW  # pthread_create's flags
    assert _decide(arch, numbers["ioctl"], (0, 0x5412)) == EPERM
    assert _decide(arch, numbers["ioctl"], (0, 0x5401)) == seccomp.ALLOW  # TCGETS
    assert _decide(arch, numbers["personality"], (0xFFFFFFFF,)) == seccomp.ALLOW
    assert _decide(arch, numbers["personality"], (0x0040000,)) == EPERM
    assert _decide(arch, 0) == seccomp.ALLOW  # read on x86_64, io_setup on aarch64: both harmless


def test_other_calling_conventions_are_refused_whole():
    i386, arm32 = 0x40000003, 0x40000028
    for arch in (i386, arm32):
        assert _decide(arch, 3) == EPERM  # read, in those numbers
    x32_read = 0x40000000
    assert _decide(seccomp.AUDIT_ARCH["x86_64"], x32_read) == EPERM


def test_the_syscall_tables_agree_with_libseccomp():
    """An independent source for the numbers (skipped where libseccomp is not installed; it
    does not know calls newer than itself)."""
    path = ctypes.util.find_library("seccomp")
    if path is None:
        pytest.skip("libseccomp is not installed")
    resolve = ctypes.CDLL(path).seccomp_syscall_resolve_name_arch
    resolve.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    checked = 0
    for machine, numbers in seccomp.SYSCALLS.items():
        for name, number in numbers.items():
            known = resolve(seccomp.AUDIT_ARCH[machine], name.encode())
            if known >= 0:
                assert known == number, (machine, name)
                checked += 1
    assert checked > 100
