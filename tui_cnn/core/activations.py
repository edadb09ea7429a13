"""Every layer's output for one image, computed once in plain numpy from the model's weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_cnn.core import arithmetic
from tui_cnn.core.model import LAYERS, LayerSpec, Weights


@dataclass(frozen=True)
class LayerOutput:
    """One layer's output for one image: (H, W, 64) maps or a 1-D vector."""

    spec: LayerSpec
    values: np.ndarray

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def is_spatial(self) -> bool:
        return self.values.ndim == 3

    def channel(self, index: int) -> np.ndarray:
        """One feature map (H, W) of a convolution or pooling layer."""
        return self.values[:, :, index]


@dataclass(frozen=True)
class Activations:
    """The input (28, 28) in [0, 1], each layer's output in order, and the class probabilities."""

    image: np.ndarray
    layers: tuple[LayerOutput, ...]

    @property
    def probabilities(self) -> np.ndarray:
        return self.layers[-1].values

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))

    def layer(self, name: str) -> LayerOutput:
        for output in self.layers:
            if output.name == name:
                return output
        raise KeyError(name)


def compute(weights: Weights, image: np.ndarray) -> Activations:
    """Run one image through the lesson's model; ``image`` is (28, 28) uint8 or floats in [0, 1]."""
    x = _as_unit_float(image)
    conv1 = arithmetic.conv2d(x[:, :, None], weights.conv1_kernel, weights.conv1_bias)
    pool1 = arithmetic.max_pool2d(conv1)
    conv2 = arithmetic.conv2d(pool1, weights.conv2_kernel, weights.conv2_bias)
    pool2 = arithmetic.max_pool2d(conv2)
    flat = pool2.reshape(-1)  # Keras flattens channels-last maps row by row, channels fastest
    hidden = arithmetic.dense(flat, weights.dense_kernel, weights.dense_bias)
    probs = arithmetic.softmax(arithmetic.dense(hidden, weights.output_kernel, weights.output_bias, relu=False))
    values = (conv1, pool1, conv2, pool2, flat, hidden, probs)
    return Activations(x, tuple(LayerOutput(spec, v) for spec, v in zip(LAYERS, values)))


def _as_unit_float(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.shape != (28, 28):
        raise ValueError(f"expected a 28x28 image, got {image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    return image.astype(np.float32)


def predict_batch(weights: Weights, images: np.ndarray, chunk: int = 128) -> np.ndarray:
    """Class probabilities (N, 10) for many (N, 28, 28) images: ``batch.probabilities`` in chunks.

    Used to find misclassified images: the same arithmetic as ``compute``, batched over images.
    """
    from tui_cnn.core import batch  # it builds on the layers, which build on this module

    return batch.probabilities(weights, images, chunk=chunk)
