"""Load MNIST: a 9,000-digit sample bundled with coursekit, or the full sets from the internet.

``load_mnist()`` needs no internet and no set-up: it reads the real MNIST digits shipped in
``coursekit/data/mnist_bundled.npz`` (see ``PROVENANCE.md`` there) and splits them, stratified
and seeded, into a training and a test part.

``load_mnist("mnist")`` and ``load_mnist("fashion-mnist")`` download the full 70,000-image sets
once (checked against known SHA-256 hashes, cached by pooch) and return their official
60,000/10,000 split.
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import struct
import zlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
from numpy.typing import DTypeLike

from coursekit.datasets import split_indices

__all__ = [
    "SOURCES",
    "DatasetDownloadError",
    "DatasetIntegrityError",
    "IdxFormatError",
    "MnistSplits",
    "load_mnist",
    "read_idx",
]

SOURCES = ("bundled", "mnist", "fashion-mnist")
BUNDLED_FILE = "mnist_bundled.npz"
BUNDLED_TEST_FRACTION = 1 / 9  # 1,000 of the 9,000 bundled digits, 8,000 left to train on
IMAGE_SHAPE = (28, 28)
DOWNLOAD_TIMEOUT_SECONDS = 30

# The four files of each full set, under the names every MNIST mirror uses.
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)


class FullSet(NamedTuple):
    """Where a full data set is downloaded from and how each file is checked."""

    title: str
    default_base_url: str
    mirror_env_var: str
    sha256: Mapping[str, str]


# SHA-256 of the published .gz files; the same files (so the same hashes) are on every mirror.
FULL_SETS: dict[str, FullSet] = {
    "mnist": FullSet(
        title="MNIST",
        default_base_url="https://ossci-datasets.s3.amazonaws.com/mnist/",
        mirror_env_var="COURSEKIT_MNIST_MIRROR",
        sha256={
            TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ),
    "fashion-mnist": FullSet(
        title="Fashion-MNIST",
        default_base_url="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        mirror_env_var="COURSEKIT_FASHION_MNIST_MIRROR",
        sha256={
            TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    ),
}


class MnistSplits(NamedTuple):
    """Images and labels, split for training and testing.

    Unpacks like a tuple: ``x_train, y_train, x_test, y_test = load_mnist()``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


class DatasetDownloadError(ConnectionError):
    """A data file could not be downloaded (no network, server down, HTTP error, timeout)."""


class DatasetIntegrityError(RuntimeError):
    """A downloaded data file is not the expected one (its checksum does not match)."""


class IdxFormatError(ValueError):
    """A file is not valid IDX data (wrong magic number, truncated or corrupted)."""


# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------


def load_mnist(
    source: str = "bundled",
    *,
    test_fraction: float | None = None,
    seed: int = 0,
    flatten: bool = True,
    normalize: bool = True,
    dtype: DTypeLike | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    file_hashes: Mapping[str, str] | None = None,
) -> MnistSplits:
    """Load handwritten digits (or clothes) as ``MnistSplits(x_train, y_train, x_test, y_test)``.

    Args:
        source: ``"bundled"`` (default): 9,000 real MNIST digits shipped with coursekit, works
            offline. ``"mnist"`` or ``"fashion-mnist"``: the full 70,000-image set, downloaded
            on first use (about 11 MB or 30 MB) and cached.
        test_fraction: bundled only: share of the digits held out for testing (default 1/9,
            i.e. 1,000 test and 8,000 training digits). The full sets always use their official
            60,000/10,000 split.
        seed: bundled only: seed of the split. The same seed gives the same split; every class
            is split in the same proportion (stratified) and both parts are shuffled.
        flatten: ``True`` gives images of shape ``(N, 784)``, ``False`` gives ``(N, 28, 28)``.
        normalize: ``True`` scales pixels to floats in [0, 1]; ``False`` keeps uint8 0..255.
        dtype: dtype of the images; default float32 when normalized, uint8 otherwise.
        cache_dir: full sets only: folder for the downloads (default: the user's cache folder,
            ``pooch.os_cache("coursekit")``).
        base_url: full sets only: mirror to download from, instead of the default mirror or the
            ``COURSEKIT_MNIST_MIRROR`` / ``COURSEKIT_FASHION_MNIST_MIRROR`` environment variable.
        file_hashes: full sets only: ``{file name: hash}`` for a mirror whose files differ from
            the published ones. A hash is SHA-256 hex, or pooch style like ``"md5:..."``.

    Returns:
        ``MnistSplits``; labels are int64 class numbers 0..9.
    """
    if source not in SOURCES:
        raise ValueError(
            f"Unknown MNIST source {source!r}. Valid sources: "
            + ", ".join(repr(name) for name in SOURCES)
            + ". The default 'bundled' works offline."
        )
    image_dtype = _image_dtype(normalize, dtype)

    if source == "bundled":
        for name, value in (("base_url", base_url), ("file_hashes", file_hashes)):
            if value is not None:
                raise ValueError(
                    f"{name} only applies to downloaded sets ('mnist', 'fashion-mnist'); "
                    "the bundled digits are read from inside coursekit."
                )
        fraction = BUNDLED_TEST_FRACTION if test_fraction is None else test_fraction
        if isinstance(fraction, bool) or not 0.0 < fraction < 1.0:
            raise ValueError(
                f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction!r}; "
                "for example 0.2 keeps 1,800 of the 9,000 bundled digits for testing."
            )
        images, labels = _read_bundle()
        train, test = split_indices(labels, fraction, seed, stratify=True)
        train_images, train_labels = images[train], labels[train]
        test_images, test_labels = images[test], labels[test]
    else:
        if test_fraction is not None:
            raise ValueError(
                f"test_fraction applies to the bundled digits only; {source!r} comes with an "
                "official train/test split, which load_mnist returns as is."
            )
        paths = _download_full_set(source, cache_dir, base_url, file_hashes)
        train_images, train_labels = _read_image_label_pair(
            paths[TRAIN_IMAGES], paths[TRAIN_LABELS]
        )
        test_images, test_labels = _read_image_label_pair(paths[TEST_IMAGES], paths[TEST_LABELS])

    return MnistSplits(
        _prepare_images(train_images, flatten, normalize, image_dtype),
        train_labels.astype(np.int64),
        _prepare_images(test_images, flatten, normalize, image_dtype),
        test_labels.astype(np.int64),
    )


