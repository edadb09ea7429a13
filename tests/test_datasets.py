"""Data sets (Fashion-MNIST, MNIST), remembered with a trained model, and any zoo model on the command line."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from core_helpers import synthetic_images, write_official_dir
from tui_cnn.core import datasets
from tui_cnn.core.data import CLASS_NAMES, DataError
from tui_cnn.core.errors import UsageError
from tui_cnn.core.network import InputMismatchError, load_network

pytestmark = [pytest.mark.usefixtures("isolated_env"),
              pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")]


@pytest.fixture
def mnist_dir(tmp_path):
    return write_official_dir(tmp_path / "mnist", n_train=20, n_test=12)


def test_mnist_from_an_idx_folder_has_digit_names(mnist_dir, monkeypatch, official_dir):
    monkeypatch.setenv("TUI_CNN_DATA_DIR", str(official_dir))  # Fashion-MNIST's folder is not MNIST's
    with pytest.raises(DataError, match="MNIST"):
        datasets.load_split("test", dataset="mnist", download=False)
    monkeypatch.setenv("TUI_CNN_MNIST_DIR", str(mnist_dir))
    test = datasets.load_split("test", dataset="mnist")
    assert len(test) == 12 and test.class_names == tuple("0123456789")
    assert datasets.load_split("train", mnist_dir, "MNIST").images.shape == (20, 28, 28)
    assert datasets.load_split("test", official_dir).class_names == CLASS_NAMES


def test_mnist_from_keras_npz_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    images, labels = synthetic_images(8)
    np.savez(tmp_path / "keras" / "datasets" / "mnist.npz", x_train=images, y_train=labels, x_test=images[:3],
             y_test=labels[:3])
    test = datasets.load_split("test", dataset="mnist", download=False)
    np.testing.assert_array_equal(test.images, images[:3])
    assert test.source.endswith("mnist.npz")


def test_unknown_dataset_is_a_usage_error():
    with pytest.raises(UsageError, match="fashion_mnist, mnist"):
        datasets.get("cifar10")
    assert datasets.get("fashion-mnist") is datasets.FASHION_MNIST
    assert datasets.for_model(None, "mnist") is datasets.MNIST
    assert datasets.for_model("fashion_mnist", "mnist") is datasets.FASHION_MNIST
    assert datasets.for_model(None, "something else") is datasets.FASHION_MNIST


def test_a_trained_model_remembers_its_dataset(zoo, tmp_path):
    from tui_cnn.core.model import import_keras, save_model_atomic

    model, _ = zoo("mnist")
    path = save_model_atomic(model, tmp_path / "mine.keras", {"dataset": "mnist"})
    assert load_network(path).dataset == "mnist"
    assert import_keras().models.load_model(path).count_params() == model.count_params()


def test_input_size_mismatch_is_one_line(zoo):
    _, path = zoo("colour_32x32x3")
    network = load_network(path)
    with pytest.raises(InputMismatchError, match=r"takes 32x32x3 images, Fashion-MNIST's are 28x28x1"):
        datasets.check_fits(network.image_shape, datasets.FASHION_MNIST, network.source)
    with pytest.raises(InputMismatchError, match="32x32x3"):
        network.prepare(np.zeros((1, 28, 28), np.uint8))


# --- the command line with models from the zoo ------------------------------------------------------------


def test_summary_of_a_zoo_model_equals_keras(run_cli, zoo):
    model, path = zoo("batchnorm")
    result = run_cli("summary", "--model", path, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert f"Total params: {model.count_params():,}" in result.stdout
    for layer in model.layers:
        shape = "(None, " + ", ".join(str(d) for d in layer.output.shape[1:]) + ")"
        row = next(line for line in result.stdout.splitlines() if f"{layer.name} (" in line)
        assert shape in row and f"{layer.count_params():,}" in row, row
    # Keras' own closing lines: batch normalization's moving mean and variance are not trained.
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert non_trainable > 0
    assert f"Non-trainable params: {non_trainable:,} (" in result.stdout
    assert f"Trainable params: {model.count_params() - non_trainable:,} (" in result.stdout


def test_show_a_colour_model_on_your_own_picture(run_cli, zoo, tmp_path):
    _, path = zoo("colour_32x32x3")
    picture = tmp_path / "red.png"
    pixels = np.zeros((50, 40, 3), np.uint8)
    pixels[..., 0] = 200
    Image.fromarray(pixels).save(picture)
    result = run_cli("show", "--model", path, "--image", picture, "--layer", "3", "--channels", "0-1", "--mode", "ascii")
    assert result.returncode == 0, result.stderr
    assert "output 16x16x32" in result.stdout and "predicted class " not in result.stdout
    without = run_cli("show", "--model", path, "--layer", "2")
    assert without.returncode == 1 and "takes 32x32x3 images" in without.stderr


def test_evaluate_the_course_mnist_model_from_h5(run_cli, zoo, mnist_dir):
    _, path = zoo("mnist_h5")
    result = run_cli("evaluate", "--model", path, "--dataset", "mnist", "--data-dir", mnist_dir)
    assert result.returncode == 0, result.stderr
    assert "12 MNIST test images" in result.stdout and re.search(r"test accuracy: \d\.\d{4} \(\d+ of 12\)", result.stdout)
    assert "Ankle boot" not in result.stdout and re.search(r"^\W*9 9\s", result.stdout, re.M)


def test_unsupported_model_on_the_command_line(run_cli, zoo):
    _, path = zoo("lstm")
    result = run_cli("summary", "--model", path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert "LSTM" in result.stderr and "supported layers: InputLayer, Conv2D" in result.stderr
