"""The lesson's hand-made 3x3 filters, applied with the arithmetic of its convolution notebook.

The notebook walks over every pixel that has all eight neighbours (the one-pixel border is
skipped, so 28x28 becomes 26x26). Each output pixel is the sum of the 3x3 neighbourhood times the
filter's weights, multiplied by ``weight`` (1 unless the weights need scaling), then clamped to
0..255, the range of a pixel, exactly as the notebook's two ``if`` statements do. 2x2 max pooling
then keeps the largest of each block of four: 26x26 becomes 13x13. The pooling is
``arithmetic.max_pool2d``, the same function the model's pooling layers use.

Orientation: ``kernel[r][c]`` multiplies the neighbour ``r - 1`` rows below and ``c - 1`` columns
right of the pixel, so a kernel reads like the picture it is laid over. This is the
cross-correlation Keras' Conv2D computes, so a learned conv1 kernel gives conv1's map (before its
bias and ReLU). The notebook's loop reads ``i[x + c - 1, y + r - 1] * filter[r][c]`` with ``x``
the row, i.e. its filter transposed: ``apply_filter(image, kernel.T)`` gives the notebook's
numbers. That is why the filter the lesson calls "vertical lines" (the row below minus the row
above) brings out vertical lines in the notebook and horizontal edges here. The presets keep the
lesson's names; the lab shows the kernel next to what it does.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tui_cnn.core.arithmetic import max_pool2d

PIXEL_RANGE = (0.0, 255.0)

# The lesson's filters under the lesson's names (see the module docstring about orientation).
PRESETS: dict[str, np.ndarray] = {
    "vertical lines": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64),
    "horizontal lines": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64),
    "edges": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64),
}


def apply_filter(image: np.ndarray, kernel: np.ndarray, weight: float = 1.0) -> np.ndarray:
    """The lesson's convolution of a 2-D image (uint8 or float, 0..255) with a 3x3 ``kernel``.

    Returns float64 of shape (H - 2, W - 2): for each interior pixel, the sum of its 3x3
    neighbourhood times ``kernel``, times ``weight``, clamped to 0..255 as the lesson does (the
    notebook then stores it in a uint8 image; here the fraction is kept).
    """
    return np.clip(_sums(image, kernel) * float(weight), *PIXEL_RANGE)


def fitting_weight(image: np.ndarray, kernel: np.ndarray) -> float:
    """The power of two that brings the largest sum of ``kernel`` over ``image`` into 128..255.

    The model learned its kernels on pixels scaled to 0..1, so on 0..255 pixels their sums are
    small and the filtered image is nearly black at weight 1. 1.0 if no sum is positive (the
    clamp makes the whole image black at any positive weight).
    """
    peak = float(_sums(image, kernel).max())
    if not peak > 0:
        return 1.0
    return float(2.0 ** math.floor(math.log2(PIXEL_RANGE[1] / peak)))


def _sums(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Each interior pixel's 3x3 neighbourhood times ``kernel``, summed: (H - 2, W - 2) float64."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.shape != (3, 3):
        raise ValueError(f"the kernel must be 3x3, not {kernel.shape}")
    if image.ndim != 2 or min(image.shape) < 3:
        raise ValueError(f"the image must be 2-D and at least 3x3, not {image.shape}")
    windows = sliding_window_view(image, (3, 3))  # (H - 2, W - 2, 3, 3)
    return np.einsum("ijrc,rc->ij", windows, kernel)


def max_pool(values: np.ndarray, size: int = 2) -> np.ndarray:
    """2x2 max pooling of a 2-D map (an odd last row or column is dropped, as in Keras)."""
    values = np.asarray(values)
    return max_pool2d(values[:, :, np.newaxis], size)[:, :, 0]
