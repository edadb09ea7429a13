"""RunsPlot: one metric of several runs on the same axes, each run in its own colour.

Each run is drawn as the moving average of its batches (the same curve the training screen shows
in orange) with its validation values after each epoch as dots, so runs with different numbers of
batches an epoch still line up on the epoch axis. ``run_colour`` gives the colour of the n-th run,
for a legend beside the plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual_plot import HiResMode

from tui_cnn.ui.widgets.framed_plot import FramedPlot, thin

COLOURS = ("#ffaf00", "#5fafff", "#87d75f", "#ff5f87", "#d787ff", "#5fd7d7")


def run_colour(n: int) -> str:
    return COLOURS[n % len(COLOURS)]


@dataclass(frozen=True)
class Curve:
    """One run's metric: the smoothed batch values at epoch positions ``x``, and validation points."""

    x: Sequence[float]
    smooth: Sequence[float]
    val_x: Sequence[float]
    val_y: Sequence[float]


class RunsPlot(FramedPlot):
    """Several runs' curves of one metric against epochs."""

    def show_curves(self, curves: Sequence[Curve], epochs: int) -> None:
        """Redraw with ``curves`` (the n-th in ``run_colour(n)``) on an axis of ``epochs`` epochs."""
        self.set_frame(epochs, [c.x for c in curves] + [c.val_x for c in curves],
                       [c.smooth for c in curves] + [c.val_y for c in curves])
        for n, curve in enumerate(curves):  # every line first: the dots go over all of them
            if len(curve.x):
                self.plot(*self.inside(*thin(curve.x, curve.smooth)), line_style=run_colour(n),
                          hires_mode=HiResMode.BRAILLE)
        for n, curve in enumerate(curves):
            if len(curve.val_x):
                self.scatter(*self.inside(curve.val_x, curve.val_y), marker="●", marker_style=run_colour(n))
