"""Any Keras image classifier tui-cnn can explore, read from its file without TensorFlow.

Two file formats are read with ``zipfile`` and ``h5py`` alone:

- ``.keras`` (``model.save('m.keras')``): a zip with ``config.json`` and ``model.weights.h5``, whose
  layers are keyed by their class in snake case, numbered in order (``conv2d``, ``conv2d_1``), each
  with its variables under ``vars/0``, ``vars/1``... in Keras' order;
- the legacy HDF5 file (``model.save('m.h5')``, the course notebooks' format): the config is the
  JSON attribute ``model_config`` and the weights sit under ``model_weights/<layer name>``, in the
  order the group's ``weight_names`` attribute gives.

A Sequential model, or a functional one that is a single chain, becomes a ``Network``: a tuple of
``layers.Layer`` objects that compute every layer's output in numpy. Anything else (an LSTM, a
residual Add, a subclassed model, a setting the numpy code does not compute) is refused with a
``ModelFileError`` whose one line names the layer, where it is, and what is supported.
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tui_cnn.core import layers as L
from tui_cnn.core.activations import Activations, LayerOutput
from tui_cnn.core.arithmetic import ACTIVATION_NAMES, Activation
from tui_cnn.core.model import ModelFileError, Weights, _optimizer_state
from tui_cnn.core.paths import file_problem

# Layers that only act while training: at inference (model.predict) they pass values on unchanged.
TRAINING_ONLY = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                 "AlphaDropout", "ActivityRegularization", "RandomFlip", "RandomRotation", "RandomZoom",
                 "RandomTranslation", "RandomContrast", "RandomBrightness")
SUPPORTED = ("InputLayer, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, "
             "Flatten, Dense, BatchNormalization, Rescaling, Activation, ReLU, LeakyReLU, Softmax, Reshape, "
             "Dropout and other training-only layers")
# Keras 3 saves some classes under their alias's name in older files.
_ALIASES = {"MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D", "AveragePool2D": "AveragePooling2D",
            "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
            "Convolution2D": "Conv2D"}
METADATA_FILE = "tui_cnn.json"  # what tui-cnn adds to a .keras file it saves (the data set it was trained on)


class InputMismatchError(ModelFileError):
    """Images that the model cannot take (a 28x28 data set for a 32x32 colour model)."""


@dataclass
class Network:
    """A chain of layers from one image to the class scores, with everything the app shows about it.

    ``input_shape`` is what the model's input takes (without the batch), ``image_shape`` the picture
    it sees as (height, width, channels). ``pixel_scale`` is 255 when the model rescales pixels
    itself (its first layer is ``Rescaling(1/255)``) and 1 when it expects them in [0, 1], as the
    lesson's does.
    """

    name: str
    input_shape: tuple[int, ...]
    layers: tuple[L.Layer, ...]
    source: str
    pixel_scale: float = 1.0
    metadata: dict[str, Any] = field(default_factory=dict)
    # The optimizer's state as Keras' model.summary() counts it once load_model() read the file: its
    # values, their bytes, and how many values the file holds (more, for a .h5 file: see _read_legacy_h5).
    optimizer_params: int = 0
    optimizer_bytes: int = 0
    optimizer_in_file: int = 0
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        last = self.layers[-1] if self.layers else None
        if last is not None and len(last.output_shape) == 1 and last.kind in ("dense", "activation"):
            last.kind = "output"

    # --- what it is -------------------------------------------------------------------------------

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return _image_shape(self.input_shape, self.layers, self.source)

    @property
    def num_classes(self) -> int:
        return int(self.layers[-1].output_shape[-1]) if self.layers else 0

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params for layer in self.layers)

    @property
    def dataset(self) -> str | None:
        """The data set tui-cnn trained it on, if it did (``fashion_mnist``, ``mnist``)."""
        value = self.metadata.get("dataset")
        return value if isinstance(value, str) else None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(layer.name for layer in self.layers)

    def index(self, name_or_number: str | int) -> int:
        """A layer by name (``conv2d_1``) or 1-based number (``3``); a UsageError names the choices."""
        from tui_cnn.core.errors import UsageError

        text = str(name_or_number).strip()
        if text in self.names:
            return self.names.index(text)
        folded = [name.lower() for name in self.names]
        if text.lower() in folded:
            return folded.index(text.lower())
        if text.isdigit() and 1 <= int(text) <= len(self.layers):
            return int(text) - 1
        choices = ", ".join(f"{i + 1}={n}" for i, n in enumerate(self.names))
        raise UsageError(f"unknown layer {name_or_number!r}; choose one of {choices}")

    def lesson_weights(self) -> Weights | None:
        """The lesson's ``Weights`` when this is the lesson's architecture (for its own words and views), else None."""
        if "lesson" not in self._memo:
            self._memo["lesson"] = self._lesson_weights()
        return self._memo["lesson"]

    def _lesson_weights(self) -> Weights | None:
        from tui_cnn.core.model import ARCHITECTURE, WEIGHTED_LAYERS

        found = tuple((layer.keras_class, layer.activation.name if hasattr(layer, "activation") else None)
                      for layer in self.layers)
        pools_ok = all(layer.pool_size == (2, 2) and layer.strides == (2, 2) and layer.padding == "valid"
                       for layer in self.layers if isinstance(layer, L.Pooling2D))
        convs_ok = all(layer.strides == (1, 1) and layer.padding == "valid" and layer.bias is not None
                       for layer in self.layers if isinstance(layer, L.Conv2D))
        if found != ARCHITECTURE or not (pools_ok and convs_ok) or self.input_shape != (28, 28, 1):
            return None
        weighted = [layer for layer in self.layers if layer.weights]
        pairs = {name: (layer.kernel, layer.bias) for name, layer in zip(WEIGHTED_LAYERS, weighted)}
        try:
            return Weights.from_pairs(pairs, self.source, self.optimizer_params)
        except ModelFileError:  # the lesson's layers with other sizes (the lab's 32 filters)
            return None

    def summary_rows(self) -> list[tuple[str, str, tuple[int, ...], int]]:
        """(name, Keras class, output shape, parameters) per layer, as ``model.summary()`` lists them."""
        return [(layer.name, layer.keras_class, layer.output_shape, layer.params) for layer in self.layers]

    # --- computing ------------------------------------------------------------------------------------

    def prepare(self, images: np.ndarray) -> np.ndarray:
        """Pictures (N, H, W) or (N, H, W, C), uint8 or floats in [0, 1], as the model's float32 input batch."""
        batch = np.asarray(images)
        floats = batch.astype(np.float32) / 255.0 if batch.dtype == np.uint8 else batch.astype(np.float32)
        if self.pixel_scale != 1.0:
            floats = floats * np.float32(self.pixel_scale)
        want = self.image_shape
        got = batch.shape[1:] if batch.ndim == 4 else (*batch.shape[1:], 1)
        if tuple(got) != want:
            raise InputMismatchError(
                f"{self.source}: the model takes {L.dims(want)} images "
                f"({'colour' if want[2] == 3 else f'{want[2]} channel(s)'}), these are {L.dims(tuple(got))}; "
                "choose a matching data set (--dataset) or open your own image files")
        return floats.reshape(len(batch), *self.input_shape)

    def forward(self, x: np.ndarray, upto: int | None = None) -> list[np.ndarray]:
        """Every layer's output (up to and including layer ``upto``) for a prepared batch ``x``."""
        outputs = []
        for layer in self.layers[: None if upto is None else upto + 1]:
            x = layer.forward(x)
            outputs.append(x)
        return outputs

    def predict(self, images: np.ndarray, chunk: int = 256) -> np.ndarray:
        """Class scores (N, classes) for many pictures, in chunks to bound memory."""
        out = np.empty((len(images), self.num_classes), np.float32)
        for start in range(0, len(images), chunk):
            x = self.prepare(images[start : start + chunk])
            for layer in self.layers:
                x = layer.forward(x)
            out[start : start + len(x)] = x.reshape(len(x), -1)
        return out

    def activations(self, image: np.ndarray) -> Activations:
        """One picture (H, W) or (H, W, C) through every layer; the picture kept in [0, 1] for showing."""
        x = self.prepare(np.asarray(image)[None])
        shown = np.asarray(image)
        shown = shown.astype(np.float32) / 255.0 if shown.dtype == np.uint8 else shown.astype(np.float32)
        with one_blas_thread():
            outputs = self.forward(x)
        return Activations(shown, tuple(LayerOutput(layer, out[0]) for layer, out in zip(self.layers, outputs)))

    def layer_input(self, acts: Activations, index: int) -> np.ndarray:
        """What layer ``index`` read for that image: the previous layer's output, or the model's input."""
        if index == 0:
            return self.prepare(np.asarray(acts.image)[None])[0]
        return acts.layers[index - 1].values

    def explain(self, acts: Activations, index: int, position: Sequence[int]) -> Any:
        """The arithmetic of ``acts.layers[index].values[position]`` (see ``layers.Layer.explain``)."""
        return self.layers[index].explain(self.layer_input(acts, index), tuple(position))


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Per-image work on one BLAS thread: its small matrix products lose more to waking threads than they gain
    (on the 2-core machine, under load, 0.7 ms per image against 3-9 ms with every core)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()  # finding the BLAS libraries takes milliseconds: once
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield


