"""A network the learner designs: one to three convolution blocks, a dense layer, the lesson's output.

The lesson ends with experiments: 16, 32 or 64 filters; one, two or three convolutions; pooling or
not; stop at a target accuracy. A ``Design`` holds those choices. ``layers()`` gives every
layer's output shape and parameter count as ``model.summary()`` shows them, before any TensorFlow,
so a designer can show them live: it builds the design with the explorer's own layer classes
(``core.layers``, all-zero weights), so the arithmetic is the one the summary of any model uses; ``build_model`` makes the same network in Keras. An impossible
design (a map smaller than the next kernel) raises ``DesignError`` with one line that says which
block and what to change.

The default ``Design()`` is the lesson's network, with its layer names (conv1, pool1, conv2, ...),
so a run of it opens in the explorer like the shipped model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tui_cnn.core.datasets import DATASETS
from tui_cnn.core.errors import TuiCnnError

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from tui_cnn.core.network import Network

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
FILTER_RANGE = (8, 128)
KERNELS = (3, 5)
MAX_BLOCKS = 3
DENSE_RANGE = (8, 1024)
POOL = 2


class DesignError(TuiCnnError):
    """A design that cannot be built (a map smaller than a kernel, a value out of range)."""


@dataclass(frozen=True)
class Block:
    """One convolution block: ``filters`` k x k filters with ReLU, then 2x2 max pooling if ``pool``."""

    filters: int = 64
    kernel: int = 3
    pool: bool = True


@dataclass(frozen=True)
class DesignLayer:
    """One layer as ``model.summary()`` lists it: name, Keras class, output shape (no batch), parameters."""

    name: str
    keras_class: str
    output_shape: tuple[int, ...]
    params: int
    title: str  # "Conv2D 16 filters 3x3, relu"


@dataclass(frozen=True)
class Design:
    """The learner's network and its data set; the default is the lesson's network on Fashion-MNIST."""

    blocks: tuple[Block, ...] = field(default_factory=lambda: (Block(), Block()))
    dense: int = 128
    dropout: float = 0.0  # 0: no Dropout layer
    dataset: str = "fashion_mnist"

    def check(self) -> None:
        """Raise ``DesignError`` unless every value is in range and every map fits its kernel."""
        self.layers()

    def layers(self) -> tuple[DesignLayer, ...]:
        """Every layer after the input, with the shapes and parameters Keras will report."""
        return tuple(DesignLayer(layer.name, layer.keras_class, layer.output_shape, layer.params, layer.title)
                     for layer in self.network().layers)

    def network(self) -> Network:
        """The design as a ``core.network.Network`` with all-zero weights.

        Its shapes and parameter counts come from the same layer classes (and so the same arithmetic)
        that read any ``.keras`` file for the explorer and the summary; a layer that does not fit
        becomes a ``DesignError`` that says which block and what to change.
        """
        from tui_cnn.core import layers as L
        from tui_cnn.core.arithmetic import Activation
        from tui_cnn.core.network import Network

        self._check_values()
        relu = Activation("relu")
        built: list[L.Layer] = []
        shape: tuple[int, ...] = INPUT_SHAPE
        for number, block in enumerate(self.blocks, start=1):
            k, f = block.kernel, block.filters
            try:
                built.append(L.Conv2D(f"conv{number}", shape, kernel=np.zeros((k, k, shape[2], f), np.float32),
                                      bias=np.zeros(f, np.float32), activation=relu))
            except L.LayerConfigError:
                where = "the image" if number == 1 else f"block {number - 1}'s output"
                raise DesignError(f"block {number}: {where} is only {_dims(shape)}, smaller than its {k}x{k} "
                                  "kernel; use fewer blocks, less pooling or 3x3 kernels") from None
            shape = built[-1].output_shape
            if block.pool:
                try:
                    built.append(L.Pooling2D(f"pool{number}", shape, pool_size=(POOL, POOL), strides=(POOL, POOL)))
                except L.LayerConfigError:
                    raise DesignError(f"block {number}: its {_dims(shape)} maps are too small for 2x2 pooling; "
                                      "turn that pooling off or use fewer blocks") from None
                shape = built[-1].output_shape
        built.append(L.Flatten("flatten", shape))
        built.append(_dense("dense", built[-1].output_shape, self.dense, relu))
        if self.dropout:
            built.append(L.Identity("dropout", built[-1].output_shape, keras_name="Dropout"))
        built.append(_dense("output", built[-1].output_shape, NUM_CLASSES, Activation("softmax")))
        for previous, layer in zip(built, built[1:]):
            layer.source = previous.name
        return Network(self.describe(), INPUT_SHAPE, tuple(built), "design")

    def _check_values(self) -> None:
        if not 1 <= len(self.blocks) <= MAX_BLOCKS:
            raise DesignError(f"a design has 1 to {MAX_BLOCKS} convolution blocks, not {len(self.blocks)}")
        low, high = FILTER_RANGE
        for number, block in enumerate(self.blocks, start=1):
            if not low <= block.filters <= high:
                raise DesignError(f"block {number}: {block.filters} filters; choose {low} to {high}")
            if block.kernel not in KERNELS:
                raise DesignError(f"block {number}: kernel {block.kernel}x{block.kernel}; choose 3x3 or 5x5")
        if not DENSE_RANGE[0] <= self.dense <= DENSE_RANGE[1]:
            raise DesignError(f"dense layer of {self.dense} units; choose {DENSE_RANGE[0]} to {DENSE_RANGE[1]}")
        if not 0 <= self.dropout < 1:
            raise DesignError(f"dropout {self.dropout:g}; choose 0 (none) up to 0.9")
        if self.dataset not in DATASETS:
            raise DesignError(f"unknown data set {self.dataset!r}; choose {' or '.join(DATASETS)}")  # core.datasets

    @property
    def param_count(self) -> int:
        return sum(layer.params for layer in self.layers())

    @property
    def is_lesson(self) -> bool:
        """The lesson's exact network, which every part of the app can explore."""
        return (self.blocks, self.dense, self.dropout) == (LESSON.blocks, LESSON.dense, LESSON.dropout)

    def describe(self) -> str:
        """The design in words: ``conv 64 pool, conv 64 pool, dense 128`` (kernels 3x3 unless said)."""
        parts = [f"conv {b.filters}" + ("" if b.kernel == 3 else f" {b.kernel}x{b.kernel}") + (" pool" if b.pool else "")
                 for b in self.blocks]
        parts.append(f"dense {self.dense}")
        if self.dropout:
            parts.append(f"dropout {self.dropout:g}")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Design:
        """The inverse of ``to_json``; a malformed record is a ``DesignError``."""
        try:
            blocks = tuple(Block(int(b["filters"]), int(b["kernel"]), bool(b["pool"])) for b in record["blocks"])
            design = cls(blocks, int(record["dense"]), float(record.get("dropout", 0.0)),
                         str(record.get("dataset", "fashion_mnist")))
        except (KeyError, TypeError, ValueError) as exc:
            raise DesignError(f"not a network design ({type(exc).__name__}: {exc})") from None
        design.check()
        return design


