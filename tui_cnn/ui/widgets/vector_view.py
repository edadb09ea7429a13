"""VectorView: a Flatten or Dense layer's activations as a strip, or the class probabilities as bars."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core.data import CLASS_NAMES


class VectorView(Static):
    """Shows a 1-D layer output; redrawn only when the image, layer or mode changes."""

    def show_vector(self, values: np.ndarray, kind: str, mode: str, cmap: str,
                    predicted: int, label: int | None) -> None:
        width = max(10, self.size.width or 60)
        if kind == "output":
            self.update(self._probabilities(values, mode, predicted, label, width))
            return
        row = 64 if width >= 64 else 32
        strip = render.vector_strip(values, row, mode, cmap)
        active = int(np.count_nonzero(values > 0))
        top = np.argsort(values)[::-1][:8]
        summary = Text(f"{values.size} values, {row} per row; {active} above zero "
                       f"({active / values.size:.0%}); min {values.min():.3g}, max {values.max():.3g}\n")
        strongest = Text("strongest: " + ", ".join(f"#{i} {values[i]:.2f}" for i in top), "dim")
        self.update(Group(summary, strip, Text(""), strongest))

    def _probabilities(self, values: np.ndarray, mode: str, predicted: int, label: int | None, width: int) -> Group:
        names = [f"{name}{' (true)' if i == label else ''}" for i, name in enumerate(CLASS_NAMES)]
        bar_width = max(8, min(50, width - max(len(n) for n in names) - 10))
        bars = render.bars(values, names, bar_width, ascii_only=mode == "ascii", highlight=predicted, vmax=1.0)
        return Group(Text("class probabilities (softmax)\n"), bars)
