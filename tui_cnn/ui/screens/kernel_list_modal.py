"""KernelListModal: the 64 learned conv1 kernels, sorted by how much they look like a hand-made filter."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui_cnn.core.resemblance import Resemblance


class KernelListModal(ModalScreen[int | None]):
    """Pick a learned kernel from the ranking; dismisses with its channel, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, ranking: list[tuple[int, Resemblance]], current: int | None = None) -> None:
        super().__init__()
        self.ranking, self.current = ranking, current

    def compose(self) -> ComposeResult:
        with Vertical(id="kernel-list"):
            yield Label(f"The {len(self.ranking)} learned conv1 kernels, closest to a hand-made filter first "
                        "(cosine similarity of the 3x3 weights):")
            yield OptionList(*[Option(_row(channel, match), id=str(channel)) for channel, match in self.ranking])
            yield Label("Up/down to walk, Enter loads the kernel into the lab, Escape closes.", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        channels = [channel for channel, _ in self.ranking]
        if self.current in channels:
            options.highlighted = channels.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _row(channel: int, match: Resemblance) -> Text:
    row = Text(f"#{channel:<3} ", "bold")
    row.append(f"{match.similarity:+.2f}  ", "cyan")
    row.append(match.name)
    return row
