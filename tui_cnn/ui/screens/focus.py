"""FocusScreen: one channel enlarged, with its colour scale, statistics and learned kernel.

Press ``i`` to inspect pixels: a cursor on the map, and beside it the arithmetic that produced the
pixel under it (a convolution's patch, kernel, products and sum; a pooling window and its winner),
with the input it read highlighted.

The layer, the channel, the mode and the colour map are the app's state: ←→ and ``m`` here change
them for the explorer too.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core import explain, resemblance, top_images, wording
from tui_cnn.core.activations import Activations
from tui_cnn.ui.state import AppAccess, Change
from tui_cnn.ui.widgets.arithmetic_panel import ArithmeticPanel
from tui_cnn.ui.widgets.quiet_footer import QuietFooter
from tui_cnn.ui.widgets.top_images_panel import TopImagesPanel

STRONGEST_INPUTS = 4  # of conv2's 64 input kernels, how many to show (the largest by |weights|)


class FocusScreen(AppAccess, Screen):
    """A single feature map, as large as the terminal allows."""

    BINDINGS = [
        # Priority: in a short terminal the panes scroll, and a focused pane would take the arrows for itself.
        Binding("right,l", "arrow(0, 1)", "Channel/cell", key_display="←→", priority=True),
        Binding("left,h", "arrow(0, -1)", "Prev channel (cell when inspecting)", show=False, priority=True),
        Binding("up,k", "arrow(-1, 0)", "Cell up when inspecting (else scroll)", show=False, priority=True),
        Binding("down,j", "arrow(1, 0)", "Cell down when inspecting (else scroll)", show=False, priority=True),
        Binding("full_stop", "channel(1)", "Next channel", key_display=".", show=False),
        Binding("comma", "channel(-1)", "Prev channel", key_display=",", show=False),
        Binding("i", "toggle_inspect", "Inspect pixels"),
        Binding("t", "toggle_top", "Top 9", tooltip="The nine test images that excite this channel most"),
        *[Binding(str(n), f"open_top({n - 1})", "Open top image 1-9 in the explorer", show=False, key_display="1-9")
          for n in range(1, 10)],
        Binding("m", "toggle_mode", "Heatmap/ASCII"),
        Binding("c", "cycle_cmap", "Colours", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.inspecting = False
        self.showing_top = False
        self.cursor = (0, 0)
        self._stacked: list[tuple[int, int, bool]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="focus-title")
        with Horizontal(id="focus-body"):
            with VerticalScroll(id="focus-map-box"):
                yield Static(id="focus-map")
            with VerticalScroll(id="focus-info"):
                yield Static(id="focus-stats")
                yield ArithmeticPanel(id="arithmetic")
                yield TopImagesPanel(id="top-images")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        self.tui.state_changed.subscribe(self, self._state_changed)
        self.redraw()
        self.call_after_refresh(self.redraw)  # the enlargement depends on the laid-out size

    def _state_changed(self, change: Change) -> None:
        if not self.is_current:  # dismissed already, or under a dialog
            return
        output = self.state.output
        if output is None or not output.is_spatial:  # the palette chose a layer without maps
            self.dismiss()
        else:
            self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    # The state's, read here often: the map on show is the state's layer and channel.
    @property
    def acts(self) -> Activations:
        return self.state.acts

    @property
    def layer_index(self) -> int:
        return self.state.layer

    @property
    def channel(self) -> int:
        return self.state.channel

    @property
    def mode(self) -> str:
        return self.state.mode

    @property
    def cmap(self) -> str:
        return self.state.cmap

    @property
    def values(self) -> np.ndarray:
        return self.acts.layers[self.layer_index].channel(self.channel)

    def redraw(self) -> None:
        spec = self.state.spec
        total = spec.output_shape[-1]
        h, w = self.values.shape
        self.query_one("#focus-title", Static).update(
            f"[b]{spec.name}[/b] · {spec.title} · [b]channel {self.channel} of {total}[/b] (0-{total - 1}) · "
            f"{h}x{w} · {'heatmap' if self.mode == 'heatmap' else 'ASCII'}")
        inspectable = self._inspectable
        self.inspecting = self.inspecting and inspectable
        self.showing_top = self.showing_top and inspectable and not self.inspecting
        self.query_one("#focus-stats", Static).display = not (self.inspecting or self.showing_top)
        self.query_one(ArithmeticPanel).display = self.inspecting
        top = self.query_one(TopImagesPanel)
        top.display = self.showing_top
        if self.showing_top:
            top.show_channel(self.state.network, self.state.images, self.layer_index, self.channel)
        if self.inspecting:
            self._inspect()
        else:
            self.query_one("#focus-map", Static).update(self._fit([(None, self.values, None)]))
            self.query_one("#focus-stats", Static).update(self._info())

    def _fit(self, maps: list[tuple[str | None, np.ndarray, np.ndarray | None]], cmaps: tuple[str, ...] = ()) -> Group:
        """Maps (title, values, marks) side by side, each enlarged as far as the box allows."""
        box = self.query_one("#focus-map-box")
        box_w, avail_h = max(box.size.width - 2, 10), max(box.size.height - 2, 4)
        ascii_mode = self.mode == "ascii"
        cols_per_px, px_per_row = (2, 1) if ascii_mode else (1, 2)  # ASCII pixels are two characters wide
        shapes = [values.shape for _, values, _ in maps]
        scales = _common_scales(shapes, box_w, avail_h, cols_per_px, px_per_row)
        side_by_side = scales is not None
        if not side_by_side:  # one under the other, each as large as the width allows (the box scrolls)
            scales = [max(1, min(box_w // (w * cols_per_px), px_per_row * avail_h // h)) for h, w in shapes]
        blocks = []
        for i, ((title, values, marks), k) in enumerate(zip(maps, scales)):
            cmap = cmaps[i] if i < len(cmaps) else self.cmap
            blocks.append(self._enlarged(values, marks, k, cmap, title, box_w))
        self._stacked = []  # (first line, scale, has a title) of each map drawn one under the other
        if len(blocks) == 1 or not side_by_side:
            line = 0
            for block, k, (title, _, _) in zip(blocks, scales, maps):
                self._stacked.append((line, k, title is not None))
                line += block.height + 1  # a blank line between maps
            return Group(*[item for block in blocks for item in (block, Text(""))][:-1])
        width = sum(b.width for b in blocks) + GAP * (len(blocks) - 1)
        return Group(render.Block(render.join_blocks(blocks, GAP), width))

    def _enlarged(self, values: np.ndarray, marks: np.ndarray | None, k: int, cmap: str, title: str | None,
                  box_w: int) -> render.Block:
        if self.mode == "ascii":
            big = np.repeat(values, k, axis=0)
            big_marks = None if marks is None else np.repeat(marks, k, axis=0)
            char_width = 2 * k if 2 * k * values.shape[1] <= box_w else 1  # square pixels when there is room
            body = render.AsciiMap(big, char_width=char_width, marks=big_marks)
        else:
            big = np.kron(values, np.ones((k, k), np.float32))
            big_marks = None if marks is None else np.kron(marks, np.ones((k, k), marks.dtype))
            body = render.Heatmap(big, cmap, marks=big_marks)
        return render.labelled(body, title) if title else body

    @property
    def _inspectable(self) -> bool:
        """Every map's pixel can be explained if the layer reads a map too (not a Reshape of a vector)."""
        spec = self.state.spec
        return len(spec.output_shape) == 3 and len(spec.input_shape) == 3

    def _inspect(self) -> None:
        """The map with the cursor, the input it reads with the cells used, and the arithmetic."""
        spec = self.state.spec
        network = self.state.network
        row, col = self.cursor
        marks = np.zeros(self.values.shape, np.int8)
        marks[row, col] = render.CURSOR
        here = f"{spec.name} #{self.channel} ({row}, {col})"
        panel = self.query_one(ArithmeticPanel)
        value = float(self.values[row, col])
        inputs = network.layer_input(self.acts, self.layer_index)  # (H, W, C) what the layer read
        cell = network.explain(self.acts, self.layer_index, (row, col, self.channel))
        source_name = "input image" if cell.source == "input" else cell.source
        if spec.kind == "conv":
            term = cell.strongest(1)[0]
            source = inputs[:, :, term.input_channel]
            source_marks = _frame(source.shape, cell.top, cell.left, term.kernel.shape)
            name = "input image" if cell.source == "input" else f"{cell.source} #{term.input_channel} (strongest)"
            if cell.source == "input" and inputs.shape[2] > 1:
                name = f"input channel {term.input_channel} (strongest)"
            panel.show_conv(cell, value)
        elif spec.kind == "pool" and spec.pool_size == spec.strides == (2, 2) and spec.padding == "valid" \
                and spec.mode == "max":
            source = inputs[:, :, self.channel]
            source_marks = explain.pool_winners(source, only_decisive=True).astype(np.int8) * render.MARK
            r, c = cell.winner
            source_marks[cell.top + r, cell.left + c] = render.CURSOR
            name = f"{cell.source} #{self.channel}: winners"
            panel.show_pool(cell, value, source.shape, self.mode)
        elif spec.kind == "pool":
            source = inputs[:, :, self.channel]
            source_marks = _frame(source.shape, cell.top, cell.left, cell.window.shape)
            if cell.mode == "max":
                r, c = cell.winner
                source_marks[cell.top + r, cell.left + c] = render.CURSOR
            name = f"{source_name} #{self.channel}: window"
            panel.show_pool(cell, value, source.shape, self.mode)
        else:  # one value in, one value out: batch normalization, an activation, a rescaling, dropout
            source = inputs[:, :, self.channel]
            source_marks = np.zeros(source.shape, np.int8)
            source_marks[row, col] = render.CURSOR
            name = f"{source_name} #{self.channel}"
            if isinstance(cell, explain.NormCell):
                panel.show_norm(cell, value)
            elif isinstance(cell, explain.ElementCell):
                panel.show_element(cell, value)
            else:
                panel.show_copy(cell, value, f"{spec.keras_class} passes it on unchanged at inference")
        source_cmap = "gray" if cell.source == "input" else self.cmap
        maps = [(here, self.values, marks), (name, source, source_marks)]
        self.query_one("#focus-map", Static).update(self._fit(maps, (self.cmap, source_cmap)))
        if len(self._stacked) == 2:  # one under the other: a short terminal may not show both
            marked = np.nonzero(source_marks.any(axis=1))[0]
            spans = [self._lines_of(0, row, row), self._lines_of(1, int(marked.min()), int(marked.max()))]
            self.call_after_refresh(self._keep_in_view, spans)

    def _lines_of(self, block: int, first_row: int, last_row: int) -> tuple[int, int]:
        """The text lines that pixel rows ``first_row``-``last_row`` of a stacked map are drawn on."""
        start, k, titled = self._stacked[block]
        per_line = 1 if self.mode == "ascii" else 2  # pixel rows per line, after enlarging k times
        start += int(titled)
        return start + first_row * k // per_line, start + ((last_row + 1) * k - 1) // per_line

    def _keep_in_view(self, spans: list[tuple[int, int]]) -> None:
        """Scroll the map box so the cursor and the input it reads are both on screen, or the cursor at least."""
        box = self.query_one("#focus-map-box", VerticalScroll)
        drawn = self.query_one("#focus-map", Static).virtual_region
        height = box.scrollable_content_region.height
        first, last = min(a for a, _ in spans), max(b for _, b in spans)
        if last - first + 1 > height:
            first, last = spans[0]
        box.scroll_to_region(Region(0, drawn.y + first, drawn.width, last - first + 1), animate=False, immediate=True)

    def _info(self) -> Group:
        values = self.values
        lo, hi = render.value_range(values)
        zeros = wording.share(int(np.count_nonzero(values == 0)), values.size, "pixels")
        stats = Table.grid(padding=(0, 1))
        stats.add_column(style="dim")
        stats.add_column(justify="right")
        for name, value in (("min", f"{lo:.4f}"), ("max", f"{hi:.4f}"), ("mean", f"{values.mean():.4f}"),
                            ("zeros", zeros)):
            stats.add_row(name, value)
        parts = [render.color_bar(self.cmap, lo, hi, 24), Text(""), stats]
        if made_by_relu(self.state.layers, self.layer_index):
            parts.append(Text("the zeros: ReLU cut negative sums to 0", "dim"))
        parts.append(Text(""))
        parts.extend(self._origin())
        return Group(*parts)

    def _origin(self) -> list:
        """Where this channel comes from: the learned kernel, or the map that was pooled."""
        spec = self.state.spec
        if spec.kind == "pool":
            what = "largest" if spec.mode == "max" else "average"
            return [Text(f"Each pixel is the {what} of a {'x'.join(map(str, spec.pool_size))} window of "
                         f"{spec.source} channel {self.channel}.")]
        if spec.kind != "conv":
            return [Text(spec.shape_note)]
        kernel = spec.kernel[:, :, :, self.channel]  # (kh, kw, inputs)
        bias = float(spec.bias[self.channel]) if spec.bias is not None else 0.0
        size = f"{kernel.shape[0]}x{kernel.shape[1]}"
        if kernel.shape[2] == 1:
            lines = [Text(f"Learned {size} kernel (weights times the input's neighbours, summed):", "bold"),
                     kernel_table(kernel[:, :, 0]), Text(f"bias {wording.number(bias, 4, signed=True)}")]
            if kernel.shape[:2] == (3, 3):  # the lesson's hand-made filters are 3x3
                match = resemblance.closest(kernel[:, :, 0])
                lines.append(Text(f"{match.text()} (the cosine similarity of the 3x3 weights with a hand-made "
                                  "filter, from -1 to 1)"))
            return lines
        if kernel.shape[2] < STRONGEST_INPUTS:  # a colour model's first convolution: one kernel per colour
            tables = [item for i in range(kernel.shape[2])
                      for item in (Text(f"from input channel {i}", "dim"), kernel_table(kernel[:, :, i]))]
            return [Text(f"Learned kernels: {kernel.shape[2]} of {size}, one per input channel:", "bold"),
                    *tables, Text(f"bias {bias:+.4f}")]
        strength = np.abs(kernel).sum(axis=(0, 1))
        top = np.argsort(strength)[::-1][:STRONGEST_INPUTS]
        tables = Table.grid(padding=(0, 3))
        tables.add_column()
        tables.add_column()
        source = spec.source
        for pair in (top[:2], top[2:]):
            tables.add_row(*[Text(f"from {source} #{i}, |w| sum {strength[i]:.2f}", "dim") for i in pair])
            tables.add_row(*[kernel_table(kernel[:, :, i]) for i in pair])
        return [Text(f"Learned kernels: {kernel.shape[2]} of {size}, one per input channel; the {STRONGEST_INPUTS} strongest:",
                     "bold"), tables, Text(f"bias {bias:+.4f}")]

    def action_arrow(self, d_row: int, d_col: int) -> None:
        if not self.inspecting:
            if d_col:
                self.action_channel(d_col)
            else:  # scroll what does not fit: the notes (the top images), else the map
                for box in self.query("#focus-info, #focus-map-box").results(VerticalScroll):
                    if box.max_scroll_y:
                        box.scroll_relative(y=d_row, animate=False)
                        break
            return
        h, w = self.values.shape
        self.cursor = (min(max(self.cursor[0] + d_row, 0), h - 1), min(max(self.cursor[1] + d_col, 0), w - 1))
        self.redraw()

    def action_toggle_inspect(self) -> None:
        if not self._inspectable:
            self.notify("Pixel arithmetic is shown for layers that read and make maps")
            return
        self.inspecting = not self.inspecting
        self.showing_top = False
        if self.inspecting and self.cursor == (0, 0):
            self.cursor = np.unravel_index(int(np.argmax(self.values)), self.values.shape)  # start somewhere lit
            self.cursor = (int(self.cursor[0]), int(self.cursor[1]))
        self.redraw()

    def action_toggle_top(self) -> None:
        state = self.state
        if not state.images:
            self.notify("Top images need an image set the model can read (open pictures one by one with o)")
            return
        if not top_images.has_maps(state.network, state.layer):
            self.notify("Top images are shown for the channels of convolution and pooling layers (and the "
                        "layers between them)")
            return
        self.showing_top = not self.showing_top
        self.inspecting = False
        self.redraw()

    def action_open_top(self, rank: int) -> None:
        """Show the ``rank``-th top image in the explorer (leaving this view)."""
        index = self.query_one(TopImagesPanel).image_number(rank) if self.showing_top else None
        if index is None:
            return
        self.dismiss()
        self.tui.show_index(index)

    def action_channel(self, step: int) -> None:
        self.tui.update_state(channel=(self.channel + step) % self.state.channels)  # redraws

    def action_back(self) -> None:
        if self.inspecting or self.showing_top:  # Escape leaves the inspector (or top images) first
            self.inspecting = self.showing_top = False
            self.redraw()
            return
        self.dismiss()  # the explorer's cursor is on the channel seen last: it is the state's

    def action_toggle_mode(self) -> None:
        self.tui.update_state(mode=render.other_mode(self.mode))  # redraws

    def action_cycle_cmap(self) -> None:
        self.tui.update_state(cmap=render.next_cmap(self.cmap))  # redraws


