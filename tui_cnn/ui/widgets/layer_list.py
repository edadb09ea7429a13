"""LayerList: the model's layers with their output shapes, one of them chosen."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_cnn.core.layers import Layer as LayerSpec


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


class LayerList(OptionList):
    """One line per layer: its number, name and output shape (26x26x64 down to 10 for the lesson's)."""

    # Enter opens the grid's current channel, as it does from the grid: the footer keeps one
    # "Open" whichever pane has focus (a footer that changes is rebuilt, which costs a frame).
    # The moves go through the screen, which changes the state first and then highlights the
    # list: moving the highlight here first would draw the list a frame before the layer it names.
    BINDINGS = [Binding("enter", "screen.open_channel", "Open", tooltip="Open the channel under the cursor"),
                *[Binding(key, f"screen.layer_list('{action}')", "Move between layers", show=False)
                  for key, action in (("up", "cursor_up"), ("down", "cursor_down"), ("pageup", "page_up"),
                                      ("pagedown", "page_down"), ("home", "first"), ("end", "last"))]]

    def __init__(self, layers: Sequence[LayerSpec], *, id: str | None = None) -> None:
        super().__init__(*_options(layers), id=id)
        self.shown: Sequence[LayerSpec] = layers

    def show_layers(self, layers: Sequence[LayerSpec]) -> None:
        """List another model's layers (nothing happens if these are already listed)."""
        if layers is not self.shown:
            self.shown = layers
            self.set_options(_options(layers))


def _options(layers: Sequence[LayerSpec]) -> list[Option]:
    width = max((len(spec.name) for spec in layers), default=0)
    return [Option(Text.assemble((f"{number} ", "dim"), f"{spec.name:<{max(width, 7)}} ",
                                 (shape_text(spec.output_shape), "cyan")), id=spec.name)
            for number, spec in enumerate(layers, start=1)]
