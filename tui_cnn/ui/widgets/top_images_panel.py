"""TopImagesPanel: the nine images that excite a channel most, each with its strongest region marked.

One scan of every image gives the top images of all the channels of a layer, so the first channel
opened in a layer starts a worker (with a progress bar) and every later one, in this layer and
this model, comes from the app's cache at once.
"""

from __future__ import annotations

import threading

import numpy as np
from rich.console import Group
from rich.segment import Segment
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ProgressBar, Static

from tui_cnn import render
from tui_cnn.core import top_images
from tui_cnn.core.batch import Cancelled
from tui_cnn.core.top_images import TopImages
from tui_cnn.ui.state import AppAccess

COLUMNS = 3  # at most; fewer when the panel is narrow
GAP = 1
THUMBNAIL = 16  # pixels across a thumbnail at most: a 28x28 or 32x32 picture is drawn at half size


class TopImagesPanel(AppAccess, Vertical):
    """Shows ``top_images`` for one channel; computes and caches a layer's when first asked."""

    class Progress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    class Ready(Message):
        def __init__(self, result: TopImages, network: object, images: object) -> None:
            super().__init__()
            self.result, self.network, self.images = result, network, images

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.wanted: tuple | None = None  # (network, images, layer, channel)
        self.result: TopImages | None = None
        self._cancel = threading.Event()
        self._computing: tuple | None = None  # (network, images, layer) being scanned now

    def compose(self) -> ComposeResult:
        yield Static(id="top-title")
        yield ProgressBar(id="top-progress", show_eta=False)
        yield Static(id="top-grid")

    def show_channel(self, network, images, layer: int, channel: int) -> None:
        """Show the channel's top images, computing the layer's first if they are not cached."""
        self.wanted = (network, images, layer, channel)
        cached = self.tui.diagnostics.top_images(network, images, layer)
        progress = self.query_one(ProgressBar)
        if cached is not None:
            progress.display = False
            self.result = cached
            self._draw()
            return
        self.result = None
        self.query_one("#top-grid", Static).update("")
        if self._computing is not None and all(a is b for a, b in zip(self._computing, (network, images, layer))):
            return  # already on its way (a redraw asks again)
        self._cancel.set()  # a scan for another layer or model is of no use any more
        self._cancel = threading.Event()
        self._computing = (network, images, layer)
        progress.display = True
        progress.update(total=None, progress=0)
        self.query_one("#top-title", Static).update(
            f"Scanning all {len(images.labels):,} images for what excites each {network.layers[layer].name} channel "
            "(once per layer)...")
        self.compute(network, images, layer, self._cancel)

    @work(thread=True, exclusive=True, exit_on_error=False, group="top-images")
    def compute(self, network, images, layer: int, cancel: threading.Event) -> None:
        try:
            result = top_images.compute(network, images.images, layer,
                                        progress=lambda done, total: self.post_message(self.Progress(done, total)),
                                        cancel=cancel)
        except Cancelled:
            return
        self.post_message(self.Ready(result, network, images))

    def on_unmount(self) -> None:
        self._cancel.set()

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        event.stop()
        self.query_one(ProgressBar).update(total=event.total, progress=event.done)

    @on(Ready)
    def _ready(self, event: Ready) -> None:
        event.stop()
        self.tui.diagnostics.store_top_images(event.network, event.images, event.result)
        if self._computing is not None and self._computing[2] == event.result.layer:
            self._computing = None
        if self.wanted is not None and self.wanted[:3] == (event.network, event.images, event.result.layer):
            self.show_channel(*self.wanted)

    def image_number(self, rank: int) -> int | None:
        """The image number of the ``rank``-th (0-based) top image of the channel shown, if known."""
        if self.result is None or self.wanted is None or rank >= self.result.indices.shape[1]:
            return None
        return int(self.result.indices[self.wanted[3], rank])

    @staticmethod
    def _cell(images, result: TopImages, channel: int, rank: int, mode: str) -> render.Block:
        """A thumbnail (half size for 28x28 or 32x32) with the strongest pixel's field framed, its number
        above, its value below; a colour picture keeps its colours (in ASCII, its brightness)."""
        index = int(result.indices[channel, rank])
        picture = images.images[index]
        factor = thumbnail_factor(picture.shape[1])
        image = render.shrink(picture, factor)
        fired = result.values[channel, rank] > 0  # a channel at 0 everywhere has no strongest place to frame
        marks = _frame(image.shape[:2], [v // factor for v in result.region(channel, rank)]) if fired else None
        body = render.labelled(render.picture(image, mode, marks), f"{rank + 1} #{index}")
        value = Segment(f"max {result.values[channel, rank]:.2f}"[: body.width].ljust(body.width), render.LABEL_STYLE)
        return render.Block([*body.lines, [value]], body.width)

    def _draw(self) -> None:
        network, images, layer, channel = self.wanted
        result = self.result
        spec = network.layers[layer]
        title = Text.assemble(
            (f"What excites {spec.name} #{channel}", "bold"),
            f": the {result.indices.shape[1]} of {len(images.labels):,} images where its strongest pixel is "
            "highest; the frame marks the input pixels that pixel sees. Keys 1-9 open one.")
        if result.values[channel, 0] <= 0:
            title.append(f"\nNothing does: it stays at {result.values[channel, 0]:.2f} or below on every image.",
                         "bold yellow")
        self.query_one("#top-title", Static).update(title)
        cells = [self._cell(images, result, channel, rank, self.state.mode) for rank in range(result.indices.shape[1])]
        columns = max(1, min(COLUMNS, (self.size.width + GAP) // (cells[0].width + GAP)))
        rows = []
        for start in range(0, len(cells), columns):
            row = cells[start : start + columns]
            rows.append(render.Block(render.join_blocks(row, GAP), sum(c.width for c in row) + GAP * (len(row) - 1)))
        names = ", ".join(sorted({images.class_names[int(images.labels[i])] for i in result.indices[channel]}))
        self.query_one("#top-grid", Static).update(Group(*rows, Text(f"classes: {names}", "dim")))


def thumbnail_factor(width: int) -> int:
    """How many times smaller a picture ``width`` pixels wide is drawn: at most THUMBNAIL pixels across."""
    return max(1, -(-width // THUMBNAIL))


def _frame(shape: tuple[int, int], region: list[int]) -> np.ndarray:
    """MARK the outline of the (top, left, bottom, right) rectangle, inclusive."""
    top, left, bottom, right = region
    marks = np.zeros(shape, np.int8)
    marks[top : bottom + 1, left : right + 1] = render.MARK
    if bottom - top >= 2 and right - left >= 2:
        marks[top + 1 : bottom, left + 1 : right] = 0  # leave the inside visible
    return marks
