"""What excites a channel: the test images whose feature map reaches the highest value (DeepVis).

For every image, each channel of a convolution or pooling layer is reduced to its maximum and
where it occurs; the nine images with the largest maximum are the channel's "top images", and
the input pixels that the strongest pixel could see (its receptive field) mark the region that
fired it. One pass over the test set gives this for every channel of a layer at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tui_cnn.core import batch
from tui_cnn.core.model import LAYERS, Weights

TOP = 9
# How each spatial layer looks at its input: (window, stride). Valid padding throughout.
_WINDOWS = {"conv": (3, 1), "pool": (2, 2)}


@dataclass(frozen=True)
class TopImages:
    """The ``k`` most exciting images of every channel of one layer, strongest first."""

    layer: int  # index into LAYERS
    indices: np.ndarray  # (channels, k) image numbers
    values: np.ndarray  # (channels, k) the channel's maximum on that image
    rows: np.ndarray  # (channels, k) where in the map the maximum is
    cols: np.ndarray

    def region(self, channel: int, rank: int) -> tuple[int, int, int, int]:
        """Input pixels (top, left, bottom, right; inclusive) seen by the strongest pixel."""
        r, c = int(self.rows[channel, rank]), int(self.cols[channel, rank])
        return receptive_field(self.layer, r, c)


def receptive_field(layer: int, row: int, col: int) -> tuple[int, int, int, int]:
    """The input pixels that pixel (row, col) of layer ``layer``'s output depends on (inclusive)."""
    top, left, bottom, right = row, col, row, col
    for spec in reversed(LAYERS[: layer + 1]):
        window, stride = _WINDOWS[spec.kind]
        top, left = top * stride, left * stride
        bottom, right = bottom * stride + window - 1, right * stride + window - 1
    return top, left, bottom, right


def strongest(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image and channel of (N, H, W, C) maps: the maximum and its flat position (first on a tie)."""
    n, h, w, c = maps.shape
    flat = maps.reshape(n, h * w, c)
    where = flat.argmax(axis=1)
    return np.take_along_axis(flat, where[:, None, :], axis=1)[:, 0, :], where


def compute(weights: Weights, images: np.ndarray, layer: int, k: int = TOP,
            progress: batch.Progress | None = None, cancel: threading.Event | None = None) -> TopImages:
    """Scan every image once and keep, for each channel of ``layer``, the ``k`` highest maxima."""
    if LAYERS[layer].kind not in _WINDOWS:
        raise ValueError(f"{LAYERS[layer].name} has no feature maps; top images are for conv and pool layers")
    h, w, channels = LAYERS[layer].output_shape
    maxima = np.empty((len(images), channels), np.float32)
    where = np.empty((len(images), channels), np.int64)
    with batch.blas_threads():
        for part in batch.chunks(len(images), progress=progress, cancel=cancel):
            maps = batch.layer_outputs(weights, batch.as_batch(images[part]), upto=layer)[-1]
            maxima[part], where[part] = strongest(maps)
    # Stable sort of the negated maxima: on equal values the lower image number comes first.
    order = np.argsort(-maxima, axis=0, kind="stable")[:k].T  # (channels, k)
    chosen = np.arange(channels)[:, None]
    position = where[order, chosen]
    return TopImages(layer, order, maxima[order, chosen], position // w, position % w)
