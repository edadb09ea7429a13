"""Loading Fashion-MNIST: IDX folders (good and broken), the Keras cache, and never the network."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from core_helpers import synthetic_images, write_idx, write_official_dir, write_split
from tui_cnn.core import data
from tui_cnn.core.data import IMAGES_MAGIC, LABELS_MAGIC, DataError

pytestmark = pytest.mark.usefixtures("isolated_env")

TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


def _data_error(folder, split="test") -> str:
    with pytest.raises(DataError) as info:
        data.load_split_from_dir(folder, split)
    message = str(info.value)
    assert "\n" not in message, message
    return message


@pytest.fixture
def good_dir(tmp_path):
    """A writable synthetic dataset that a test may break."""
    return write_official_dir(tmp_path / "fashion", n_train=30, n_test=20)


# --- good folders ----------------------------------------------------------------------------------


def test_reads_back_exactly_what_was_written(tmp_path):
    images, labels = synthetic_images(20, seed=9)
    write_split(tmp_path, "test", images, labels)
    split = data.load_split_from_dir(tmp_path, "test")
    assert split.images.dtype == np.uint8 and split.labels.dtype == np.uint8
    np.testing.assert_array_equal(split.images, images)
    np.testing.assert_array_equal(split.labels, labels)
    assert len(split) == 20 and split.source == str(tmp_path)


def test_plain_uncompressed_files_are_accepted(tmp_path):
    images, labels = synthetic_images(15, seed=4)
    write_split(tmp_path, "train", images, labels, gz=False)
    assert not list(tmp_path.glob("*.gz"))
    split = data.load_split_from_dir(tmp_path, "train")
    np.testing.assert_array_equal(split.images, images)
    np.testing.assert_array_equal(split.labels, labels)


def test_both_splits(official_dir):
    train, test = data.load_fashion_mnist(official_dir)
    assert (len(train), len(test)) == (120, 40)
    assert train.images.shape == (120, 28, 28)


def test_the_900_image_sample_reads_as_idx(sample_dir):
    images = data.read_idx(sample_dir / "sample-images-idx3-ubyte.gz", IMAGES_MAGIC)
    labels = data.read_idx(sample_dir / "sample-labels-idx1-ubyte.gz", LABELS_MAGIC)
    assert images.shape == (900, 28, 28) and labels.shape == (900,)
    assert np.bincount(labels, minlength=10).tolist() == [90] * 10
    assert images.max() == 255 and images[:, 0, 0].mean() < 10  # light objects on black


def test_to_model_input_scales_to_unit_floats_with_a_channel():
    images = np.array([[[0, 255] * 14] * 28] * 3, np.uint8)
    x = data.to_model_input(images)
    assert x.shape == (3, 28, 28, 1) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert data.to_model_input(images[0]).shape == (1, 28, 28, 1)


# --- broken folders and files: one line naming the file -----------------------------------------------


def test_missing_folder(tmp_path):
    message = _data_error(tmp_path / "nowhere")
    assert "nowhere" in message and "not found" in message and data.DATA_DIR_ENV in message


def test_a_file_instead_of_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    assert "file: not a folder" in _data_error(tmp_path / "file")


def test_missing_labels_file(good_dir):
    (good_dir / TEST_LABELS).unlink()
    message = _data_error(good_dir)
    assert TEST_LABELS in message and "not found" in message


def test_missing_images_file(good_dir):
    (good_dir / TEST_IMAGES).unlink()
    assert TEST_IMAGES in _data_error(good_dir)


def test_truncated_gzip(good_dir):
    path = good_dir / TEST_IMAGES
    path.write_bytes(path.read_bytes()[:-40])
    message = _data_error(good_dir)
    assert TEST_IMAGES in message and "truncated" in message


def test_gz_name_but_not_gzip(good_dir):
    (good_dir / TEST_LABELS).write_bytes(b"this is not gzip data at all")
    message = _data_error(good_dir)
    assert TEST_LABELS in message and "cannot read" in message


def test_wrong_magic_number(good_dir):
    images, _ = synthetic_images(20)
    write_idx(good_dir / TEST_IMAGES, images, magic=LABELS_MAGIC)  # a labels header on image data
    message = _data_error(good_dir)
    assert TEST_IMAGES in message and "wrong magic number 2049, expected 2051" in message


def test_images_and_labels_swapped(good_dir):
    images, labels = (good_dir / TEST_IMAGES).read_bytes(), (good_dir / TEST_LABELS).read_bytes()
    (good_dir / TEST_IMAGES).write_bytes(labels)
    (good_dir / TEST_LABELS).write_bytes(images)
    assert "wrong magic number" in _data_error(good_dir)


def test_count_mismatch_between_images_and_labels(good_dir):
    _, labels = synthetic_images(19)
    write_idx(good_dir / TEST_LABELS, labels, LABELS_MAGIC)
    message = _data_error(good_dir)
    assert TEST_IMAGES in message and TEST_LABELS in message and "20 images" in message and "19 labels" in message


def test_wrong_image_dimensions(good_dir):
    write_idx(good_dir / TEST_IMAGES, np.zeros((20, 28, 27), np.uint8), IMAGES_MAGIC)
    message = _data_error(good_dir)
    assert TEST_IMAGES in message and "expected 28x28" in message


def test_header_promises_more_than_the_file_holds(good_dir):
    write_idx(good_dir / TEST_IMAGES, np.zeros((20, 28, 28), np.uint8), IMAGES_MAGIC, dims=(21, 28, 28))
    message = _data_error(good_dir)
    assert TEST_IMAGES in message and "truncated or corrupt" in message


def test_trailing_bytes_after_the_promised_data(good_dir):
    labels = np.zeros(20, np.uint8)
    write_idx(good_dir / TEST_LABELS, labels, LABELS_MAGIC, dims=(19,))  # one byte more than the header says
    message = _data_error(good_dir)
    assert TEST_LABELS in message and "holds more than the 19 bytes its header (19,) promises" in message


def test_too_short_to_be_idx(good_dir):
    (good_dir / TEST_LABELS).write_bytes(gzip.compress(b"\x00\x00\x08"))
    message = _data_error(good_dir)
    assert TEST_LABELS in message and "too short" in message


def test_label_out_of_range(good_dir):
    labels = np.zeros(20, np.uint8)
    labels[7] = 10
    write_idx(good_dir / TEST_LABELS, labels, LABELS_MAGIC)
    message = _data_error(good_dir)
    assert TEST_LABELS in message and "label 10 is out of range 0-9" in message


def test_only_the_requested_split_is_read(good_dir):
    (good_dir / "train-images-idx3-ubyte.gz").unlink()
    assert len(data.load_split_from_dir(good_dir, "test")) == 20
    assert "train-images-idx3-ubyte" in _data_error(good_dir, "train")


def test_unknown_split_name():
    with pytest.raises(ValueError, match="'validation'"):
        data.load_split("validation", "/nowhere")


# --- where the data comes from ------------------------------------------------------------------------


def test_argument_beats_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert data.resolve_data_dir(tmp_path / "from-arg") == tmp_path / "from-arg"
    assert data.resolve_data_dir(None) == tmp_path / "from-env"
    monkeypatch.delenv(data.DATA_DIR_ENV)
    assert data.resolve_data_dir(None) is None


def test_environment_variable_names_the_folder(monkeypatch, official_dir):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(official_dir))
    assert data.load_split("test").source == str(official_dir)


def test_bad_environment_folder_is_not_silently_replaced_by_keras(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "typo"))
    monkeypatch.setattr(data, "_download_with_keras", _no_network)
    with pytest.raises(DataError, match="typo"):
        data.load_split("test")


def _no_network():
    raise AssertionError("a unit test tried to download Fashion-MNIST")


def test_no_data_anywhere_and_no_download_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras"))
    monkeypatch.setattr(data, "_download_with_keras", _no_network)
    with pytest.raises(DataError) as info:
        data.load_split("test", download=False)
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "empty-keras") in message and data.DATA_DIR_ENV in message


def test_reads_the_keras_cache_without_keras(monkeypatch, tmp_path, official_dir):
    cache = tmp_path / "keras-home" / "datasets" / "fashion-mnist"
    shutil.copytree(official_dir, cache)  # synthetic files, in a temporary folder
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(data, "_download_with_keras", _no_network)
    assert data.keras_cache_dir() == cache
    split = data.load_split("test", download=False)
    assert split.source == str(cache) and len(split) == 40


def test_keras_home_with_a_tilde_is_expanded_as_keras_does(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", "~/my-keras")
    assert data.keras_cache_dir() == tmp_path / "my-keras" / "datasets" / "fashion-mnist"


def test_download_fills_the_cache_then_it_is_read(monkeypatch, tmp_path, official_dir):
    home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    calls = []

    def fake_download():
        calls.append(1)
        shutil.copytree(official_dir, home / "datasets" / "fashion-mnist")

    monkeypatch.setattr(data, "_download_with_keras", fake_download)
    assert len(data.load_split("train")) == 120
    assert calls == [1]
    assert len(data.load_split("test")) == 40
    assert calls == [1], "the cache was not used the second time"


def test_failed_download_is_a_data_error(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))

    def offline():
        raise DataError("could not download Fashion-MNIST with Keras (offline); pass --data-dir")

    monkeypatch.setattr(data, "_download_with_keras", offline)
    with pytest.raises(DataError, match="could not download"):
        data.load_split("test")
