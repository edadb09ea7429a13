"""Which hand-made filter a learned 3x3 kernel looks like, and how much.

The lesson's filters (vertical and horizontal lines, edges) and a few more a person would draw
(the two diagonals, blur, identity) are compared with each learned kernel by the cosine of the
angle between their nine weights: 1 for the same pattern at any scale, 0 for unrelated, -1 for the
same pattern with its signs flipped. The sign matters, because the layer's ReLU keeps only
positive sums: a kernel of the opposite sign lights the opposite side of an edge (bright-to-dark
instead of dark-to-bright). So each hand-made filter also stands in flipped, named "reversed",
and the match is the largest signed cosine over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_cnn.core.filters import PRESETS

# Diagonals: "/" lines run from bottom-left to top-right, so the picture changes across them from
# top-left to bottom-right; "\" the other way.
HAND_MADE: dict[str, np.ndarray] = {
    **PRESETS,
    "diagonal lines /": np.array([[-2, -1, 0], [-1, 0, 1], [0, 1, 2]], dtype=np.float64),
    "diagonal lines \\": np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]], dtype=np.float64),
    "blur": np.ones((3, 3), dtype=np.float64) / 9,
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64),
}
REVERSED = " (reversed)"


@dataclass(frozen=True)
class Resemblance:
    """The hand-made filter closest to one kernel, with the cosine similarity (-1..1)."""

    name: str  # a HAND_MADE name, with " (reversed)" when the signs are flipped
    similarity: float

    @property
    def reference(self) -> np.ndarray:
        """The hand-made kernel it was compared with (flipped for a reversed match)."""
        base = HAND_MADE[self.name.removesuffix(REVERSED)]
        return -base if self.name.endswith(REVERSED) else base

    def text(self) -> str:
        """"looks like vertical lines, 0.91" (similarity to two decimals)."""
        return f"looks like {self.name}, {self.similarity:.2f}"


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The cosine of the angle between two kernels' weights; 0 if either is all zeros."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    # Scaled to a largest weight of 1 first (the cosine does not change): the squares of a tiny
    # kernel's weights (1e-159) would be subnormal and lose their precision.
    a, b = (v / np.abs(v).max() if v.any() else v for v in (a, b))
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norms if norms > 0 else 0.0


def closest(kernel: np.ndarray) -> Resemblance:
    """The hand-made filter, plain or reversed, with the largest cosine similarity to ``kernel``."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.shape != (3, 3):
        raise ValueError(f"the kernel must be 3x3, not {kernel.shape}")
    best = Resemblance("identity", -2.0)
    for name, reference in HAND_MADE.items():
        similarity = cosine(kernel, reference)
        for label, value in ((name, similarity), (name + REVERSED, -similarity)):
            if value > best.similarity:
                best = Resemblance(label, value)
    return best


def ranked(kernels: np.ndarray) -> list[tuple[int, Resemblance]]:
    """(channel, resemblance) for each kernel of a (3, 3, 1, n) or (3, 3, n) stack, closest first."""
    kernels = np.asarray(kernels)
    stack = kernels.reshape(3, 3, -1)
    matches = [(c, closest(stack[:, :, c])) for c in range(stack.shape[2])]
    return sorted(matches, key=lambda item: (-item[1].similarity, item[0]))
