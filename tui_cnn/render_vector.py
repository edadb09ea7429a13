"""A Flatten or Dense layer's activations as a strip, or the class probabilities as bars, laid out
for a given width and height: every value is drawn, or the view says how many are not.

The explorer's grid draws this in its own place on a vector layer (see ``FeatureGrid.show_other``).
"""

from __future__ import annotations

import textwrap

import numpy as np
from rich.console import Group
from rich.text import Text

from tui_cnn import render
from tui_cnn.core.data import CLASS_NAMES


def _lines(text: Text, width: int) -> int:
    return max(1, len(textwrap.wrap(text.plain, width)))  # wrapped at words, as it is drawn


def vector_view(values: np.ndarray, kind: str, mode: str, cmap: str, predicted: int, label: int | None,
                width: int, height: int, class_names: tuple[str, ...] = CLASS_NAMES,
                source_shape: tuple[int, ...] | None = None, source_kind: str = "pool") -> Group:
    """A 1-D layer output in ``width`` x ``height`` cells. ``source_shape`` is what a Flatten layer
    flattened (the lesson's 5x5x64), ``source_kind`` the kind of layer that made it."""
    width, height = max(10, width), max(6, height)
    if kind == "output":
        return _probabilities(values, mode, predicted, label, width, class_names)
    active = int(np.count_nonzero(values > 0))
    top = np.argsort(values)[::-1][:8]
    summary = Text(f"{values.size} values; {active} above zero ({active / values.size:.0%}); "
                   f"min {values.min():.3g}, max {values.max():.3g}")
    strongest = Text("strongest: " + ", ".join(f"#{i} {values[i]:.2f}" for i in top), "dim")
    room = height - _lines(summary, width) - _lines(strongest, width) - 2  # and a blank line after each
    if kind == "flatten":
        body = _strip(values, mode, cmap, width, room, source_shape, source_kind)
    else:
        body = _bars(values, mode, width, room)
    return Group(summary, Text(""), body, Text(""), strongest)


def _strip(values: np.ndarray, mode: str, cmap: str, width: int, room: int,
           source_shape: tuple[int, ...] | None = None, source_kind: str = "pool") -> Group:
    """The values as rows of a heatmap or ASCII strip: one row per position of the flattened maps
    (the lesson's 64 channels of a pooled pixel) where they fit, otherwise rows as wide as fit,
    otherwise the first values only."""
    per_line = 2 if mode == "heatmap" else 1  # pixel rows per text row
    natural = source_shape[-1] if source_shape is not None and len(source_shape) == 3 else 64
    pooled = "pooled " if source_kind == "pool" else ""
    caption_lines = 1  # the caption above the strip; a narrow view wraps it, leaving fewer rows for the strip
    while True:
        rows_fit = max(1, (room - caption_lines) * per_line)
        if natural <= width and -(-values.size // natural) <= rows_fit:
            columns, how = natural, (f"each row is one of the {values.size // natural} {pooled}positions, "
                                     f"each column one of its {natural} channels")
        else:
            columns = min(width, max(-(-values.size // rows_fit), 1))
            how = f"rows of {columns} values in Keras' order (position by position, channels fastest)"
        shown = min(values.size, columns * rows_fit)
        if shown < values.size:
            how = f"the first {shown} of {values.size} values in rows of {columns} (a larger terminal shows all)"
        needed = len(textwrap.wrap(how, width)) or 1  # wrapped at words, as it is drawn
        if needed <= caption_lines or caption_lines >= room - 1:
            break
        caption_lines = needed
    strip = render.vector_strip(values[:shown], columns, mode, cmap, *render.value_range(values))
    return Group(Text(how, "dim"), strip)


def _bars(values: np.ndarray, mode: str, width: int, room: int) -> Group:
    """A column per unit, in bands as wide as fit, as tall as the height allows (1 to 6 rows)."""
    per_band = min(values.size, width, 128)
    bands = -(-values.size // per_band)
    tall = min(6, max(1, (room - 2 * bands) // bands))  # each band has a label and a blank line
    parts = []
    for start in range(0, values.size, per_band):
        end = min(start + per_band, values.size)
        parts += [Text(f"units {start}-{end - 1}", "dim"), render.column_bars(values[start:end], tall, mode == "ascii"),
                  Text("")]
    return Group(*parts[:-1])


def _probabilities(values: np.ndarray, mode: str, predicted: int, label: int | None, width: int,
                   class_names: tuple[str, ...]) -> Group:
    names = [f"{name}{' (true)' if i == label else ''}" for i, name in enumerate(class_names)]
    bar_width = max(8, min(50, width - max(len(n) for n in names) - 10))
    bars = render.bars(values, names, bar_width, ascii_only=mode == "ascii", highlight=predicted, vmax=1.0)
    what = "class probabilities (softmax)" if np.isclose(values.sum(), 1.0, atol=1e-3) else "class scores"
    return Group(Text(f"{what}\n"), bars,
                 Text("\ny: where in the picture the answer came from (occlusion and saliency maps) · "
                      "x: the confusion matrix of every image", "dim"))
