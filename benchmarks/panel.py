"""What the live training panel costs: one epoch trained inside the app while the panel is drawn.

Used by ``benchmarks/run.py`` (``panel_images_per_s``, ``panel_vs_fit_ratio``). The real app runs
headless through ``App.run_test`` at 120x40: the explorer on the drawn samples, then the training
screen, where the keys a user would press set one epoch and start it. The trainer is the app's own
``KerasTrainer`` on the given training images with a fresh ``build_model(seed=0)``, so the epoch is
the same work as the plain ``model.fit`` baseline. Headless, Textual still lays out and renders
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
from tui_cnn.core.model import read_weights
from tui_cnn.core.paths import SHIPPED_MODEL
from tui_cnn.core.samples import load_samples
from tui_cnn.ui.app import TuiCnnApp
from tui_cnn.ui.screens.training import SCREEN_NAME, KerasTrainer, TrainingScreen

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


def panel_epoch(train_split: Split, val_split: Split | None, batch_size: int = 32) -> PanelEpoch:
    """Train one epoch in the app with the live panel showing; raise if it did not finish."""
    saved_home = os.environ.get("TUI_CNN_HOME")
    with tempfile.TemporaryDirectory(prefix="tui-cnn-bench-") as home:
        os.environ["TUI_CNN_HOME"] = home
        try:
            return asyncio.run(_run(train_split, val_split, batch_size))
        finally:
            if saved_home is None:
                os.environ.pop("TUI_CNN_HOME", None)
            else:
                os.environ["TUI_CNN_HOME"] = saved_home


async def _run(train_split: Split, val_split: Split | None, batch_size: int) -> PanelEpoch:
    app = TuiCnnApp(weights=read_weights(SHIPPED_MODEL), images=load_samples(), model_label="shipped",
                    download=False)
    trainer = KerasTrainer(train_split=train_split, val_split=val_split or _tiny(train_split), seed=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = TrainingScreen(trainer)
        app.install_screen(screen, SCREEN_NAME)
        await pilot.press("t")
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
