"""LayerList: the model's layers with their output shapes, one of them chosen."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_cnn.core.model import LAYERS


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


class LayerList(OptionList):
    """One line per layer: its name and output shape, from 26x26x64 down to 10."""

    # Enter opens the grid's current channel, as it does from the grid: the footer keeps one
    # "Open" whichever pane has focus (a footer that changes is rebuilt, which costs a frame).
    BINDINGS = [Binding("enter", "screen.open_channel", "Open", tooltip="Open the channel under the cursor")]

    def __init__(self, *, id: str | None = None) -> None:
        options = []
        for number, spec in enumerate(LAYERS, start=1):
            label = Text.assemble((f"{number} ", "dim"), f"{spec.name:<8}", (shape_text(spec.output_shape), "cyan"))
            options.append(Option(label, id=spec.name))
        super().__init__(*options, id=id)
