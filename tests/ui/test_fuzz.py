"""A seeded key fuzz: every screen's own keys, ctrl+p, Escape and noise, with random terminal sizes.

From each screen the app can open, a seeded random walk presses the keys bound where it stands
(plus ctrl+p, Escape and keys bound to nothing) and now and then resizes the terminal to anything
from 40x12 to 250x80. It fails on any exception the app raises, and on a "terminal too small"
screen that is still there once the size is back to 120x40. Quitting keys are left out, and
Enter is not pressed in the command palette (its first hit could be "Quit").
"""

from __future__ import annotations

import random
import string
import threading

import pytest

from tui_cnn.core.training import BatchEvent, DoneEvent
from tui_cnn.ui.screens.too_small import TooSmallScreen
from tui_cnn.ui.screens.training import SCREEN_NAME, TrainingScreen

BIG = (120, 40)
# The keys that open each screen from the explorer (None: the explorer itself).
ENTRIES = [None, "enter", "i", "o", "t", "f", "S", "C", "question_mark", "ctrl+p"]
STEPS_PER_SCREEN = 35  # 350 steps in all: about 30 s on a quiet machine
NOISE = [*string.ascii_letters, *string.digits, *"[]#,.-+=/", "space", "tab", "shift+tab", "backspace",
         "up", "down", "left", "right", "pageup", "pagedown", "home", "end", "delete", "f1", "ctrl+a"]
QUITTING = {"q", "ctrl+q", "ctrl+c"}


class TinyTrainer:
    """Stands in for Keras on the training screen: a few batches, stopping when asked."""

    def __call__(self, settings, emit, stop: threading.Event) -> DoneEvent:
        for step in range(1, 6):
            emit(BatchEvent(1, step, 5, 1.0 / step, 0.1 * step, 32 * step))
            if stop.wait(0.01):
                return DoneEvent("stopped", 0)
        return DoneEvent("finished", 0)


def _keys_here(app, rng: random.Random) -> str:
    """A key to press on the current screen: one of its bindings, ctrl+p, Escape or noise."""
    bound = [key for key in app.screen.active_bindings if key not in QUITTING]
    palette = app.screen.has_class("--textual-command-palette")
    choice = rng.random()
    if choice < 0.08:
        return "escape"
    if choice < 0.12:
        return "ctrl+p"
    if bound and choice < 0.75:
        key = rng.choice(bound)
    else:
        key = rng.choice([k for k in NOISE if k not in QUITTING])
    if palette and key == "enter":
        return "down"
    return key


def _check_alive(app, done: list[str] = ()) -> None:
    if app._exception is not None:  # noqa: SLF001 - the one place Textual keeps a handler's exception
        raise app._exception
    assert app.is_running, f"the app stopped; the last steps: {list(done)[-8:]}"


async def _restore_and_check(app, pilot) -> None:
    await pilot.resize_terminal(*BIG)
    await pilot.pause()
    await pilot.pause()
    _check_alive(app)
    stuck = [type(s).__name__ for s in app.screen_stack if isinstance(s, TooSmallScreen)]
    assert not stuck, f"too-small screen stayed at {BIG}: stack {[type(s).__name__ for s in app.screen_stack]}"


async def _back_to_explorer(app, pilot) -> None:
    for _ in range(8):
        if len(app.screen_stack) == 1:
            return
        await pilot.press("escape")
        await pilot.pause()
    while len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()


async def test_key_fuzz_with_random_resizes(make_app):
    rng = random.Random(2026)
    done: list[str] = []  # what was pressed where, for the failure message
    app = make_app(start_index=9)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        app.install_screen(TrainingScreen(trainer=TinyTrainer(), save=False), SCREEN_NAME)
        for entry in ENTRIES:
            await _back_to_explorer(app, pilot)
            if entry is not None:
                await pilot.press(entry)
                await pilot.pause()
            for step in range(STEPS_PER_SCREEN):
                where = type(app.screen).__name__
                if rng.random() < 0.12:
                    size = (rng.randint(40, 250), rng.randint(12, 80))
                    done.append(f"{where}: resize {size}")
                    await pilot.resize_terminal(*size)
                else:
                    key = _keys_here(app, rng)
                    done.append(f"{where}: {key}")
                    await pilot.press(key)
                await pilot.pause()
                _check_alive(app, done)
                if step % 20 == 19:
                    await _restore_and_check(app, pilot)
            await _restore_and_check(app, pilot)


async def test_palette_then_too_small_then_palette_again(make_app):
    """Issue 14's crash: the too-small screen over the palette, then ctrl+p (DuplicateIds)."""
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("ctrl+p")
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        _check_alive(app)
        await _restore_and_check(app, pilot)


@pytest.mark.parametrize("key", ["question_mark", "ctrl+p"])
async def test_no_stuck_too_small_screen_after_help_or_palette(make_app, key):
    """Issue 14's stuck screen: too small, ? (or ctrl+p), big again, Escape."""
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        await pilot.resize_terminal(*BIG)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        _check_alive(app)
        assert not isinstance(app.screen, TooSmallScreen)
        await _restore_and_check(app, pilot)
