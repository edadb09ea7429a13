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
from tui_cnn.core.model import LAYER_NAMES, LAYERS, Weights

POOL = 2


@dataclass(frozen=True)
class ConvTerm:
    """One input channel's part of a convolution pixel: patch times kernel, summed."""

    input_channel: int
    patch: np.ndarray  # (3, 3) input values under the filter
    kernel: np.ndarray  # (3, 3) weights

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

    @property
    def pre_activation(self) -> float:
        return sum(t.total for t in self.terms) + self.bias

    @property
    def value(self) -> float:
        """After ReLU: negative sums become 0."""
        return max(self.pre_activation, 0.0)

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
    window: np.ndarray  # (2, 2) values of the map before pooling
    top: int  # row of the window's top-left pixel in the source map
    left: int

    @property
    def winner(self) -> tuple[int, int]:
        """Position of the largest value within the window (the first one on a tie)."""
        r, c = np.unravel_index(int(np.argmax(self.window)), self.window.shape)
        return int(r), int(c)

    @property
    def value(self) -> float:
        return float(self.window.max())


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
