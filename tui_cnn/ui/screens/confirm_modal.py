"""ConfirmModal: a yes-or-no question (delete a run?); it dismisses with the answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class ConfirmModal(ModalScreen[bool]):
    """``y`` answers yes; ``n`` or Escape answers no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question, self.detail = question, detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Label(self.question, id="confirm-question")
            if self.detail:
                yield Label(self.detail, classes="hint")
            yield Label("[b]y[/b] yes   [b]n[/b] or Escape: no", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
