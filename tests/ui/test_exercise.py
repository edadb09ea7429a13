"""A learner does the lab's first exercise from the keyboard, really training on a few hundred images.

Train the lesson's network for an epoch; design one block of 16 filters in the designer and train
that; compare the two runs on the runs screen; explore the new one. The images are the drawn
samples moved by up to two pixels (no dataset needed).
"""

from __future__ import annotations

import time

import pytest

from test_training_screen import shifted_samples
from tui_cnn.core.design import LESSON, Block, Design
from tui_cnn.ui.screens.runs import RunsScreen
from tui_cnn.ui.screens.training import SCREEN_NAME, KerasTrainer, TrainingScreen
from tui_cnn.ui.widgets.feature_grid import FeatureGrid

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SIXTEEN = Design((Block(16, 3, True),))


async def _wait(pilot, condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def _train_one_epoch(pilot, screen: TrainingScreen, finished: list[TrainingScreen.Finished]):
    """Press s and wait for the run's end: a run of 8 batches may start and end within one key press."""
    before = len(finished)
    await pilot.press("s")
    await _wait(pilot, lambda: len(finished) > before and not screen.running)
    assert screen.done is not None and screen.done.reason == "finished", screen.query_one("#train-status").render()
    return screen.run


@pytest.mark.slow  # two tiny trainings, about ten seconds
async def test_design_16_filters_train_compare_with_the_lesson_and_explore(make_app, samples):
    trainer = KerasTrainer(train_split=shifted_samples(samples), val_split=samples, seed=0)
    app = make_app(start_index=9)
    finished: list[TrainingScreen.Finished] = []

    def hook(message) -> None:
        if isinstance(message, TrainingScreen.Finished):
            finished.append(message)

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        screen = TrainingScreen(trainer, save=False)
        app.install_screen(screen, SCREEN_NAME)
        await pilot.press("t")
        await pilot.press("end", "backspace", "1")  # one epoch
        lesson = await _train_one_epoch(pilot, screen, finished)
        assert lesson.design == LESSON
        assert screen.query_one(FeatureGrid).display  # the live maps follow the lesson's layers

        await pilot.press("d")  # the designer: one block (2 -> 1), then 16 filters (64 -> 32 -> 16)
        await pilot.press("enter", "up", "enter", "tab", "enter", "up", "up", "enter")
        await _wait(pilot, lambda: screen.design == SIXTEEN)
        assert "347,690 parameters" in str(screen.query_one("#train-status").render())
        sixteen = await _train_one_epoch(pilot, screen, finished)
        assert sixteen.design == SIXTEEN and sixteen.id != lesson.id
        assert not screen.query_one(FeatureGrid).display  # not the lesson's stale maps under this run
        assert "No live maps" in str(screen.query_one("#train-maps-title").render())

        await pilot.press("R")
        runs = app.screen
        assert isinstance(runs, RunsScreen)
        await _wait(pilot, lambda: len(runs.kept) == 2)
        await pilot.press("space", "down", "space")
        compared = runs.compared()
        assert [k.run.id for k in compared] == [lesson.id, sixteen.id]
        assert all(k.summary.epochs_done == 1 and k.summary.seconds_per_epoch > 0 for k in compared)
        assert [len(k.history.x) for k in compared] == [8, 8]  # 250 images in batches of 32, each run

        await pilot.press("enter")  # explore the highlighted run: the 16-filter one
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.state.model_label == f"run {sixteen.id}"
