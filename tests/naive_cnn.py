"""An independent reference for the lesson's arithmetic: plain loops in float64, written for clarity.

It shares no code with ``tui_cnn.core.arithmetic`` (no sliding windows, reshapes or matrix
products), so the two agreeing says something.
"""

from __future__ import annotations

import math

import numpy as np


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, relu: bool = True) -> np.ndarray:
    """Valid convolution: out[i, j, o] = bias[o] + sum of x[i+di, j+dj, c] * kernel[di, dj, c, o]."""
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    height, width, channels_in = x.shape
    kh, kw, kernel_in, channels_out = kernel.shape
    assert kernel_in == channels_in
    out = np.zeros((height - kh + 1, width - kw + 1, channels_out))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = x[i : i + kh, j : j + kw, :]
            for o in range(channels_out):
                total = float(bias[o]) + float(np.sum(window * kernel[:, :, :, o]))
                out[i, j, o] = max(total, 0.0) if relu else total
    return out


def max_pool2d(x: np.ndarray, size: int = 2) -> np.ndarray:
    """Each output pixel is the largest of a size x size block; leftover rows and columns are dropped."""
    height, width, channels = x.shape
    out = np.zeros((height // size, width // size, channels))
    for i in range(height // size):
        for j in range(width // size):
            for c in range(channels):
                best = -math.inf
                for di in range(size):
                    for dj in range(size):
                        best = max(best, float(x[i * size + di, j * size + dj, c]))
                out[i, j, c] = best
    return out


def flatten(x: np.ndarray) -> np.ndarray:
    """Channels-last flattening as Keras does: row by row, then column, channels changing fastest."""
    height, width, channels = x.shape
    return np.array([x[i, j, c] for i in range(height) for j in range(width) for c in range(channels)])


def dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, relu: bool = True) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    out = np.zeros(kernel.shape[1])
    for o in range(kernel.shape[1]):
        total = float(bias[o]) + sum(x[i] * kernel[i, o] for i in range(kernel.shape[0]))
        out[o] = max(total, 0.0) if relu else total
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    top = max(float(v) for v in logits)
    exps = [math.exp(float(v) - top) for v in logits]
    total = math.fsum(exps)
    return np.array([e / total for e in exps])


def forward(weights, image: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for one (28, 28) image in [0, 1]: conv1, pool1, conv2, pool2, flatten, dense, output."""
    x = np.asarray(image, dtype=np.float64)[:, :, None]
    conv1 = conv2d(x, weights.conv1_kernel, weights.conv1_bias)
    pool1 = max_pool2d(conv1)
    conv2 = conv2d(pool1, weights.conv2_kernel, weights.conv2_bias)
    pool2 = max_pool2d(conv2)
    flat = flatten(pool2)
    hidden = dense(flat, weights.dense_kernel, weights.dense_bias)
    probs = softmax(dense(hidden, weights.output_kernel, weights.output_bias, relu=False))
    return [conv1, pool1, conv2, pool2, flat, hidden, probs]