_CONTROLLER: Any = None


def network_from_weights(weights: Weights, name: str = "fashion_cnn", source: str = "the lesson's model") -> Network:
    """The lesson's model as a Network, from its ``Weights`` (a model being trained, or a test's seeded one)."""
    from tui_cnn.core.arithmetic import RELU

    shape = (28, 28, 1)
    built: list[L.Layer] = []
    previous = "input"

    def add(layer: L.Layer) -> None:
        nonlocal shape, previous
        layer.source = previous
        built.append(layer)
        shape, previous = layer.output_shape, layer.name

    add(L.Conv2D("conv1", shape, kernel=weights.conv1_kernel, bias=weights.conv1_bias, activation=RELU))
    add(L.Pooling2D("pool1", shape))
    add(L.Conv2D("conv2", shape, kernel=weights.conv2_kernel, bias=weights.conv2_bias, activation=RELU))
    add(L.Pooling2D("pool2", shape))
    add(L.Flatten("flatten", shape))
    add(L.Dense("dense", shape, kernel=weights.dense_kernel, bias=weights.dense_bias, activation=RELU))
    add(L.Dense("output", shape, kernel=weights.output_kernel, bias=weights.output_bias, activation=Activation("softmax")))
    network = Network(name, (28, 28, 1), tuple(built), source, optimizer_params=weights.optimizer_params,
                      optimizer_in_file=weights.optimizer_params)
    network._memo["lesson"] = weights
    return network


