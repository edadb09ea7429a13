"""Fashion-MNIST as uint8 numpy arrays, from a folder of IDX files or from Keras' own loader.

Where the data comes from, in order:
1. a folder given by ``--data-dir`` or ``TUI_CNN_DATA_DIR`` holding the four official IDX files
   (``.gz`` or plain), checked thoroughly;
2. the files Keras has already cached (``~/.keras/datasets/fashion-mnist``), read directly so that
   TensorFlow need not be imported;
3. ``keras.datasets.fashion_mnist.load_data()``, which downloads on a machine with internet.
Every failure is a ``DataError`` whose message is one line naming the file and what to do.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui_cnn.core.errors import TuiCnnError

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DATA_DIR_ENV = "TUI_CNN_DATA_DIR"
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SPLIT_SIZES = {"train": 60000, "test": 10000}
HOW_TO_GET = (
    f"pass --data-dir or set {DATA_DIR_ENV} to a folder with the four Fashion-MNIST IDX files, "
    "or connect to the internet once so Keras can download them"
)


class DataError(TuiCnnError):
    """The dataset could not be loaded; the message is one line that says what to do."""


@dataclass(frozen=True)
class Split:
    """Images (N, 28, 28) uint8, light object on black, and their labels (N,) uint8."""

    images: np.ndarray
    labels: np.ndarray
    source: str
    class_names: tuple[str, ...] = CLASS_NAMES  # MNIST's are the digits (core.datasets)

    def __len__(self) -> int:
        return len(self.labels)


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read one IDX file (gzip-compressed or plain) and check its magic number and size."""
    try:
        raw = _read_bytes(path)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; {HOW_TO_GET}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read ({_reason(exc)}); download the file again") from exc
    if len(raw) < 8:
        raise DataError(f"{path}: too short to be an IDX file ({len(raw)} bytes); download it again")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        kind = "images" if magic == IMAGES_MAGIC else "labels"
        raise DataError(f"{path}: wrong magic number {found}, expected {magic} for {kind}; not an IDX {kind} file")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        raise DataError(
            f"{path}: holds {len(raw)} bytes but its header {dims} needs {expected}; "
            "the file is truncated or corrupt, download it again"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _read_bytes(path: Path) -> bytes:
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as fh:
            return fh.read()
    return path.read_bytes()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "gzip stream ends early: truncated download"
    return str(exc) or type(exc).__name__


def _find(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    raise DataError(f"{folder / (stem + '.gz')}: file not found (nor {stem}); {HOW_TO_GET}")


def load_split_from_dir(folder: str | os.PathLike[str], split: str) -> Split:
    """Load the ``train`` or ``test`` split from a folder of IDX files."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder not found; {HOW_TO_GET}")
    images_stem, labels_stem = SPLIT_FILES[split]
    images_path, labels_path = _find(folder, images_stem), _find(folder, labels_stem)
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{images_path}: images are {images.shape[1:]}, expected 28x28")
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: labels have {labels.ndim} dimensions, expected 1")
    if len(images) != len(labels):
        raise DataError(
            f"{images_path}: {len(images)} images but {labels_path.name} has {len(labels)} labels; "
            "the files do not belong together"
        )
    if labels.size and labels.max() >= len(CLASS_NAMES):
        raise DataError(f"{labels_path}: label {labels.max()} is out of range 0-9")
    return Split(images, labels, str(folder))


def keras_cache_dir() -> Path:
    """Where ``keras.datasets.fashion_mnist.load_data()`` caches its downloads."""
    # expanduser: Keras expands "~" in KERAS_HOME, so the cache must be looked for where Keras puts it.
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()
    return home / "datasets" / "fashion-mnist"


def _download_with_keras() -> None:
    from tui_cnn.core.model import import_keras

    try:
        keras = import_keras()
        keras.datasets.fashion_mnist.load_data()
    except Exception as exc:  # urllib, http and file errors all mean "could not download"
        raise DataError(f"could not download Fashion-MNIST with Keras ({_first_line(exc)}); {HOW_TO_GET}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder named by the argument or ``TUI_CNN_DATA_DIR``, or None to use Keras."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(chosen).expanduser() if chosen else None


def load_split(split: str, data_dir: str | os.PathLike[str] | None = None, download: bool = True) -> Split:
    """Load one split from the chosen folder, the Keras cache, or (if allowed) a Keras download."""
    if split not in SPLIT_FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = resolve_data_dir(data_dir)
    if folder is not None:
        return load_split_from_dir(folder, split)
    cache = keras_cache_dir()
    if not _cached(cache, split):
        if not download:
            raise DataError(f"Fashion-MNIST is not in the Keras cache ({cache}); {HOW_TO_GET}")
        _download_with_keras()
    return load_split_from_dir(cache, split)


def _cached(folder: Path, split: str) -> bool:
    return all((folder / f"{stem}.gz").is_file() for stem in SPLIT_FILES[split])


def load_fashion_mnist(data_dir: str | os.PathLike[str] | None = None) -> tuple[Split, Split]:
    """Both splits: (train, test)."""
    return load_split("train", data_dir), load_split("test", data_dir)


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) or (28, 28) to float32 (N, 28, 28, 1) scaled to [0, 1], as the lesson does."""
    batch = np.asarray(images)
    if batch.ndim == 2:
        batch = batch[None]
    return (batch.astype(np.float32) / 255.0)[..., None]
