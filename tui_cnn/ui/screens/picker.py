"""PickerScreen: browse the test images as thumbnails, filter by class or by mistakes, pick one.

It returns the chosen image's number with ``dismiss`` (None if the user went back).
"""

from __future__ import annotations

import random

import numpy as np
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn.core.data import CLASS_NAMES
from tui_cnn.ui.screens.prompt_modal import PromptModal
from tui_cnn.ui.state import AppAccess, Change
from tui_cnn.ui.widgets.feature_grid import FeatureGrid, View
from tui_cnn.ui.widgets.quiet_footer import QuietFooter


class PickerScreen(AppAccess, Screen[int | None]):
    """A grid of half-size thumbnails; Enter returns the chosen image's number."""

    BINDINGS = [
        *[Binding(str(n), f"filter_class({n})", f"Only {CLASS_NAMES[n]}", show=False) for n in range(10)],
        Binding("a", "filter_class(-1)", "All", tooltip="All classes (0-9: only that class)"),
        Binding("x", "toggle_mistakes", "Mistakes", tooltip="Only the images the model gets wrong"),
        Binding("g", "jump", "Go to", tooltip="Go to an image by its number"),
        Binding("r", "random", "Random", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, only: np.ndarray | None = None, what: str = "") -> None:
        """``only``: list just these image numbers (e.g. one cell of the confusion matrix), named ``what``."""
        super().__init__()
        self.class_filter: int | None = None
        self.mistakes_only = False
        self.indices = np.arange(0)
        self.only, self.what = only, what

    def compose(self) -> ComposeResult:
        yield Static(id="picker-title")
        yield FeatureGrid(id="thumbs")
        yield Static(id="picker-info")
        yield QuietFooter(compact=True, show_command_palette=False)  # fits 80 columns; ctrl+p still works

    def on_mount(self) -> None:
        grid = self.query_one(FeatureGrid)
        self.watch(grid, "view", self._view_changed, init=False)
        self.tui.state_changed.subscribe(self, self._state_changed)
        self.apply_filter(select=self.state.index)
        grid.focus()

    def apply_filter(self, select: int | None = None) -> None:
        """Recompute which images are listed and show them, keeping ``select`` under the cursor."""
        state = self.state
        labels = state.images.labels
        keep = np.ones(len(labels), bool)
        if self.only is not None:
            keep[:] = False
            keep[self.only] = True
        if self.class_filter is not None:
            keep &= labels == self.class_filter
        if self.mistakes_only:
            if state.predictions is None:
                self.query_one("#picker-info", Static).update(
                    "Running the model on every image to find its mistakes (a few seconds)...")
                self.tui.ensure_predictions()
                return
            keep &= state.predictions != labels
        self.indices = np.flatnonzero(keep)
        grid = self.query_one(FeatureGrid)
        if not len(self.indices):
            grid.display = False
            self._set_title()
            self.query_one("#picker-info", Static).update("No images match this filter; press a for all.")
            return
        grid.display = True
        # Half-size thumbnails so that many fit on a page.
        chosen = state.images.images[self.indices]
        if chosen.ndim == 4:  # colour pictures: gray thumbnails of their brightness
            chosen = chosen.mean(axis=3)
        stack = np.moveaxis(chosen, 0, 2)
        grid.show_maps(stack, ("picker", self.class_filter, self.mistakes_only, self.what), "heatmap", "gray", "map",
                       [self._label(i) for i in self.indices], zoom="half")
        position = int(np.searchsorted(self.indices, select)) if select is not None else 0
        grid.selected = min(position, len(self.indices) - 1)

    def _label(self, index: int) -> str:
        predictions = self.state.predictions
        wrong = predictions is not None and predictions[index] != self.state.images.labels[index]
        return f"{index}{'x' if wrong else ''}"

    def _set_title(self, first: int = 0, last: int = -1) -> None:
        names = self.state.class_names
        what = "all classes" if self.class_filter is None else names[self.class_filter]
        if self.what:
            what = self.what + ("" if self.class_filter is None else f", {names[self.class_filter]} only")
        if self.mistakes_only:
            what += ", misclassified only"
        # Image numbers count from 0, as the labels under the thumbnails do.
        shown = (f"#{self.indices[first]}-#{self.indices[last]} ({last - first + 1} of {len(self.indices):,})"
                 if len(self.indices) else "none")
        self.query_one("#picker-title", Static).update(
            f"[b]Pick an image[/b] · {self.state.set_name} images · {what} · {shown}")

    def _view_changed(self, view: View) -> None:
        self._set_title(view.first, view.last)
        index = int(self.indices[view.selected])
        label = int(self.state.images.labels[index])
        names = self.state.class_names
        text = f"#{index}: {names[label]}"
        if self.state.predictions is not None:
            predicted = int(self.state.predictions[index])
            text += f" · model says {names[predicted]}" + (" (wrong)" if predicted != label else "")
        self.query_one("#picker-info", Static).update(text + " · x after a number: a mistake")

    @on(FeatureGrid.ChannelChosen)
    def _chosen(self, event: FeatureGrid.ChannelChosen) -> None:
        self.choose(int(self.indices[event.channel]))

    def choose(self, index: int) -> None:
        self.dismiss(index)  # the caller shows it (the explorer, or the confusion matrix's cell)

    def action_back(self) -> None:
        self.dismiss(None)

    def on_screen_resume(self) -> None:
        self.tui.ensure_predictions()

    def _state_changed(self, change: Change) -> None:
        if change.touches("predictions", "images"):  # every image's prediction is known, or new images
            self.apply_filter(select=self._current())

    def _current(self) -> int | None:
        if not len(self.indices):
            return None
        return int(self.indices[self.query_one(FeatureGrid).selected])

    def action_filter_class(self, label: int) -> None:
        self.class_filter = None if label < 0 else label
        self.apply_filter()

    def action_toggle_mistakes(self) -> None:
        self.mistakes_only = not self.mistakes_only
        self.apply_filter()

    def action_random(self) -> None:
        if len(self.indices):
            self.query_one(FeatureGrid).selected = random.randrange(len(self.indices))

    def action_jump(self) -> None:
        top = len(self.state.images) - 1
        self.app.push_screen(PromptModal(f"Go to image number (0-{top}):", "23"), self._jump_to)

    def _jump_to(self, answer: str | None) -> None:
        if answer is None:
            return
        top = len(self.state.images) - 1
        if not answer.isdigit() or int(answer) > top:
            self.notify(f"{answer!r} is not an image number from 0 to {top}", severity="error")
            return
        self.choose(int(answer))
