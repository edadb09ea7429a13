"""LayerList: the model's layers with their output shapes, one of them chosen."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_cnn.core import wording
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
    width = max(max((len(spec.name) for spec in layers), default=0), 7)
    lines = [(number, spec.name, shape_text(spec.output_shape)) for number, spec in enumerate(layers, start=1)]
    needed = max((len(f"{number} {name:<{width}} {shape}") for number, name, shape in lines), default=0)
    shapes = max((len(shape) for _, _, shape in lines), default=0)
    return [Option(LayerLine(number, name, width, shape, needed, shapes), id=name) for number, name, shape in lines]


MIN_NAME = 10  # fewer columns for the names than this, and the list shows names without shapes


class LayerLine:
    """One layer's line, always on one line: number, name and output shape where the list is wide
    enough, the longest names shortened in the middle (their Keras suffix, ``_1``, stays) where it is a
    little short, and number and name alone where it is narrow (the header states the current
    layer's shape)."""

    def __init__(self, number: int, name: str, name_width: int, shape: str, needed: int, shape_width: int) -> None:
        self.number, self.name, self.name_width, self.shape = number, name, name_width, shape
        self.needed, self.shape_width = needed, shape_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        number = (f"{self.number} ", "dim")
        if options.max_width >= self.needed:
            yield Text.assemble(number, f"{self.name:<{self.name_width}} ", (self.shape, "cyan"), no_wrap=True)
            return
        room = options.max_width - len(number[0]) - 1 - self.shape_width
        if room >= MIN_NAME:
            name = wording.shortened(self.name, room)
            yield Text.assemble(number, f"{name:<{room}} ", (self.shape, "cyan"), no_wrap=True)
            return
        name = wording.shortened(self.name, max(options.max_width - len(number[0]), 3))
        yield Text.assemble(number, name, no_wrap=True, overflow="ellipsis")
