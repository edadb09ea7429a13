"""How one output pixel was computed: the lesson's arithmetic, spelled out for a single cell.

A convolution pixel is the 3x3 patch of its input times the kernel, summed (over every input
channel for the second convolution), plus the bias, through ReLU. A pooled pixel is the largest
of a 2x2 window of the map before it. These functions take the numbers from the model's own
weights and activations, so what the app shows is exactly what the model computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_cnn.core.activations import Activations
from tui_cnn.core.arithmetic import RELU, Activation
from tui_cnn.core.model import LAYER_NAMES, LAYERS, Weights

POOL = 2


@dataclass(frozen=True)
class ConvTerm:
    """One input channel's part of a convolution pixel: patch times kernel, summed."""

    input_channel: int
    patch: np.ndarray  # (kh, kw) input values under the filter, 0 where it hangs over the border
    kernel: np.ndarray  # (kh, kw) weights
    padded: np.ndarray | None = None  # (kh, kw) True where the patch is 'same' zero padding, not input

    @property
    def products(self) -> np.ndarray:
        return self.patch * self.kernel

    @property
    def total(self) -> float:
        return float(self.products.sum(dtype=np.float64))


@dataclass(frozen=True)
class ConvCell:
    """Output pixel (row, col) of a convolution channel, with every term that made it."""

    layer: str
    channel: int
    row: int
    col: int
    source: str  # the layer (or "input") the patch is read from
    terms: tuple[ConvTerm, ...]
    bias: float
    activation: Activation = RELU
    top: int | None = None  # the patch's top-left pixel in the source map; negative inside 'same' padding
    left: int | None = None
    # Softmax over the channels needs every channel's sum at this pixel; None for other activations.
    channel_sums: np.ndarray | None = None

    @property
    def pre_activation(self) -> float:
        return sum(t.total for t in self.terms) + self.bias

    @property
    def value(self) -> float:
        """After the activation (ReLU: negative sums become 0)."""
        return _activate(self.activation, self.pre_activation, self.channel_sums, self.channel)

    def strongest(self, n: int) -> list[ConvTerm]:
        """The ``n`` input channels that moved the sum most (by absolute contribution)."""
        return sorted(self.terms, key=lambda t: abs(t.total), reverse=True)[:n]


@dataclass(frozen=True)
class PoolCell:
    """Output pixel (row, col) of a pooling channel and the 2x2 window it came from."""

    layer: str
    channel: int
    row: int
    col: int
    source: str
    window: np.ndarray  # (ph, pw) values of the map before pooling, 0 where it hangs over the border
    top: int  # row of the window's top-left pixel in the source map; negative inside 'same' padding
    left: int
    mode: str = "max"  # or "average"
    padded: np.ndarray | None = None  # (ph, pw) True where the window is 'same' padding, never counted

    @property
    def inside(self) -> np.ndarray:
        return np.ones(self.window.shape, bool) if self.padded is None else ~self.padded

    @property
    def winner(self) -> tuple[int, int]:
        """Position of the largest real value within the window (the first one on a tie)."""
        masked = np.where(self.inside, self.window, -np.inf)
        r, c = np.unravel_index(int(np.argmax(masked)), self.window.shape)
        return int(r), int(c)

    @property
    def count(self) -> int:
        """How many real pixels the window covers (an average divides by this, not by the padding)."""
        return int(self.inside.sum())

    @property
    def value(self) -> float:
        values = self.window[self.inside].astype(np.float64)
        return float(values.max()) if self.mode == "max" else float(values.sum() / self.count)


@dataclass(frozen=True)
class DenseCell:
    """Unit ``unit`` of a Dense layer: every input times its weight, summed, plus the bias, activated."""

    layer: str
    unit: int
    source: str
    inputs: np.ndarray  # (n,) the values the layer reads
    weights: np.ndarray  # (n,) this unit's column of the kernel
    bias: float
    activation: Activation
    unit_sums: np.ndarray | None = None  # every unit's sum, for softmax

    @property
    def products(self) -> np.ndarray:
        return self.inputs * self.weights

    @property
    def pre_activation(self) -> float:
        return float(self.products.sum(dtype=np.float64)) + self.bias

    @property
    def value(self) -> float:
        return _activate(self.activation, self.pre_activation, self.unit_sums, self.unit)

    def strongest(self, n: int) -> np.ndarray:
        """Indices of the ``n`` inputs that moved the sum most (by absolute product)."""
        return np.argsort(-np.abs(self.products), kind="stable")[:n]


