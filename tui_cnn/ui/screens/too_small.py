"""TooSmallScreen: shown instead of a broken layout when the terminal is too small."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static


class TooSmallScreen(Screen):
    """Asks for a larger terminal; the app removes it once the terminal is large enough."""

    def __init__(self, minimum: tuple[int, int]) -> None:
        super().__init__()
        self.minimum = minimum

    def compose(self) -> ComposeResult:
        yield Static(id="too-small-message")

    def on_mount(self) -> None:
        self._update()

    def on_resize(self) -> None:
        self._update()

    def on_screen_resume(self) -> None:
        # Uncovered by a screen that was on top of it while the terminal grew: nothing to ask for any more.
        w, h = self.app.size
        if w >= self.minimum[0] and h >= self.minimum[1]:
            self.app.pop_screen()

    def _update(self) -> None:
        w, h = self.app.size
        need_w, need_h = self.minimum
        self.query_one(Static).update(
            f"The terminal is {w}x{h}; tui-cnn needs at least {need_w}x{need_h}.\n"
            "Enlarge the window (or zoom out), or press q to quit."
        )
