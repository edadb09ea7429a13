"""Where the model looked, by hiding parts of the image: an occlusion map (Zeiler and Fergus).

A square patch of black (Fashion-MNIST's background; on a colour picture, black in every channel)
slides over the image; every occluded copy
goes through the model in one batch, and each position records how much the probability of the
class drops. A pixel's value is the mean drop over the patches that covered it: high where hiding
the pixel hurts the answer, negative where hiding it helps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_cnn.core import batch
from tui_cnn.core.model import Weights
from tui_cnn.core.network import Network

PATCH = 6
STRIDE = 2


@dataclass(frozen=True)
class OcclusionMap:
    """How much hiding each pixel lowers the probability of ``target``."""

    target: int
    base: float  # the class's probability on the whole image
    drops: np.ndarray  # (rows, cols) drop for each patch position
    pixels: np.ndarray  # (H, W) mean drop of the patches covering each pixel
    patch: int
    stride: int
    channels: int = 1  # the picture's: a colour picture's patch is black in all three

    @property
    def how(self) -> str:
        black = "black patch (in all 3 colours)" if self.channels > 1 else "black patch"
        return (f"Occlusion: a {self.patch}x{self.patch} {black} slides over the image {self.stride} pixels at a "
                f"time; bright = the class's probability falls most when that part is hidden.")


def positions(size: int, patch: int, stride: int) -> list[int]:
    """Top (or left) edges of the patches; the last one touches the far edge so every pixel is covered."""
    patch = min(patch, size)
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return starts


def occluded_copies(image: np.ndarray, patch: int, stride: int, fill: float = 0.0) -> np.ndarray:
    """Copies of the (H, W) or (H, W, C) float image, each with one patch filled, row by row."""
    tops, lefts = positions(image.shape[0], patch, stride), positions(image.shape[1], patch, stride)
    copies = np.repeat(image[None], len(tops) * len(lefts), axis=0)
    for i, top in enumerate(tops):
        for j, left in enumerate(lefts):
            copies[i * len(lefts) + j, top : top + patch, left : left + patch] = fill
    return copies


def compute(model: Network | Weights, image: np.ndarray, target: int | None = None, patch: int = PATCH,
            stride: int = STRIDE) -> OcclusionMap:
    """Occlusion map of ``image`` ((H, W) or (H, W, C)) for class ``target`` (default: the predicted class)."""
    net = batch.as_network(model)
    image = np.asarray(image)
    x = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
    copies = occluded_copies(x, patch, stride)
    with batch.blas_threads(1):
        outputs = batch.forward(net, net.prepare(np.concatenate([x[None], copies])))
    probs = batch.as_probabilities(net, outputs)
    if target is None:
        target = int(probs[0].argmax())
    base = float(probs[0, target])
    tops, lefts = positions(x.shape[0], patch, stride), positions(x.shape[1], patch, stride)
    drops = (base - probs[1:, target]).reshape(len(tops), len(lefts))
    total = np.zeros(x.shape[:2], np.float64)
    count = np.zeros(x.shape[:2], np.int64)
    for i, top in enumerate(tops):
        for j, left in enumerate(lefts):
            total[top : top + patch, left : left + patch] += drops[i, j]
            count[top : top + patch, left : left + patch] += 1
    channels = x.shape[2] if x.ndim == 3 else 1
    return OcclusionMap(target, base, drops, (total / count).astype(np.float32), patch, stride, channels)
