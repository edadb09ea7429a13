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
                    predicted: int, label: int | None, class_names: tuple[str, ...] = CLASS_NAMES,
                    source_shape: tuple[int, ...] | None = None, source_kind: str = "pool") -> None:
        """``source_shape`` is what a Flatten layer flattened (the lesson's 5x5x64), ``source_kind`` the kind
        of layer that made it."""
        width = max(10, self.size.width or 60)
        if kind == "output":
            self.update(self._probabilities(values, mode, predicted, label, width, class_names))
            return
        active = int(np.count_nonzero(values > 0))
        top = np.argsort(values)[::-1][:8]
        summary = Text(f"{values.size} values; {active} above zero ({active / values.size:.0%}); "
                       f"min {values.min():.3g}, max {values.max():.3g}\n")
        if kind == "flatten" and source_shape is not None and len(source_shape) == 3:
            # Flattened channels-last: each row is one position's channels (the lesson's 5x5 rows of 64).
            h, w, c = source_shape
            pooled = "pooled " if source_kind == "pool" else ""
            how = Text(f"each row is one of the {h}x{w} {pooled}positions, each column one of the {c} channels\n", "dim")
            body = Group(how, render.vector_strip(values, c, mode, cmap))
        else:
            per_band = 128 if width >= 130 else 64
            bands = [render.column_bars(values[i : i + per_band], 6, mode == "ascii")
                     for i in range(0, values.size, per_band)]
            body = Group(*[Group(Text(f"units {i * per_band}-{min((i + 1) * per_band, values.size) - 1}", "dim"),
                                 band, Text("")) for i, band in enumerate(bands)])
        strongest = Text("strongest: " + ", ".join(f"#{i} {values[i]:.2f}" for i in top), "dim")
        self.update(Group(summary, body, Text(""), strongest))

    def _probabilities(self, values: np.ndarray, mode: str, predicted: int, label: int | None, width: int,
                       class_names: tuple[str, ...]) -> Group:
        names = [f"{name}{' (true)' if i == label else ''}" for i, name in enumerate(class_names)]
        bar_width = max(8, min(50, width - max(len(n) for n in names) - 10))
        bars = render.bars(values, names, bar_width, ascii_only=mode == "ascii", highlight=predicted, vmax=1.0)
        what = "class probabilities (softmax)" if np.isclose(values.sum(), 1.0, atol=1e-3) else "class scores"
        return Group(Text(f"{what}\n"), bars)
