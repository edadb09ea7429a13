"""The lesson's CNN: its layers, building it in Keras, and reading its weights without TensorFlow.

The explorer only needs the weights to compute activations (see ``activations``), so a ``.keras``
file is read here with ``zipfile`` and ``h5py`` alone: the app can show feature maps without paying
the ~3 s TensorFlow import. Keras is imported lazily by the functions that build or train a model.
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.paths import file_problem
from tui_cnn.core.safe_save import temp_file

if TYPE_CHECKING:  # pragma: no cover
    import keras

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
FILTERS = 64
KERNEL = 3


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the lesson's model, as the UI names and explains it."""

    name: str
    kind: str  # "conv", "pool", "flatten", "dense", "output"
    title: str
    output_shape: tuple[int, ...]


# The lesson's architecture, layer by layer. Shapes are what model.summary() prints (without batch).
LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec("conv1", "conv", "Conv2D 64 filters 3x3, relu", (26, 26, 64)),
    LayerSpec("pool1", "pool", "MaxPooling2D 2x2", (13, 13, 64)),
    LayerSpec("conv2", "conv", "Conv2D 64 filters 3x3, relu", (11, 11, 64)),
    LayerSpec("pool2", "pool", "MaxPooling2D 2x2", (5, 5, 64)),
    LayerSpec("flatten", "flatten", "Flatten", (1600,)),
    LayerSpec("dense", "dense", "Dense 128, relu", (128,)),
    LayerSpec("output", "output", "Dense 10, softmax", (10,)),
)
LAYER_NAMES = tuple(spec.name for spec in LAYERS)
WEIGHTED_LAYERS = ("conv1", "conv2", "dense", "output")


class ModelFileError(TuiCnnError):
    """A model file is missing, unreadable or not the lesson's architecture."""


def layer_index(name_or_number: str | int) -> int:
    """Resolve a layer given by name ("pool1") or 1-based number ("2") to its index in LAYERS."""
    text = str(name_or_number).strip().lower()
    if text in LAYER_NAMES:
        return LAYER_NAMES.index(text)
    if text.isdigit() and 1 <= int(text) <= len(LAYERS):
        return int(text) - 1
    choices = ", ".join(f"{i + 1}={n}" for i, n in enumerate(LAYER_NAMES))
    raise ValueError(f"unknown layer {name_or_number!r}; choose one of {choices}")


_KERAS_LOCK = threading.Lock()  # one import at a time: a second thread waits for the whole module
_keras_imported = False


def import_keras():
    """Import Keras (and TensorFlow) with native start-up chatter kept off the terminal.

    TensorFlow's C++ side writes notes about CUDA and CPU features to file descriptor 2 before
    its logging is configured, ignoring TF_CPP_MIN_LOG_LEVEL; they would scribble over a progress
    bar or the app's screen, so fd 2 points at /dev/null while the import runs.

    The app imports in a background thread while a start may ask too: the lock makes the second
    caller wait for the first import to finish (``"keras" in sys.modules`` is already true halfway
    through it, which handed out a module without ``keras.Input``), and fd 2 is redirected once.
    """
    global _keras_imported
    with _KERAS_LOCK:
        if not _keras_imported:
            saved = os.dup(2)
            try:
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 2)
                    import keras
                    import tensorflow as tf

                    tf.config.list_physical_devices("GPU")  # the CUDA probe also complains on first use
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            _keras_imported = True
    import keras

    return keras


def keras_imported() -> bool:
    """Whether ``import_keras`` has finished (a start then pays no import)."""
    return _keras_imported


def build_model(seed: int | None = None) -> keras.Model:
    """Build and compile the lesson's model exactly (adam, sparse categorical cross-entropy)."""
    from tui_cnn.core.design import LESSON
    from tui_cnn.core.design import build_model as build_design

    return build_design(LESSON, seed)


