"""The data sets tui-cnn explores with: Fashion-MNIST (the lesson's, the default) and MNIST (the course's exercise).

Both are 28x28 grayscale with ten classes and the same four IDX file names, so each has its own
folder variable: ``TUI_CNN_DATA_DIR`` for Fashion-MNIST (as before), ``TUI_CNN_MNIST_DIR`` for
MNIST; ``--data-dir`` names the folder of the chosen one. Without a folder, Fashion-MNIST comes from
Keras' cache or download (``data.load_split``) and MNIST from Keras' ``mnist.npz`` (read with numpy,
downloaded by ``keras.datasets.mnist.load_data()`` when missing).

A model that tui-cnn trained remembers its data set (``network.Network.dataset``); ``for_model``
picks the user's choice, else that, else Fashion-MNIST, and ``check_fits`` says in one line when
the model's input is not the data set's 28x28x1.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tui_cnn.core import data
from tui_cnn.core.data import DataError, Split
from tui_cnn.core.errors import UsageError
from tui_cnn.core.network import InputMismatchError


@dataclass(frozen=True)
class Dataset:
    key: str  # "fashion_mnist", as --dataset and a model's metadata name it
    title: str  # "Fashion-MNIST"
    class_names: tuple[str, ...]
    folder_env: str  # the environment variable naming its folder of IDX files
    image_shape: tuple[int, int, int] = (28, 28, 1)


FASHION_MNIST = Dataset("fashion_mnist", "Fashion-MNIST", data.CLASS_NAMES, data.DATA_DIR_ENV)
MNIST = Dataset("mnist", "MNIST", tuple(str(digit) for digit in range(10)), "TUI_CNN_MNIST_DIR")
DATASETS = {dataset.key: dataset for dataset in (FASHION_MNIST, MNIST)}
DEFAULT = FASHION_MNIST.key


def get(name: str | None) -> Dataset:
    """A data set by name (``mnist``, ``fashion_mnist``, ``fashion-mnist``); None is the default."""
    key = (name or DEFAULT).strip().lower().replace("-", "_")
    if key not in DATASETS:
        raise UsageError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[key]


def for_model(choice: str | None, remembered: str | None) -> Dataset:
    """The user's choice, else the data set the model was trained on (if known and known here), else the default."""
    if choice:
        return get(choice)
    return DATASETS.get(remembered or "", DATASETS[DEFAULT])


def load_split(split: str, data_dir: str | os.PathLike[str] | None = None, dataset: str | None = None,
               download: bool = True) -> Split:
    """One split (``train`` or ``test``) of the chosen data set, with its class names."""
    chosen = get(dataset)
    if chosen is FASHION_MNIST:
        return replace(data.load_split(split, data_dir, download=download), class_names=chosen.class_names)
    folder = data_dir or os.environ.get(chosen.folder_env)
    if folder:
        loaded = data.load_split_from_dir(folder, split)
    else:
        loaded = _load_mnist_npz(split, download)
    return replace(loaded, class_names=chosen.class_names)


def mnist_cache() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` keeps its download."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()
    return home / "datasets" / "mnist.npz"


_HOW_TO_GET_MNIST = ("pass --data-dir or set TUI_CNN_MNIST_DIR to a folder with the four MNIST IDX files, "
                     "or connect to the internet once so Keras can download mnist.npz")


def _load_mnist_npz(split: str, download: bool) -> Split:
    path = mnist_cache()
    if not path.is_file():
        if not download:
            raise DataError(f"MNIST is not in the Keras cache ({path}); {_HOW_TO_GET_MNIST}")
        _download_mnist()
    prefix = "x_train" if split == "train" else "x_test"
    try:
        with np.load(path, allow_pickle=False) as npz:
            images, labels = npz[prefix], npz["y" + prefix[1:]]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable MNIST file ({exc}); delete it to download it again") from exc
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise DataError(f"{path}: holds {images.shape} images and {labels.shape} labels, not 28x28 MNIST")
    return Split(images.astype(np.uint8, copy=False), labels.astype(np.uint8, copy=False), str(path))


def _download_mnist() -> None:
    from tui_cnn.core.model import import_keras

    try:
        import_keras().datasets.mnist.load_data()
    except Exception as exc:  # urllib, http and file errors all mean "could not download"
        raise DataError(f"could not download MNIST with Keras ({str(exc).splitlines()[0] if str(exc) else exc}); "
                        f"{_HOW_TO_GET_MNIST}") from exc


def check_fits(image_shape: tuple[int, ...], dataset: Dataset, model_source: str) -> None:
    """One line when the model cannot take the data set's images (a 32x32 colour model and Fashion-MNIST)."""
    if tuple(image_shape) != dataset.image_shape:
        want = "x".join(str(d) for d in image_shape)
        raise InputMismatchError(
            f"{model_source}: the model takes {want} images, {dataset.title}'s are 28x28x1; "
            "open your own image files (--image) instead, or choose a model for this data set")
