"""The bad-input matrix in the app: each broken file gets one printable notification, and the app goes on.

The same cases as the command line's (``tests/bad_files.py``): images opened with ``o``, models
and data folders given at start. After each, the app is still running and still answers a key.
"""

from __future__ import annotations

import tracemalloc

import pytest
from textual.notifications import Notify
from textual.widgets import Input

from bad_files import (DATA_CASES, IMAGE_CASES, IMAGES, MODEL_CASES, NASTY, break_dataset, gzip_bomb, write_image,
                       write_model)
from core_helpers import write_official_dir
from tui_cnn.core.data import IMAGES_MAGIC
from tui_cnn.core.samples import SOURCE as SAMPLES_SOURCE
from tui_cnn.ui.app import TuiCnnApp
from tui_cnn.ui.screens.prompt_modal import PromptModal

BIG = (120, 40)


def _recorder():
    notes: list[str] = []

    def hook(message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    return notes, hook


def _one_printable_line(text: str) -> None:
    assert text.isprintable(), repr(text)


async def _still_answers(app, pilot) -> None:
    assert app.is_running and app._exception is None  # noqa: SLF001
    await pilot.press("right_square_bracket")  # next layer
    await pilot.pause()
    assert app.is_running and app._exception is None  # noqa: SLF001


async def test_every_bad_image_is_one_notification(make_app, tmp_path):
    notes, hook = _recorder()
    app = make_app(start_index=9)
    async with app.run_test(size=BIG, message_hook=hook) as pilot:
        await pilot.pause()
        for case in IMAGE_CASES:
            folder = tmp_path / case.replace(" ", "-")
            folder.mkdir()
            path, needle = write_image(folder, case)
            before = len(notes)
            await pilot.press("o")
            await pilot.pause()
            assert isinstance(app.screen, PromptModal)
            app.screen.query_one(Input).value = str(path)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            new = notes[before:]
            if needle is None:  # a usable picture: shown, no complaint
                assert not new, new
            else:
                assert len(new) == 1 and needle in new[0], (case, new)
                _one_printable_line(new[0])
            await _still_answers(app, pilot)


@pytest.mark.parametrize("model_case, data_case", list(zip(MODEL_CASES, DATA_CASES)) +
                         [(MODEL_CASES[i % len(MODEL_CASES)], c) for i, c in enumerate(DATA_CASES[len(MODEL_CASES):])])
async def test_bad_model_and_data_at_start_fall_back_with_notifications(tmp_path, monkeypatch, model_case, data_case):
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))
    model, model_needle = write_model(tmp_path, model_case)
    folder = write_official_dir(tmp_path / NASTY, n_train=10, n_test=20)
    data_needle = break_dataset(folder, data_case)
    notes, hook = _recorder()
    app = TuiCnnApp(model_path=model, data_dir=str(folder), download=False)
    async with app.run_test(size=BIG, message_hook=hook) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(model_needle in n for n in notes), notes
        assert any(data_needle in n for n in notes), notes
        for note in notes:
            _one_printable_line(note)
        assert app.state.weights is not None and app.state.images.source == SAMPLES_SOURCE  # fell back, still exploring
        await _still_answers(app, pilot)


async def test_a_data_bomb_costs_the_app_no_memory(tmp_path, monkeypatch):
    """A gzip of 200 MB of zeros behind a header promising 15 KB: refused after reading 15 KB."""
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))
    folder = write_official_dir(tmp_path / "bomb", n_train=10, n_test=20)
    gzip_bomb(folder / IMAGES, IMAGES_MAGIC.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (20, 28, 28)),
              inflated_mb=200)
    notes, hook = _recorder()
    app = TuiCnnApp(data_dir=str(folder), download=False)
    tracemalloc.start()
    try:
        async with app.run_test(size=BIG, message_hook=hook) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert any("holds more than the 15,680 bytes" in n for n in notes), notes
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


async def test_pictures_are_decoded_off_the_ui_thread_and_names_are_not_markup(make_app, tmp_path, monkeypatch):
    import threading

    from tui_cnn.core import images

    threads = []
    real = images.load_image_file

    def recording(path, *shape):  # the model's input shape, for a model that takes other pictures
        threads.append(threading.current_thread())
        return real(path, *shape)

    monkeypatch.setattr(images, "load_image_file", recording)
    (tmp_path / "shoe[").mkdir()
    broken = tmp_path / "shoe[" / "b][red].png"  # the full name holds "[/b]", a closing tag to markup
    broken.write_text("not a picture")
    notes, hook = _recorder()
    app = make_app()
    async with app.run_test(size=BIG, message_hook=hook) as pilot:
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(broken)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()  # the toast is drawn: markup in the name would raise here
        await _still_answers(app, pilot)
    assert threads and threads[0] is not threading.main_thread()
    assert len(notes) == 1 and "shoe[/b][red].png: not a readable image" in notes[0]
