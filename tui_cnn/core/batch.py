"""Running a network on many images at once: chunks with progress and cancelling, BLAS threads capped.

The diagnostics (confusion matrix, top images, occlusion) push thousands of images through the
numpy layers; here that happens a chunk at a time, so memory stays bounded, a progress callback
hears after each chunk, and a cancel event stops the work between chunks. Any model the explorer
supports works: a ``network.Network``, or the lesson's ``Weights`` (see ``as_network``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from tui_cnn.core import arithmetic
from tui_cnn.core import layers as L
from tui_cnn.core.arithmetic import Activation
from tui_cnn.core.model import Weights
from tui_cnn.core.network import Network

CHUNK = 128  # images per step: the lesson's conv1 output for them is 22 MB
Progress = Callable[[int, int], None]  # (done, total)


class Cancelled(Exception):
    """A long computation stopped because its cancel event was set."""


def as_network(model: Network | Weights) -> Network:
    """The model as a chain of numpy layers (the lesson's weights become the lesson's network)."""
    if isinstance(model, Network):
        return model
    cached = _LESSON_NETWORKS.get(id(model))
    if cached is None or cached[0] is not model:
        cached = (model, lesson_network(model))
        _LESSON_NETWORKS.clear()  # one at a time: the app explores one model
        _LESSON_NETWORKS[id(model)] = cached
    return cached[1]


_LESSON_NETWORKS: dict[int, tuple[Weights, Network]] = {}


def lesson_network(weights: Weights, name: str = "fashion_cnn") -> Network:
    """The lesson's model as a ``Network`` of numpy layers, from weights read by ``model.read_weights``."""
    relu, softmax = Activation("relu"), Activation("softmax")
    chain: list[L.Layer] = []

    def add(layer_type, layer_name, **settings) -> None:
        shape = chain[-1].output_shape if chain else (28, 28, 1)
        source = chain[-1].name if chain else "input"
        chain.append(layer_type(layer_name, shape, source=source, **settings))

    add(L.Conv2D, "conv1", kernel=weights.conv1_kernel, bias=weights.conv1_bias, activation=relu)
    add(L.Pooling2D, "pool1")
    add(L.Conv2D, "conv2", kernel=weights.conv2_kernel, bias=weights.conv2_bias, activation=relu)
    add(L.Pooling2D, "pool2")
    add(L.Flatten, "flatten")
    add(L.Dense, "dense", kernel=weights.dense_kernel, bias=weights.dense_bias, activation=relu)
    add(L.Dense, "output", kernel=weights.output_kernel, bias=weights.output_bias, activation=softmax)
    return Network(name, (28, 28, 1), tuple(chain), name)


@contextmanager
def blas_threads(limit: int | None = None) -> Iterator[None]:
    """Cap the BLAS thread pool (at most 2 by default) while numpy works in a background thread.

    On a 2-core machine an uncapped pool of a worker and the UI's own small products fight for
    the same cores; on a big one, dozens of BLAS threads would not speed up these small products.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=limit or min(2, os.cpu_count() or 1), user_api="blas"):
        yield


def chunks(total: int, chunk: int = CHUNK, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> Iterator[slice]:
    """Slices covering ``range(total)``; reports progress after each and stops when cancelled."""
    for start in range(0, total, chunk):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        yield slice(start, min(start + chunk, total))
        if progress is not None:
            progress(min(start + chunk, total), total)


def forward(net: Network, x: np.ndarray, upto: int | None = None) -> np.ndarray:
    """Layer ``upto``'s output (default: the last layer's) for a prepared batch ``x``, equal to
    ``net.forward(x, upto)[-1]`` but with less memory traffic.

    A convolution followed by max pooling is pooled before its bias and activation are added when
    the activation never decreases and is exact in float32 (ReLU, ReLU6, linear): the largest of
    ``relu(a + b)`` is ``relu(largest a + b)``, so the full-size map goes through one pass less
    and the bias and activation work on a quarter of the values. Only the last output is kept.
    """
    layers = net.layers[: None if upto is None else upto + 1]
    position = 0
    while position < len(layers):
        layer = layers[position]
        after = layers[position + 1] if position + 1 < len(layers) else None
        if after is not None and _poolable(layer, after):
            pooled = after.forward(arithmetic.conv2d_batch(x, layer.kernel, None, layer.strides, layer.padding))
            x = layer.activation(pooled + layer.bias if layer.bias is not None else pooled)
            position += 2
        else:
            x = layer.forward(x)
            position += 1
    return x


def _poolable(layer: L.Layer, after: L.Layer) -> bool:
    """Whether max pooling ``after`` may come before ``layer``'s bias and activation (see ``forward``)."""
    if not (isinstance(layer, L.Conv2D) and isinstance(after, L.Pooling2D) and after.mode == "max"):
        return False
    act = layer.activation
    return act.name in ("linear", "relu6") or (act.name == "relu" and act.threshold >= 0 and act.negative_slope >= 0)


def probabilities(model: Network | Weights, images: np.ndarray, progress: Progress | None = None,
                  cancel: threading.Event | None = None, chunk: int = CHUNK, threads: int | None = None) -> np.ndarray:
    """The model's class probabilities (N, classes) for many images, chunk by chunk, on at most
    ``threads`` BLAS threads (``blas_threads``' default if None)."""
    net = as_network(model)
    out = np.empty((len(images), net.num_classes), np.float32)
    with blas_threads(threads):
        for part in chunks(len(images), chunk, progress, cancel):
            out[part] = as_probabilities(net, forward(net, net.prepare(images[part])))
    return out


def as_probabilities(net: Network, outputs: np.ndarray) -> np.ndarray:
    """The last layer's outputs as probabilities: as they are after a softmax or sigmoid, else softmaxed.

    A model that ends in plain logits (trained with ``from_logits=True``) still gets probabilities
    that add up to 1, so that "the probability drops" means the same for every model.
    """
    outputs = outputs.reshape(len(outputs), -1)
    if activation_name(net.layers[-1]) in ("softmax", "sigmoid"):
        return outputs
    e = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def activation_name(layer: L.Layer) -> str:
    """The activation a layer applies last (``linear`` for a layer without one)."""
    activation = getattr(layer, "activation", None)
    return activation.name if activation is not None else "linear"
