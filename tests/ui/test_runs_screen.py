"""The runs screen and the network designer: snapshots on written runs, and the keys that compare, explore, delete, resume.

Runs are written here as a real run folder with a log of fixed, made-up numbers (no TensorFlow),
so the table and the curves look the same on every run of the tests.
"""

from __future__ import annotations

import math
import shutil

import pytest

from tui_cnn.core import paths, runlog
from tui_cnn.core.design import Block, Design
from tui_cnn.core.runs import Run, RunSettings, write_json_atomic
from tui_cnn.core.training import DoneEvent, Position
from tui_cnn.ui.screens.runs import RunsScreen
from tui_cnn.ui.screens.training import SCREEN_NAME, RunStarted, TrainingScreen
from tui_cnn.ui.widgets.network_designer import NetworkDesigner

BIG, SMALL = (120, 40), (80, 24)
STEPS = 40
SIXTEEN = Design((Block(16, 3, True),))


def write_run(name: str, design: Design, epochs: int, done: int, stop_batch: int = 0, speed: float = 1.0,
              seconds: float = 30.0) -> Run:
    """A run that trained ``done`` epochs (and ``stop_batch`` batches of the next), with a made-up log."""
    run = Run.create(design, RunSettings(epochs=epochs), seed=1, root=paths.user_data_dir() / "runs", name=name)
    with runlog.LogWriter(run.log_path) as log:
        log.write("start", epochs=epochs, steps=STEPS, batch_size=32, seed=1)
        for epoch in range(1, done + 2):
            last = STEPS if epoch <= done else stop_batch
            loss_sum = accuracy_sum = 0.0
            for batch in range(1, last + 1):
                g = ((epoch - 1) * STEPS + batch) * speed
                loss_sum += (0.3 + 2.0 * math.exp(-g / 30) + 0.1 * math.sin(g)) * 32
                accuracy_sum += (0.92 - 0.8 * math.exp(-g / 30) + 0.03 * math.cos(g)) * 32
                seen = batch * 32
                log.write("batch", epoch=epoch, batch=batch, steps=STEPS, images_seen=seen, loss=loss_sum / seen,
                          accuracy=accuracy_sum / seen)
            if epoch <= done:
                log.write("epoch", epoch=epoch, loss=loss_sum / (STEPS * 32), accuracy=accuracy_sum / (STEPS * 32),
                          val_loss=0.4 + 0.4 / epoch / speed, val_accuracy=0.9 - 0.1 / epoch / speed, seconds=seconds)
        log.write("end", reason="stopped" if stop_batch else "finished")
    position = Position(done + 1, stop_batch, STEPS)
    write_json_atomic(run.folder / "checkpoint.json",
                      {"file": "checkpoint.keras", "position": position.__dict__})
    return run


@pytest.fixture
def three_runs(make_app):
    app = make_app(start_index=9)  # sets TUI_CNN_HOME for this test
    lesson = write_run("20261125-100000", Design(), 5, 5, seconds=31.0)
    sixteen = write_run("20261125-110000", SIXTEEN, 5, 5, speed=0.7, seconds=18.5)
    three = write_run("20261125-120000", Design((Block(32, 3, True),) * 3, dense=64), 5, 2, stop_batch=17,
                      speed=0.5, seconds=24.0)
    return app, (lesson, sixteen, three)


async def open_runs(pilot) -> RunsScreen:
    await pilot.press("R")
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    while not screen.kept:
        await pilot.pause(0.05)
    await pilot.pause()
    return screen


