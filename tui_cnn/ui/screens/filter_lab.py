"""FilterLabScreen: the lesson's convolution by hand, on a picture big enough to see lines.

A 3x3 kernel and a weight to edit from the keyboard, the lesson's filters (v, h, e) and the
model's own first-layer kernels (l) to load, and beside them the picture, the picture through the
filter and its 2x2 max pooling. The picture (p) is the explorer's 28x28 image, the scene the
project draws (``assets/scene.png``: a staircase and a building, full of straight lines), or an
image file the user opens (o); the last two are shown as large as the pane allows, grayscale and
as they are (not inverted like the explorer's own files). Every change recomputes at once. The explorer's picture, the mode and the colour map are the
app's state (``m`` and ``c`` here change the explorer's too).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core import filters, images, resemblance, wording
from tui_cnn.core.paths import SCENE_PATH
from tui_cnn.ui.picture import Picture
from tui_cnn.ui.state import AppAccess, Change
from tui_cnn.ui.widgets.filter_maps import FilterMaps
from tui_cnn.ui.widgets.kernel_editor import KernelEditor, format_value
from tui_cnn.ui.widgets.quiet_footer import QuietFooter

FIRST_PRESET = "vertical lines"
EXPLANATION = ("Each output pixel = sum of its 3x3 neighbours times the weights, times weight, clamped to 0-255. "
               "Pooling keeps the largest of each 2x2 block, ")
PICTURES = ("image", "scene", "file")  # what p cycles through: the explorer's image, the drawn scene, a file
TALL = 32  # rows from which the lab has room for air between panes and the general explanation
MODE_NAMES = {"heatmap": "heatmap", "ascii": "ASCII"}


class FilterLabScreen(AppAccess, Screen):
    """Try 3x3 filters on one picture and watch convolution and pooling happen."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL, "-tall")]  # tall terminals get some air between panes
    # The footer fits 80 columns: the lesson's three filters and the learned kernels' two keys share a
    # label each, and t (transpose) and w (weight) are named beside the kernel and in the help.
    PRESETS, LEARNED = Binding.Group("Filters"), Binding.Group("Learned")
    BINDINGS = [
        Binding("v", "preset('vertical lines')", "Vertical", tooltip="The lesson's vertical lines filter",
                group=PRESETS),
        Binding("h", "preset('horizontal lines')", "Horizontal", tooltip="The lesson's horizontal lines filter",
                group=PRESETS),
        Binding("e", "preset('edges')", "Edges", tooltip="The lesson's edges filter", group=PRESETS),
        Binding("t", "transpose", "Transpose", tooltip="Transpose the kernel: vertical and horizontal swap",
                show=False),
        Binding("l", "learned(1)", "Learned",
                tooltip="Next learned conv1 kernel, from the most like a hand-made filter to the least", group=LEARNED),
        Binding("L", "learned(-1)", "Previous learned kernel", key_display="L", show=False),
        Binding("k", "kernel_list", "Kernels", tooltip="The 64 learned kernels sorted by resemblance: pick one",
                group=LEARNED),
        Binding("p", "next_picture", "Picture",
                tooltip="Picture: the explorer's image, the drawn scene, your opened file"),
        Binding("o", "open_file", "Open", tooltip="Open an image file, shown as large as fits"),
        Binding("w", "weight", "Weight", tooltip="Edit the weight the filtered sum is multiplied by", show=False),
        Binding("m", "toggle_mode", "Mode", tooltip="Heatmap or ASCII"),
        Binding("c", "cycle_cmap", "Colours", show=False, tooltip="Colour map of the filtered maps"),
        Binding("escape", "back", "Back"),
    ]

    class FileRead(Message):
        """A worker read the user's image file: its grayscale pixels, or why it cannot be used."""

        def __init__(self, path: str, gray: np.ndarray | None, problem: str = "") -> None:
            super().__init__()
            self.path, self.gray, self.problem = path, gray, problem

    def __init__(self) -> None:
        super().__init__()
        self.showing = "image"  # one of PICTURES
        self.full: dict[str, np.ndarray] = {}  # the scene's and the file's grayscale pixels, full size
        self.file_name = ""
        self.image = self.state.picture.image  # the picture filtered, as shown (the big ones fitted to the pane)
        self._ranked: list[tuple[int, resemblance.Resemblance]] = []
        self._ranked_for = None  # the Weights the ranking was computed for
        self._fitted_room = (0, 0)  # the pane's room the big picture was last fitted to
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
        self.tui.state_changed.subscribe(self, self._state_changed)
        self.recompute()

    def _state_changed(self, change: Change) -> None:
        """The explorer's picture, the mode and the colour map are the app's state."""
        if "picture" in change and self.showing == "image":
            self.image = self.picture.image
        if change.touches("picture", "mode", "cmap"):
            self.recompute()

    @property
    def picture(self) -> Picture:
        return self.state.picture

    @property
    def mode(self) -> str:
        return self.state.mode

    def on_resize(self) -> None:
        self.query_one("#lab-notes", Static).update(self._notes())
        self.query_one("#lab-title", Static).update(self._title())

    @on(FilterMaps.Resized)
    def _maps_resized(self) -> None:
        if self.showing == "image":
            return
        full = self.full[self.showing]  # the big pictures' size depends on the laid-out pane
        if self.query_one(FilterMaps).picture_room(full.shape[0] / full.shape[1]) != self._fitted_room:
            self._refit()  # only when it changes: the notes' height moves the pane, which must settle

    # -- the picture -------------------------------------------------------------------------

    def _refit(self) -> None:
        """Fit the picture being shown to the pane (the 28x28 image is enlarged by the maps instead)."""
        if self.showing == "image":
            self.image = self.picture.image
        else:
            full = self.full[self.showing]
            self._fitted_room = self.query_one(FilterMaps).picture_room(full.shape[0] / full.shape[1])
            self.image = images.fit_gray(full, *self._fitted_room)
        if self.source == "learned" and not self.edited:  # its weight is fitted to the picture: refit it
            self.weight = filters.fitting_weight(self.image, self.kernel)
            self.query_one(KernelEditor).load(self.kernel, self.weight)
        self.recompute()

    def _show_picture(self, name: str) -> None:
        self.showing = name
        self._refit()

    def action_next_picture(self) -> None:
        if "scene" not in self.full:
            try:
                self.full["scene"] = images.read_gray(SCENE_PATH)
            except images.ImageFileError as exc:  # a broken install: say so, keep the lab
                self.notify(str(exc), title="Cannot show the drawn scene", severity="error")
                return
        available = [name for name in PICTURES if name == "image" or name in self.full]
        self._show_picture(available[(available.index(self.showing) + 1) % len(available)])

    def action_open_file(self) -> None:
        from tui_cnn.ui.screens.prompt_modal import PromptModal

        question = "Open an image for the filter lab (PNG, JPEG, BMP, GIF or WebP):"
        hint = "Shown in grayscale, as large as fits."
        self.app.push_screen(PromptModal(question, "path/to/picture.png", hint), self._file_chosen)

    def _file_chosen(self, path: str | None) -> None:
        if path:
            self._read_file(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lab-file")
    def _read_file(self, path: str) -> None:
        try:
            gray = images.read_gray(path)
        except images.ImageFileError as exc:
            self.post_message(self.FileRead(path, None, str(exc)))
            return
        if min(gray.shape) < 3:
            h, w = gray.shape
            self.post_message(self.FileRead(path, None, f"{path}: {w}x{h} pixels is too small for a 3x3 filter"))
            return
        self.post_message(self.FileRead(path, gray))

    def on_filter_lab_screen_file_read(self, event: FileRead) -> None:
        if event.gray is None:
            self.notify(event.problem, title="Cannot open image", severity="error", timeout=10)
            return
        self.full["file"], self.file_name = event.gray, Path(event.path).name
        self._show_picture("file")

    # -- computing ---------------------------------------------------------------------------

    def recompute(self) -> None:
        """Filter and pool the picture with the current kernel and weight, and redraw."""
        self.filtered = filters.apply_filter(self.image, self.kernel, self.weight)
        self.pooled = filters.max_pool(self.filtered)
        maps = [("image", self.image.astype(np.float64)), ("filtered", self.filtered),
                ("pooled", self.pooled)]
        self.query_one(FilterMaps).show(maps, self.mode, self.state.cmap)
        self.query_one("#lab-title", Static).update(self._title())
        self.query_one("#lab-notes", Static).update(self._notes())

    def _source_name(self) -> str:
        if self.source == "learned":
            name = f"learned conv1 #{self.channel}"
        else:
            name = f"lesson's \"{self.source}\""
        return name + (", transposed" if self.transposed else "") + (", edited" if self.edited else "")

    def _title(self) -> Text:
        """One line: the lab, the picture, the filter and the look; shorter words where 80 columns need them."""
        room = self.size.width - 2 if self.size.width else 1000  # the title's padding: one column each side
        look = f" · {MODE_NAMES[self.mode]}" + (f" {self.state.cmap}" if self.mode == "heatmap" else "")
        for short in (False, True):
            title = Text(no_wrap=True, overflow="ellipsis")
            title.append("Lab" if short else "Filter lab", "bold")
            title.append(f" · {self._picture_name(short)} · ")
            title.append(self._source_name().replace("lesson's ", "") if short else self._source_name(), "bold")
            title.append(look)
            if title.cell_len <= room:
                break
        return title

    def _picture_name(self, short: bool = False) -> str:
        if self.showing == "image":
            known = f" {self.picture.label_name}" if self.picture.label is not None else ""
            return f"{self.picture.title}{known}"
        full_h, full_w = self.full[self.showing].shape
        name = ("scene" if short else "drawn scene") if self.showing == "scene" else self.file_name
        if self.image.shape == (full_h, full_w):
            return f"{name} {full_w}x{full_h}"
        shown = f"{self.image.shape[1]}x{self.image.shape[0]}"
        return f"{name} at {shown}" if short else f"{name} {full_w}x{full_h} shown at {shown}"

    def _notes(self) -> Text:
        # A short terminal keeps its rows for the pictures: shorter words, no general explanation.
        short = self.size.height < TALL
        captions = filters.SHORT_CAPTIONS if short else filters.CAPTIONS
        notes = Text()
        if not short:
            notes.append(EXPLANATION + wording.pool_shrink(*self.filtered.shape) + "\n")
        if self.edited:
            total = float(self.kernel.sum())
            notes.append("Your kernel: ", "bold")
            if abs(total) < 1e-9:
                notes.append("its weights sum to 0, so flat areas turn black and only changes show.")
            else:
                notes.append(f"its weights sum to {format_value(total)}; a weight of {format_value(1 / total)} "
                             "would keep flat areas as bright as they are.")
        elif self.source == "learned":
            notes.append_text(self._learned_note(short))
        else:
            shown = filters.preset_named(self.kernel) or self.source
            if self.transposed:
                notes.append(f"The lesson's \"{self.source}\" transposed", "bold")
                same = f" is its \"{shown}\"" if shown != self.source else " is itself"
                notes.append(same + ": ", "bold")
            else:
                notes.append(f"The lesson's \"{shown}\": ", "bold")
            notes.append(captions[shown])
        notes.append("\n" + (filters.SHORT_ORIENTATION if short else filters.ORIENTATION), "dim")
        return notes

    def _learned_note(self, short: bool) -> Text:
        """Which hand-made filter the learned kernel looks like, and why its weight is what it is."""
        channels = [channel for channel, _ in self._ranked]
        total = len(channels)
        note = Text()
        transposed = ", transposed" if self.transposed else ""
        name = f"conv1 #{self.channel}{transposed}: " if short else \
            f"conv1 channel {self.channel} of {total}, learned by the model{transposed}: "
        note.append(name, "bold")
        note.append(resemblance.closest(self.kernel).text(), "bold")
        place = f"#{channels.index(self.channel) + 1} of {total}"
        if short:
            note.append(f" ({place}; k lists them). Weight {format_value(self.weight)} brings it into view.")
        else:
            note.append(f" ({place} by resemblance, k lists them). It saw pixels as 0-1, so its weights are "
                        f"small; weight {format_value(self.weight)} brings the brightest sum into view. "
                        "The model also adds a bias and uses ReLU.")
        return note

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

    def _first_kernels(self) -> np.ndarray | None:
        """The model's first convolution's kernels (3, 3, 1, filters), or None after saying why the lab can't
        load them: the lab filters a grayscale picture with 3x3 kernels."""
        network = self.state.network
        if network is None:
            self.notify("No model is loaded, so there are no learned kernels", severity="warning")
            return None
        first = next((layer for layer in network.layers if layer.kind == "conv"), None)
        if first is None:
            self.notify("This model has no convolution, so there are no learned kernels", severity="warning")
            return None
        kh, kw, cin, _ = first.kernel.shape
        if (kh, kw, cin) != (3, 3, 1):
            why = f"{kh}x{kw}" if (kh, kw) != (3, 3) else f"3x3 over {cin} input channels"
            self.notify(f"{first.name}'s kernels are {why}; the lab tries 3x3 filters on a grayscale picture, "
                        "so it cannot load them (the focus view shows them)", severity="warning", timeout=8)
            return None
        return first.kernel

    def _ranking(self) -> list[tuple[int, resemblance.Resemblance]] | None:
        """The model's first-layer kernels, closest to a hand-made filter first (None if there are none to load)."""
        kernels = self._first_kernels()
        if kernels is None:
            return None
        if self._ranked_for is not kernels:
            self._ranked, self._ranked_for = resemblance.ranked(kernels), kernels
        return self._ranked

    def action_learned(self, step: int) -> None:
        """Walk the learned kernels in the order of the ranking (l: on, L: back)."""
        ranking = self._ranking()
        if ranking is None:
            return
        channels = [channel for channel, _ in ranking]
        if self.channel is None or self.channel not in channels:
            position = 0 if step > 0 else len(channels) - 1
        elif self.source == "learned" and not self.edited:
            position = (channels.index(self.channel) + step) % len(channels)
        else:  # back to the kernel last loaded, as it was
            position = channels.index(self.channel)
        self._load_learned(channels[position])

    def action_kernel_list(self) -> None:
        from tui_cnn.ui.screens.kernel_list_modal import KernelListModal

        ranking = self._ranking()
        if ranking is not None:
            self.app.push_screen(KernelListModal(ranking, self.channel), self._kernel_chosen)

    def _kernel_chosen(self, channel: int | None) -> None:
        if channel is not None:
            self._load_learned(channel)

    def _load_learned(self, channel: int) -> None:
        self.channel = channel
        kernel = self._ranked_for[:, :, 0, channel]  # the kernels the ranking was made from
        self._load(kernel, "learned", weight=filters.fitting_weight(self.image, kernel))

    def action_weight(self) -> None:
        self.query_one(KernelEditor).edit_weight()

    def action_toggle_mode(self) -> None:
        self.tui.update_state(mode=render.other_mode(self.mode))  # recomputes

    def action_cycle_cmap(self) -> None:
        self.tui.update_state(cmap=render.next_cmap(self.state.cmap))  # recomputes

    def action_back(self) -> None:
        self.dismiss()
