"""How fast does the reference framework train, next to the hardware limit and PyTorch?

Prints one table: epoch time and samples/s of MLPs trained with minibatch SGD (batch 64,
ReLU, softmax + cross-entropy) on 60,000 MNIST-shaped float32 inputs; the matmul work of
an epoch and the time it would take at this machine's measured float32 matmul rate; peak
memory; and, when PyTorch is installed, the same networks in PyTorch on the CPU with the
same number of threads. Then the accuracy a 2-hidden-layer MLP reaches on the bundled
MNIST split, and how long it took.

The machine may be shared, so every figure is measured in rounds: in each round one epoch of
ours, the matmul floor, the large-matmul rate and one epoch of PyTorch, back to back. A ratio
is taken within each round (both sides saw the same load) and the median over rounds printed.
Each is timed twice: by the CPU time of the process that did it (what it computed: waiting for
a core another job holds is left out, so on a busy machine this is the steadier comparison) and
by the wall clock (what a user waits, load included).

    .venv/bin/python benchmarks/benchmark_training.py            # full run, about 2 minutes idle
    .venv/bin/python benchmarks/benchmark_training.py --quick    # smoke run, seconds
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/benchmark_training.py   # both on 1 thread
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the answer key lives at the root

from coursekit import load_mnist
from solutions import CrossEntropyLoss, Linear, Net, ReLU, Softmax, fit, train_epoch

BATCH = 64
ARCHITECTURES = [(784, 128, 10), (784, 256, 128, 10)]
# Idle BLAS and OpenMP threads spin for a while after their last job; a pause before each
# measurement lets the other side's threads go to sleep instead of taking cores from it.
SETTLE_SECONDS = 0.3


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info
        return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
    except (ImportError, KeyError, ValueError):  # threadpoolctl is optional; OpenBLAS defaults to one thread per core
        return int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))


def make_data(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-shaped inputs and labels; the PyTorch worker draws the same ones from the same seed."""
    rng = np.random.default_rng(0)
    return rng.random((samples, 784), dtype=np.float32), rng.integers(0, 10, samples)


class Seconds(NamedTuple):
    """One measurement by both clocks."""

    cpu: float  # CPU time of the process (one BLAS thread: the work itself, not the wait for a core)
    wall: float


CLOCKS = {"cpu": "CPU time (the work each side did; waiting for a busy core left out)",
          "wall": "wall clock (what a user waits, the machine's load included)"}


def _timed(function) -> Seconds:
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    function()
    return Seconds(time.process_time() - start_cpu, time.perf_counter() - start_wall)


def matmul_rate(size: int = 2048, repeats: int = 3) -> dict[str, float]:
    """Best float32 GFLOP/s of a large square matmul by each clock: this machine's ceiling."""
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    b = a.T.copy()
    a @ b
    timings = [_timed(lambda: a @ b) for _ in range(repeats)]
    return {clock: 2 * size**3 / min(getattr(t, clock) for t in timings) / 1e9 for clock in CLOCKS}


def _faster(*products):
    """The one of several ways to compute the same product that runs fastest here (best of 5x20)."""
    def seconds(product):
        product()
        return min(_timed(lambda: [product() for _ in range(20)]).wall for _ in range(5))
    return min(products, key=seconds)


