"""The seccomp filter of the sandbox: the system calls student code may not make, as a small
classic-BPF program that bubblewrap loads (``bwrap --seccomp FD``) just before it starts the
sandbox server. Generated here, in Python, so that it needs nothing installed (no libseccomp).

The namespaces, the unprivileged user id and the dropped capabilities already refuse most of
these calls; the filter is the second wall, and the only one for what an unprivileged user may
do by default: make a user namespace of its own (and in it mount, and reach kernel code written
for root), debug its own processes, load BPF programs, use keyrings, perf events or
userfaultfd (the usual helpers of kernel exploits), or hold memory where the grader's memory
watch cannot see it. A denied call fails with EPERM, as if it were not permitted, so Python
raises ``PermissionError`` and the notebook goes on.

The kernel hands the filter a ``struct seccomp_data`` (linux/seccomp.h)::

    int nr;  u32 arch;  u64 instruction_pointer;  u64 args[6];

Both supported machines are little-endian, so the low 32 bits of ``args[i]`` are the word at
``16 + 8 * i``. Each machine has its own system-call numbers (arch/x86/entry/syscalls/
syscall_64.tbl; include/uapi/asm-generic/unistd.h for aarch64); a call made with any other
convention (32-bit ``int 0x80`` on x86_64, the x32 ABI) is refused whole, since its numbers
mean other calls.
"""

from __future__ import annotations

import errno
import platform
import struct

# Every call refused outright, with why. Names are the kernel's; numbers per machine below.
DENIED = {
    # New namespaces and joining others: a user namespace gives its creator every capability in
    # it, which opens mounts and kernel code written for root (the way into many exploits).
    "unshare": "new namespaces (clone's namespace flags are checked separately)",
    "setns": "joining another namespace",
    # The mount table: what the sandbox sees is decided by bubblewrap, never changed from inside.
    "mount": "mounts", "umount2": "unmounting (would uncover what a mount hides)",
    "pivot_root": "changing the root", "chroot": "changing the root",
    "move_mount": "new mount API", "open_tree": "new mount API", "open_tree_attr": "new mount API",
    "fsopen": "new mount API", "fsconfig": "new mount API", "fsmount": "new mount API",
    "fspick": "new mount API", "mount_setattr": "new mount API",
    # Reading or steering another process: the student's own helpers, or the sandbox server
    # while it answers the judge. Grading needs no debugger.
    "ptrace": "debugging another process", "process_vm_readv": "reading another process",
    "process_vm_writev": "writing another process",
    "kcmp": "comparing other processes' kernel state",
    "pidfd_getfd": "stealing another process's file descriptors",
    # Kernel attack surface an unprivileged user reaches by default, used by no notebook.
    "bpf": "BPF programs", "perf_event_open": "perf events (also a side channel)",
    "userfaultfd": "userfaultfd (stalls the kernel mid-copy: an exploit helper)",
    "keyctl": "keyrings (per-user, shared with the host user)", "add_key": "keyrings",
    "request_key": "keyrings (can call out to a host helper)",
    "io_uring_setup": "io_uring (large attack surface)", "io_uring_enter": "io_uring",
    "io_uring_register": "io_uring",
    "open_by_handle_at": "opening files by handle, around the mount table",
    "name_to_handle_at": "file handles", "syslog": "the kernel log (host information)",
    # Memory that no process's resident size and no folder shows (a memfd written but not
    # mapped, a System V segment after its last detach): the grader's memory watch could not
    # count it (sandbox.MemoryWatch). Python's multiprocessing uses neither.
    "memfd_create": "memory outside the memory watch",
    "memfd_secret": "memory outside the memory watch", "shmget": "memory outside the memory watch",
    # Administration of the machine: the kernel allows them to root only, and no notebook needs
    # them; refused here too in case a privilege slips through.
    "kexec_load": "a new kernel", "kexec_file_load": "a new kernel",
    "init_module": "kernel modules", "finit_module": "kernel modules",
    "delete_module": "kernel modules", "reboot": "rebooting", "swapon": "swap", "swapoff": "swap",
    "acct": "process accounting", "quotactl": "disk quotas", "vhangup": "terminals",
    "settimeofday": "the clock", "clock_settime": "the clock", "clock_adjtime": "the clock",
    "adjtimex": "the clock",
    # x86 port I/O.
    "iopl": "port I/O", "ioperm": "port I/O",
}

# Calls refused with ENOSYS ("not implemented here") because a caller has a fallback for it:
# clone3 takes its flags in a struct the filter cannot read, and glibc then uses clone, whose
# flags the filter checks.
NOT_IMPLEMENTED = ("clone3",)

