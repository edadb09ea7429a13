"""PromptModal: ask the user for one line of text (a file path, an image number)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PromptModal(ModalScreen[str | None]):
    """A question and an input; Enter answers, Escape cancels (answering None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, placeholder: str = "", hint: str = "") -> None:
        super().__init__()
        self.question, self.placeholder, self.hint = question, placeholder, hint

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question)
            yield Input(placeholder=self.placeholder, id="answer")
            yield Label(f"{self.hint} Enter confirms, Escape cancels.".strip(), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