def matmul_floor(sizes: tuple[int, ...], samples: int) -> Seconds:
    """Seconds an epoch would take if it did nothing but its matmuls, at their real shapes.

    Batch-64 products run well below the large-matrix rate, so this is the honest floor
    for any framework that trains with these shapes. Each product is computed in whichever
    memory layout of W makes it fastest on this machine (row by row or column by column, lesson 3),
    into a preallocated result: no layout choice of a framework can beat it. It is timed like
    an epoch (one pass over the batches, not the best of many repeats), so it sees the same
    load as the epochs beside it.
    """
    rng = np.random.default_rng(0)
    products = []
    for n_in, n_out in pairwise(sizes):
        x = rng.random((BATCH, n_in), dtype=np.float32)
        w_rows = rng.random((n_out, n_in), dtype=np.float32)
        w_columns = np.asfortranarray(w_rows)
        g = rng.random((BATCH, n_out), dtype=np.float32)
        z, dw, dw_t, dx = (np.empty(shape, np.float32) for shape in
                           ((BATCH, n_out), (n_out, n_in), (n_in, n_out), (BATCH, n_in)))
        products.append(_faster(partial(np.matmul, x, w_rows.T, out=z),
                                partial(np.matmul, x, w_columns.T, out=z)))
        products.append(_faster(partial(np.matmul, g.T, x, out=dw),  # dW row by row
                                partial(np.matmul, x.T, g, out=dw_t)))  # its transpose: column by column
        if products[2:]:  # dx of every layer but the first: its input is the data (ours and PyTorch)
            products.append(_faster(partial(np.matmul, g, w_rows, out=dx),
                                    partial(np.matmul, g, w_columns, out=dx)))

    def epoch() -> None:
        for _ in range(-(-samples // BATCH)):
            for product in products:
                product()

    for product in products:  # warm-up
        product()
    return _timed(epoch)


def epoch_flops(sizes: tuple[int, ...], samples: int) -> float:
    """Multiply-adds x2 of forward (x W^T), dW and dx, the first layer without dx."""
    return samples * (3 * sum(2 * a * b for a, b in pairwise(sizes)) - 2 * sizes[0] * sizes[1])


def make_net(sizes: tuple[int, ...], seed: int = 0) -> Net:
    np.random.seed(seed)  # Linear draws its weights with np.random.normal, as in the lessons
    net = Net()
    for k, (nin, nout) in enumerate(pairwise(sizes)):
        net.add(Linear(nin, nout))
        net.add(ReLU() if k < len(sizes) - 2 else Softmax())
    net.layers[0].input_grad = False  # the data's gradient: nobody uses it, PyTorch skips it too
    return net


class ReferenceEpochs:
    """One network per architecture, trained one timed epoch at a time."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x, self.y, self.nets = x, y, {}
        self.rng = np.random.default_rng(0)

    def epoch(self, sizes: tuple[int, ...]) -> Seconds:
        if sizes not in self.nets:
            self.nets[sizes] = make_net(sizes)
            self._train(sizes, BATCH * 20)  # warm-up
        return _timed(lambda: self._train(sizes, len(self.x)))

    def _train(self, sizes, samples: int) -> None:
        train_epoch(self.nets[sizes], self.x[:samples], self.y[:samples], CrossEntropyLoss(), BATCH,
                    0.01, self.rng)


class TorchEpochs:
    """The same epochs in PyTorch, in a worker process of its own.

    A process of its own: once imported, PyTorch's OpenMP threads keep spinning after each op
    and would take the cores from OpenBLAS; between its epochs the worker waits on a pipe.
    """

    def __init__(self, samples: int, threads: int):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--torch-worker", str(samples), str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.available = self.process.stdout.readline().strip() == "ready"

    def epoch(self, sizes: tuple[int, ...]) -> Seconds | None:
        if not self.available:
            return None
        self.process.stdin.write("-".join(map(str, sizes)) + "\n")
        self.process.stdin.flush()
        return Seconds(*map(float, self.process.stdout.readline().split()))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def torch_worker(samples: int, threads: int) -> None:
    """Answer each line "784-128-10" on stdin with the CPU and wall seconds of one PyTorch epoch."""
    try:
        import torch
    except ImportError:
        print("no torch", flush=True)
        return
    torch.set_num_threads(threads)
    x, y = make_data(samples)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()  # on logits: softmax and cross-entropy fused
    models = {}

    def build(sizes):
        torch.manual_seed(0)
        layers = []
        for k, (n_in, n_out) in enumerate(pairwise(sizes)):
            layers.append(torch.nn.Linear(n_in, n_out))
            if k < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers)
        return model, torch.optim.SGD(model.parameters(), lr=0.01)

    def epoch(sizes, samples):
        model, optimiser = models[sizes]
        order = torch.randperm(samples)
        for start in range(0, samples, BATCH):
            rows = order[start:start + BATCH]
            optimiser.zero_grad(set_to_none=True)
            loss_fn(model(tx[rows]), ty[rows]).backward()
            optimiser.step()

    print("ready", flush=True)
    for line in sys.stdin:
        sizes = tuple(int(size) for size in line.split("-"))
        if sizes not in models:
            models[sizes] = build(sizes)
            epoch(sizes, BATCH * 20)  # warm-up
        print(*_timed(lambda: epoch(sizes, len(tx))), flush=True)  # noqa: B023 (timed at once)


def _median_ratio(numerators: list[float], denominators: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(numerators, denominators))


# Chosen on a validation tenth of the training digits (epochs 15 or 30, lr 0.05 or 0.1, batch 32
# or 64: 30, 0.1 and 32 were best there), then trained on all of them: the test digits chose nothing.
ACCURACY_RUN = {"epochs": 30, "batch_size": 32, "lr": 0.1}


def accuracy_run(quick: bool) -> tuple[float, float, dict, int, int]:
    """A 784-256-128-10 ReLU network's test accuracy, training seconds, settings and split sizes."""
    x_train, y_train, x_test, y_test = load_mnist()
    net = make_net((784, 256, 128, 10))
    settings = {**ACCURACY_RUN, "epochs": 1} if quick else ACCURACY_RUN
    start = time.perf_counter()
    fit(net, x_train, y_train, CrossEntropyLoss(), seed=0, **settings)
    seconds = time.perf_counter() - start
    accuracy = float((net.forward(x_test).argmax(axis=1) == y_test).mean())
    return accuracy, seconds, settings, len(x_train), len(x_test)


def print_table(times: dict, samples: int, clock: str, meaning: str, rates: list[float],
                rate_size: int) -> None:
    """One row per network, every figure by one clock."""
    print(f"\nBy {meaning}:")
    print(f"float32 matmul rate of this machine: median {statistics.median(rates):.1f} GFLOP/s, "
          f"range {min(rates):.1f}-{max(rates):.1f} ({rate_size}^3 sgemm, best of 3 per round)")
    header = (f"{'network':<18}{'epoch s':>9}{'samples/s':>11}{'GFLOP/ep':>10}{'x peak':>8}"
              f"{'floor s':>9}{'x floor':>9}{'torch s':>9}{'torch/ours':>11}{'range':>13}")
    print(header)
    print("-" * len(header))
    for sizes in ARCHITECTURES:
        measured = {name: [getattr(t, clock) if t is not None else None for t in values]
                    for name, values in times[sizes].items()}
        epoch = statistics.median(measured["ours"])
        if measured["torch"][0] is None:
            torch_cols = f"{'-':>9}{'(no torch)':>11}{'':>13}"
        else:
            ratios = [a / b for a, b in zip(measured["torch"], measured["ours"])]
            torch_cols = (f"{statistics.median(measured['torch']):>9.2f}"
                          f"{statistics.median(ratios):>10.2f}x"
                          f"{f'{min(ratios):.2f}-{max(ratios):.2f}':>13}")
        print(f"{'-'.join(map(str, sizes)):<18}{epoch:>9.2f}{samples / epoch:>11,.0f}"
              f"{epoch_flops(sizes, samples) / 1e9:>10.1f}"
              f"{_median_ratio(measured['ours'], measured['ideal']):>7.1f}x"
              f"{statistics.median(measured['floor']):>9.2f}"
              f"{_median_ratio(measured['ours'], measured['floor']):>8.2f}x{torch_cols}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few thousand samples, one round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of side-by-side measurements")
    parser.add_argument("--torch-worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        torch_worker(*args.torch_worker)
        return
    samples = 6_000 if args.quick else 60_000
    rounds = 1 if args.quick else args.rounds
    rate_size = 1024 if args.quick else 2048

    x, y = make_data(samples)
    threads = blas_threads()
    ours, theirs = ReferenceEpochs(x, y), TorchEpochs(samples, threads)
    times = {sizes: {"ours": [], "floor": [], "torch": [], "ideal": []} for sizes in ARCHITECTURES}
    rates = []
    for round_number in range(rounds):
        rates.append(matmul_rate(rate_size))
        for sizes in ARCHITECTURES:
            measured = times[sizes]
            # Alternate who goes first, so neither side always follows the other's busy threads.
            sides = [("ours", partial(ours.epoch, sizes)), ("torch", partial(theirs.epoch, sizes)),
                     ("floor", partial(matmul_floor, sizes, samples))]
            for name, measure in sides if round_number % 2 == 0 else sides[::-1]:
                time.sleep(SETTLE_SECONDS)
                measured[name].append(measure())
            measured["ideal"].append(Seconds(**{clock: epoch_flops(sizes, samples) / (rate * 1e9)
                                                for clock, rate in rates[-1].items()}))
    theirs.close()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    accuracy, seconds, settings, n_train, n_test = accuracy_run(args.quick)

    print(f"NumPy {np.__version__}, {threads} BLAS thread(s) for both, {samples:,} samples, "
          f"batch {BATCH}, {rounds} round(s); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    for clock, meaning in CLOCKS.items():
        print_table(times, samples, clock, meaning, [rate[clock] for rate in rates], rate_size)
    print(f"\npeak memory of the NumPy runs (max resident set, {x.nbytes / 1e6:.0f} MB of data "
          f"included): {peak_mib:.0f} MiB")
    print("Medians over the rounds; each ratio is taken within a round. torch/ours > 1 means the "
          "reference framework is faster\n(range: its lowest and highest round); x peak = epoch "
          "time / time at the large-matmul rate; floor = the epoch's\nmatmuls alone at their "
          "batch-64 shapes, each in the faster layout of W (no dx for the first layer, as in "
          "PyTorch);\nx floor = epoch time / floor.")
    if threads > 1:
        print(f"With {threads} threads, CPU time also counts the time a thread spins waiting for "
              "the other at the end of each product: read the wall-clock table.")

    print(f"\n784-256-128-10 ReLU on the bundled MNIST digits ({n_train:,} to train, {n_test:,} to "
          f"test), {settings['epochs']} epoch(s), batch {settings['batch_size']}, lr {settings['lr']}: "
          f"test accuracy {accuracy:.3f} after {seconds:.1f} s of training")


if __name__ == "__main__":
    main()
