"""FocusScreen: one channel enlarged, with its colour scale, statistics and learned kernel."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui_cnn import render
from tui_cnn.core.activations import Activations
from tui_cnn.core.model import LAYERS
from tui_cnn.ui.widgets.layer_list import shape_text

STRONGEST_INPUTS = 4  # of conv2's 64 input kernels, how many to show (the largest by |weights|)


class FocusScreen(Screen[int]):
    """A single feature map, as large as the terminal allows."""

    BINDINGS = [
        Binding("right,l", "channel(1)", "Next channel", key_display="→"),
        Binding("left,h", "channel(-1)", "Prev channel", key_display="←"),
        Binding("m", "toggle_mode", "Heatmap/ASCII"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, acts: Activations, layer: int, channel: int, cmap: str, mode: str = "heatmap") -> None:
        super().__init__()
        self.acts, self.layer_index, self.channel, self.cmap, self.mode = acts, layer, channel, cmap, mode

    def compose(self) -> ComposeResult:
        yield Static(id="focus-title")
        with Horizontal(id="focus-body"):
            with VerticalScroll(id="focus-map-box"):
                yield Static(id="focus-map")
            with VerticalScroll(id="focus-info"):
                yield Static(id="focus-stats")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.call_after_refresh(self.redraw)  # the enlargement depends on the laid-out size

    def on_resize(self) -> None:
        self.redraw()

    @property
    def values(self) -> np.ndarray:
        return self.acts.layers[self.layer_index].channel(self.channel)

    def redraw(self) -> None:
        spec = LAYERS[self.layer_index]
        total = spec.output_shape[-1]
        h, w = self.values.shape
        self.query_one("#focus-title", Static).update(
            f"[b]{spec.name}[/b] · {spec.title} · [b]channel {self.channel} of {total}[/b] (0-{total - 1}) · "
            f"{h}x{w} · {'heatmap' if self.mode == 'heatmap' else 'ASCII'}")
        self.query_one("#focus-map", Static).update(self._enlarged())
        self.query_one("#focus-stats", Static).update(self._info())

    def _enlarged(self):
        box = self.query_one("#focus-map-box")
        h, w = self.values.shape
        avail_w, avail_h = max(box.size.width - 1, w), max(box.size.height, 1)
        if self.mode == "ascii":
            k = max(1, min(avail_w // (2 * w), avail_h // h))
            big = np.repeat(self.values, k, axis=0)
            return render.AsciiMap(big, char_width=2 * k)
        k = max(1, min(avail_w // w, (2 * avail_h) // h))
        big = np.kron(self.values, np.ones((k, k), np.float32))
        return render.Heatmap(big, self.cmap)

    def _info(self) -> Group:
        values = self.values
        lo, hi = render.value_range(values)
        zeros = float(np.mean(values == 0))
        stats = Table.grid(padding=(0, 1))
        stats.add_column(style="dim")
        stats.add_column(justify="right")
        for name, value in (("min", f"{lo:.4f}"), ("max", f"{hi:.4f}"), ("mean", f"{values.mean():.4f}"),
                            ("zeros", f"{zeros:.0%} of pixels (ReLU cut them to 0)")):
            stats.add_row(name, value)
        parts = [render.color_bar(self.cmap, lo, hi, 24), Text(""), stats, Text("")]
        parts.extend(self._origin())
        return Group(*parts)

    def _origin(self) -> list:
        """Where this channel comes from: the learned kernel, or the map that was pooled."""
        spec = LAYERS[self.layer_index]
        weights = self.app.weights
        if spec.kind == "pool":
            source = LAYERS[self.layer_index - 1].name
            return [Text(f"Each pixel is the largest of a 2x2 window of {source} channel {self.channel}.")]
        if spec.kind != "conv" or weights is None:
            return []
        kernel = weights.kernel(spec.name)[:, :, :, self.channel]  # (3, 3, inputs)
        bias = float(weights.bias(spec.name)[self.channel])
        if kernel.shape[2] == 1:
            return [Text("Learned 3x3 kernel (weights times the input's neighbours, summed):", "bold"),
                    kernel_table(kernel[:, :, 0]), Text(f"bias {bias:+.4f}")]
        strength = np.abs(kernel).sum(axis=(0, 1))
        top = np.argsort(strength)[::-1][:STRONGEST_INPUTS]
        tables = Table.grid(padding=(0, 3))
        tables.add_column()
        tables.add_column()
        source = LAYERS[self.layer_index - 1].name
        for pair in (top[:2], top[2:]):
            tables.add_row(*[Text(f"from {source} #{i}, |w| sum {strength[i]:.2f}", "dim") for i in pair])
            tables.add_row(*[kernel_table(kernel[:, :, i]) for i in pair])
        return [Text(f"Learned kernels: 64 of 3x3, one per input channel; the {STRONGEST_INPUTS} strongest:",
                     "bold"), tables, Text(f"bias {bias:+.4f}")]

    def action_channel(self, step: int) -> None:
        total = LAYERS[self.layer_index].output_shape[-1]
        self.channel = (self.channel + step) % total
        self.redraw()

    def action_back(self) -> None:
        self.dismiss(self.channel)  # the explorer's cursor follows to the channel seen last

    def action_toggle_mode(self) -> None:
        self.mode = "ascii" if self.mode == "heatmap" else "heatmap"
        self.redraw()


def kernel_table(kernel: np.ndarray) -> Table:
    """A 3x3 kernel as numbers, coloured blue (negative) to red (positive)."""
    limit = float(np.abs(kernel).max()) or 1.0
    lut = render.colormap("coolwarm")
    table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
    for _ in range(kernel.shape[1]):
        table.add_column(justify="right")
    for row in kernel:
        cells = []
        for value in row:
            r, g, b = (int(c) for c in lut[round((value / limit + 1) / 2 * 255)])
            cells.append(Text(f"{value:+.2f}", style=f"black on rgb({r},{g},{b})"))
        table.add_row(*cells)
    return table
