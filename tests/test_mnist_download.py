"""Downloading the full sets, against a small HTTP server on 127.0.0.1. Never the internet.

The server serves tiny IDX files written here, under the real MNIST file names; the tests pass
their SHA-256 hashes to ``load_mnist(file_hashes=...)`` as a custom mirror would.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from coursekit import mnist
from coursekit.mnist import (
    FILE_NAMES,
    FULL_SETS,
    DatasetDownloadError,
    DatasetIntegrityError,
    load_mnist,
)

N_TRAIN, N_TEST = 30, 10
SLOW_RESPONSE_SECONDS = 1.0


def unused_loopback_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


@pytest.fixture(scope="module")
def fake_set() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "train_images": rng.integers(0, 256, size=(N_TRAIN, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=N_TRAIN, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(N_TEST, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=N_TEST, dtype=np.uint8),
    }


@pytest.fixture(scope="module")
def fake_files(fake_set) -> dict[str, bytes]:
    return {
        "train-images-idx3-ubyte.gz": idx_gz(fake_set["train_images"]),
        "train-labels-idx1-ubyte.gz": idx_gz(fake_set["train_labels"]),
        "t10k-images-idx3-ubyte.gz": idx_gz(fake_set["test_images"]),
        "t10k-labels-idx1-ubyte.gz": idx_gz(fake_set["test_labels"]),
    }


@pytest.fixture(scope="module")
def fake_hashes(fake_files) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in fake_files.items()}


class Mirror:
    """A loopback HTTP server serving ``files`` and recording every requested path."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.requests: list[str] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name is fixed by http.server
                name = self.path.lstrip("/")
                mirror.requests.append(name)
                if name.startswith("slow/"):
                    time.sleep(SLOW_RESPONSE_SECONDS)
                    name = name.removeprefix("slow/")
                body = mirror.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # keep test output quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def mirror(fake_files) -> Iterator[Mirror]:
    server = Mirror(fake_files)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def never_the_internet(monkeypatch):
    """Point every default mirror at a closed loopback port and keep proxies out of the way."""
    closed = f"http://127.0.0.1:{unused_loopback_port()}/"
    for source, full_set in FULL_SETS.items():
        monkeypatch.setitem(FULL_SETS, source, full_set._replace(default_base_url=closed))
        monkeypatch.delenv(full_set.mirror_env_var, raising=False)
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


# ---------------------------------------------------------------------------------------------
# Successful downloads and the cache
# ---------------------------------------------------------------------------------------------


def test_download_returns_the_official_split(mirror, fake_set, fake_hashes, tmp_path):
    x_train, y_train, x_test, y_test = load_mnist(
        "mnist", base_url=mirror.url, file_hashes=fake_hashes, cache_dir=tmp_path
    )
    assert x_train.shape == (N_TRAIN, 784) and x_test.shape == (N_TEST, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(x_train, fake_set["train_images"].reshape(N_TRAIN, -1) / 255.0)
    np.testing.assert_array_equal(y_train, fake_set["train_labels"])
    np.testing.assert_array_equal(y_test, fake_set["test_labels"])
    assert sorted(mirror.requests) == sorted(FILE_NAMES)
    assert sorted(path.name for path in (tmp_path / "mnist").iterdir()) == sorted(FILE_NAMES)


def test_raw_images_from_download(mirror, fake_set, fake_hashes, tmp_path):
    x_train, *_ = load_mnist(
        "fashion-mnist",
        base_url=mirror.url,
        file_hashes=fake_hashes,
        cache_dir=tmp_path,
        flatten=False,
        normalize=False,
    )
    assert x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, fake_set["train_images"])


