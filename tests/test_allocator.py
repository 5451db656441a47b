"""coursekit keeps freed memory for the next batch: a training step stops page-faulting it back in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A layer's dW = grad.T @ x at the MNIST lab's shapes, on two BLAS threads, as in training.
FAULTS_PER_PRODUCT = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from coursekit.allocator import keep_freed_memory
    assert keep_freed_memory()
rng = np.random.default_rng(0)
grad, x = rng.random((64, 128), dtype=np.float32), rng.random((64, 784), dtype=np.float32)
for _ in range(20):
    grad.T @ x
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    grad.T @ x
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 100)
"""


def faults_per_product(mode: str) -> float:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MALLOC_")}
    environment["OPENBLAS_NUM_THREADS"] = "2"
    result = subprocess.run([sys.executable, "-c", FAULTS_PER_PRODUCT, mode], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120, check=True)
    return float(result.stdout)


def test_freed_memory_is_reused_instead_of_faulted_back_in():
    # The attack: glibc's defaults give the 400 KB dW and OpenBLAS's 512 KB job buffer back to
    # the system after every product, so every product faults both back in.
    assert faults_per_product("default") > 50
    assert faults_per_product("keep") < 5


def test_a_users_own_malloc_settings_win():
    environment = dict(os.environ, MALLOC_TRIM_THRESHOLD_="131072")
    result = subprocess.run([sys.executable, "-c", "from coursekit.allocator import keep_freed_memory; "
                             "print(keep_freed_memory())"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"
