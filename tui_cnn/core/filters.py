"""The lesson's hand-made 3x3 filters, applied with the arithmetic of its convolution notebook.

The notebook walks over every pixel that has all eight neighbours (the one-pixel border is
skipped, so 28x28 becomes 26x26). Each output pixel is the sum of the 3x3 neighbourhood times the
filter's weights, multiplied by ``weight`` (1 unless the weights need scaling), then clamped to
0..255, the range of a pixel, exactly as the notebook's two ``if`` statements do. 2x2 max pooling
then keeps the largest of each block of four: 26x26 becomes 13x13. The pooling is
``arithmetic.max_pool2d``, the same function the model's pooling layers use.

Orientation: ``kernel[r][c]`` multiplies the neighbour ``r - 1`` rows below and ``c - 1`` columns
right of the pixel, so a kernel is laid over the picture as it is written. This is the
cross-correlation Keras' Conv2D computes (no flip), and what the lesson's current notebook
computes (``image[x - 1, y - 1] * filter[0][0] + image[x - 1, y] * filter[0][1] + ...`` with
``x`` the row). So the lesson's "vertical lines" filter, right column minus left column, makes
vertical lines pop out here too, and a learned conv1 kernel gives conv1's map (before its bias
and ReLU). Transposing a kernel swaps rows and columns, and so which lines pop out.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tui_cnn.core.arithmetic import max_pool2d

PIXEL_RANGE = (0.0, 255.0)
# The lab's weight is doubled and halved by a key: keep it a finite power of two that means
# something on 0..255 pixels (2**-20 x 9 x 255 is far below one grey level, 2**20 far above 255).
WEIGHT_LIMIT = 2.0 ** 20

# The lesson's filters, named by what they make pop out (applied as written: see the docstring).
PRESETS: dict[str, np.ndarray] = {
    "vertical lines": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64),
    "horizontal lines": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64),
    "edges": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64),
}

# What a learner sees with each preset, and why: the sign pattern, then what the clamp keeps.
CAPTIONS: dict[str, str] = {
    "vertical lines": "right column minus left column (middle row twice): large where the picture gets brighter "
                      "from left to right, so vertical edges light up. Bright-to-dark gives a negative sum, "
                      "which the clamp to 0-255 makes black: a bright bar shows its left side only.",
    "horizontal lines": "row below minus row above (middle column twice): large where the picture gets brighter "
                        "from top to bottom, so horizontal edges light up. Bright-to-dark gives a negative sum, "
                        "which the clamp makes black: a bright bar shows its top side only.",
    "edges": "the 4 neighbours minus 4 times the pixel: 0 where the picture is flat, so changes in every "
             "direction show. After the clamp only the dark side of an edge lights up (just outside a bright "
             "shape); the bright side goes negative and turns black.",
}

# The same, in a line or two for a short terminal, where the pictures need the rows.
SHORT_CAPTIONS: dict[str, str] = {
    "vertical lines": "right column minus left: bright where the picture brightens from left to right; "
                      "the clamp blacks out the opposite edges.",
    "horizontal lines": "row below minus row above: bright where the picture brightens downwards; "
                        "the clamp blacks out the opposite edges.",
    "edges": "4 neighbours minus 4x the pixel: 0 where flat; the clamp keeps only the dark side of each edge.",
}

ORIENTATION = ("The kernel is laid over the picture as written (Keras computes this cross-correlation too); "
               "transposing it (t) swaps which lines pop out.")
SHORT_ORIENTATION = "Applied as written, as in Keras (cross-correlation); t transposes: vertical and horizontal swap."


def transpose(kernel: np.ndarray) -> np.ndarray:
    """The kernel mirrored about its diagonal: "vertical lines" becomes "horizontal lines"."""
    return np.array(kernel, dtype=np.float64).T.copy()


def preset_named(kernel: np.ndarray) -> str | None:
    """The preset ``kernel`` is exactly (e.g. "vertical lines" transposed is "horizontal lines")."""
    for name, preset in PRESETS.items():
        if np.array_equal(preset, kernel):
            return name
    return None


def bound_weight(weight: float) -> float:
    """``weight`` kept within 2**-20 .. 2**20 in size (sign and zero kept), so + and - can undo each other.

    Not a number becomes 1, the lesson's weight.
    """
    weight = float(weight)
    if math.isnan(weight):
        return 1.0
    if weight == 0:
        return 0.0
    size = min(max(abs(weight), 1 / WEIGHT_LIMIT), WEIGHT_LIMIT)
    return math.copysign(size, weight)


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
    clamp makes the whole image black at any positive weight); never beyond ``WEIGHT_LIMIT``.
    """
    peak = float(_sums(image, kernel).max())
    if not peak > 0:
        return 1.0
    # Logarithms subtracted, not the ratio taken: a subnormal peak (1e-308) would make it infinite.
    exponent = math.floor(math.log2(PIXEL_RANGE[1]) - math.log2(peak))
    return bound_weight(2.0 ** min(max(exponent, -1000), 1000))


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
