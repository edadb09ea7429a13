"""NumberInput: a one-line Input for a number that leaves every other key to the screen.

A plain Input swallows all printable keys, so while one has focus a screen's letter keys (start,
stop, quit...) do nothing. This one takes only the characters a number needs.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class NumberInput(Input):
    """Digits (and a decimal point unless ``integer``); letters stay keyboard commands."""

    def __init__(self, value: str = "", *, integer: bool = False, placeholder: str = "", max_length: int = 0,
                 id: str | None = None) -> None:
        super().__init__(value, placeholder=placeholder, type="integer" if integer else "number",
                         max_length=max_length, compact=True, valid_empty=True, id=id)
        self.accepts = "0123456789" if integer else "0123456789."

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in self.accepts

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character not in self.accepts:
            event.prevent_default()  # not Input's to type: let it bubble to the bindings
