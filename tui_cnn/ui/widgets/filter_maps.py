"""FilterMaps: an image, the image through a 3x3 filter and its 2x2 max pooling, side by side.

All three are pixels on one 0..255 scale (black 0, white 255), so a dim result is a small one and
the clamp at 255 shows. They are drawn as large as the widget allows, all at the same scale, so
their sizes compare truly (28 -> 26 -> 13). When even one text cell per pixel does not fit, ASCII
first pairs pixel rows, then (as heatmaps do) everything is drawn at half size; the caption under
the first map says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.widget import Widget

from tui_cnn import render
from tui_cnn.core.filters import PIXEL_RANGE

GAP = 3
ARROW = " \u2192 "
MAX_SCALE = 4
NAME_STYLE = Style(bold=True)


@dataclass(frozen=True)
class Layout:
    """How pixels become text cells: ``scale`` cells per pixel each way (ASCII: ``columns`` wide)."""

    scale: int = 1
    columns: int = 1  # ASCII only: characters per pixel
    paired: bool = False  # ASCII only: two pixel rows averaged into one text row
    half: bool = False  # 2x2 averages first: a quarter of the cells

    def note(self) -> str:
        return "half size" if self.half else "2 rows a line" if self.paired else ""


HEATMAP_LAYOUTS = [*(Layout(k) for k in range(MAX_SCALE, 0, -1)), Layout(half=True)]
ASCII_LAYOUTS = [*(Layout(k, 2 * k) for k in range(MAX_SCALE // 2, 0, -1)), Layout(), Layout(paired=True),
                 Layout(half=True), Layout(paired=True, half=True)]


class FilterMaps(Widget):
    """Labelled maps in a row (wrapping if the widget is too narrow), arrows between them."""

    class Resized(Message):
        """The widget has a new size: a picture fitted to it may be fitted again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.maps: list[tuple[str, np.ndarray]] = []
        self.mode = "heatmap"
        self.cmap = "gray"

    def on_resize(self) -> None:
        self.post_message(self.Resized())

    def show(self, maps: list[tuple[str, np.ndarray]], mode: str, cmap: str = "gray") -> None:
        """``maps`` are (name, 2-D array of 0..255) pairs; each is labelled with its name and size.

        The first map is the picture itself, always in gray; the others use ``cmap``.
        """
        self.maps, self.mode, self.cmap = maps, mode, cmap
        self.refresh()

    def fitting_layout(self) -> tuple[Layout, bool]:
        """The largest layout that fits, and whether a caption line fits under it."""
        layouts = HEATMAP_LAYOUTS if self.mode == "heatmap" else ASCII_LAYOUTS
        for spare, caption in ((2, True), (1, False)):  # a label, and a caption if there is room
            for layout in layouts:
                width, height = self._maps_size(layout)
                if width <= self.size.width and height + spare <= self.size.height:
                    return layout, caption
        return layouts[-1], False

    def _maps_size(self, layout: Layout) -> tuple[int, int]:
        """Width and height of the maps (without label and caption) side by side."""
        return _maps_size([(_label(name, values), values.shape) for name, values in self.maps], layout, self.mode)

    def picture_room(self, aspect: float) -> tuple[int, int]:
        """The largest picture, (height, width) with height / width = ``aspect``, drawn one cell a pixel.

        Room for the picture, its filtered image (2 pixels smaller) and the pooled one (half that)
        side by side, each with its label and caption, as heatmaps draw them (two pixel rows a line;
        ASCII pairs rows the same way). At least 3x3, the smallest picture a 3x3 filter fits.
        """
        for width in range(max(self.size.width, 3), 2, -1):
            height = max(3, round(width * aspect))
            filtered = (height - 2, width - 2)
            shapes = [(height, width), filtered, (filtered[0] // 2, filtered[1] // 2)]
            named = [(f"filtered {h}x{w}", (h, w)) for h, w in shapes]  # the longest label
            maps_w, maps_h = _maps_size(named, Layout(), "heatmap")
            if maps_w <= self.size.width and maps_h + 2 <= self.size.height:
                return height, width
        return 3, 3

    def _block(self, name: str, values: np.ndarray, layout: Layout, caption: str | None) -> render.Block:
        lo, hi = PIXEL_RANGE
        shown = render.shrink2(values) if layout.half else values
        if self.mode == "heatmap":
            cmap = "gray" if self.maps and values is self.maps[0][1] else self.cmap
            body = render.Heatmap(np.kron(shown, np.ones((layout.scale, layout.scale))), cmap, lo, hi)
        else:
            shown = np.repeat(shown, layout.scale, axis=0)
            if layout.paired:
                h, w = shown.shape
                shown = np.pad(shown, ((0, h % 2), (0, 0)), mode="edge").reshape(-1, 2, w).mean(axis=1)
            body = render.AsciiMap(shown, lo, hi, char_width=layout.columns)
        label = _label(name, values)
        width = max(body.width, len(label))
        lines = [[Segment(label.ljust(width), NAME_STYLE)]]
        pad = [Segment(" " * (width - body.width))] if width > body.width else []
        lines += [[*line, *pad] for line in body.lines]
        if caption is not None:
            lines.append([Segment(caption[:width].ljust(width), render.LABEL_STYLE)])
        return render.Block(lines, width)

    def render(self) -> render.Block:
        if not self.maps or not self.size.width:
            return render.Block([], 0)
        layout, caption = self.fitting_layout()
        captions: list[str | None] = [f"max {values.max():.0f}" if caption else None for _, values in self.maps]
        if caption and layout.note():
            captions[0] += f", {layout.note()}"
        blocks = [self._block(name, values, layout, text) for (name, values), text in zip(self.maps, captions)]
        lines: list[list[Segment]] = []
        start = 0
        while start < len(blocks):  # as many maps per line as fit, at least one
            end = start + 1
            while end < len(blocks) and _width(blocks[start : end + 1]) <= self.size.width:
                end += 1
            if lines:
                lines.append([])
            lines.extend(_side_by_side(blocks[start:end]))
            start = end
        return render.Block(lines, max(sum(len(s.text) for s in line) for line in lines))


def _maps_size(maps: list[tuple[str, tuple[int, int]]], layout: Layout, mode: str) -> tuple[int, int]:
    """Width and height of maps (label, shape) side by side in ``layout``, labels included in the width."""
    widths, heights = [], []
    for label, (h, w) in maps:
        if layout.half:
            h, w = (h + 1) // 2, (w + 1) // 2
        if mode == "heatmap":
            widths.append(w * layout.scale)
            heights.append(-(-h * layout.scale // 2))
        else:
            widths.append(w * layout.columns)
            heights.append(-(-h // 2) if layout.paired else h * layout.scale)
        widths[-1] = max(widths[-1], len(label))
    return sum(widths) + GAP * (len(widths) - 1), max(heights, default=0)


def _label(name: str, values: np.ndarray) -> str:
    h, w = values.shape
    return f"{name} {h}x{w}"


def _width(blocks: list[render.Block]) -> int:
    return sum(b.width for b in blocks) + GAP * (len(blocks) - 1)


def _side_by_side(blocks: list[render.Block]) -> list[list[Segment]]:
    """The blocks top-aligned, GAP columns apart, with an arrow halfway down the smaller of each pair."""
    height = max(b.height for b in blocks)
    lines = []
    for row in range(height):
        line: list[Segment] = []
        for i, block in enumerate(blocks):
            if i:
                arrow_row = min(blocks[i - 1].height, block.height) // 2
                line.append(Segment(ARROW if row == arrow_row else " " * GAP, render.LABEL_STYLE))
            line.extend(block.lines[row] if row < block.height else [Segment(" " * block.width)])
        lines.append(line)
    return lines
