"""A network the learner designs: one to three convolution blocks, a dense layer, the lesson's output.

The lesson ends with experiments: 16, 32 or 64 filters; one, two or three convolutions; pooling or
not; stop at a target accuracy. A ``Design`` holds those choices. ``layers()`` works out every
layer's output shape and parameter count with the arithmetic ``model.summary()`` shows (valid
convolution: n - k + 1; 2x2 pooling: n // 2; k*k*in*out + out weights), before any TensorFlow,
so a designer can show them live; ``build_model`` makes the same network in Keras. An impossible
design (a map smaller than the next kernel) raises ``DesignError`` with one line that says which
block and what to change.

The default ``Design()`` is the lesson's network, with its layer names (conv1, pool1, conv2, ...),
so a run of it opens in the explorer like the shipped model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from tui_cnn.core.errors import TuiCnnError

if TYPE_CHECKING:  # pragma: no cover
    import keras

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
FILTER_RANGE = (8, 128)
KERNELS = (3, 5)
MAX_BLOCKS = 3
DENSE_RANGE = (8, 1024)
POOL = 2
DATASETS = {"fashion_mnist": "Fashion-MNIST", "mnist": "MNIST"}


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
        self._check_values()
        rows: list[DesignLayer] = []
        h, w, channels = INPUT_SHAPE
        for number, block in enumerate(self.blocks, start=1):
            if h < block.kernel:
                where = "the image" if number == 1 else f"block {number - 1}'s output"
                raise DesignError(f"block {number}: {where} is only {h}x{w}, smaller than its {block.kernel}x"
                                  f"{block.kernel} kernel; use fewer blocks, less pooling or 3x3 kernels")
            h, w = h - block.kernel + 1, w - block.kernel + 1
            params = block.kernel * block.kernel * channels * block.filters + block.filters
            channels = block.filters
            rows.append(DesignLayer(f"conv{number}", "Conv2D", (h, w, channels), params,
                                    f"Conv2D {block.filters} filters {block.kernel}x{block.kernel}, relu"))
            if block.pool:
                if h < POOL:
                    raise DesignError(f"block {number}: its {h}x{w} maps are too small for 2x2 pooling; "
                                      "turn that pooling off or use fewer blocks")
                h, w = h // POOL, w // POOL
                rows.append(DesignLayer(f"pool{number}", "MaxPooling2D", (h, w, channels), 0, "MaxPooling2D 2x2"))
        flat = h * w * channels
        rows.append(DesignLayer("flatten", "Flatten", (flat,), 0, "Flatten"))
        rows.append(DesignLayer("dense", "Dense", (self.dense,), flat * self.dense + self.dense,
                                f"Dense {self.dense}, relu"))
        if self.dropout:
            rows.append(DesignLayer("dropout", "Dropout", (self.dense,), 0, f"Dropout {self.dropout:g}"))
        rows.append(DesignLayer("output", "Dense", (NUM_CLASSES,), self.dense * NUM_CLASSES + NUM_CLASSES,
                                f"Dense {NUM_CLASSES}, softmax"))
        return tuple(rows)

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
            raise DesignError(f"unknown data set {self.dataset!r}; choose {' or '.join(DATASETS)}")

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