@dataclass(frozen=True)
class Weights:
    """The learned parameters of the lesson's model as float32 numpy arrays.

    Kernels use Keras' layout: conv (3, 3, in, out), dense (in, out).
    """

    conv1_kernel: np.ndarray
    conv1_bias: np.ndarray
    conv2_kernel: np.ndarray
    conv2_bias: np.ndarray
    dense_kernel: np.ndarray
    dense_bias: np.ndarray
    output_kernel: np.ndarray
    output_bias: np.ndarray
    # Values of the optimizer's state saved with the file (Adam: two per weight, plus its step
    # count and learning rate). Keras' model.summary() of a loaded file counts them in its total.
    optimizer_params: int = 0

    EXPECTED = {
        "conv1": ((3, 3, 1, 64), (64,)),
        "conv2": ((3, 3, 64, 64), (64,)),
        "dense": ((1600, 128), (128,)),
        "output": ((128, 10), (10,)),
    }

    @classmethod
    def from_pairs(cls, pairs: dict[str, tuple[np.ndarray, np.ndarray]], source: str,
                   optimizer_params: int = 0) -> Weights:
        """Check shapes against the lesson's architecture and build the weights."""
        fields: dict[str, np.ndarray] = {}
        for layer, (kernel_shape, bias_shape) in cls.EXPECTED.items():
            if layer not in pairs:
                raise ModelFileError(f"{source}: no weights for layer {layer!r}; not a tui-cnn model")
            kernel, bias = pairs[layer]
            if kernel.shape != kernel_shape or bias.shape != bias_shape:
                raise ModelFileError(
                    f"{source}: layer {layer!r} has shapes {kernel.shape}/{bias.shape}, "
                    f"expected {kernel_shape}/{bias_shape}; not the lesson's architecture"
                )
            fields[f"{layer}_kernel"] = np.asarray(kernel, dtype=np.float32)
            fields[f"{layer}_bias"] = np.asarray(bias, dtype=np.float32)
        return cls(**fields, optimizer_params=optimizer_params)

    @classmethod
    def from_keras(cls, model: keras.Model) -> Weights:
        """Copy the weights out of a live Keras model (e.g. during training)."""
        # By position, not by name: the lesson's own code leaves Keras' default names (conv2d, ...).
        weighted = [layer for layer in model.layers if layer.get_weights()]
        pairs = {name: tuple(layer.get_weights()[:2]) for name, layer in zip(WEIGHTED_LAYERS, weighted)}
        return cls.from_pairs(pairs, model.name)

    def kernel(self, layer: str) -> np.ndarray:
        return getattr(self, f"{layer}_kernel")

    def bias(self, layer: str) -> np.ndarray:
        return getattr(self, f"{layer}_bias")

    def param_count(self) -> int:
        return sum(self.kernel(n).size + self.bias(n).size for n in WEIGHTED_LAYERS)


def read_weights(path: str | os.PathLike[str]) -> Weights:
    """Read the weights of a ``.keras`` file without importing TensorFlow.

    A ``.keras`` file is a zip holding ``config.json`` and ``model.weights.h5``. The h5 file keys each
    layer not by its name but by its class in snake case, numbered in order (``conv2d``,
    ``conv2d_1``, ``dense``, ``dense_1``), with variables under ``vars/<i>``, kernel first.
    """
    import h5py

    path = Path(path)
    problem = file_problem(path)
    if problem == "no such file":
        raise ModelFileError(f"model file not found: {path}")
    if problem:
        raise ModelFileError(f"{path}: {problem}; give a .keras model file")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            with archive.open("model.weights.h5") as raw, h5py.File(raw, "r") as h5:
                pairs = {name: _read_layer_vars(h5, key) for name, key in _weighted_layer_keys(config, path)}
                optimizer = _optimizer_values(h5)
    except ModelFileError:
        raise
    # AttributeError and TypeError: a config.json that is JSON but not a Keras model's config.
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, AttributeError, TypeError) as exc:
        raise ModelFileError(f"{path}: not a readable .keras model file ({exc})") from exc
    return Weights.from_pairs(pairs, str(path), optimizer)


_H5_KEYS = {"Conv2D": "conv2d", "Dense": "dense"}
# The lesson's layers as (Keras class, activation), the InputLayer left out. Checked against a
# file's config because the weight shapes alone accept e.g. average pooling or an extra layer.
ARCHITECTURE = (
    ("Conv2D", "relu"),
    ("MaxPooling2D", None),
    ("Conv2D", "relu"),
    ("MaxPooling2D", None),
    ("Flatten", None),
    ("Dense", "relu"),
    ("Dense", "softmax"),
)


