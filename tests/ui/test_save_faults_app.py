"""Saving from the app: a save location checked before any training, and a model the disk would not take kept.

The trainer is a stand-in (no TensorFlow run); the model it "trained" is the session's seeded Keras
model, so saving it elsewhere writes a real ``.keras`` file.
"""

from __future__ import annotations

import os

from textual.notifications import Notify
from textual.widgets import Input

from tui_cnn.core import paths, safe_save
from tui_cnn.core.model import ModelSaveError, read_weights
from tui_cnn.core.training import DoneEvent
from tui_cnn.ui.screens.prompt_modal import PromptModal
from tui_cnn.ui.screens.training import SCREEN_NAME, TrainingScreen

BIG = (120, 40)


class RecordingTrainer:
    """Counts its runs; raises ``error`` if given, else finishes at once without an epoch."""

    def __init__(self, error: Exception | None = None) -> None:
        self.runs, self.error = 0, error

    def __call__(self, settings, emit, stop) -> DoneEvent:
        self.runs += 1
        if self.error is not None:
            raise self.error
        return DoneEvent("finished", 0)


def _recorder():
    notes: list[str] = []

    def hook(message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    return notes, hook


async def _start_training(app, pilot, trainer) -> None:
    app.install_screen(TrainingScreen(trainer=trainer), SCREEN_NAME)
    await pilot.press("t")
    await pilot.pause()
    await pilot.press("s")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_an_unwritable_data_folder_is_said_before_training(make_app, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "a-file" / "home"))  # its parent is a file
    trainer = RecordingTrainer()
    notes, hook = _recorder()
    app = make_app()
    async with app.run_test(size=BIG, message_hook=hook) as pilot:
        await _start_training(app, pilot, trainer)
        assert trainer.runs == 0
        assert any("cannot save the model there" in n for n in notes), notes


async def test_a_second_trainer_of_the_data_folder_is_refused_with_its_pid(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))
    trainer = RecordingTrainer()
    notes, hook = _recorder()
    app = make_app()
    with safe_save.OutputLock(paths.user_model_path()):  # as another app training there would
        async with app.run_test(size=BIG, message_hook=hook) as pilot:
            await _start_training(app, pilot, trainer)
    assert trainer.runs == 0
    assert any(f"another tui-cnn (process {os.getpid()}) is training to this file" in n for n in notes), notes


async def test_a_model_the_disk_would_not_take_is_kept_and_saved_elsewhere(make_app, tmp_path, keras_model):
    target = paths.user_model_path()
    full = ModelSaveError(f"{target}: cannot save the model (No space left on device); free some space or save "
                          "it elsewhere", keras_model)
    notes, hook = _recorder()
    app = make_app()
    async with app.run_test(size=BIG, message_hook=hook) as pilot:
        await _start_training(app, pilot, RecordingTrainer(full))
        assert any("No space left on device" in n for n in notes), notes
        assert app.state.model_label == "unsaved" and app.unsaved_model is keras_model
        await pilot.press("escape")  # back to the explorer, then the palette
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Save the trained")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        elsewhere = tmp_path / "elsewhere" / "mine.keras"
        app.screen.query_one(Input).value = str(elsewhere)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.unsaved_model is None
        assert any(f"Saved the trained model to {elsewhere}" in n for n in notes), notes
    read_weights(elsewhere)
    assert sorted(p.name for p in elsewhere.parent.iterdir()) == ["mine.keras"]
