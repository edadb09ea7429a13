"""Every plot keeps its lines and points inside its frame, at 120x40 and 80x24.

A plot's canvas is its frame (the outer ring of cells) around the data. Every cell of the ring must
be a box-drawing character: a line drawn across the frame would leave a braille dot or a marker
there. And a value on the edge of the axes (the validation after the last epoch, 100% accuracy)
must show in the cell beside the frame, not vanish under it as it did when textual-plot drew the
frame over the data.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual_hires_canvas import Canvas
from textual_plot import PlotWidget

from test_runs_screen import open_runs, three_runs  # noqa: F401  (a fixture)
from test_training_screen import START, FakeClock, FakeTrainer, open_training, settled, wait_until
from tui_cnn.ui.widgets.runs_plot import Curve, RunsPlot
from tui_cnn.ui.widgets.training_plot import TrainingPlot

SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
MARK = "●"


def _is_frame(char: str) -> bool:
    return "\u2500" <= char <= "\u257f"  # the box-drawing block


def cells(plot: PlotWidget) -> list[str]:
    """The plot's canvas as rows of characters, exactly as wide and high as the widget shows it."""
    canvas = plot.query_one("#plot", Canvas)
    width, height = canvas.size
    return ["".join(canvas.get_pixel(x, y)[0] for x in range(width)) for y in range(height)]


def assert_inside_frame(plot: PlotWidget) -> list[str]:
    rows = cells(plot)
    ring = rows[0] + rows[-1] + "".join(row[0] + row[-1] for row in rows)
    crossing = [char for char in ring if not _is_frame(char)]
    assert not crossing, f"{plot.id}: {crossing} drawn on the frame\n" + "\n".join(rows)
    return rows


def marks_beside_the_right_border(rows: list[str]) -> int:
    return sum(row[-2] == MARK for row in rows)


@SIZES
async def test_training_plots_keep_every_epoch_inside_the_frame(make_app, shipped_weights, size):
    clock = FakeClock()
    app = make_app(start_index=START)
    async with app.run_test(size=size) as pilot:
        screen = await open_training(pilot, FakeTrainer(clock, shipped_weights), clock)
        await pilot.press("s")
        await wait_until(pilot, lambda: not screen.running and settled(screen))
        await pilot.pause()
        for plot in screen.query(TrainingPlot):
            rows = assert_inside_frame(plot)
            assert sum(row.count(MARK) for row in rows) == 5, "\n".join(rows)  # one point after each epoch
            assert marks_beside_the_right_border(rows) == 1, "\n".join(rows)  # the fifth, at the right end


@SIZES
async def test_runs_plots_keep_every_epoch_inside_the_frame(three_runs, size):  # noqa: F811
    app, _ = three_runs
    async with app.run_test(size=size) as pilot:
        screen = await open_runs(pilot)
        await pilot.press("space", "down", "space")  # the two runs of five finished epochs
        await pilot.pause()
        for plot in screen.query(RunsPlot):
            rows = assert_inside_frame(plot)
            assert marks_beside_the_right_border(rows) >= 1, "\n".join(rows)


class TwoPlots(App):
    CSS = "TrainingPlot, RunsPlot { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield TrainingPlot("accuracy", y_range=(None, 1.0), id="accuracy")
        yield RunsPlot("loss", y_range=(0.0, None), id="loss")


async def test_values_on_and_past_the_axes_ends_stay_inside():
    """100% accuracy after the last epoch, a zero loss, a point past the last epoch (a log that went on)."""
    app = TwoPlots()
    async with app.run_test(size=(40, 24)) as pilot:
        accuracy = app.query_one(TrainingPlot)
        accuracy.show_history([0.5, 1.0, 1.5, 2.0], [0.5, 0.9, 1.0, 1.0], [0.5, 0.7, 0.8, 0.9], [1, 2], [0.8, 1.0],
                              2, 2)
        loss = app.query_one(RunsPlot)
        loss.show_curves([Curve([0.5, 1.0, 2.0, 3.0], [1.0, 0.5, 0.0, 0.0], [1, 3], [0.6, 0.0])], 2)
        await pilot.pause()
        await pilot.pause()
        rows = assert_inside_frame(accuracy)
        assert rows[1][-2] == MARK, "\n".join(rows)  # top right: 100% after the last epoch
        rows = assert_inside_frame(loss)
        assert rows[-2][-2] == MARK, "\n".join(rows)  # bottom right: a loss of 0 at epoch 3 of an axis of 2
