"""FeatureGrid: a page of labelled feature maps that fits the widget, with a channel cursor.

Maps are drawn at one of three zooms: ``full`` size, ``half`` size (means of 2x2 blocks), or
``fit``, the largest size (up to full) at which every channel fits in the widget at once, each map
shrunk to it by block means (``render.pool_to``). What is on show, and at what size, is published
as ``view`` for the screen's header.

Drawing 64 half-block heatmaps through Rich on every repaint costs tens of milliseconds, so each
map is rendered once into segments (cached per image, layer, mode, colour map and scale) and each
page is joined once into strips; ``render_line`` only hands out cached strips.

A layer without maps (a dense layer's values) is drawn by the grid too, in its place
(``show_other``): showing and hiding a second widget makes Textual lay out and redraw the whole
screen over two frames, and moves the focus, where a change of content costs one frame.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui_cnn import render
from tui_cnn.ui.state import ZOOMS

GAP = 1
FIT_MIN_WIDTH = 4  # fit-all never shrinks a map below this many columns: its label ("#63") must fit
CACHED_CELLS = 512  # two layers at two looks; more would slow Python's garbage collector (~300 segments a map)


class View(NamedTuple):
    """The channels on the current page (first to last) of ``total``, the one under the cursor, and
    the size each map is drawn at (``shown``) against its real size (``full``), both (height, width)."""

    first: int
    last: int
    total: int
    selected: int
    shown: tuple[int, int] = (0, 0)
    full: tuple[int, int] = (0, 0)

    @property
    def everything(self) -> bool:
        return self.first == 0 and self.last == self.total - 1


class FeatureGrid(Widget, can_focus=True):
    """All channels of one (H, W, C) layer output (or any stack of images), a page at a time."""

    BINDINGS = [
        Binding("left,h", "move(-1, 0)", "Move the cursor", show=False, key_display="arrows hjkl"),
        Binding("right,l", "move(1, 0)", "Move the cursor", show=False),
        Binding("up,k", "move(0, -1)", "Move the cursor", show=False),
        Binding("down,j", "move(0, 1)", "Move the cursor", show=False),
        Binding("pagedown,full_stop", "page(1)", "Next page", key_display="PgDn", show=False),
        Binding("pageup,comma", "page(-1)", "Prev page", key_display="PgUp", show=False),
        Binding("home", "jump(0)", "First channel", show=False),
        Binding("end", "jump(-1)", "Last channel", show=False),
        Binding("enter", "open", "Open", tooltip="Open the map under the cursor"),
    ]

    selected: reactive[int] = reactive(0, repaint=False)  # watch_selected repaints what changed
    # What is on show, for screens to watch (``self.watch(grid, "view", ...)``). A watcher runs at
    # once, so a title that follows it is drawn in the same frame as the grid; a message would be
    # handled after the grid's frame and cost a second frame (17 ms at Textual's 60 fps).
    view: reactive[View | None] = reactive(None, repaint=False, init=False)

    class ChannelChosen(Message):
        """Enter on a channel: open it in the focus view."""

        def __init__(self, channel: int) -> None:
            super().__init__()
            self.channel = channel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._maps: np.ndarray | None = None
        self._labels: tuple[str, ...] | None = None
        self._key: tuple = ()
        self.mode = "heatmap"
        self.cmap = "inferno"
        self.scale = "map"
        self.zoom = "full"
        self._fit: tuple[tuple, tuple[tuple[int, int], int]] | None = None  # (fitted for, (map size, char width))
        # Rendered maps of recent images and layers, so stepping back and forth costs nothing.
        self._cells: OrderedDict[tuple, render.Block] = OrderedDict()
        self._range: tuple[float, float] = (0.0, 0.0)
        self._range_key: tuple | None = None
        self._strips: list[Strip] = []
        self._strips_key: tuple | None = None
        self._label_strips: dict[tuple, Strip] = {}
        # Something other than maps, built for the widget's size, and its lines for that size.
        self._other: tuple[tuple, Callable[[int, int], RenderableType]] | None = None
        self._other_lines: tuple[tuple, list[Strip]] | None = None

    def show_maps(self, maps: np.ndarray, key: tuple, mode: str, cmap: str, scale: str,
                  labels: list[str] | None = None, zoom: str = "full", selected: int | None = None) -> None:
        """Display ``maps`` (H, W, C); ``key`` names them (image, layer) for the render cache.

        Each map is labelled with its channel number unless ``labels`` are given; ``zoom`` is
        ``full``, ``half`` or ``fit`` (see the module); ``selected`` moves the cursor.
        """
        if zoom not in ZOOMS:
            raise ValueError(f"zoom must be one of {', '.join(ZOOMS)}, not {zoom!r}")
        labels = tuple(labels) if labels else None
        changed = labels != self._labels or self._other is not None
        self._labels, self._other = labels, None
        if key != self._key or (mode, cmap, scale, zoom) != (self.mode, self.cmap, self.scale, self.zoom):
            self._maps, self._key = maps, key
            self.mode, self.cmap, self.scale, self.zoom = mode, cmap, scale, zoom
            self._strips_key = None
            changed = True
        wanted = self.selected if selected is None else selected
        self.selected = min(max(wanted, 0), maps.shape[2] - 1)  # watch_selected repaints what the cursor changed
        if changed:  # the same maps again (the state changed elsewhere) cost no frame
            self.refresh()
        self._announce()

    def show_other(self, make: Callable[[int, int], RenderableType], key: tuple) -> None:
        """Show ``make(width, height)`` instead of maps; ``key`` names what it shows (nothing is
        redrawn if it is the same). The maps shown before are kept for coming back."""
        if self._other is None or self._other[0] != key:
            self._other = (key, make)
            self.refresh()

    @property
    def showing_maps(self) -> bool:
        return self._maps is not None and self._other is None

    @property
    def total(self) -> int:
        return self._maps.shape[2] if self.showing_maps else 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without maps the grid has no cursor: its keys go on to the screen (which moves between layers).
        return self.showing_maps or action not in ("move", "page", "jump", "open")

    def layout_size(self) -> tuple[int, int]:
        """Columns and rows of maps that fit in the widget (at least one of each)."""
        if self._maps is None:
            return 1, 1
        cell_w, cell_h = self._cell_size()
        columns = max(1, (self.size.width + GAP) // (cell_w + GAP))
        rows = max(1, self.size.height // cell_h)
        return columns, rows

    @property
    def per_page(self) -> int:
        columns, rows = self.layout_size()
        return columns * rows

    def visible_range(self) -> tuple[int, int]:
        """First and last channel on the current page (the page holding the cursor)."""
        per_page = self.per_page
        first = (self.selected // per_page) * per_page
        return first, min(first + per_page, self.total) - 1

    def watch_selected(self, old: int, new: int) -> None:
        page = self.per_page
        if self._maps is not None and old // page == new // page and old < self.total:
            # Same page: only the two labels change, so repaint just those lines (a full
            # repaint of the maps is what makes a key press feel slow).
            for channel in (old, new):
                self.refresh(self._label_region(channel))
        else:
            self.refresh()
        self._announce()

    def _label_region(self, channel: int) -> Region:
        columns, _ = self.layout_size()
        _, cell_h = self._cell_size()
        first, _ = self.visible_range()
        return Region(0, ((channel - first) // columns) * cell_h, self.size.width, 1)

    def on_resize(self) -> None:
        self._strips_key = None
        self._announce()

    def _announce(self) -> None:
        if self.showing_maps and self.size.width:
            first, last = self.visible_range()
            self.view = View(first, last, self.total, self.selected, self._map_shape(), self._maps.shape[:2])

    def action_move(self, dx: int, dy: int) -> None:
        columns, _ = self.layout_size()
        target = self.selected + dx + dy * columns
        if 0 <= target < self.total:
            self.selected = target

    def action_page(self, direction: int) -> None:
        per_page = self.per_page
        first, _ = self.visible_range()
        target = first + direction * per_page
        if 0 <= target < self.total:
            self.selected = target

    def action_jump(self, channel: int) -> None:
        if self.total:
            self.selected = channel % self.total

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on a map; a click on the map under the cursor opens it."""
        if not self.showing_maps:
            return
        columns, _ = self.layout_size()
        cell_w, cell_h = self._cell_size()
        column, row = event.x // (cell_w + GAP), event.y // cell_h
        first, last = self.visible_range()
        channel = first + row * columns + column
        if column >= columns or not first <= channel <= last:
            return
        if channel == self.selected or event.chain > 1:
            self.selected = channel
            self.action_open()
        else:
            self.selected = channel

    def action_open(self) -> None:
        if self.total:
            self.post_message(self.ChannelChosen(self.selected))

    def _layer_range(self) -> tuple[float, float]:
        if self._range_key != self._key:
            self._range, self._range_key = render.value_range(self._maps), self._key
        return self._range

    def _map_shape(self) -> tuple[int, int]:
        """The (height, width) each map is drawn at under the current zoom."""
        h, w = self._maps.shape[:2]
        if self.zoom == "half":
            return (h + 1) // 2, (w + 1) // 2
        if self.zoom == "fit":
            return self._fitted()[0]
        return h, w

    def _char_width(self) -> int:
        """Characters per pixel of an ASCII map."""
        if self.zoom == "fit":
            return self._fitted()[1]
        return render.ascii_char_width(self._map_shape()[1])

    def _cell_size(self) -> tuple[int, int]:
        return render.map_cell_size(self._map_shape(), self.mode, self._char_width())

    def _fitted(self) -> tuple[tuple[int, int], int]:
        """The largest map size, at most full size, at which every channel fits on one page, and
        the characters per pixel of an ASCII map at that size.

        Shrunk ASCII maps take one character a pixel and half as many rows as columns (a character
        is about twice as tall as it is wide), so they stay square on screen, as heatmaps do.
        """
        h, w = self._maps.shape[:2]
        wanted = (self.size, (h, w), self.total, self.mode)
        if self._fit is not None and self._fit[0] == wanted:
            return self._fit[1]
        squash = 2 if self.mode == "ascii" else 1
        fitted = ((h, w), render.ascii_char_width(w))
        if not self._fits(*fitted):
            for width in range(w - 1, min(FIT_MIN_WIDTH, w) - 1, -1):
                fitted = ((max(1, round(h * width / w / squash)), width), 1)
                if self._fits(*fitted):
                    break
        self._fit = (wanted, fitted)
        return fitted

    def _fits(self, shape: tuple[int, int], char_width: int) -> bool:
        """Whether every channel fits on one page at this map size."""
        cell_w, cell_h = render.map_cell_size(shape, self.mode, char_width)
        columns = max(1, (self.size.width + GAP) // (cell_w + GAP))
        return columns * max(1, self.size.height // cell_h) >= self.total

    def _draw_cells(self, channels: list[int]) -> list[render.Block]:
        """The rendered maps of ``channels``; those not cached are shrunk and drawn in one pass."""
        shape, width = self._map_shape(), self._char_width()
        keys = [(self._key, channel, self.mode, self.cmap, self.scale, shape, width) for channel in channels]
        missing = [(channel, key) for channel, key in zip(channels, keys) if key not in self._cells]
        if missing:
            vmin = vmax = None
            if self.scale == "layer":
                vmin, vmax = self._layer_range()
            values = self._maps[:, :, [channel for channel, _ in missing]]
            if self.zoom == "half":
                values = render.shrink2(values)
            elif shape != values.shape[:2]:
                values = render.pool_to(values, *shape)
            drawn = render.render_maps(values, self.mode, self.cmap, vmin, vmax, width)
            for (_, key), cell in zip(missing, drawn):
                self._cells[key] = cell
        cells = []
        for key in keys:
            self._cells.move_to_end(key)
            cells.append(self._cells[key])
        while len(self._cells) > CACHED_CELLS:
            self._cells.popitem(last=False)
        return cells

    def _page_rows(self) -> list[list[int]]:
        """The channels on the current page, row by row."""
        first, last = self.visible_range()
        columns, _ = self.layout_size()
        channels = list(range(first, last + 1))
        return [channels[start : start + columns] for start in range(0, len(channels), columns)]

    def _build_strips(self) -> list[Strip | list[int]]:
        """The page's lines: a strip for each line of maps, the row's channels for each label line.

        Labels are drawn when painted (they change with the cursor); the maps are joined and
        styled only when the page, image, layer or look changes.
        """
        key = (self._key, self.mode, self.cmap, self.scale, self.zoom, self.size, self.visible_range())
        if key == self._strips_key:
            return self._strips
        lines: list[Strip | list[int]] = []
        rows = self._page_rows()
        page = self._draw_cells([channel for row in rows for channel in row])
        style = self.rich_style  # worked out from the CSS: once a page, not once a line
        for row in rows:
            cells, page = page[: len(row)], page[len(row):]
            width = sum(c.width for c in cells) + GAP * (len(cells) - 1)
            lines.append(row)
            lines.extend(self._finish(Strip(line, width), style) for line in render.join_blocks(cells, GAP))
        self._strips, self._strips_key = lines, key
        return lines

    def _label_strip(self, row: list[int]) -> Strip:
        """A row's labels; kept until the page, the cursor's place in the row or the focus changes."""
        selected = self.selected if self.selected in row else None
        key = (self._strips_key, tuple(row), selected, self.has_focus, self._labels)
        strip = self._label_strips.get(key)
        if strip is None:
            if len(self._label_strips) > 4 * 64:  # a few pages' worth
                self._label_strips.clear()
            strip = self._label_strips[key] = self._draw_labels(row)
        return strip

    def _draw_labels(self, row: list[int]) -> Strip:
        cell_w, _ = self._cell_size()
        segments = []
        for i, channel in enumerate(row):
            if i:
                segments.append(Segment(" " * GAP))
            segments.append(Segment(self._label(channel)[:cell_w].ljust(cell_w), self._label_style(channel)))
        return self._finish(Strip(segments))

    def _label(self, channel: int) -> str:
        return self._labels[channel] if self._labels else f"#{channel}"

    def _label_style(self, channel: int) -> Style:
        if channel != self.selected:
            return render.LABEL_STYLE
        return render.SELECTED_STYLE if self.has_focus else Style(bold=True, underline=True)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _finish(self, strip: Strip, style: Style | None = None) -> Strip:
        """The widget's colours under the maps, padded to its width: done once per page, not per paint.

        A heatmap cell already has both its colours, so only the gaps, ASCII text and a map's odd
        last row take the widget's style (adding a style to every one of thousands of cells was
        a fifth of a frame's time at 200x60).
        """
        style = self.rich_style if style is None else style
        colours_only = style == Style(color=style.color, bgcolor=style.bgcolor)  # else add it everywhere
        combined: dict[Style | None, Style] = {}
        segments = []
        for text, own, _ in strip:
            if not colours_only or own is None or own.color is None or own.bgcolor is None:
                own = combined.get(own) or combined.setdefault(own, style + own if own else style)
            segments.append(Segment(text, own))
        return Strip(segments, strip.cell_length).crop_extend(0, self.size.width, style)

    def _other_strips(self) -> list[Strip]:
        """The lines of what ``show_other`` gave, built once for each size."""
        key, make = self._other
        cache_key = (key, self.size)
        if self._other_lines is None or self._other_lines[0] != cache_key:
            width, height = self.size
            console = self.app.console
            options = console.options.update(width=width, height=None, highlight=False)
            lines = console.render_lines(make(width, height), options, style=self.rich_style, pad=True)
            self._other_lines = (cache_key, [self._finish(Strip(line, width)) for line in lines])
        return self._other_lines[1]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._other is not None:
            lines = self._other_strips()
            return lines[y] if y < len(lines) else Strip.blank(width, self.rich_style)
        if self._maps is None:
            return Strip.blank(width, self.rich_style)
        lines = self._build_strips()
        if y >= len(lines):
            return Strip.blank(width, self.rich_style)
        line = lines[y]
        return self._label_strip(line) if isinstance(line, list) else line

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

