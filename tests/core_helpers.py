"""Helpers shared by the core tests: synthetic IDX datasets, seeded weights, where the full data is.

Kept out of conftest.py so that test modules can import them by a name no other conftest shares.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from tui_cnn.core.data import DATA_DIR_ENV, IMAGES_MAGIC, LABELS_MAGIC, SPLIT_FILES

REPO = Path(__file__).resolve().parents[1]
# shared/ sits beside the project's folder, locally and in CI (see .ci/run).
SAMPLE_DIR = REPO.parent / "shared" / "data" / "fashion-mnist-sample"
SAMPLE_IMAGES = SAMPLE_DIR / "sample-images-idx3-ubyte.gz"
SAMPLE_LABELS = SAMPLE_DIR / "sample-labels-idx1-ubyte.gz"


# --- IDX files -----------------------------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray, magic: int | None = None, dims: tuple[int, ...] | None = None,
              compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file: gzip-compressed when the name ends in .gz (or ``compress``).

    ``magic`` and ``dims`` override the header, to make files that lie about themselves.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    dims = array.shape if dims is None else dims
    magic = (0x0800 | len(dims)) if magic is None else magic
    raw = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in dims) + array.tobytes()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress if compress is not None else path.suffix == ".gz":
        raw = gzip.compress(raw, mtime=0)
    path.write_bytes(raw)
    return path


def synthetic_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` learnable 28x28 uint8 images, light on black: class k is a bright bar placed by k."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 10).astype(np.uint8)
    rng.shuffle(labels)
    images = rng.integers(0, 40, size=(n, 28, 28), dtype=np.uint8)
    for image, label in zip(images, labels):
        top = 2 + 2 * int(label)
        image[top : top + 4, 4:24] = rng.integers(180, 256)
    return images, labels


def write_split(folder: Path, split: str, images: np.ndarray, labels: np.ndarray, gz: bool = True) -> None:
    """Write one split under the official file names."""
    images_stem, labels_stem = SPLIT_FILES[split]
    suffix = ".gz" if gz else ""
    write_idx(folder / (images_stem + suffix), images, IMAGES_MAGIC)
    write_idx(folder / (labels_stem + suffix), labels, LABELS_MAGIC)


def write_official_dir(folder: Path, n_train: int = 120, n_test: int = 40, gz: bool = True) -> Path:
    """A folder with the four official file names holding small synthetic splits."""
    write_split(folder, "train", *synthetic_images(n_train, seed=1), gz=gz)
    write_split(folder, "test", *synthetic_images(n_test, seed=2), gz=gz)
    return folder


def random_weights(seed: int = 0):
    """Weights of the lesson's shapes, drawn from a seeded generator; no TensorFlow needed."""
    from tui_cnn.core.model import Weights

    rng = np.random.default_rng(seed)
    scales = {"conv1": 0.4, "conv2": 0.06, "dense": 0.04, "output": 0.15}
    pairs = {
        layer: (rng.normal(0, scales[layer], kernel_shape).astype(np.float32),
                rng.normal(0, 0.1, bias_shape).astype(np.float32))
        for layer, (kernel_shape, bias_shape) in Weights.EXPECTED.items()
    }
    return Weights.from_pairs(pairs, f"random_weights({seed})")


# --- the complete dataset -----------------------------------------------------------------------


def _has_split_files(folder: Path) -> bool:
    stems = [stem for pair in SPLIT_FILES.values() for stem in pair]
    return all((folder / f"{stem}.gz").is_file() or (folder / stem).is_file() for stem in stems)


def find_full_data() -> Path | None:
    """The complete Fashion-MNIST: ``TUI_CNN_DATA_DIR``, else the Keras cache; None when absent."""
    chosen = os.environ.get(DATA_DIR_ENV)
    candidates = [Path(chosen).expanduser()] if chosen else []
    candidates.append(Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "fashion-mnist")
    for folder in candidates:
        if folder.is_dir() and _has_split_files(folder):
            return folder
    return None


def one_line_error(error: type[Exception], call, path) -> str:
    """Run ``call(path)``, expecting ``error`` with a one-line message that names ``path``."""
    with pytest.raises(error) as info:
        call(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert str(path) in message, message
    return message


def console_script() -> str:
    beside = Path(sys.executable).with_name("tui-cnn")
    found = str(beside) if beside.is_file() else shutil.which("tui-cnn")
    if not found:
        pytest.skip("the tui-cnn console script is not installed (pip install -e .)")
    return found


# --- pictures for the zoo's models (tests/zoo.py) ------------------------------------------------------


def colour_pictures(n: int = 6):
    """Seeded 32x32 colour pictures: a coloured square on a gradient, so every map has something to show."""
    from tui_cnn.core.data import Split

    rng = np.random.default_rng(5)
    ramp = np.linspace(0, 255, 32, dtype=np.float32)
    images = np.empty((n, 32, 32, 3), np.uint8)
    for i in range(n):
        picture = np.stack([np.add.outer(ramp, ramp) / 2, np.tile(ramp, (32, 1)), np.full((32, 32), 60.0)], axis=2)
        top, left = rng.integers(2, 18, 2)
        picture[top : top + 12, left : left + 12] = rng.integers(0, 256, 3)
        images[i] = picture.astype(np.uint8)
    return Split(images, np.arange(n, dtype=np.uint8) % 10, "colour pictures", tuple(f"class {i}" for i in range(10)))


def sample_variants(samples, copies: int, seed: int = 12):
    """``copies`` shifted, noisy copies of each drawn sample (a Split), always the same: real clothing
    shapes on which a model gives a spread of answers."""
    from tui_cnn.core.data import Split

    rng = np.random.default_rng(seed)
    images, labels = [], []
    for image, label in zip(samples.images, samples.labels):
        for _ in range(copies):
            moved = np.roll(image, tuple(rng.integers(-3, 4, 2)), axis=(0, 1)).astype(np.int16)
            moved += rng.integers(-60, 60, moved.shape)
            images.append(np.clip(moved, 0, 255).astype(np.uint8))
            labels.append(label)
    return Split(np.stack(images), np.array(labels, np.uint8), "variants of the drawn samples")
