"""Picture: the image the explorer is looking at, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_cnn.core.data import CLASS_NAMES


@dataclass(frozen=True)
class Picture:
    """A (28, 28) uint8 image, or (H, W, 3) for a colour model; ``index`` is its place in the image set,
    None for a user's file."""

    image: np.ndarray
    label: int | None
    title: str
    index: int | None = None
    class_names: tuple[str, ...] = CLASS_NAMES  # the data set's (MNIST's are digits)

    @property
    def key(self) -> tuple[str, int]:
        """Identifies the picture for caches: two files of the same name can differ."""
        return self.title, hash(self.image.tobytes())

    @property
    def label_name(self) -> str:
        return "unknown" if self.label is None else self.class_names[self.label]
