"""How fast does the reference framework train, next to the hardware limit and PyTorch?

Prints one table: epoch time and samples/s of MLPs trained with minibatch SGD (batch 64,
ReLU, softmax + cross-entropy) on 60,000 MNIST-shaped float32 inputs; the matmul work of
an epoch and the time it would take at this machine's measured float32 matmul rate; peak
memory; and, when PyTorch is installed, the same networks in PyTorch on the CPU with the
same number of threads. Then the accuracy a 2-hidden-layer MLP reaches on the bundled
MNIST split, and how long it took.

    .venv/bin/python benchmarks/benchmark_training.py            # full run, about 2 minutes
    .venv/bin/python benchmarks/benchmark_training.py --quick    # smoke run, seconds
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from functools import partial
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the answer key lives at the root

from coursekit import load_mnist
from solutions import CrossEntropyLoss, Linear, Net, ReLU, Softmax, fit, train_epoch

BATCH = 64
ARCHITECTURES = [(784, 128, 10), (784, 256, 128, 10)]


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info
        return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
    except (ImportError, KeyError, ValueError):  # threadpoolctl is optional; OpenBLAS defaults to one thread per core
        return int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))


def matmul_rate(size: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of a large square matmul: the practical ceiling of this machine."""
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    b = a.T.copy()
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def matmul_floor(sizes: tuple[int, ...], samples: int, repeats: int = 300) -> float:
    """Seconds an epoch would take if it did nothing but its matmuls, at their real shapes.

    Batch-64 products run well below the large-matrix rate, so this is the honest floor
    for any framework that trains with these shapes.
    """
    rng = np.random.default_rng(0)
    per_batch = 0.0
    for k, (n_in, n_out) in enumerate(pairwise(sizes)):
        x = rng.random((BATCH, n_in), dtype=np.float32)
        w = rng.random((n_out, n_in), dtype=np.float32)
        g = rng.random((BATCH, n_out), dtype=np.float32)
        dw = np.empty_like(w)
        # The course's Linear.backward returns the input gradient of every layer, the first too.
        products = [partial(np.matmul, x, w.T), partial(np.matmul, g.T, x, out=dw),
                    partial(np.matmul, g, w)]
        for product in products:
            product()
            per_batch += min(_timed(product) for _ in range(repeats))
    return per_batch * -(-samples // BATCH)


def epoch_flops(sizes: tuple[int, ...], samples: int) -> float:
    """Multiply-adds x2 of forward (x W^T), dW and dx."""
    return samples * 3 * sum(2 * a * b for a, b in pairwise(sizes))


def make_net(sizes: tuple[int, ...], seed: int = 0) -> Net:
    np.random.seed(seed)  # Linear draws its weights with np.random.normal, as in the lessons
    net = Net()
    for k, (nin, nout) in enumerate(pairwise(sizes)):
        net.add(Linear(nin, nout))
        net.add(ReLU() if k < len(sizes) - 2 else Softmax())
    return net


def time_reference(sizes, x, y, epochs: int) -> float:
    net = make_net(sizes)
    rng = np.random.default_rng(0)
    train_epoch(net, x[:BATCH * 20], y[:BATCH * 20], CrossEntropyLoss(), BATCH, 0.01, rng)  # warm-up
    return min(_timed(lambda: train_epoch(net, x, y, CrossEntropyLoss(), BATCH, 0.01, rng))
               for _ in range(epochs))


def time_torch(sizes, x, y, epochs: int, threads: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layers = []
    for k, (n_in, n_out) in enumerate(pairwise(sizes)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()  # on logits: softmax and cross-entropy fused
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def epoch() -> None:
        order = torch.randperm(len(tx))
        for start in range(0, len(tx), BATCH):
            rows = order[start:start + BATCH]
            optimiser.zero_grad(set_to_none=True)
            loss_fn(model(tx[rows]), ty[rows]).backward()
            optimiser.step()

    with torch.no_grad():
        model(tx[:BATCH])
    return min(_timed(epoch) for _ in range(epochs))


def accuracy_run(epochs: int) -> tuple[float, float]:
    x_train, y_train, x_test, y_test = load_mnist()
    net = make_net((784, 256, 128, 10))
    start = time.perf_counter()
    fit(net, x_train, y_train, CrossEntropyLoss(), epochs=epochs, batch_size=32, lr=0.05, seed=0)
    seconds = time.perf_counter() - start
    return float((net.forward(x_test).argmax(axis=1) == y_test).mean()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few thousand samples, one epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs; the best is reported")
    args = parser.parse_args()
    samples = 6_000 if args.quick else 60_000
    epochs = 1 if args.quick else args.epochs

    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    threads = blas_threads()
    gflops = matmul_rate(1024 if args.quick else 2048)

    print(f"NumPy {np.__version__}, {threads} BLAS thread(s), {samples:,} samples, batch {BATCH}")
    print(f"float32 matmul rate of this machine: {gflops:.1f} GFLOP/s (2048^3 sgemm, best of 5)\n")
    header = (f"{'network':<18}{'epoch s':>9}{'samples/s':>11}{'GFLOP/ep':>10}{'at peak s':>10}"
              f"{'x peak':>8}{'floor s':>9}{'x floor':>9}{'torch s':>9}{'torch/ours':>11}")
    print(header)
    print("-" * len(header))
    # All NumPy timings first: once imported, PyTorch's OpenMP threads keep spinning after
    # each op and would steal the two cores from OpenBLAS.
    ours = {sizes: time_reference(sizes, x, y, epochs) for sizes in ARCHITECTURES}
    floors = {sizes: matmul_floor(sizes, samples) for sizes in ARCHITECTURES}
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    accuracy, seconds = accuracy_run(1 if args.quick else 15)
    theirs = {sizes: time_torch(sizes, x, y, epochs, threads) for sizes in ARCHITECTURES}
    for sizes in ARCHITECTURES:
        work = epoch_flops(sizes, samples)
        ideal = work / (gflops * 1e9)
        torch_cols = (f"{theirs[sizes]:>9.2f}{theirs[sizes] / ours[sizes]:>10.2f}x"
                      if theirs[sizes] is not None else f"{'-':>9}{'(no torch)':>11}")
        print(f"{'-'.join(map(str, sizes)):<18}{ours[sizes]:>9.2f}{samples / ours[sizes]:>11,.0f}"
              f"{work / 1e9:>10.1f}{ideal:>10.2f}{ours[sizes] / ideal:>7.1f}x"
              f"{floors[sizes]:>9.2f}{ours[sizes] / floors[sizes]:>8.1f}x{torch_cols}")
    print(f"\npeak memory of the NumPy runs (max resident set, 188 MB of data included): {peak_mib:.0f} MiB")
    print("torch/ours > 1 means the reference framework is faster; x peak = epoch time / time at "
          "the large-matmul rate;\nfloor = the epoch's matmuls alone at their batch-64 shapes; "
          "x floor = epoch time / floor.")

    print(f"\n784-256-128-10 ReLU on the bundled MNIST split (8,000 train / 2,000 test): "
          f"test accuracy {accuracy:.3f} after {seconds:.1f} s of training")


if __name__ == "__main__":
    main()