# --- snapshots ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_runs_screen_comparing_two_runs(snap_compare, three_runs, size):
    """The lesson's run against the 16-filter one, both marked, their curves overlaid."""
    app, _ = three_runs

    async def run_before(pilot):
        await open_runs(pilot)
        await pilot.press("space", "down", "space", "down")

    assert snap_compare(app, run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_designer_one_block_of_16_filters(snap_compare, make_app, size):
    """The designer after choosing one block of 16 filters: its layers, shapes and parameters."""

    async def run_before(pilot):
        pilot.app.install_screen(TrainingScreen(lambda *args: None), SCREEN_NAME)
        await pilot.press("t", "d")
        pilot.app.screen.query_one(NetworkDesigner).set_design(SIXTEEN)
        await pilot.pause()

    assert snap_compare(make_app(start_index=9), run_before=run_before, terminal_size=size)


def test_designer_refuses_an_impossible_network(snap_compare, make_app):
    """Three blocks of 5x5 filters with pooling: the third finds a 4x4 map, and says so in red."""

    async def run_before(pilot):
        pilot.app.install_screen(TrainingScreen(lambda *args: None), SCREEN_NAME)
        await pilot.press("t", "d")
        pilot.app.screen.query_one(NetworkDesigner).set_design(Design((Block(64, 5, True),) * 3))
        await pilot.pause()

    assert snap_compare(make_app(start_index=9), run_before=run_before, terminal_size=SMALL)


# --- keys -----------------------------------------------------------------------------------------------


async def test_marking_runs_overlays_them_in_order(three_runs):
    app, (lesson, sixteen, three) = three_runs
    async with app.run_test(size=BIG) as pilot:
        screen = await open_runs(pilot)
        assert [k.run.id for k in screen.compared()] == [lesson.id]  # the highlighted run alone
        await pilot.press("down", "down", "space", "up", "up", "space")
        assert [k.run.id for k in screen.compared()] == [three.id, lesson.id]
        rows = {k.run.id: k.summary for k in screen.kept}
        assert rows[three.id].status_text == "stopped at epoch 3, batch 17 of 40"
        assert (rows[sixteen.id].epochs_done, rows[sixteen.id].seconds_per_epoch) == (5, 18.5)
        await pilot.press("space")
        assert [k.run.id for k in screen.compared()] == [three.id]


async def test_delete_asks_first(three_runs):
    app, (lesson, sixteen, three) = three_runs
    async with app.run_test(size=BIG) as pilot:
        screen = await open_runs(pilot)
        await pilot.press("down", "d")
        await pilot.press("n")
        assert app.screen is screen and sixteen.folder.is_dir()
        await pilot.press("d", "y")
        while len(screen.kept) != 2:
            await pilot.pause(0.05)
        assert not sixteen.folder.exists() and [k.run.id for k in screen.kept] == [lesson.id, three.id]


async def test_enter_explores_a_run_and_the_explorer_says_which(three_runs):
    app, (lesson, _, _) = three_runs
    shutil.copyfile(paths.SHIPPED_MODEL, lesson.model_path)
    async with app.run_test(size=BIG) as pilot:
        await open_runs(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.state.model_label == f"run {lesson.id}"


async def test_r_resumes_the_stopped_run_on_the_training_screen(three_runs):
    app, (_, _, three) = three_runs
    calls = []

    def trainer(settings, emit, stop):
        calls.append(settings)
        from tui_cnn.core.training import DoneEvent

        emit(DoneEvent("stopped", settings.initial_epoch))
        return DoneEvent("stopped", settings.initial_epoch)

    async with app.run_test(size=BIG) as pilot:
        app.install_screen(TrainingScreen(trainer, save=False), SCREEN_NAME)
        screen = await open_runs(pilot)
        assert screen.check_action("choose", ("resume",)) is None  # the lesson's run finished
        await pilot.press("r")
        assert app.screen is screen
        await pilot.press("down", "down")
        assert screen.check_action("choose", ("resume",)) is True
        await pilot.press("r")
        while not calls:
            await pilot.pause(0.05)
        training = app.get_screen(SCREEN_NAME)
        assert calls[0].resume == three and calls[0].initial_epoch == 2 and calls[0].epochs == 5
        assert [row.epoch for row in training.history.rows] == [1, 2]
        assert len(training.history.x) == 2 * STEPS + 17  # the curves so far, read back from the log
        assert training.query_one(NetworkDesigner).design == three.design


async def test_r_on_the_training_screen_resumes_a_run_from_before_with_its_own_epochs(three_runs):
    """After a restart, r resumes the newest stopped run as it was asked to train (3 epochs), not with
    the screen's default 5, and says where it goes on from."""
    app, _ = three_runs
    short = write_run("20261125-130000", SIXTEEN, 3, 1, stop_batch=10)
    calls = []

    def trainer(settings, emit, stop):
        calls.append(settings)
        emit(RunStarted(settings.resume, settings.resume.checkpoint()[0]))
        stop.wait(timeout=10)
        emit(DoneEvent("stopped", settings.initial_epoch))
        return DoneEvent("stopped", settings.initial_epoch)

    async with app.run_test(size=BIG) as pilot:
        training = TrainingScreen(trainer, save=False)
        app.install_screen(training, SCREEN_NAME)
        await pilot.press("t")
        while training.check_action("resume", ()) is not True:  # the kept runs are read in the background
            await pilot.pause(0.05)
        assert training.query_one("#train-epochs").value == "5"
        await pilot.press("r")
        status = training.query_one("#train-status")
        while "Resuming run 20261125-130000 from epoch 2, batch 10 of 40" not in str(status.render()):
            await pilot.pause(0.05)
        assert calls[0].resume == short and (calls[0].epochs, calls[0].initial_epoch) == (3, 1)
        assert training.query_one("#train-epochs").value == "3"
        await pilot.press("x")
        while training.running:
            await pilot.pause(0.05)