SYSCALLS = {
    "x86_64": {
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
        "chroot": 161, "move_mount": 429, "open_tree": 428, "open_tree_attr": 467, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "pidfd_getfd": 438,
        "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "keyctl": 250, "add_key": 248,
        "request_key": 249, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "syslog": 103, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
        "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163, "quotactl": 179,
        "vhangup": 153, "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305,
        "adjtimex": 159, "iopl": 172, "ioperm": 173, "memfd_create": 319, "memfd_secret": 447,
        "shmget": 29,
        "clone3": 435, "clone": 56, "ioctl": 16, "personality": 135,
    },
    "aarch64": {
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41,
        "chroot": 51, "move_mount": 429, "open_tree": 428, "open_tree_attr": 467, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "pidfd_getfd": 438,
        "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "keyctl": 219, "add_key": 217,
        "request_key": 218, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "syslog": 116, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
        "reboot": 142, "swapon": 224, "swapoff": 225, "acct": 89, "quotactl": 60,
        "vhangup": 58, "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266,
        "adjtimex": 171, "memfd_create": 279, "memfd_secret": 447, "shmget": 194,
        # no iopl/ioperm on arm
        "clone3": 435, "clone": 220, "ioctl": 29, "personality": 92,
    },
}

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}  # linux/audit.h
X32_SYSCALL_BIT = 0x40000000  # x86_64's x32 ABI: the same numbers with this bit, other meanings

# clone's namespace flags (linux/sched.h). The kernel reads only the low 32 bits of clone's
# flags. (CLONE_NEWTIME, 0x80, is not a clone flag: those bits are the exit signal there.)
CLONE_NAMESPACES = (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
                    | 0x40000000)  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
# ioctls that act on a terminal the sandbox does not own: TIOCSTI types into it (the sandbox is
# in a session of its own, so this is a second wall), TIOCLINUX reaches the console.
DENIED_IOCTLS = {0x5412: "TIOCSTI", 0x541C: "TIOCLINUX"}
# personality(): the query (0xffffffff) and plain Linux (0) only; the other flags weaken a
# later exec (ADDR_NO_RANDOMIZE turns off address randomisation, READ_IMPLIES_EXEC, ...).
ALLOWED_PERSONALITIES = (0, 0xFFFFFFFF)

# Offsets in struct seccomp_data.
NR, ARCH = 0, 4
ARG_LOW = [16 + 8 * i for i in range(6)]  # low 32 bits of args[i] (little-endian)

# Classic BPF (linux/filter.h, linux/bpf_common.h) and seccomp's return values.
LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
ALLOW, ERRNO = 0x7FFF0000, 0x00050000


class Program:
    """A tiny assembler: jumps name a label, resolved to BPF's forward offsets (at most 255)."""

    def __init__(self) -> None:
        self.code: list[tuple[int, object, object, int]] = []
        self.labels: dict[str, int] = {}

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def load(self, offset: int) -> None:
        self.code.append((LD_W_ABS, 0, 0, offset))

    def jump(self, op: int, value: int, if_true: str | int = 0, if_false: str | int = 0) -> None:
        self.code.append((op, if_true, if_false, value))

    def ret(self, action: int) -> None:
        self.code.append((RET, 0, 0, action))

    def assemble(self) -> bytes:
        def offset(target: str | int, at: int) -> int:
            if isinstance(target, int):
                return target
            distance = self.labels[target] - at - 1
            assert 0 <= distance <= 255, f"jump to {target} out of range"
            return distance

        return b"".join(struct.pack("=HBBI", op, offset(jt, at), offset(jf, at), k)
                        for at, (op, jt, jf, k) in enumerate(self.code))


def program(machines: tuple[str, ...] = tuple(SYSCALLS)) -> bytes:
    """The filter as bwrap reads it: an array of ``struct sock_filter``."""
    bpf = Program()
    bpf.load(ARCH)
    for machine in machines:
        bpf.jump(JEQ, AUDIT_ARCH[machine], if_true=machine)
    bpf.ret(ERRNO | errno.EPERM)  # another calling convention: nothing of it is allowed
    for machine in machines:
        numbers = SYSCALLS[machine]
        bpf.label(machine)
        bpf.load(NR)
        if machine == "x86_64":
            bpf.jump(JGE, X32_SYSCALL_BIT, if_true="eperm")
        for name in DENIED:
            if name in numbers:
                bpf.jump(JEQ, numbers[name], if_true="eperm")
        for name in NOT_IMPLEMENTED:
            bpf.jump(JEQ, numbers[name], if_true="enosys")
        bpf.jump(JEQ, numbers["clone"], if_true="clone")
        bpf.jump(JEQ, numbers["ioctl"], if_true="ioctl")
        bpf.jump(JEQ, numbers["personality"], if_true="personality")
        bpf.ret(ALLOW)
    bpf.label("clone")
    bpf.load(ARG_LOW[0])
    bpf.jump(JSET, CLONE_NAMESPACES, if_true="eperm", if_false="allow")
    bpf.label("ioctl")
    bpf.load(ARG_LOW[1])
    for request in DENIED_IOCTLS:
        bpf.jump(JEQ, request, if_true="eperm")
    bpf.ret(ALLOW)
    bpf.label("personality")
    bpf.load(ARG_LOW[0])
    for persona in ALLOWED_PERSONALITIES:
        bpf.jump(JEQ, persona, if_true="allow")
    bpf.label("eperm")
    bpf.ret(ERRNO | errno.EPERM)
    bpf.label("enosys")
    bpf.ret(ERRNO | errno.ENOSYS)
    bpf.label("allow")
    bpf.ret(ALLOW)
    return bpf.assemble()


def supported() -> bool:
    """Whether this machine is one the filter knows (else the sandbox refuses to start)."""
    return platform.machine() in SYSCALLS
