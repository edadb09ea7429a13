"""What excites a channel: the images whose feature map reaches the highest value (DeepVis).

For every image, each channel of a convolution or pooling layer (or a layer after one that keeps
its maps, such as batch normalization or an activation) is reduced to its maximum and where it
occurs; the nine images with the largest maximum are the channel's "top images", and the input
pixels that the strongest pixel could see (its receptive field) mark the region that fired it.
One pass over the images gives this for every channel of a layer at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tui_cnn.core import arithmetic, batch
from tui_cnn.core.model import Weights
from tui_cnn.core.network import Network

TOP = 9
KEEPS_MAPS = ("norm", "activation", "identity", "rescaling")  # layers that map each pixel to itself


@dataclass(frozen=True)
class TopImages:
    """The ``k`` most exciting images of every channel of one layer, strongest first."""

    layer: int  # index into the network's layers
    indices: np.ndarray  # (channels, k) image numbers
    values: np.ndarray  # (channels, k) the channel's maximum on that image
    rows: np.ndarray  # (channels, k) where in the map the maximum is
    cols: np.ndarray
    regions: np.ndarray  # (channels, k, 4) input pixels (top, left, bottom, right; inclusive) it sees

    def region(self, channel: int, rank: int) -> tuple[int, int, int, int]:
        """Input pixels (top, left, bottom, right; inclusive) seen by the strongest pixel."""
        return tuple(int(v) for v in self.regions[channel, rank])


def has_maps(net: Network, layer: int) -> bool:
    """Whether layer ``layer`` outputs feature maps that can be traced back to input pixels.

    A Reshape that turns a flat input into the picture (before any map is made) keeps every pixel
    where ``Network.image_shape`` puts it, so it counts as keeping the maps.
    """
    if net is None or len(net.layers[layer].output_shape) != 3:
        return False
    chain = net.layers[: layer + 1]
    leading = next((i for i, lay in enumerate(chain) if lay.kind not in ("reshape", *KEEPS_MAPS)), len(chain))
    return all(lay.kind in ("conv", "pool", *KEEPS_MAPS) for lay in chain[leading:])


def receptive_field(net: Network, layer: int, row: int, col: int) -> tuple[int, int, int, int]:
    """The input pixels that pixel (row, col) of layer ``layer``'s output depends on (inclusive)."""
    top, left, bottom, right = row, col, row, col
    for lay in reversed(net.layers[: layer + 1]):
        if lay.kind in (*KEEPS_MAPS, "reshape"):  # only a leading Reshape gets here (see has_maps)
            continue
        window = lay.kernel_size if lay.kind == "conv" else lay.pool_size
        h, w = lay.input_shape[:2]
        pad_top, pad_left = ((arithmetic.same_padding(n, k, s)[0] if lay.padding == "same" else 0)
                             for n, k, s in zip((h, w), window, lay.strides))
        top = max(top * lay.strides[0] - pad_top, 0)
        left = max(left * lay.strides[1] - pad_left, 0)
        bottom = min(bottom * lay.strides[0] - pad_top + window[0] - 1, h - 1)
        right = min(right * lay.strides[1] - pad_left + window[1] - 1, w - 1)
    return top, left, bottom, right


def strongest(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image and channel of (N, H, W, C) maps: the maximum and its flat position (first on a tie)."""
    n, h, w, c = maps.shape
    flat = maps.reshape(n, h * w, c)
    where = flat.argmax(axis=1)
    return np.take_along_axis(flat, where[:, None, :], axis=1)[:, 0, :], where


def compute(model: Network | Weights, images: np.ndarray, layer: int, k: int = TOP,
            progress: batch.Progress | None = None, cancel: threading.Event | None = None) -> TopImages:
    """Scan every image once and keep, for each channel of ``layer``, the ``k`` highest maxima."""
    net = batch.as_network(model)
    if not has_maps(net, layer):
        raise ValueError(f"{net.layers[layer].name} has no feature maps to trace back to the image; "
                         "top images are for convolution and pooling layers")
    h, w, channels = net.layers[layer].output_shape
    maxima = np.empty((len(images), channels), np.float32)
    where = np.empty((len(images), channels), np.int64)
    with batch.blas_threads():
        for part in batch.chunks(len(images), progress=progress, cancel=cancel):
            maps = batch.forward(net, net.prepare(images[part]), upto=layer)
            maxima[part], where[part] = strongest(maps)
    # Stable sort of the negated maxima: on equal values the lower image number comes first.
    order = np.argsort(-maxima, axis=0, kind="stable")[:k].T  # (channels, k)
    chosen = np.arange(channels)[:, None]
    position = where[order, chosen]
    rows, cols = position // w, position % w
    regions = np.array([[receptive_field(net, layer, r, c) for r, c in zip(rr, cc)] for rr, cc in zip(rows, cols)])
    return TopImages(layer, order, maxima[order, chosen], rows, cols, regions.reshape(channels, -1, 4))
