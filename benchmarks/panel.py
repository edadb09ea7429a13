"""What the live training panel costs: one epoch trained inside the app while the panel is drawn.

Used by ``benchmarks/run.py`` (``panel_images_per_s``, ``panel_vs_fit_ratio``, the same for a
designed network, and ``start_to_first_point_s``). The real app runs
headless through ``App.run_test`` at 120x40: the explorer on the drawn samples, then the training
screen, where the keys a user would press set one epoch and start it. The trainer is the app's own
``KerasTrainer`` on the given training images with a fresh model of the design (``seed=0``), so the
epoch is the same work as the plain ``model.fit`` baseline, plus what the app adds: the run's log
line after every batch and a checkpoint every 200 batches. Headless, Textual still lays out and renders
every widget on each refresh (plots, bars, table, maps); only writing the frame to a terminal is
skipped.

The figure is the training set's size over the epoch's ``seconds`` as ``core.training.train``
measures them, wall clock around its ``model.fit`` call, in the same way as the baseline; the
validation pass and saving after the epoch are not part of it. Models are saved to a temporary
``TUI_CNN_HOME``, never to the user's folder.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass

from tui_cnn.core.data import Split
from tui_cnn.core.design import LESSON, Design
from tui_cnn.core.model import read_weights
from tui_cnn.core.paths import SHIPPED_MODEL
from tui_cnn.core.samples import load_samples
from tui_cnn.ui.app import TuiCnnApp
from tui_cnn.ui.screens.training import SCREEN_NAME, KerasTrainer, TrainingScreen
from tui_cnn.ui.widgets.network_designer import NetworkDesigner

SIZE = (120, 40)
TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class PanelEpoch:
    images: int
    seconds: float  # the epoch's fit, as core.training measured it in the worker
    batches_drawn: int  # batch events the panel took in (all of them, or the run was cut short)

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds


def panel_epoch(train_split: Split, val_split: Split | None, batch_size: int = 32,
                design: Design = LESSON) -> PanelEpoch:
    """Train one epoch of ``design`` in the app with the live panel showing; raise if it did not finish."""
    return _in_temporary_home(_run(train_split, val_split, batch_size, design))


def first_point_seconds(train_split: Split, val_split: Split | None, design: Design = LESSON) -> float:
    """Seconds from pressing s (TensorFlow and the images already loaded) to the first batch's loss on screen."""
    return _in_temporary_home(_first_point(train_split, val_split, design))


def _in_temporary_home(coroutine):
    """Run ``coroutine`` with runs and models kept in a temporary folder, never the user's."""
    saved_home = os.environ.get("TUI_CNN_HOME")
    with tempfile.TemporaryDirectory(prefix="tui-cnn-bench-") as home:
        os.environ["TUI_CNN_HOME"] = home
        try:
            return asyncio.run(coroutine)
        finally:
            if saved_home is None:
                os.environ.pop("TUI_CNN_HOME", None)
            else:
                os.environ["TUI_CNN_HOME"] = saved_home


async def _open(pilot, app: TuiCnnApp, trainer: KerasTrainer, design: Design) -> TrainingScreen:
    """The training screen with ``design`` in its designer, once the trainer has TensorFlow and the images."""
    screen = TrainingScreen(trainer)
    app.install_screen(screen, SCREEN_NAME)
    await pilot.press("t")
    if design != LESSON:
        screen.query_one(NetworkDesigner).set_design(design)
    deadline = time.monotonic() + TIMEOUT_S
    while not (trainer.ready(design) and screen.design == design and not trainer.busy):
        if time.monotonic() > deadline:
            raise RuntimeError("panel benchmark: the training screen did not get ready")
        await asyncio.sleep(0.05)
    await pilot.pause()
    return screen


def _app() -> TuiCnnApp:
    return TuiCnnApp(weights=read_weights(SHIPPED_MODEL), images=load_samples(), model_label="shipped",
                     download=False)


async def _first_point(train_split: Split, val_split: Split | None, design: Design) -> float:
    app = _app()
    trainer = KerasTrainer(train_split=train_split, val_split=val_split or _tiny(train_split), seed=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, trainer, design)
        started = time.perf_counter()
        await pilot.press("s")
        while not screen.history.x:  # filled by the screen's timer as it draws the first batch
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError("panel benchmark: no batch arrived")
            await asyncio.sleep(0.005)
        seconds = time.perf_counter() - started
        await pilot.press("x")
        while screen.running:
            await asyncio.sleep(0.05)
        return seconds


async def _run(train_split: Split, val_split: Split | None, batch_size: int, design: Design) -> PanelEpoch:
    app = _app()
    trainer = KerasTrainer(train_split=train_split, val_split=val_split or _tiny(train_split), seed=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, trainer, design)
        await pilot.press("end", "backspace", "backspace", "backspace", "1")  # one epoch
        screen.query_one("#train-batch").value = batch_size
        await pilot.press("s")
        deadline = time.monotonic() + TIMEOUT_S
        while screen.running:
            if time.monotonic() > deadline:
                raise RuntimeError("panel benchmark: the epoch did not finish in time")
            await asyncio.sleep(0.5)
        await pilot.pause()
        done, rows = screen.done, screen.history.rows
        if done is None or done.reason != "finished" or len(rows) != 1 or screen.settings.batch_size != batch_size:
            status = screen.query_one("#train-status").render()
            raise RuntimeError(f"panel benchmark: training did not finish one epoch ({status})")
        return PanelEpoch(len(train_split), rows[0].seconds, len(screen.history.x))


def _tiny(split: Split) -> Split:
    return Split(split.images[:256], split.labels[:256], split.source)
