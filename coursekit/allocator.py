"""Keep freed memory in the process for the next batch instead of handing it back (glibc only).

Why: for a multi-threaded product such as a layer's dW = grad.T @ x, the OpenBLAS inside NumPy
allocates a 512 KB job buffer, and glibc returns the top of the heap to the operating system as
soon as that buffer and the batch's arrays are freed. Every batch then page-faults the same
memory back in, zeroed by the kernel: about 120 faults per dW of a 784x128 layer, which cost more
than the product itself (README, Performance). Raising glibc's trim threshold keeps that memory
for reuse, as ``MALLOC_TRIM_THRESHOLD_`` in the environment would; the course's code is unchanged.
"""

from __future__ import annotations

import ctypes
import os
import sys

# glibc's <malloc.h>: mallopt parameters.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Freed memory at the top of the heap is kept up to this size...
KEEP_FREED_BYTES = 64 * 2**20
# ...and arrays below this size come from the heap, where freed memory is reused. Setting the trim
# threshold turns off glibc's self-tuning of this one, so it is set too: above a batch's arrays
# (800 KB for a 784x256 dW), below whole-data-set arrays, which are still mapped and unmapped.
HEAP_BELOW_BYTES = 4 * 2**20
ENVIRONMENT_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_")


def keep_freed_memory() -> bool:
    """Apply the settings above to this process; True if applied (glibc, not set by the user)."""
    if not sys.platform.startswith("linux") or any(name in os.environ for name in ENVIRONMENT_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 -- glibc only: musl's mallopt does nothing
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, HEAP_BELOW_BYTES) and mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))