@dataclass(frozen=True)
class NormCell:
    """One value through batch normalization at inference: (x - mean) / sqrt(variance + epsilon) * gamma + beta."""

    layer: str
    index: tuple[int, ...]
    source: str
    x: float
    mean: float
    variance: float
    epsilon: float
    gamma: float
    beta: float

    @property
    def normalized(self) -> float:
        return (self.x - self.mean) / float(np.sqrt(self.variance + self.epsilon))

    @property
    def value(self) -> float:
        return self.normalized * self.gamma + self.beta


@dataclass(frozen=True)
class ElementCell:
    """One value through a layer that works on each number alone: an activation or a rescaling.

    ``value = activation(x * scale + offset)``; ``neighbours`` holds the values along the last axis
    for a softmax, which needs them all.
    """

    layer: str
    index: tuple[int, ...]
    source: str
    x: float
    activation: Activation
    scale: float = 1.0
    offset: float = 0.0
    neighbours: np.ndarray | None = None

    @property
    def value(self) -> float:
        moved = None if self.neighbours is None else self.neighbours * self.scale + self.offset
        return _activate(self.activation, self.x * self.scale + self.offset, moved, self.index[-1])


@dataclass(frozen=True)
class CopyCell:
    """A value a layer only moves (Flatten, Reshape) or passes on unchanged at inference (Dropout)."""

    layer: str
    index: tuple[int, ...]
    source: str
    source_index: tuple[int, ...]
    value: float


def _activate(activation: Activation, pre: float, along: np.ndarray | None, position: int) -> float:
    """One number through an activation; softmax needs all the sums ``along`` its axis."""
    if activation.name == "softmax":
        if along is None:
            raise ValueError("softmax needs every unit's sum")
        return float(activation(np.asarray(along, np.float64))[position])
    return float(activation(np.float64(pre)))


def _source(acts: Activations, layer: str) -> tuple[str, np.ndarray]:
    """The name and (H, W, C) values of what ``layer`` reads."""
    index = LAYER_NAMES.index(layer)
    if index == 0:
        return "input", acts.image[:, :, None]
    previous = LAYERS[index - 1].name
    return previous, acts.layer(previous).values


def conv_cell(weights: Weights, acts: Activations, layer: str, channel: int, row: int, col: int) -> ConvCell:
    """The arithmetic behind ``acts.layer(layer).values[row, col, channel]`` for a convolution."""
    if LAYERS[LAYER_NAMES.index(layer)].kind != "conv":
        raise ValueError(f"{layer} is not a convolution layer")
    source, inputs = _source(acts, layer)
    kernel = weights.kernel(layer)  # (3, 3, in, out)
    k = kernel.shape[0]
    patch = inputs[row : row + k, col : col + k, :]
    terms = tuple(ConvTerm(c, patch[:, :, c].astype(np.float64), kernel[:, :, c, channel].astype(np.float64))
                  for c in range(inputs.shape[2]))
    return ConvCell(layer, channel, row, col, source, terms, float(weights.bias(layer)[channel]))


def pool_cell(acts: Activations, layer: str, channel: int, row: int, col: int) -> PoolCell:
    """The 2x2 window behind ``acts.layer(layer).values[row, col, channel]`` for a pooling layer."""
    if LAYERS[LAYER_NAMES.index(layer)].kind != "pool":
        raise ValueError(f"{layer} is not a pooling layer")
    source, inputs = _source(acts, layer)
    top, left = row * POOL, col * POOL
    window = inputs[top : top + POOL, left : left + POOL, channel]
    return PoolCell(layer, channel, row, col, source, window, top, left)


def pool_winners(before: np.ndarray, size: int = POOL, only_decisive: bool = False) -> np.ndarray:
    """Boolean mask over a (H, W) map: True where a pixel survived its window's max pooling.

    Odd last rows and columns are never in a window (11 -> 5), so they never win. A window whose
    pixels are all equal (a silent ReLU region is all zeros) has no real winner: with
    ``only_decisive`` it marks nothing, otherwise its first pixel, as the arithmetic picks.
    """
    h, w = before.shape
    oh, ow = h // size, w // size
    blocks = before[: oh * size, : ow * size].reshape(oh, size, ow, size).transpose(0, 2, 1, 3)
    flat = blocks.reshape(oh, ow, size * size)
    best = flat.argmax(axis=2)
    mask = np.zeros((h, w), bool)
    rows = np.arange(oh)[:, None] * size + best // size
    cols = np.arange(ow)[None, :] * size + best % size
    mask[rows, cols] = True
    if only_decisive:
        tied = flat.max(axis=2) == flat.min(axis=2)
        mask[rows[tied], cols[tied]] = False  # rows/cols broadcast to (oh, ow), like ``tied``
    return mask