# ---------------------------------------------------------------------------------------------
# IDX files (the format of the original MNIST files)
# ---------------------------------------------------------------------------------------------

GZIP_MAGIC = b"\x1f\x8b"
# Third byte of an IDX magic number: the element type. Multi-byte types are big-endian.
IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IdxSource = str | os.PathLike | BinaryIO


def read_idx(source: IdxSource) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed) into a NumPy array.

    ``source`` is a path or a binary file object. Labels files (magic ``0x00000801``) give a
    uint8 array ``(N,)``; image files (magic ``0x00000803``) give uint8 ``(N, rows, cols)``.
    Raises ``IdxFormatError`` for a wrong magic number or truncated or corrupted data.
    """
    name = _describe(source)
    raw = _read_bytes(source)
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as err:
            raise IdxFormatError(
                f"{name} is gzip-compressed but cannot be decompressed ({err}). It is probably "
                "truncated or corrupted: delete it and download it again."
            ) from err

    if len(raw) < 4:
        raise IdxFormatError(
            f"{name} holds only {len(raw)} bytes, too few for an IDX header (at least 4). "
            "It is probably truncated: delete it and download it again."
        )
    magic = int.from_bytes(raw[:4], "big")
    type_code, n_dims = raw[2], raw[3]
    if raw[:2] != b"\x00\x00" or type_code not in IDX_DTYPES or n_dims == 0:
        raise IdxFormatError(
            f"{name} is not an IDX file: its magic number is 0x{magic:08X}, but IDX files "
            "start with 0x0000TTDD (TT the data type, DD the number of dimensions), e.g. "
            "0x00000801 for MNIST labels and 0x00000803 for MNIST images. Check that it is "
            "the right file and that it was not damaged."
        )

    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise IdxFormatError(
            f"{name} is truncated: its {n_dims}-dimensional header needs {header_size} bytes "
            f"but the file has {len(raw)}. Delete it and download it again."
        )
    shape = struct.unpack(f">{n_dims}I", raw[4:header_size])
    dtype = np.dtype(IDX_DTYPES[type_code])
    expected_bytes = math.prod(shape) * dtype.itemsize
    actual_bytes = len(raw) - header_size
    if actual_bytes < expected_bytes:
        raise IdxFormatError(
            f"{name} is truncated: its header announces shape {shape} ({expected_bytes} bytes "
            f"of data) but only {actual_bytes} bytes follow. Delete it and download it again."
        )
    if actual_bytes > expected_bytes:
        raise IdxFormatError(
            f"{name} has {actual_bytes - expected_bytes} unexpected bytes after the "
            f"{expected_bytes} bytes its header announces (shape {shape}); it is corrupted."
        )
    data = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=header_size)
    # astype copies into a writable array in the machine's own byte order.
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def _describe(source: IdxSource) -> str:
    if isinstance(source, (str, os.PathLike)):
        return f"'{os.fspath(source)}'"
    return f"'{getattr(source, 'name', 'the IDX data')}'"


def _read_bytes(source: IdxSource) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes()
    if not hasattr(source, "read"):
        raise TypeError(
            f"read_idx needs a file path or a binary file object, got {type(source).__name__}."
        )
    data = source.read()
    if not isinstance(data, bytes):
        raise TypeError("read_idx needs a file opened in binary mode ('rb'), not text mode.")
    return data


def _read_image_label_pair(
    images_path: Path, labels_path: Path
) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE or images.dtype != np.uint8:
        raise IdxFormatError(
            f"'{images_path}' should hold uint8 images of shape (N, 28, 28), "
            f"but holds {images.dtype} data of shape {images.shape}."
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise IdxFormatError(
            f"'{labels_path}' should hold one label per image ({len(images)}), "
            f"but holds data of shape {labels.shape}."
        )
    return images, labels


# ---------------------------------------------------------------------------------------------
# The bundled sample
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _read_bundle() -> tuple[np.ndarray, np.ndarray]:
    """The bundled images (N, 28, 28) and labels (N,), both uint8, read once per session."""
    bundle = resources.files("coursekit").joinpath("data").joinpath(BUNDLED_FILE)
    try:
        with bundle.open("rb") as handle, np.load(handle) as archive:
            images, labels = archive["images"], archive["labels"]
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f"The bundled MNIST file coursekit/data/{BUNDLED_FILE} is missing. Reinstall "
            "coursekit, or rebuild the file with `python scripts/build_mnist_bundle.py`."
        ) from err
    # The cached arrays are shared by every call: make accidental edits fail loudly.
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


# ---------------------------------------------------------------------------------------------
# Downloading the full sets
# ---------------------------------------------------------------------------------------------


def _download_full_set(
    source: str,
    cache_dir: str | os.PathLike[str] | None,
    base_url: str | None,
    file_hashes: Mapping[str, str] | None,
) -> dict[str, Path]:
    """Download (or find in the cache) the four files of a full set; return their paths."""
    try:
        import pooch
        import requests
    except ImportError as err:
        raise ImportError(
            f"Downloading {source!r} needs the 'pooch' package: run `pip install pooch`. "
            "Without it, load_mnist() (source='bundled') works offline."
        ) from err

    full_set = FULL_SETS[source]
    url_root = base_url or os.environ.get(full_set.mirror_env_var) or full_set.default_base_url
    url_root = url_root if url_root.endswith("/") else url_root + "/"
    hashes = _checked_hashes(file_hashes) if file_hashes is not None else full_set.sha256
    cache_root = Path(cache_dir) if cache_dir is not None else Path(pooch.os_cache("coursekit"))
    folder = cache_root / source
    downloader = pooch.HTTPDownloader(
        progressbar=_tqdm_available(), timeout=DOWNLOAD_TIMEOUT_SECONDS
    )

    paths = {}
    for file_name in FILE_NAMES:
        url = url_root + file_name
        try:
            paths[file_name] = Path(
                pooch.retrieve(
                    url,
                    known_hash=hashes[file_name],
                    fname=file_name,
                    path=folder,
                    downloader=downloader,
                )
            )
        except requests.RequestException as err:
            raise DatasetDownloadError(
                f"Could not download {file_name} from {url}: {_why_request_failed(err)}.\n"
                f"The full {full_set.title} set needs an internet connection the first time "
                f"(it is then cached in {folder}). Offline, use the 9,000 real MNIST digits "
                "bundled with coursekit: load_mnist() (source='bundled') works without internet."
            ) from err
        except ValueError as err:  # pooch's way of saying the checksum did not match
            raise DatasetIntegrityError(
                f"{file_name} downloaded from {url} is not the expected file: {err}\n"
                "The mirror may be serving a damaged or different file; nothing was kept. "
                "Try again later or another mirror (base_url=...). If you run your own mirror "
                "with different files, pass their hashes with file_hashes={...}. Offline, "
                "load_mnist() (source='bundled') works without internet."
            ) from err
    return paths


def _checked_hashes(file_hashes: Mapping[str, str]) -> Mapping[str, str]:
    missing = [name for name in FILE_NAMES if not file_hashes.get(name)]
    if missing:
        raise ValueError(
            f"file_hashes has no hash for {', '.join(missing)}; give one for each of "
            f"{', '.join(FILE_NAMES)} (SHA-256 hex, or pooch style like 'md5:...')."
        )
    return file_hashes


def _why_request_failed(err: Exception) -> str:
    """A short, human reason for a failed request; the full error stays chained below."""
    import requests

    if isinstance(err, requests.Timeout):
        return f"the server did not answer within {DOWNLOAD_TIMEOUT_SECONDS} s"
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"the server answered HTTP {err.response.status_code}"
    if isinstance(err, requests.ConnectionError):
        return "no connection to the server (are you offline?)"
    return f"{type(err).__name__}: {err}"


def _tqdm_available() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Shaping the output
# ---------------------------------------------------------------------------------------------


def _image_dtype(normalize: bool, dtype: DTypeLike | None) -> np.dtype:
    if dtype is None:
        return np.dtype(np.float32 if normalize else np.uint8)
    chosen = np.dtype(dtype)
    if normalize and not np.issubdtype(chosen, np.floating):
        raise ValueError(
            f"normalize=True scales pixels to fractions in [0, 1], which {chosen} cannot hold. "
            "Pass a float dtype such as np.float32, or normalize=False for 0..255 pixels."
        )
    return chosen


def _prepare_images(
    images: np.ndarray, flatten: bool, normalize: bool, dtype: np.dtype
) -> np.ndarray:
    if flatten:
        images = images.reshape(len(images), -1)
    converted = images.astype(dtype)
    if normalize:
        # In place and in the target dtype: no float64 temporary the size of the whole set.
        converted /= dtype.type(255)
    return converted