def _image_shape(input_shape: tuple[int, ...], layers: Sequence[L.Layer], source: str) -> tuple[int, int, int]:
    if len(input_shape) == 3:
        return input_shape  # type: ignore[return-value]
    if len(input_shape) == 2:
        return (*input_shape, 1)  # type: ignore[return-value]
    for layer in layers:  # a flat input reshaped to an image by its first layers
        if layer.kind == "reshape" and len(layer.output_shape) in (2, 3):
            shape = layer.output_shape
            return shape if len(shape) == 3 else (*shape, 1)  # type: ignore[return-value]
        if layer.kind not in ("rescaling", "identity"):
            break
    side = math.isqrt(math.prod(input_shape))
    if side * side == math.prod(input_shape):
        return side, side, 1
    raise ModelFileError(f"{source}: its input of {L.dims(input_shape)} values is not an image")


# --- reading files -----------------------------------------------------------------------------------


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read a ``.keras`` or legacy ``.h5`` model file into a Network (without TensorFlow)."""
    import h5py

    path = Path(path)
    problem = file_problem(path)  # a folder, a FIFO or /dev/zero is named as such, never opened
    if problem == "no such file":
        raise ModelFileError(f"model file not found: {path}")
    if problem:
        raise ModelFileError(f"{path}: {problem}; give a .keras or .h5 model file")
    legacy = path.suffix.lower() in (".h5", ".hdf5") or (not zipfile.is_zipfile(path) and h5py.is_hdf5(path))
    try:
        return _read_legacy_h5(path) if legacy else _read_keras_zip(path)
    except ModelFileError:
        raise
    # KeyError, TypeError, AttributeError: a file that is a zip or HDF5 file but not a Keras model's.
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, AttributeError, TypeError, IndexError) as exc:
        kind = ".h5" if legacy else ".keras"
        raise ModelFileError(f"{path}: not a readable {kind} model file ({_short(exc)})") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _read_keras_zip(path: Path) -> Network:
    import h5py

    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        metadata = _read_metadata(archive)
        with archive.open("model.weights.h5") as raw, h5py.File(raw, "r") as h5:
            keys = _zip_weight_keys(config)
            group = h5["layers"] if "layers" in h5 else h5

            def weights_of(position: int, name: str) -> list[np.ndarray]:
                key = keys.get(position, name)
                if key not in group:
                    key = name
                if key not in group or "vars" not in group[key]:
                    return []
                vars_ = group[key]["vars"]
                return [np.array(vars_[str(i)]) for i in range(len(vars_))]

            network = build_network(config, weights_of, str(path), metadata)
            network.optimizer_params, network.optimizer_bytes = _optimizer_state(h5)
            network.optimizer_in_file = network.optimizer_params
            return network


def _read_metadata(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        found = json.loads(archive.read(METADATA_FILE))
    except (KeyError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _zip_weight_keys(config: dict[str, Any]) -> dict[int, str]:
    """Each layer's key in ``model.weights.h5``: its class in snake case, numbered per class in order."""
    counts: dict[str, int] = {}
    keys = {}
    for position, layer in enumerate(_layer_configs(config, "")):
        if config.get("class_name") == "Sequential" and layer.get("class_name") == "InputLayer":
            continue  # a Sequential model does not save its input layer
        base = _snake(str(layer.get("class_name")))
        n = counts.get(base, 0)
        counts[base] = n + 1
        keys[position] = base if n == 0 else f"{base}_{n}"
    return keys