LESSON = Design()


def _dense(name: str, shape: tuple[int, ...], units: int, activation: Any) -> Any:
    from tui_cnn.core import layers as L

    return L.Dense(name, shape, kernel=np.zeros((shape[-1], units), np.float32), bias=np.zeros(units, np.float32),
                   activation=activation)


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape[:2])


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def build_model(design: Design, seed: int | None = None) -> keras.Model:
    """The design in Keras, compiled as the lesson compiles (adam, sparse categorical cross-entropy)."""
    from tui_cnn.core.model import import_keras

    layers = design.layers()  # refuses an impossible design before TensorFlow is asked
    keras = import_keras()
    if seed is not None:
        keras.utils.set_random_seed(seed)
    made: list[Any] = [keras.Input(shape=INPUT_SHAPE, name="image")]
    blocks = iter(design.blocks)
    block = None
    for layer in layers:
        if layer.keras_class == "Conv2D":
            block = next(blocks)
            made.append(keras.layers.Conv2D(block.filters, (block.kernel, block.kernel), activation="relu",
                                            name=layer.name))
        elif layer.keras_class == "MaxPooling2D":
            made.append(keras.layers.MaxPooling2D(POOL, POOL, name=layer.name))
        elif layer.keras_class == "Flatten":
            made.append(keras.layers.Flatten(name=layer.name))
        elif layer.keras_class == "Dropout":
            made.append(keras.layers.Dropout(design.dropout, name=layer.name))
        else:
            activation = "softmax" if layer.name == "output" else "relu"
            made.append(keras.layers.Dense(layer.output_shape[0], activation=activation, name=layer.name))
    model = keras.Sequential(made, name="fashion_cnn" if design.is_lesson else "designed_cnn")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model