GAP = 2


def made_by_relu(layers, index: int) -> bool:
    """Whether layer ``index``'s values come from a ReLU (through pooling or dropout), so its zeros are cut ones."""
    for layer in reversed(layers[: index + 1]):
        if layer.kind in ("pool", "global_pool", "identity"):
            continue
        activation = getattr(layer, "activation", None)
        return activation is not None and activation.name in ("relu", "relu6") and not activation.negative_slope
    return False


def _common_scales(shapes: list[tuple[int, int]], box_w: int, avail_h: int, cols_per_px: int,
                   px_per_row: int) -> list[int] | None:
    """Enlargements that draw every map at the same width on screen, as large as fits side by side.

    The maps cover the same picture (a pooled map and the map it pools, a convolution and its
    input), so equal widths make the same region line up. None if they cannot share a row.
    """
    widest = max(w for _, w in shapes)
    for target in range(box_w, 0, -1):
        scales = [max(1, target // (w * cols_per_px)) if target >= w * cols_per_px else 0 for _, w in shapes]
        if 0 in scales:
            continue
        width = sum(k * w * cols_per_px for k, (_, w) in zip(scales, shapes)) + GAP * (len(shapes) - 1)
        tall = any(k * h > px_per_row * avail_h for k, (h, _) in zip(scales, shapes))
        if width <= box_w and (not tall or target <= widest * cols_per_px):
            return scales
    return None


def _frame(shape: tuple[int, int], row: int, col: int, size: tuple[int, int]) -> np.ndarray:
    """MARK the ring of pixels around a patch (kh x kw at row, col; it may hang over the border in 'same'
    padding), leaving the patch itself visible."""
    marks = np.zeros(shape, np.int8)
    kh, kw = size
    marks[max(row - 1, 0) : max(row + kh + 1, 0), max(col - 1, 0) : max(col + kw + 1, 0)] = render.MARK
    marks[max(row, 0) : max(row + kh, 0), max(col, 0) : max(col + kw, 0)] = 0
    return marks


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
