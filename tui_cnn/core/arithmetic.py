"""The lesson's arithmetic in plain numpy: 3x3 convolution, 2x2 max pooling, dense layers, softmax.

These functions compute exactly what the Keras layers compute (channels last, "valid" padding,
float32), fast enough to run on every key press: the whole model takes well under a millisecond.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, relu: bool = True) -> np.ndarray:
    """Valid 3x3 (or kxk) convolution of ``x`` (H, W, Cin) with ``kernel`` (k, k, Cin, Cout).

    Each output pixel is the sum of its neighbourhood times the weights, plus the bias: the
    border loses (k - 1) // 2 pixels on each side because the filter needs all its neighbours.
    """
    x = np.asarray(x, dtype=np.float32)
    kh, kw, cin, cout = kernel.shape
    if x.ndim != 3 or x.shape[2] != cin:
        raise ValueError(f"input {x.shape} does not match kernel {kernel.shape}")
    # (H', W', Cin, kh, kw) -> (H', W', kh, kw, Cin) so that it lines up with the kernel's layout.
    windows = sliding_window_view(x, (kh, kw), axis=(0, 1)).transpose(0, 1, 3, 4, 2)
    out_h, out_w = windows.shape[:2]
    patches = windows.reshape(out_h * out_w, kh * kw * cin)
    out = patches @ kernel.reshape(kh * kw * cin, cout).astype(np.float32) + bias.astype(np.float32)
    out = out.reshape(out_h, out_w, cout)
    return np.maximum(out, 0.0) if relu else out


def max_pool2d(x: np.ndarray, size: int = 2) -> np.ndarray:
    """Non-overlapping ``size`` x ``size`` max pooling of (H, W, C); odd edges are dropped (11 -> 5)."""
    h, w, c = x.shape
    oh, ow = h // size, w // size
    cropped = x[: oh * size, : ow * size]
    return cropped.reshape(oh, size, ow, size, c).max(axis=(1, 3))


def dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, relu: bool = True) -> np.ndarray:
    out = np.asarray(x, dtype=np.float32) @ kernel + bias
    return np.maximum(out, 0.0) if relu else out


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - np.max(logits))
    return shifted / shifted.sum()