def _weighted_layer_keys(config: dict[str, Any], source: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """Pair each of the lesson's weighted layers with its key in the h5 file, following Keras' numbering.

    Layers are matched by position, not by name, so the lesson's model saved straight from its
    notebook (Keras' default names ``conv2d``, ``dense_1``, ...) is read as well as tui-cnn's own.
    """
    layers = [layer for layer in config["config"]["layers"] if layer.get("class_name") != "InputLayer"]
    found = tuple((layer.get("class_name"), layer.get("config", {}).get("activation")) for layer in layers)
    if found != ARCHITECTURE:
        described = ", ".join(name + (f"({act})" if act else "") for name, act in found) or "no layers"
        raise ModelFileError(f"{source}: layers {described} are not the lesson's architecture "
                             "(Conv2D, MaxPooling2D, Conv2D, MaxPooling2D, Flatten, Dense, Dense)")
    counts: dict[str, int] = {}
    keys = []
    for class_name, _ in found:
        base = _H5_KEYS.get(class_name)
        if base is None:
            continue
        n = counts.get(base, 0)
        counts[base] = n + 1
        keys.append(base if n == 0 else f"{base}_{n}")
    return list(zip(WEIGHTED_LAYERS, keys))


def _optimizer_values(h5: Any, group_name: str = "optimizer") -> int:
    """How many numbers the optimizer's saved state holds (0 for a file saved without it)."""
    return _optimizer_state(h5, group_name)[0]


def _optimizer_state(h5: Any, group_name: str = "optimizer") -> tuple[int, int]:
    """The optimizer's saved state: how many numbers, and their bytes (its step count is an int64).

    ``optimizer`` in a ``.keras`` file's weights, ``optimizer_weights`` in a legacy ``.h5`` file.
    """
    group = h5.get(group_name)
    if group is None:
        return 0, 0
    sizes: list[tuple[int, int]] = []
    group.visititems(lambda _, item: sizes.append((int(item.size), int(item.size) * item.dtype.itemsize))
                     if hasattr(item, "dtype") else None)
    return sum(n for n, _ in sizes), sum(b for _, b in sizes)


def _read_layer_vars(h5: Any, key: str) -> tuple[np.ndarray, np.ndarray]:
    group = h5["layers"][key]["vars"]
    return np.array(group["0"]), np.array(group["1"])


class ModelSaveError(ModelFileError):
    """The model could not be written (disk full, folder read-only); ``model`` still holds the weights."""

    def __init__(self, message: str, model: keras.Model | None = None) -> None:
        super().__init__(message)
        self.model = model


def save_model_atomic(model: keras.Model, path: str | os.PathLike[str], metadata: dict | None = None) -> Path:
    """Save a Keras model so that ``path`` is always either the old file or the complete new one.

    Keras writes to a temporary file in the same folder, which is then renamed over the target:
    a stop or crash mid-save never leaves a half-written model behind (and the temporary file a
    kill leaves is removed by ``safe_save.clean_stale_temps`` later). A failure to write (a full
    disk, a read-only folder) is a one-line ``ModelSaveError`` that keeps the model in memory.
    ``metadata`` (such as the data set it was trained on) goes into the zip as ``tui_cnn.json``,
    which Keras ignores.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_file(path)
        model.save(tmp)
        if metadata:
            with zipfile.ZipFile(tmp, "a") as archive:
                archive.writestr("tui_cnn.json", json.dumps(metadata))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; a model is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        raise ModelSaveError(f"{path}: cannot save the model ({exc.strerror or _first_line(exc)}); "
                             "free some space or save it elsewhere", model) from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import, in the main thread: os.umask can only be read by setting it, which is not
# safe while a training thread may be creating files.
_UMASK = _read_umask()


def load_keras_model(path: str | os.PathLike[str]) -> keras.Model:
    """Load a ``.keras`` file into a compiled Keras model, with a one-line error on failure."""
    read_weights(path)  # fails fast, with a clear message, on a missing or foreign file
    keras = import_keras()

    try:
        return keras.models.load_model(path)
    except Exception as exc:  # Keras raises many kinds; all mean the same to the user
        raise ModelFileError(f"{path}: Keras could not load the model ({exc})") from exc
