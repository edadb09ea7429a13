"""QuietFooter: Textual's Footer, compact and without the palette key, rebuilt only when the keys it
shows really change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    """Footer recomposes on every focus change; that costs ~100 ms of CPU on a 2-core machine and
    delays the frame after it, so skip it when the visible keys are the same as before."""

    _shown: tuple | None = None

    def __init__(self, *, compact: bool = True, show_command_palette: bool = False) -> None:
        # No "^p palette" at the end: at 80 columns it pushed "q Quit" off the line; the help
        # screen (?) says that ctrl+p opens the palette.
        super().__init__(compact=compact, show_command_palette=show_command_palette)

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple((b.key, b.description, enabled) for _, b, enabled, _ in screen.active_bindings.values()
                      if b.show)
        if shown == self._shown and self._bindings_ready:
            return
        self._shown = shown
        super().bindings_changed(screen)
