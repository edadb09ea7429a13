"""The one family of exceptions tui-cnn raises for things the user can fix.

The CLI and the app catch ``TuiCnnError`` and nothing else, so a message reaches the user as one
line while a real bug (any other exception) keeps its traceback. ``exit_code`` is what the CLI
exits with: 2 for a usage mistake (a bad option or value), 1 for a file or dataset that cannot be
used.
"""

from __future__ import annotations

from tui_cnn.core.printable import printable


class TuiCnnError(Exception):
    """Something the user can fix; the message is one line that says what and, where known, how.

    ``str()`` escapes control characters, so a file name in the message can neither break the
    line nor send escape sequences to the terminal.
    """

    exit_code = 1

    def __str__(self) -> str:
        return printable(super().__str__())


class UsageError(TuiCnnError):
    """A command-line option or value that cannot be used (an unknown layer, a bad range)."""

    exit_code = 2