def test_second_load_comes_from_the_cache(mirror, fake_hashes, tmp_path):
    first = load_mnist("mnist", base_url=mirror.url, file_hashes=fake_hashes, cache_dir=tmp_path)
    assert len(mirror.requests) == 4
    again = load_mnist("mnist", base_url=mirror.url, file_hashes=fake_hashes, cache_dir=tmp_path)
    assert len(mirror.requests) == 4
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_mirror_from_environment_variable(mirror, fake_hashes, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEKIT_MNIST_MIRROR", mirror.url.rstrip("/"))  # slash is optional
    _, y_train, _, _ = load_mnist("mnist", file_hashes=fake_hashes, cache_dir=tmp_path)
    assert len(y_train) == N_TRAIN
    assert len(mirror.requests) == 4


# ---------------------------------------------------------------------------------------------
# Checksums
# ---------------------------------------------------------------------------------------------


def test_wrong_hash_fails_clearly_and_keeps_nothing(mirror, fake_hashes, tmp_path):
    bad = dict(fake_hashes, **{"t10k-labels-idx1-ubyte.gz": "0" * 64})
    with pytest.raises(DatasetIntegrityError, match="t10k-labels-idx1-ubyte.gz .* not the expected"):
        load_mnist("mnist", base_url=mirror.url, file_hashes=bad, cache_dir=tmp_path)
    assert not (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()


def test_published_hashes_are_checked_by_default(mirror, tmp_path):
    # The fake files are not the real MNIST files, so the built-in hashes must reject them.
    with pytest.raises(DatasetIntegrityError, match="file_hashes="):
        load_mnist("mnist", base_url=mirror.url, cache_dir=tmp_path)


def test_md5_hashes_are_accepted(mirror, fake_files, tmp_path):
    md5 = {name: "md5:" + hashlib.md5(data).hexdigest() for name, data in fake_files.items()}
    _, y_train, _, _ = load_mnist("mnist", base_url=mirror.url, file_hashes=md5, cache_dir=tmp_path)
    assert len(y_train) == N_TRAIN


def test_incomplete_file_hashes_are_rejected(fake_hashes, tmp_path):
    partial = {"train-images-idx3-ubyte.gz": fake_hashes["train-images-idx3-ubyte.gz"]}
    with pytest.raises(ValueError, match="no hash for train-labels-idx1-ubyte.gz"):
        load_mnist("mnist", file_hashes=partial, cache_dir=tmp_path)


@pytest.mark.parametrize("source", list(FULL_SETS))
def test_built_in_hashes_are_sha256(source):
    hashes = FULL_SETS[source].sha256
    assert sorted(hashes) == sorted(FILE_NAMES)
    for value in hashes.values():
        assert len(value) == 64 and set(value) <= set("0123456789abcdef")
    assert len(set(hashes.values())) == 4


# ---------------------------------------------------------------------------------------------
# Failures: offline, HTTP errors, timeouts
# ---------------------------------------------------------------------------------------------


def test_offline_names_the_bundled_loader(tmp_path):
    start = time.monotonic()
    with pytest.raises(DatasetDownloadError) as caught:
        load_mnist("mnist", cache_dir=tmp_path)  # default mirror: a closed loopback port here
    message = str(caught.value)
    assert isinstance(caught.value, ConnectionError)
    assert "Could not download train-images-idx3-ubyte.gz" in message
    assert "internet" in message and "load_mnist()" in message and "bundled" in message
    assert time.monotonic() - start < 5


def test_http_error_is_reported(mirror, fake_hashes, tmp_path):
    with pytest.raises(DatasetDownloadError, match="HTTP 404"):
        load_mnist(
            "mnist", base_url=mirror.url + "nothing-here/", file_hashes=fake_hashes,
            cache_dir=tmp_path,
        )


def test_timeout_is_reported(mirror, fake_hashes, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "DOWNLOAD_TIMEOUT_SECONDS", 0.2)
    with pytest.raises(DatasetDownloadError, match="did not answer within 0.2 s"):
        load_mnist(
            "mnist", base_url=mirror.url + "slow/", file_hashes=fake_hashes, cache_dir=tmp_path
        )


def test_test_fraction_is_rejected_for_full_sets(tmp_path):
    with pytest.raises(ValueError, match="official train/test split"):
        load_mnist("mnist", test_fraction=0.1, cache_dir=tmp_path)
