"""The course data: bundled MNIST, the IDX reader and the small 2-D data sets. No network."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pytest

import coursekit
from coursekit.datasets import (
    make_blobs,
    make_circles,
    make_moons,
    make_regression_1d,
    make_two_class,
    make_xor,
    train_val_split,
)
from coursekit.mnist import IdxFormatError, MnistSplits, load_mnist, read_idx

BUNDLE_PATH = Path(coursekit.__file__).parent / "data" / "mnist_bundled.npz"


# ---------------------------------------------------------------------------------------------
# Bundled MNIST
# ---------------------------------------------------------------------------------------------


def test_bundled_file_is_small_enough_to_ship():
    assert BUNDLE_PATH.is_file()
    assert BUNDLE_PATH.stat().st_size <= 3 * 1024 * 1024


def test_default_load_has_flat_float_images_and_int_labels():
    x_train, y_train, x_test, y_test = load_mnist()
    assert x_train.shape == (8000, 784) and x_test.shape == (1000, 784)
    assert y_train.shape == (8000,) and y_test.shape == (1000,)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for images in (x_train, x_test):
        assert images.min() == 0.0 and images.max() == 1.0
    for labels in (y_train, y_test):
        assert set(np.unique(labels)) == set(range(10))


def test_result_has_named_fields():
    splits = load_mnist()
    assert isinstance(splits, MnistSplits)
    assert splits.x_train.shape[0] == splits.y_train.shape[0]
    assert splits.x_test.shape[0] == splits.y_test.shape[0]


def test_raw_pixels_and_image_shape_on_request():
    x_train, _, x_test, _ = load_mnist(normalize=False, flatten=False)
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0


def test_normalized_pixels_are_raw_pixels_over_255():
    raw = load_mnist(normalize=False).x_train
    scaled = load_mnist(dtype=np.float64).x_train
    assert scaled.dtype == np.float64
    np.testing.assert_allclose(scaled, raw / 255.0)


def test_split_is_stratified():
    _, y_train, _, y_test = load_mnist()
    train_share = np.bincount(y_train, minlength=10) / len(y_train)
    test_share = np.bincount(y_test, minlength=10) / len(y_test)
    np.testing.assert_allclose(train_share, test_share, atol=0.002)


def test_same_seed_same_split_other_seed_other_split():
    first, again, other = load_mnist(seed=0), load_mnist(seed=0), load_mnist(seed=1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.y_test, other.y_test)
    assert not np.array_equal(first.x_test, other.x_test)


def test_train_and_test_are_disjoint_and_cover_the_bundle():
    # Every bundled digit is a distinct image, so comparing pixels identifies each digit.
    x_train, _, x_test, _ = load_mnist(normalize=False)
    train_digits = {row.tobytes() for row in x_train}
    test_digits = {row.tobytes() for row in x_test}
    assert train_digits.isdisjoint(test_digits)
    assert len(train_digits) + len(test_digits) == 9_000


def test_test_fraction_sets_the_test_size():
    _, y_train, _, y_test = load_mnist(test_fraction=0.5)
    assert len(y_train) == len(y_test) == 4500


def test_split_parts_are_not_sorted_by_class():
    _, y_train, _, _ = load_mnist()
    assert len(np.unique(y_train[:50])) > 5  # a sorted split would start with 50 zeros


def test_returned_arrays_are_private_copies():
    x_train, *_ = load_mnist()
    x_train[:] = 7.0
    assert load_mnist().x_train.max() == 1.0


def test_unknown_source_lists_valid_sources():
    with pytest.raises(ValueError, match="'bundled', 'mnist', 'fashion-mnist'"):
        load_mnist("emnist")


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5])
def test_bad_test_fraction_is_rejected(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        load_mnist(test_fraction=fraction)


def test_integer_dtype_with_normalize_is_rejected():
    with pytest.raises(ValueError, match="float dtype"):
        load_mnist(dtype=np.int32)


def test_download_options_are_rejected_for_bundled():
    with pytest.raises(ValueError, match="base_url only applies"):
        load_mnist(base_url="http://127.0.0.1:9/")


# ---------------------------------------------------------------------------------------------
# IDX reader, on files the tests write themselves
# ---------------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """Encode an array as IDX: magic 0x0000TTDD, big-endian dimensions, big-endian data."""
    header = bytes([0, 0, type_code, array.ndim])
    header += b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture
def images(rng) -> np.ndarray:
    return rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


def test_reads_plain_labels_file(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(labels))
    assert bytes.fromhex("00000801") == path.read_bytes()[:4]
    result = read_idx(path)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, labels)


def test_reads_gzipped_images_file_by_path_and_file_object(tmp_path, images):
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(path), images)
    np.testing.assert_array_equal(read_idx(str(path)), images)
    with open(path, "rb") as handle:
        np.testing.assert_array_equal(read_idx(handle), images)


def test_reads_big_endian_floats_into_native_writable_array():
    values = np.array([[1.5, -2.0], [0.25, 1e6]], dtype=np.float32)
    result = read_idx(io.BytesIO(idx_bytes(values, type_code=0x0D)))
    assert result.dtype == np.float32 and result.dtype.isnative
    assert result.flags.writeable
    np.testing.assert_array_equal(result, values)


@pytest.mark.parametrize("magic", ["00000703", "01000803", "00000800", "504b0304"])
def test_wrong_magic_number_is_named_in_the_error(images, magic):
    data = bytes.fromhex(magic) + idx_bytes(images)[4:]
    with pytest.raises(IdxFormatError, match=f"magic number is 0x{magic.upper()}"):
        read_idx(io.BytesIO(data))


def test_truncated_data_is_reported(images):
    data = idx_bytes(images)[:-100]
    with pytest.raises(IdxFormatError, match="truncated.*only 3820 bytes follow"):
        read_idx(io.BytesIO(data))


def test_truncated_header_is_reported():
    with pytest.raises(IdxFormatError, match="truncated"):
        read_idx(io.BytesIO(bytes.fromhex("00000803") + b"\x00\x00\x00\x05"))
    with pytest.raises(IdxFormatError, match="too few for an IDX header"):
        read_idx(io.BytesIO(b"\x00\x00"))


def test_truncated_gzip_is_reported(tmp_path, images):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(images))[:500])
    with pytest.raises(IdxFormatError, match="cannot be decompressed.*download it again"):
        read_idx(path)


def test_trailing_bytes_are_reported(images):
    with pytest.raises(IdxFormatError, match="100 unexpected bytes"):
        read_idx(io.BytesIO(idx_bytes(images) + bytes(100)))


def test_text_mode_file_is_rejected(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx_bytes(np.zeros(3, dtype=np.uint8)))
    with open(path, encoding="latin-1") as handle, pytest.raises(TypeError, match="binary"):
        read_idx(handle)


# ---------------------------------------------------------------------------------------------
# 2-D classification sets
# ---------------------------------------------------------------------------------------------

CLASSIFICATION_MAKERS = [make_two_class, make_blobs, make_xor, make_moons, make_circles]


@pytest.mark.parametrize("maker", CLASSIFICATION_MAKERS)
def test_classification_sets_have_shapes_and_dtypes(maker):
    x, y = maker(n_samples=90)
    assert x.shape == (90, 2) and x.dtype == np.float32
    assert y.shape == (90,) and y.dtype == np.int64
    assert np.isfinite(x).all()


@pytest.mark.parametrize("maker", CLASSIFICATION_MAKERS)
def test_classification_sets_are_reproducible(maker):
    x1, y1 = maker(n_samples=60, seed=3)
    x2, y2 = maker(n_samples=60, seed=3)
    x3, _ = maker(n_samples=60, seed=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("maker", [make_xor, make_moons, make_circles])
def test_binary_sets_are_balanced(maker):
    _, y = maker(n_samples=101)
    assert sorted(np.bincount(y)) == [50, 51]


def test_two_class_without_noise_is_balanced_and_almost_separable():
    x, y = make_two_class(n_samples=2000, noise=0.0)
    assert list(np.bincount(y)) == [1000, 1000]
    line_says = (x.sum(axis=1) > 0).astype(np.int64)
    assert np.mean(line_says != y) < 0.04


def test_two_class_flips_the_requested_share_of_labels():
    x, y = make_two_class(n_samples=2000, noise=0.2)
    line_says = (x.sum(axis=1) > 0).astype(np.int64)
    # The best line disagrees with about 20% flipped labels plus the ~2% blob overlap.
    assert 0.17 < np.mean(line_says != y) < 0.25


def test_blobs_have_the_requested_classes_in_equal_sizes():
    _, y = make_blobs(n_samples=100, n_classes=4)
    assert list(np.bincount(y)) == [25, 25, 25, 25]
    _, y = make_blobs(n_samples=10, n_classes=3)
    assert list(np.bincount(y)) == [4, 3, 3]


def test_xor_labels_follow_the_signs():
    x, y = make_xor(n_samples=400, noise=0.0)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))


def test_circles_have_the_requested_radii():
    x, y = make_circles(n_samples=200, noise=0.0, factor=0.3)
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-5)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-5)


def test_moons_without_noise_lie_on_unit_half_circles():
    x, y = make_moons(n_samples=200, noise=0.0)
    upper, lower = x[y == 0], x[y == 1] - np.array([1.0, 0.5], dtype=np.float32)
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(lower, axis=1), 1.0, rtol=1e-5)
    assert (upper[:, 1] >= 0).all() and (lower[:, 1] <= 1e-6).all()


# ---------------------------------------------------------------------------------------------
# 1-D regression set
# ---------------------------------------------------------------------------------------------


def test_regression_set_shapes_dtypes_and_curve():
    x, y = make_regression_1d(n_samples=50, noise=0.0)
    assert x.shape == (50, 1) and y.shape == (50, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert (np.diff(x[:, 0]) >= 0).all()
    np.testing.assert_allclose(y, np.sin(x), atol=1e-6)


def test_regression_noise_has_the_requested_spread():
    x, y = make_regression_1d(n_samples=4000, noise=0.3)
    assert 0.27 < float(np.std(y - np.sin(x))) < 0.33
    _, y2 = make_regression_1d(n_samples=4000, noise=0.3)
    np.testing.assert_array_equal(y, y2)


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_two_class(n_samples=0), ValueError, "n_samples must be at least 2"),
        (lambda: make_two_class(n_samples=10.0), TypeError, "n_samples must be an int"),
        (lambda: make_moons(n_samples=True), TypeError, "n_samples must be an int"),
        (lambda: make_two_class(noise=1.0), ValueError, r"noise is a fraction.*\[0, 1\)"),
        (lambda: make_two_class(noise=-0.1), ValueError, "noise is a fraction"),
        (lambda: make_moons(noise=-0.1), ValueError, "standard deviation"),
        (lambda: make_xor(noise=float("nan")), ValueError, "finite"),
        (lambda: make_circles(factor=1.0), ValueError, r"factor is a fraction.*\(0, 1\)"),
        (lambda: make_blobs(n_classes=1), ValueError, "n_classes must be at least 2"),
        (lambda: make_blobs(spread=0), ValueError, "greater than 0"),
        (lambda: make_regression_1d(noise="a lot"), TypeError, "noise must be a number"),
    ],
)
def test_bad_arguments_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# train_val_split
# ---------------------------------------------------------------------------------------------


def test_split_sizes_and_coverage():
    x = np.arange(100).reshape(100, 1)
    y = np.repeat(np.arange(4), 25)
    x_train, y_train, x_val, y_val = train_val_split(x, y)
    assert len(x_train) == len(y_train) == 80 and len(x_val) == len(y_val) == 20
    assert sorted(np.concatenate([x_train, x_val])[:, 0]) == list(range(100))
    np.testing.assert_array_equal(y_train, y[x_train[:, 0]])  # rows stay paired with labels


def test_split_keeps_class_shares():
    y = np.array([0] * 90 + [1] * 10)
    _, y_train, _, y_val = train_val_split(np.zeros((100, 2)), y, val_fraction=0.3)
    assert list(np.bincount(y_val)) == [27, 3]
    assert list(np.bincount(y_train)) == [63, 7]


def test_split_is_reproducible():
    x, y = make_blobs(n_samples=60)
    first, again = train_val_split(x, y, seed=5), train_val_split(x, y, seed=5)
    other = train_val_split(x, y, seed=6)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.x_val, other.x_val)


def test_split_of_regression_targets():
    x, y = make_regression_1d(n_samples=50)
    x_train, y_train, x_val, y_val = train_val_split(x, y, val_fraction=0.2)
    assert x_train.shape == y_train.shape == (40, 1)
    assert x_val.shape == y_val.shape == (10, 1)


@pytest.mark.parametrize(
    ("x", "y", "fraction", "message"),
    [
        (np.zeros((5, 2)), np.zeros(4, dtype=int), 0.2, "x has 5 samples but y has 4"),
        (np.zeros((5, 2)), np.zeros(5, dtype=int), 0.0, r"val_fraction is a fraction"),
        (np.zeros((3, 2)), np.zeros(3, dtype=int), 0.1, "both parts need at least one sample"),
    ],
)
def test_split_rejects_bad_input(x, y, fraction, message):
    with pytest.raises(ValueError, match=message):
        train_val_split(x, y, val_fraction=fraction)
