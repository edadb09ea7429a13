"""TrainingPlot: one training metric as it evolves, drawn with textual-plot's PlotWidget.

The x axis counts epochs, so a run of five epochs fills the same width however many batches an
epoch has. Each batch is a faint dot, an exponential moving average runs through them as a line,
the validation value after each epoch is a marked point, and finished epochs end at a vertical
dotted rule. ``legend()`` is the key to all that, one line for the screen to show (the plot's own
boxed legend would hide data in a small plot). Plotting costs time per point in Python, so long
runs are thinned (``thin``) before they are drawn, and every value stays inside the frame
(``FramedPlot``): the validation point after the last epoch shows beside the right border.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual_plot import HiResMode

from tui_cnn.ui.widgets.framed_plot import FramedPlot, thin

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


class TrainingPlot(FramedPlot):
    """Batch values, their moving average and per-epoch validation values against epochs."""

    def show_history(self, x: Sequence[float], raw: Sequence[float], smooth: Sequence[float],
                     val_x: Sequence[float], val_y: Sequence[float], epochs: int, finished: int) -> None:
        """Redraw: batch values ``raw`` and ``smooth`` at epoch positions ``x``, validation values
        at ``val_x``, the axis spanning ``epochs`` and rules after the first ``finished`` epochs."""
        low, high = self.set_frame(epochs, [x, val_x], [raw, val_y])
        for boundary in range(1, min(finished, epochs - 1) + 1):  # drawn first: the data goes over them
            self.plot(*self.inside([boundary, boundary], [low, high]), line_style=BOUNDARY_STYLE,
                      hires_mode=HiResMode.BRAILLE)
        if len(x):
            self.scatter(*self.inside(*thin(x, raw)), marker_style=RAW_STYLE, hires_mode=HiResMode.BRAILLE)
            self.plot(*self.inside(*thin(x, smooth)), line_style=SMOOTH_STYLE, hires_mode=HiResMode.BRAILLE)
        if len(val_x):
            validation = self.inside(val_x, val_y)
            self.plot(*validation, line_style=VALIDATION_STYLE, hires_mode=HiResMode.BRAILLE)
            self.scatter(*validation, marker="●", marker_style=VALIDATION_STYLE)


def show_run(loss: TrainingPlot, accuracy: TrainingPlot, history) -> None:
    """Both plots of a run from its ``RunHistory``: batches, their moving average, validation after each epoch."""
    val_x = [row.epoch for row in history.rows]
    loss.show_history(history.x, history.loss, history.smooth_loss, val_x, [row.val_loss for row in history.rows],
                      history.epochs, history.finished)
    accuracy.show_history(history.x, history.accuracy, history.smooth_accuracy, val_x,
                          [row.val_accuracy for row in history.rows], history.epochs, history.finished)
