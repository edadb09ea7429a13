"""VectorView: a Flatten or Dense layer's activations as a strip, or the class probabilities as bars."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core import wording
from tui_cnn.core.data import CLASS_NAMES


class VectorView(Static):
    """Shows a 1-D layer output; redrawn only when the image, layer or mode changes."""

    def show_vector(self, values: np.ndarray, kind: str, mode: str, cmap: str,
                    predicted: int, label: int | None) -> None:
        width = max(10, self.size.width or 60)
        if kind == "output":
            self.update(self._probabilities(values, mode, predicted, label, width))
            return
        active = int(np.count_nonzero(values > 0))
        top = np.argsort(values)[::-1][:8]
        summary = Text(f"{values.size} values; {active} above zero ({wording.percent(active, values.size)}); "
                       f"min {values.min():.3g}, max {values.max():.3g}\n")
        if kind == "flatten":
            # 5x5x64 flattened channels-last: each row of 64 is one pooled pixel's 64 channels.
            how = Text("each row is one of the 5x5 pooled positions, each column one of the 64 channels\n", "dim")
            body = Group(how, render.vector_strip(values, 64, mode, cmap))
        else:
            per_band = 128 if width >= 130 else 64
            bands = [render.column_bars(values[i : i + per_band], 6, mode == "ascii")
                     for i in range(0, values.size, per_band)]
            body = Group(*[Group(Text(f"units {i * per_band}-{min((i + 1) * per_band, values.size) - 1}", "dim"),
                                 band, Text("")) for i, band in enumerate(bands)])
        strongest = Text("strongest: " + ", ".join(f"#{i} {values[i]:.2f}" for i in top), "dim")
        self.update(Group(summary, body, Text(""), strongest))

    def _probabilities(self, values: np.ndarray, mode: str, predicted: int, label: int | None, width: int) -> Group:
        names = [f"{name}{' (true)' if i == label else ''}" for i, name in enumerate(CLASS_NAMES)]
        bar_width = max(8, min(50, width - max(len(n) for n in names) - 10))
        bars = render.bars(values, names, bar_width, ascii_only=mode == "ascii", highlight=predicted, vmax=1.0)
        return Group(Text("class probabilities (softmax)\n"), bars)
