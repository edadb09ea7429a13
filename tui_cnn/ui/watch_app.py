"""WatchApp: ``tui-cnn watch PATH``, the live training panel on a log file, without the explorer.

It needs no model, no dataset and no TensorFlow, so it runs anywhere the log file can be read: the
machine that trains, or a laptop that sees the file on a shared disk.
"""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen

from tui_cnn.ui.keep import SavesToFiguresDir
from tui_cnn.ui.screens.watch import POLL_SECONDS, STALE_SECONDS, WatchScreen


class WatchApp(SavesToFiguresDir):
    """Follow one training log file (the palette's Screenshot goes to the figures folder)."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-cnn watch"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    def __init__(self, path: Path, *, poll_seconds: float = POLL_SECONDS, stale_seconds: float = STALE_SECONDS,
                 **screen_options) -> None:
        super().__init__()
        self.path, self.poll_seconds, self.stale_seconds = Path(path), poll_seconds, stale_seconds
        self.screen_options = screen_options

    def get_default_screen(self) -> Screen:
        return WatchScreen(self.path, poll_seconds=self.poll_seconds, stale_seconds=self.stale_seconds,
                           **self.screen_options)


def run(path: Path, stale_seconds: float = STALE_SECONDS) -> int:
    WatchApp(path, stale_seconds=stale_seconds).run()
    return 0
