"""FilterLabScreen: the lesson's convolution by hand, on the explorer's picture.

A 3x3 kernel and a weight to edit from the keyboard, the lesson's filters (v, h, e) and the
model's own first-layer kernels (l) to load, and beside them the picture, the picture through the
filter and its 2x2 max pooling. Every change recomputes at once: it is a few microseconds of
numpy (``core.filters``).
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core import filters
from tui_cnn.ui.picture import Picture
from tui_cnn.ui.widgets.filter_maps import FilterMaps
from tui_cnn.ui.widgets.kernel_editor import KernelEditor, format_value
from tui_cnn.ui.widgets.quiet_footer import QuietFooter

FIRST_PRESET = "vertical lines"
EXPLANATION = ("Each output pixel = sum of its 3x3 neighbours times the weights, times weight, clamped to 0-255; "
               "pooling keeps the largest of each 2x2 block: 26x26 -> 13x13.")
TALL = 32  # rows from which the lab has room for air between panes and the general explanation
MODE_NAMES = {"heatmap": "heatmap", "ascii": "ASCII"}


class FilterLabScreen(Screen):
    """Try 3x3 filters on one picture and watch convolution and pooling happen."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL, "-tall")]  # tall terminals get some air between panes
    BINDINGS = [
        Binding("v", "preset('vertical lines')", "Vertical lines"),
        Binding("h", "preset('horizontal lines')", "Horizontal lines"),
        Binding("e", "preset('edges')", "Edges"),
        Binding("t", "transpose", "Transpose"),
        Binding("l", "learned(1)", "Learned kernel"),
        Binding("L", "learned(-1)", "Previous learned kernel", key_display="L", show=False),
        Binding("w", "weight", "Weight"),
        Binding("m", "toggle_mode", "Heatmap/ASCII"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, picture: Picture, mode: str = "heatmap") -> None:
        super().__init__()
        self.picture, self.mode = picture, mode
        self.kernel = filters.PRESETS[FIRST_PRESET].copy()
        self.weight = 1.0
        self.source = FIRST_PRESET  # a preset's name or "learned"
        self.edited = False
        self.transposed = False  # the loaded kernel was transposed with t (an edit clears it)
        self.channel: int | None = None  # the learned conv1 channel last loaded
        self.filtered = np.zeros((0, 0))
        self.pooled = np.zeros((0, 0))

    def compose(self) -> ComposeResult:
        yield Static(id="lab-title")
        with Horizontal(id="lab-top"):
            yield KernelEditor(self.kernel, self.weight, id="lab-kernel")
            yield Static(id="lab-notes")
        yield FilterMaps(id="lab-maps")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(KernelEditor).focus()
        self.recompute()

    # -- computing ---------------------------------------------------------------------------

    def recompute(self) -> None:
        """Filter and pool the picture with the current kernel and weight, and redraw."""
        self.filtered = filters.apply_filter(self.picture.image, self.kernel, self.weight)
        self.pooled = filters.max_pool(self.filtered)
        maps = [("image", self.picture.image.astype(np.float64)), ("filtered", self.filtered),
                ("pooled", self.pooled)]
        self.query_one(FilterMaps).show(maps, self.mode)
        self.query_one("#lab-title", Static).update(self._title())
        self.query_one("#lab-notes", Static).update(self._notes())

    def _source_name(self) -> str:
        if self.source == "learned":
            name = f"learned conv1 #{self.channel}"
        else:
            name = f"lesson's \"{self.source}\""
        return name + (", transposed" if self.transposed else "") + (", edited" if self.edited else "")

    def _title(self) -> Text:
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("Filter lab", "bold")
        known = f" {self.picture.label_name}" if self.picture.label is not None else ""
        title.append(f" · {self.picture.title}{known} · ")
        title.append(self._source_name(), "bold")
        title.append(f" · {MODE_NAMES[self.mode]}")
        return title

    def on_resize(self) -> None:
        self.query_one("#lab-notes", Static).update(self._notes())

    def _notes(self) -> Text:
        # A short terminal keeps its rows for the pictures: the maps show the pipeline anyway.
        notes = Text(EXPLANATION + "\n" if self.size.height >= TALL else "")
        if self.edited:
            total = float(self.kernel.sum())
            notes.append("Your kernel: ", "bold")
            if abs(total) < 1e-9:
                notes.append("its weights sum to 0, so flat areas turn black and only changes show.")
            else:
                notes.append(f"its weights sum to {format_value(total)}; a weight of {format_value(1 / total)} "
                             "would keep flat areas as bright as they are.")
        elif self.source == "learned":
            notes.append(f"conv1 channel {self.channel} of 64, learned by the model: ", "bold")
            notes.append(f"it saw pixels as 0-1, so its weights are small; weight {format_value(self.weight)} "
                         "brings the brightest sum into view. (The model also adds a bias and uses ReLU.)")
        else:
            shown = filters.preset_named(self.kernel) or self.source
            if self.transposed:
                notes.append(f"The lesson's \"{self.source}\" transposed", "bold")
                same = f" is its \"{shown}\"" if shown != self.source else " is itself"
                notes.append(same + ": ", "bold")
            else:
                notes.append(f"The lesson's \"{shown}\": ", "bold")
            notes.append(filters.CAPTIONS[shown])
        notes.append("\n" + filters.ORIENTATION, "dim")
        return notes

    @on(KernelEditor.Changed)
    def _kernel_edited(self, event: KernelEditor.Changed) -> None:
        self.kernel, self.weight, self.edited = event.kernel, event.weight, True
        self.transposed = False
        self.recompute()

    def _load(self, kernel: np.ndarray, source: str, weight: float | None = None) -> None:
        self.kernel, self.source, self.edited = np.array(kernel, dtype=np.float64), source, False
        self.transposed = False
        if weight is not None:
            self.weight = weight
        self.query_one(KernelEditor).load(self.kernel, self.weight)
        self.recompute()

    # -- actions -----------------------------------------------------------------------------

    def action_preset(self, name: str) -> None:
        self._load(filters.PRESETS[name], name, weight=1.0)  # the lesson's weight for its filters

    def action_transpose(self) -> None:
        """Swap the kernel's rows and columns: vertical lines become horizontal ones."""
        self.kernel = filters.transpose(self.kernel)
        self.transposed = not self.transposed and not self.edited
        self.query_one(KernelEditor).load(self.kernel)
        self.recompute()

    def action_learned(self, step: int) -> None:
        weights = self.app.weights
        if weights is None:
            self.notify("No model is loaded, so there are no learned kernels", severity="warning")
            return
        kernels = weights.conv1_kernel  # (3, 3, 1, 64)
        total = kernels.shape[3]
        if self.channel is None:
            self.channel = 0 if step > 0 else total - 1
        elif self.source == "learned" and not self.edited:
            self.channel = (self.channel + step) % total
        kernel = kernels[:, :, 0, self.channel]
        self._load(kernel, "learned", weight=filters.fitting_weight(self.picture.image, kernel))

    def action_weight(self) -> None:
        self.query_one(KernelEditor).edit_weight()

    def action_toggle_mode(self) -> None:
        self.mode = render.other_mode(self.mode)
        self.recompute()

    def action_back(self) -> None:
        self.dismiss()
