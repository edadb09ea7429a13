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
from functools import cached_property
from pathlib import Path

import numpy as np

from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.paths import file_problem

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

    @cached_property
    def model_input(self) -> np.ndarray:
        """The images as Keras takes them (``to_model_input``), converted once and kept."""
        return to_model_input(self.images)


# The largest files the reader accepts: the training split's 60,000 items of 28x28 pixels or one
# label. A header that promises more (or other shapes) is refused before anything is decompressed,
# so a small gzip of zeros that inflates to gigabytes costs nothing.
MAX_ITEMS = 60000
IDX_SHAPES = {IMAGES_MAGIC: (28, 28), LABELS_MAGIC: ()}


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read one IDX file (gzip-compressed or plain): check its header, then read exactly what it promises."""
    problem = file_problem(path)
    if problem == "no such file":
        raise DataError(f"{path}: file not found; {HOW_TO_GET}")
    if problem:
        raise DataError(f"{path}: {problem}; {HOW_TO_GET}")
    try:
        with _open_idx(path) as fh:
            dims = _read_header(fh, path, magic)
            expected = int(np.prod(dims, dtype=np.int64))
            raw = fh.read(expected)
            extra = fh.read(1)
    except DataError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read ({_reason(exc)}); download the file again") from exc
    if extra:
        raise DataError(f"{path}: holds more than the {expected:,} bytes its header {dims} promises; "
                        "the file is corrupt, download it again")
    if len(raw) != expected:
        raise DataError(f"{path}: holds {len(raw):,} bytes of data but its header {dims} needs {expected:,}; "
                        "the file is truncated or corrupt, download it again")
    return np.frombuffer(raw, dtype=np.uint8).reshape(dims)


def _open_idx(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _read_header(fh, path: Path, magic: int) -> tuple[int, ...]:
    """The dimensions in the 16-byte (images) or 8-byte (labels) header, refused unless 28x28 data needs them."""
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    head = fh.read(4)
    if len(head) < 4:
        raise DataError(f"{path}: too short to be an IDX file ({len(head)} bytes); download it again")
    found = int.from_bytes(head, "big")
    if found != magic:
        raise DataError(f"{path}: wrong magic number {found}, expected {magic} for {kind}; not an IDX {kind} file")
    ndim = head[3]
    raw_dims = fh.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise DataError(f"{path}: too short to be an IDX file (header cut off); download it again")
    dims = tuple(int.from_bytes(raw_dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
    item = IDX_SHAPES[magic]
    if len(dims) != 1 + len(item):
        raise DataError(f"{path}: {kind} have {len(dims)} dimensions {dims}, expected {1 + len(item)}")
    if dims[1:] != item:
        raise DataError(f"{path}: images are {dims[1:]}, expected 28x28")
    if dims[0] > MAX_ITEMS:
        raise DataError(f"{path}: the header promises {dims[0]:,} {kind}, more than the {MAX_ITEMS:,} "
                        "of Fashion-MNIST's largest file; not a Fashion-MNIST file")
    return dims


def _reason(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "gzip stream ends early: truncated download"
    return str(exc) or type(exc).__name__


def _find(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if os.path.lexists(folder / name):  # anything by that name: read_idx says what is wrong with it
            return folder / name
    raise DataError(f"{folder / (stem + '.gz')}: file not found (nor {stem}); {HOW_TO_GET}")


def load_split_from_dir(folder: str | os.PathLike[str], split: str) -> Split:
    """Load the ``train`` or ``test`` split from a folder of IDX files."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        what = "not a folder" if os.path.lexists(folder) else "data folder not found"
        raise DataError(f"{folder}: {what}; {HOW_TO_GET}")
    images_stem, labels_stem = SPLIT_FILES[split]
    images_path, labels_path = _find(folder, images_stem), _find(folder, labels_stem)
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
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

