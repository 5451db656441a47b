"""Where a training batch's time goes: microseconds per batch for each step of the reference framework.

Trains the benchmark's networks (batch 64, ReLU, softmax + cross-entropy, the first layer
without its input gradient) on MNIST-shaped float32 inputs, the steps of ``train_epoch`` written
out one by one so that each can be timed on its own: the batch gather, every layer's forward,
the loss and its gradient, every layer's backward and update. Then the matmul floor of a batch
(``benchmark_training.matmul_floor``) for comparison. The README's table "Where the time goes"
comes from this script.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/profile_training.py
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/profile_training.py --batches 3000 --runs 5

The clock is ``time.perf_counter_ns``: with one BLAS thread on an otherwise idle machine it is
the CPU time too, and it costs far less per reading than the CPU-time clock (a system call),
which would inflate the small steps. A shared machine moves every figure from run to run, so
the script repeats the whole measurement and prints the run with the lowest total.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_training import ARCHITECTURES, BATCH, blas_threads, make_data, make_net, matmul_floor

from solutions import CrossEntropyLoss


def profile_run(sizes: tuple[int, ...], x: np.ndarray, y: np.ndarray, batches: int) -> tuple[dict, float]:
    """Microseconds per batch of each step, and of the whole batch, over `batches` batches."""
    net, loss = make_net(sizes), CrossEntropyLoss()
    spent = defaultdict(int)
    clock = time.perf_counter_ns

    def timed(step: str, function, *args):
        start = clock()
        result = function(*args)
        spent[step] += clock() - start
        return result

    def train(count: int) -> None:
        order = np.random.default_rng(0).permutation(len(x))
        for start in range(0, count * BATCH, BATCH):
            rows = order[start % len(x):start % len(x) + BATCH]
            batch_x, batch_y = timed("the batch gather train_x[rows]", lambda: (x[rows], y[rows]))  # noqa: B023
            out = batch_x
            for layer in net.layers:
                out = timed(f"forward  {layer!r}", layer.forward, out)
            timed("the loss: forward", loss.forward, out, batch_y)
            grad = timed("the loss: backward", loss.backward)
            for layer in reversed(net.layers):
                grad = timed(f"backward {layer!r}", layer.backward, grad)
            for layer in net.layers:
                timed(f"update   {layer!r}", layer.update, 0.01)

    train(50)  # warm-up
    spent.clear()
    start = clock()
    train(batches)
    total = clock() - start
    return {step: ns / batches / 1000 for step, ns in spent.items()}, total / batches / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=900, help="batches timed per run")
    parser.add_argument("--runs", type=int, default=3, help="repetitions; the quietest is printed")
    args = parser.parse_args()
    x, y = make_data(60_000)
    print(f"NumPy {np.__version__}, {blas_threads()} BLAS thread(s), batch {BATCH}, {args.batches} "
          f"batches per run, the quietest of {args.runs} runs")
    for sizes in ARCHITECTURES:
        runs = [profile_run(sizes, x, y, args.batches) for _ in range(args.runs)]
        steps, total = min(runs, key=lambda run: run[1])
        floor = matmul_floor(sizes, 60_000).wall / -(-60_000 // BATCH) * 1e6
        print(f"\n{'-'.join(map(str, sizes))}: µs per batch (totals of the runs: "
              f"{', '.join(f'{run[1]:.0f}' for run in runs)})")
        for step, micros in steps.items():
            print(f"  {step:<44}{micros:8.1f}{micros / total:8.0%}")
        print(f"  {'Python between the steps, and the timers':<44}{total - sum(steps.values()):8.1f}"
              f"{(total - sum(steps.values())) / total:8.0%}")
        print(f"  {'one batch':<44}{total:8.1f}\n  {'the matmul floor of a batch':<44}{floor:8.1f}"
              f"  (one batch = {total / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()