def _snake(name: str) -> str:
    """Keras' ``to_snake_case``: ``Conv2D`` -> ``conv2d``, ``BatchNormalization`` -> ``batch_normalization``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _read_legacy_h5(path: Path) -> Network:
    import h5py

    with h5py.File(path, "r") as h5:
        raw = h5.attrs.get("model_config")
        if raw is None:
            raise ModelFileError(f"{path}: holds weights but no model config; save the whole model with model.save()")
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        group = h5["model_weights"] if "model_weights" in h5 else h5

        def weights_of(position: int, name: str) -> list[np.ndarray]:
            if name not in group:
                return []
            layer = group[name]
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in layer.attrs.get("weight_names", [])]
            return [np.array(layer[n]) for n in names]

        network = build_network(config, weights_of, str(path), {})
        network.optimizer_in_file = _optimizer_state(h5, "optimizer_weights")[0]
        network.optimizer_params, network.optimizer_bytes = _h5_restored_optimizer(h5)
        return network


def _h5_restored_optimizer(h5: Any) -> tuple[int, int]:
    """The optimizer's values (and bytes) that Keras 3's ``load_model`` restores from a legacy ``.h5`` file.

    The file holds the whole state (Adam: a step count, the learning rate and two running averages per
    weight), but Keras 3 compiles the model from its ``training_config`` and builds the optimizer for
    no variables, so only the step count (int64) and the learning rate (float32, unless it is a
    schedule) exist; loading the rest fails, and Keras warns and starts the optimizer afresh.
    ``model.summary()`` counts those. Without a training config or saved state, nothing is built.
    """
    raw = h5.attrs.get("training_config")
    if raw is None or "optimizer_weights" not in h5:
        return 0, 0
    try:
        training = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        rate = training["optimizer_config"]["config"].get("learning_rate")
    except (ValueError, KeyError, TypeError, AttributeError):
        rate = None
    if isinstance(rate, dict):  # a LearningRateSchedule: computed from the step count, not stored
        return 1, 8
    return 2, 12


# --- from a config to layers -------------------------------------------------------------------------


def _layer_configs(config: dict[str, Any], source: str) -> list[dict[str, Any]]:
    inner = config.get("config", {})
    layers = inner if isinstance(inner, list) else inner.get("layers")  # Keras 2.2 Sequential: a bare list
    if not isinstance(layers, list):
        raise ModelFileError(f"{source}: a {config.get('class_name')} model has no list of layers tui-cnn can "
                             "read (a subclassed model?); save a Sequential or functional model")
    return layers


def build_network(config: dict[str, Any], weights_of: Callable[[int, str], list[np.ndarray]], source: str,
                  metadata: dict[str, Any]) -> Network:
    """Layers from a model config (``config.json`` or ``model_config``) and a weight lookup by position and name."""
    kind = config.get("class_name")
    if kind not in ("Sequential", "Functional", "Model"):
        raise ModelFileError(f"{source}: a {kind} model cannot be explored; tui-cnn reads Sequential models "
                             "and functional models that are a single chain")
    configs = _layer_configs(config, source)
    total = len([c for c in configs if c.get("class_name") != "InputLayer"])
    shape = _input_shape(config, configs, source)
    built: list[L.Layer] = []
    previous = "input"
    number = 0
    for position, layer_config in enumerate(configs):
        class_name = _ALIASES.get(str(layer_config.get("class_name")), str(layer_config.get("class_name")))
        settings = layer_config.get("config", {}) or {}
        name = str(settings.get("name") or layer_config.get("name") or class_name.lower())
        if class_name == "InputLayer":
            continue
        number += 1
        where = f"{source}: layer {number} of {total} ({name!r}, {class_name})"
        maker = _MAKERS.get(class_name) or (_identity if class_name in TRAINING_ONLY else None)
        if maker is None:
            raise ModelFileError(f"{where} cannot be explored; supported layers: {SUPPORTED}")
        if kind != "Sequential":
            _check_chain(layer_config, previous, where)
        try:
            layer = maker(name, shape, settings, weights_of(position, name), class_name)
        except L.LayerConfigError as exc:
            raise ModelFileError(f"{where}: {exc}") from None
        layer.source = previous
        built.append(layer)
        shape, previous = layer.output_shape, name
    if not built:
        raise ModelFileError(f"{source}: the model has no layers")
    if kind != "Sequential":
        _check_outputs(config, previous, source)
    name = str(config.get("config", {}).get("name", "model")) if isinstance(config.get("config"), dict) else "model"
    scale = 255.0 if _rescales_pixels(built) else 1.0
    return Network(name, _input_shape(config, configs, source), tuple(built), source, scale, metadata)


def _rescales_pixels(built: list[L.Layer]) -> bool:
    first = next((layer for layer in built if layer.kind not in ("identity", "reshape")), None)
    return isinstance(first, L.Rescaling) and abs(first.scale * 255.0 - 1.0) < 1e-3


def _input_shape(config: dict[str, Any], configs: list[dict[str, Any]], source: str) -> tuple[int, ...]:
    """One image's shape from the InputLayer, or the first layer's ``batch_input_shape`` (Keras 2)."""
    candidates = []
    for layer in configs[:2]:
        settings = layer.get("config", {}) or {}
        candidates += [settings.get("batch_shape"), settings.get("batch_input_shape")]
    inner = config.get("config")
    if isinstance(inner, dict):
        candidates.append(inner.get("build_input_shape"))
    for shape in candidates:
        if isinstance(shape, list) and len(shape) >= 2 and all(isinstance(d, int) for d in shape[1:]):
            return tuple(int(d) for d in shape[1:])
    raise ModelFileError(f"{source}: the model's input shape is not fixed (e.g. keras.Input(shape=(28, 28, 1))); "
                         "tui-cnn needs it to explore the layers")


def _inbound_names(obj: Any) -> list[str]:
    """Names of the layers a functional layer reads, from Keras 3 (``keras_history``) or Keras 2 node lists."""
    found: list[str] = []
    if isinstance(obj, dict):
        history = obj.get("keras_history")
        if isinstance(history, list) and history:
            return [str(history[0])]
        for value in obj.values():
            found += _inbound_names(value)
    elif isinstance(obj, list):
        if len(obj) >= 3 and isinstance(obj[0], str) and isinstance(obj[1], int):
            return [obj[0]]
        for item in obj:
            found += _inbound_names(item)
    return found


def _check_chain(layer_config: dict[str, Any], previous: str, where: str) -> None:
    nodes = layer_config.get("inbound_nodes") or []
    inbound = _inbound_names(nodes)
    previous_names = {previous} if previous != "input" else set(inbound[:1])
    if len(nodes) != 1 or len(inbound) != 1 or set(inbound) != previous_names:
        reads = ", ".join(repr(n) for n in inbound) or "nothing"
        raise ModelFileError(f"{where} reads {reads}, not only the layer before it; tui-cnn explores models "
                             "that are a single chain of layers")


def _check_outputs(config: dict[str, Any], last: str, source: str) -> None:
    outputs = _inbound_names(config.get("config", {}).get("output_layers", []))
    if outputs and outputs != [last]:
        raise ModelFileError(f"{source}: the model's outputs are {', '.join(outputs)}, not its last layer {last!r}; "
                             "tui-cnn explores models with one output at the end of a single chain")


# --- one maker per Keras class -------------------------------------------------------------------------


def _activation(value: Any) -> Activation:
    if isinstance(value, dict):  # a serialized function: {"class_name": "function", "config": "relu"}
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("registered_name")
    name = "linear" if value in (None, "") else str(value)
    if name not in ACTIVATION_NAMES:
        raise L.LayerConfigError(f"activation {name!r} is not supported; supported: {', '.join(ACTIVATION_NAMES)}")
    return Activation(name, negative_slope=0.2) if name == "leaky_relu" else Activation(name)


def _channels_last(settings: dict[str, Any]) -> None:
    if settings.get("data_format") not in (None, "channels_last"):
        raise L.LayerConfigError(f"data_format {settings['data_format']!r} is not supported (only channels_last)")


def _take(weights: list[np.ndarray], count: int, what: str) -> list[np.ndarray]:
    if len(weights) != count:
        raise L.LayerConfigError(f"the file holds {len(weights)} weight arrays for it, expected {count} ({what})")
    return [np.asarray(w, dtype=np.float32) for w in weights]


def _conv(name, shape, settings, weights, class_name) -> L.Layer:
    _channels_last(settings)
    if L._pair(settings.get("dilation_rate", 1)) != (1, 1) or int(settings.get("groups", 1) or 1) != 1:
        raise L.LayerConfigError("dilated or grouped convolutions are not supported")
    use_bias = bool(settings.get("use_bias", True))
    arrays = _take(weights, 2 if use_bias else 1, "kernel and bias" if use_bias else "kernel")
    return L.Conv2D(name, shape, kernel=arrays[0], bias=arrays[1] if use_bias else None,
                    strides=L._pair(settings.get("strides", 1)), padding=str(settings.get("padding", "valid")).lower(),
                    activation=_activation(settings.get("activation")))


def _dense(name, shape, settings, weights, class_name) -> L.Layer:
    use_bias = bool(settings.get("use_bias", True))
    arrays = _take(weights, 2 if use_bias else 1, "kernel and bias" if use_bias else "kernel")
    return L.Dense(name, shape, kernel=arrays[0], bias=arrays[1] if use_bias else None,
                   activation=_activation(settings.get("activation")))


def _pool(name, shape, settings, weights, class_name) -> L.Layer:
    _channels_last(settings)
    size = L._pair(settings.get("pool_size", 2))
    strides = settings.get("strides")
    return L.Pooling2D(name, shape, pool_size=size, strides=L._pair(strides) if strides else size,
                       padding=str(settings.get("padding", "valid")).lower(),
                       mode="max" if class_name.startswith("Max") else "average")


def _global_pool(name, shape, settings, weights, class_name) -> L.Layer:
    _channels_last(settings)
    return L.GlobalPooling2D(name, shape, mode="max" if "Max" in class_name else "average",
                             keepdims=bool(settings.get("keepdims", False)))


def _batchnorm(name, shape, settings, weights, class_name) -> L.Layer:
    axis = settings.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if axis not in (-1, len(shape)):
        raise L.LayerConfigError(f"normalizes axis {axis}; only the last (channel) axis is supported")
    scale, center = bool(settings.get("scale", True)), bool(settings.get("center", True))
    arrays = _take(weights, 2 + scale + center, "gamma, beta, moving mean and variance")
    gamma = arrays.pop(0) if scale else None
    beta = arrays.pop(0) if center else None
    return L.BatchNormalization(name, shape, gamma=gamma, beta=beta, moving_mean=arrays[0],
                                moving_variance=arrays[1], epsilon=float(settings.get("epsilon", 1e-3)))


def _number(value: Any, what: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    raise L.LayerConfigError(f"{what} {value!r} is not a single number")


def _rescaling(name, shape, settings, weights, class_name) -> L.Layer:
    return L.Rescaling(name, shape, scale=_number(settings.get("scale", 1.0), "scale"),
                       offset=_number(settings.get("offset", 0.0), "offset"))


def _activation_layer(name, shape, settings, weights, class_name) -> L.Layer:
    if class_name == "Activation":
        act = _activation(settings.get("activation"))
    elif class_name == "ReLU":
        max_value = settings.get("max_value")
        act = Activation("relu", float(settings.get("negative_slope", 0.0) or 0.0),
                         None if max_value is None else float(max_value), float(settings.get("threshold", 0.0) or 0.0))
    elif class_name == "LeakyReLU":
        slope = settings.get("negative_slope", settings.get("alpha", 0.3))
        act = Activation("leaky_relu", float(slope))
    else:  # Softmax
        if settings.get("axis", -1) not in (-1, len(shape), [-1]):
            raise L.LayerConfigError("softmax over an axis other than the last is not supported")
        act = Activation("softmax")
    return L.ActivationLayer(name, shape, activation=act, keras_name=class_name)


def _reshape(name, shape, settings, weights, class_name) -> L.Layer:
    return L.Reshape(name, shape, target_shape=tuple(int(d) for d in settings.get("target_shape", ())))


def _flatten(name, shape, settings, weights, class_name) -> L.Layer:
    _channels_last(settings)
    return L.Flatten(name, shape)


def _identity(name, shape, settings, weights, class_name) -> L.Layer:
    return L.Identity(name, shape, keras_name=class_name)


_MAKERS: dict[str, Callable[..., L.Layer]] = {
    "Conv2D": _conv, "Dense": _dense, "MaxPooling2D": _pool, "AveragePooling2D": _pool,
    "GlobalAveragePooling2D": _global_pool, "GlobalMaxPooling2D": _global_pool, "Flatten": _flatten,
    "BatchNormalization": _batchnorm, "Rescaling": _rescaling, "Activation": _activation_layer,
    "ReLU": _activation_layer, "LeakyReLU": _activation_layer, "Softmax": _activation_layer, "Reshape": _reshape,
}
