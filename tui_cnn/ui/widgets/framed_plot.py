"""FramedPlot: a textual-plot PlotWidget that keeps every value inside its frame.

textual-plot maps the right end of the x axis onto the frame itself (and the bottom end of the y
axis for lines, the top end for markers), then draws the frame over the data: the validation
point after the last epoch, or a run at 100% accuracy, vanished under the border. Here the axes
always take in every value (``set_frame``), and ``inside`` moves each value off the edges by a
billionth of the axis, so that a value on an edge lands in the cell beside the border.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual.reactive import reactive
from textual_plot import PlotWidget

MAX_POINTS = 300
EDGE = 1e-9  # of an axis' length: far below a braille dot, enough to fall on the inner side of the frame


def thin(x: Sequence[float], y: Sequence[float], limit: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` points, evenly spaced and always keeping the first and the last."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) <= limit:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))
    return x[keep], y[keep]


def y_limits(y_range: tuple[float | None, float | None], series: Sequence[Sequence[float]]) -> tuple[float, float]:
    """The ends of ``y_range``; an open end follows the values of ``series`` with a little room, and a
    fixed end gives way to values beyond it (a metric in percent on an axis made for fractions)."""
    low, high = y_range
    values = np.concatenate([np.asarray(s, np.float64) for s in series]) if series else np.empty(0)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (0.0 if low is None else low), (1.0 if high is None else high)
    pad = max(float(values.max() - values.min()) * 0.05, 1e-3)
    low = float(values.min()) - pad if low is None else min(low, float(values.min()))
    high = float(values.max()) + pad if high is None else max(high, float(values.max()))
    return low, high


class FramedPlot(PlotWidget, can_focus=False):
    """A plot against epochs whose lines and points never reach its frame."""

    margin_top = reactive(1)
    margin_bottom = reactive(1)
    margin_left = reactive(7)

    def __init__(self, metric: str, *, y_range: tuple[float | None, float | None] = (None, None),
                 id: str | None = None) -> None:
        super().__init__(id=id, allow_pan_and_zoom=False)
        self.metric = metric
        self.y_range = y_range
        self.frame = (0.0, 1.0, 0.0, 1.0)  # x from, x to, y from, y to

    def set_frame(self, epochs: int, xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]]) -> tuple[float, float]:
        """Clear the plot and set its axes: x from 0 to ``epochs`` (or the last of ``xs``), y around
        ``ys`` within ``y_range``. Returns the y axis' ends."""
        self.clear()
        self.set_ylabel(self.metric)
        values = np.concatenate([np.asarray(x, np.float64) for x in xs]) if xs else np.empty(0)
        values = values[np.isfinite(values)]
        x_high = max(float(epochs), float(values.max()) if values.size else 0.0, 1.0)
        low, high = y_limits(self.y_range, ys)
        self.set_xlimits(0.0, x_high)
        self.set_ylimits(low, high)
        self.frame = (0.0, x_high, low, high)
        return low, high

    def inside(self, x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """``x`` and ``y`` moved inside the frame: a value on (or past) an edge lands just within it."""
        x0, x1, y0, y1 = self.frame
        ex, ey = (x1 - x0) * EDGE, (y1 - y0) * EDGE
        return (np.clip(np.asarray(x, np.float64), x0, x1 - ex),
                np.clip(np.asarray(y, np.float64), y0 + ey, y1 - ey))
