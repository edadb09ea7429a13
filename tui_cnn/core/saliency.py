"""Where the model looked, by calculus: the gradient of a class score with respect to each pixel.

Simonyan et al.'s saliency map: run the image forward keeping every layer's output, then send the
derivative of the class's score (its logit, before the softmax) back through the layers with the
chain rule. Dense layers multiply by their transposed weights, ReLU lets the gradient through
only where its output was positive, max pooling routes it to the pixel that won each window, and
a convolution spreads it back over the patch each output pixel read. The result says how much a
small brightening of each pixel would raise the score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_cnn.core import batch
from tui_cnn.core.model import Weights


@dataclass(frozen=True)
class SaliencyMap:
    """d score[target] / d pixel for one image (pixels scaled to [0, 1])."""

    target: int
    gradient: np.ndarray  # (28, 28), signed

    @property
    def magnitude(self) -> np.ndarray:
        return np.abs(self.gradient)

    @property
    def how(self) -> str:
        return ("Saliency: the gradient of the class's score with respect to each pixel, by backpropagation; "
                "bright = a small change there moves the score most.")


def dense_backward(grad: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Gradient at a dense layer's input from the gradient at its (pre-activation) output."""
    return grad @ kernel.T


def relu_backward(grad: np.ndarray, output: np.ndarray) -> np.ndarray:
    """ReLU passes the gradient where its output was positive (0 at 0, as TensorFlow does)."""
    return grad * (output > 0)


def conv2d_backward(grad: np.ndarray, kernel: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """Gradient at a valid convolution's input (N, H, W, Cin) from the gradient at its output."""
    kh, kw = kernel.shape[:2]
    _, oh, ow, _ = grad.shape
    out = np.zeros(input_shape, np.float32)
    for i in range(kh):
        for j in range(kw):
            out[:, i : i + oh, j : j + ow, :] += grad @ kernel[i, j].T  # each offset's (Cout, Cin) slice
    return out


def max_pool2d_backward(grad: np.ndarray, inputs: np.ndarray, size: int = 2) -> np.ndarray:
    """Route each pooled gradient to the first pixel that held its window's maximum."""
    n, h, w, c = inputs.shape
    oh, ow = h // size, w // size
    windows = inputs[:, : oh * size, : ow * size].reshape(n, oh, size, ow, size, c).transpose(0, 1, 3, 5, 2, 4)
    winner = windows.reshape(n, oh, ow, c, size * size).argmax(axis=-1)
    routed = (np.arange(size * size) == winner[..., None]) * grad[..., None]  # (n, oh, ow, c, size*size)
    routed = routed.reshape(n, oh, ow, c, size, size).transpose(0, 1, 4, 2, 5, 3).reshape(n, oh * size, ow * size, c)
    out = np.zeros(inputs.shape, np.float32)
    out[:, : oh * size, : ow * size] = routed
    return out


def compute(weights: Weights, image: np.ndarray, target: int | None = None) -> SaliencyMap:
    """The saliency map of ``image`` (28, 28) for class ``target`` (default: the predicted class)."""
    x = batch.as_batch(np.asarray(image)[None])
    with batch.blas_threads(1):
        conv1, pool1, conv2, pool2, _flat, hidden, logits = batch.layer_outputs(weights, x)
        if target is None:
            target = int(logits[0].argmax())
        grad = np.zeros_like(logits)
        grad[0, target] = 1.0
        grad = relu_backward(dense_backward(grad, weights.output_kernel), hidden)
        grad = dense_backward(grad, weights.dense_kernel).reshape(pool2.shape)
        grad = relu_backward(max_pool2d_backward(grad, conv2), conv2)
        grad = conv2d_backward(grad, weights.conv2_kernel, pool1.shape)
        grad = relu_backward(max_pool2d_backward(grad, conv1), conv1)
        grad = conv2d_backward(grad, weights.conv1_kernel, x.shape)
    return SaliencyMap(target, grad[0, :, :, 0])
