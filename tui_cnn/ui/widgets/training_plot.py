"""TrainingPlot: one training metric as it evolves, drawn with textual-plot's PlotWidget.

The x axis counts epochs, so a run of five epochs fills the same width however many batches an
epoch has. Each batch is a faint dot, an exponential moving average runs through them as a line,
the validation value after each epoch is a marked point, and finished epochs end at a vertical
dotted rule. ``legend()`` is the key to all that, one line for the screen to show (the plot's own
boxed legend would hide data in a small plot). Plotting costs time per point in Python, so long
runs are thinned to at most ``MAX_POINTS`` evenly spaced points per series before they are drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual.reactive import reactive
from rich.text import Text
from textual_plot import HiResMode, PlotWidget

MAX_POINTS = 300
RAW_STYLE = "#5f87af"
SMOOTH_STYLE = "bold #ffaf00"
VALIDATION_STYLE = "bold #5fd75f"
BOUNDARY_STYLE = "#4e4e4e"


def legend() -> Text:
    """One line explaining the marks of every TrainingPlot."""
    text = Text()
    for mark, style, meaning in (("⠂", RAW_STYLE, "batch"), ("━", SMOOTH_STYLE, "smoothed (moving average)"),
                                 ("●", VALIDATION_STYLE, "validation after the epoch"), ("⡇", BOUNDARY_STYLE, "epoch end")):
        text.append(mark, style).append(f" {meaning}   ")
    text.append("x axis: epochs", "dim")
    return text


def thin(x: Sequence[float], y: Sequence[float], limit: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` points, evenly spaced and always keeping the first and the last."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) <= limit:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))
    return x[keep], y[keep]


def y_limits(y_range: tuple[float | None, float | None], series: Sequence[Sequence[float]]) -> tuple[float, float]:
    """The fixed ends of ``y_range``; an open end follows the values of ``series``, with a little room."""
    low, high = y_range
    values = np.concatenate([np.asarray(s, np.float64) for s in series]) if series else np.empty(0)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (0.0 if low is None else low), (1.0 if high is None else high)
    pad = max(float(values.max() - values.min()) * 0.05, 1e-3)
    if low is None:
        low = float(values.min()) - pad
    if high is None:
        high = float(values.max()) + pad
    return low, high


class TrainingPlot(PlotWidget, can_focus=False):
    """Batch values, their moving average and per-epoch validation values against epochs."""

    margin_top = reactive(1)
    margin_bottom = reactive(1)
    margin_left = reactive(7)

    def __init__(self, name: str, *, y_range: tuple[float | None, float | None] = (None, None),
                 id: str | None = None) -> None:
        super().__init__(id=id, allow_pan_and_zoom=False)
        self.metric = name
        self.y_range = y_range

    def show_history(self, x: Sequence[float], raw: Sequence[float], smooth: Sequence[float],
                     val_x: Sequence[float], val_y: Sequence[float], epochs: int, finished: int) -> None:
        """Redraw: batch values ``raw`` and ``smooth`` at epoch positions ``x``, validation values
        at ``val_x``, the axis spanning ``epochs`` and rules after the first ``finished`` epochs."""
        self.clear()
        self.set_ylabel(self.metric)
        self.set_xlimits(0, max(epochs, 1))
        low, high = y_limits(self.y_range, [raw, val_y])
        self.set_ylimits(low, high)
        for boundary in range(1, min(finished, epochs - 1) + 1):  # drawn first: the data goes over them
            self.plot([boundary, boundary], [low, high], line_style=BOUNDARY_STYLE, hires_mode=HiResMode.BRAILLE)
        if len(x):
            self.scatter(*thin(x, raw), marker_style=RAW_STYLE, hires_mode=HiResMode.BRAILLE)
            self.plot(*thin(x, smooth), line_style=SMOOTH_STYLE, hires_mode=HiResMode.BRAILLE)
        if len(val_x):
            self.plot(val_x, val_y, line_style=VALIDATION_STYLE, hires_mode=HiResMode.BRAILLE)
            self.scatter(val_x, val_y, marker="●", marker_style=VALIDATION_STYLE)


def show_run(loss: TrainingPlot, accuracy: TrainingPlot, history) -> None:
    """Both plots of a run from its ``RunHistory``: batches, their moving average, validation after each epoch."""
    val_x = [row.epoch for row in history.rows]
    loss.show_history(history.x, history.loss, history.smooth_loss, val_x, [row.val_loss for row in history.rows],
                      history.epochs, history.finished)
    accuracy.show_history(history.x, history.accuracy, history.smooth_accuracy, val_x,
                          [row.val_accuracy for row in history.rows], history.epochs, history.finished)
