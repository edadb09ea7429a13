"""The model's layers for many images at once, in numpy, with BLAS threads capped.

``activations.compute`` runs one image for the explorer; the diagnostics (confusion matrix, top
images, occlusion) run thousands, so here every layer takes a batch (N, H, W, C) and a whole
chunk of images goes through one matrix product per layer. The arithmetic is the same as
``arithmetic``'s (channels last, valid convolutions, 2x2 max pooling, float32).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from tui_cnn.core.model import LAYERS, Weights

CHUNK = 128  # images per step: conv1's output for them is 22 MB, small enough to stay quick
Progress = Callable[[int, int], None]  # (done, total)


class Cancelled(Exception):
    """A long computation stopped because its cancel event was set."""


@contextmanager
def blas_threads(limit: int | None = None) -> Iterator[None]:
    """Cap the BLAS thread pool (at most 2 by default) while numpy works in a background thread.

    On a 2-core machine an uncapped pool of a worker and the UI's own small products fight for
    the same cores; on a big one, dozens of BLAS threads would not speed up these small products.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=limit or min(2, os.cpu_count() or 1), user_api="blas"):
        yield


def as_batch(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 or floats in [0, 1] to float32 (N, 28, 28, 1), as the model takes them."""
    images = np.asarray(images)
    x = images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32)
    return x[..., None] if x.ndim == 3 else x


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, relu: bool = True) -> np.ndarray:
    """Valid convolution of a batch (N, H, W, Cin) with ``kernel`` (k, k, Cin, Cout)."""
    n, h, w, _ = x.shape
    kh, kw, cin, cout = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    if cin == 1:
        # Few inputs per pixel: copy every k x k patch (im2col) and do one matrix product.
        patches = np.empty((n, oh, ow, kh, kw, cin), np.float32)
        for i in range(kh):
            for j in range(kw):
                patches[:, :, :, i, j, :] = x[:, i : i + oh, j : j + ow, :]
        out = (patches.reshape(-1, kh * kw * cin) @ kernel.reshape(-1, cout)).reshape(n, oh, ow, cout)
    else:
        # Many inputs: sum one (Cin, Cout) product per kernel offset rather than copying every
        # patch, several times faster for a 64-channel input.
        out = np.zeros((n, oh, ow, cout), np.float32)
        for i in range(kh):
            for j in range(kw):
                out += x[:, i : i + oh, j : j + ow, :] @ kernel[i, j]
    out += bias
    return np.maximum(out, 0.0, out=out) if relu else out


def max_pool2d(x: np.ndarray, size: int = 2) -> np.ndarray:
    """Non-overlapping max pooling of a batch (N, H, W, C); odd edges are dropped (11 -> 5)."""
    _, h, w, _ = x.shape
    x = x[:, : h // size * size, : w // size * size]
    out = x[:, ::size, ::size].copy()
    for i in range(size):
        for j in range(size):
            if i or j:
                np.maximum(out, x[:, i::size, j::size], out=out)
    return out


def layer_outputs(weights: Weights, x: np.ndarray, upto: int = len(LAYERS) - 1) -> list[np.ndarray]:
    """Each layer's output for the batch ``x`` (N, 28, 28, 1), up to layer index ``upto``.

    The last layer gives logits, not probabilities: the softmax is ``softmax`` below, so that
    callers that need the class score (saliency) have it.
    """
    steps = (
        lambda v: conv2d(v, weights.conv1_kernel, weights.conv1_bias),
        max_pool2d,
        lambda v: conv2d(v, weights.conv2_kernel, weights.conv2_bias),
        max_pool2d,
        lambda v: v.reshape(len(v), -1),  # channels-last, row by row, as Keras' Flatten
        lambda v: np.maximum(v @ weights.dense_kernel + weights.dense_bias, 0.0),
        lambda v: v @ weights.output_kernel + weights.output_bias,
    )
    outputs = []
    for step in steps[: upto + 1]:
        x = step(x)
        outputs.append(x)
    return outputs


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, classes) logits."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def chunks(total: int, chunk: int = CHUNK, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> Iterator[slice]:
    """Slices covering ``range(total)``; reports progress after each and stops when cancelled."""
    for start in range(0, total, chunk):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        yield slice(start, min(start + chunk, total))
        if progress is not None:
            progress(min(start + chunk, total), total)


def probabilities(weights: Weights, images: np.ndarray, progress: Progress | None = None,
                  cancel: threading.Event | None = None, chunk: int = CHUNK) -> np.ndarray:
    """Class probabilities (N, classes) for many images, chunk by chunk."""
    out = np.empty((len(images), weights.output_bias.shape[0]), np.float32)
    with blas_threads():
        for part in chunks(len(images), chunk, progress, cancel):
            out[part] = softmax(layer_outputs(weights, as_batch(images[part]))[-1])
    return out
