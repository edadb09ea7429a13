"""CompareScreen: the course's comparison grid, one channel of conv1, pool1, conv2 and pool2 for three images.

The course plots test images 0, 23 and 28 (three ankle boots) through the first four layers for
one filter, CONVOLUTION_NUMBER, to show that a filter picks out the same kind of feature in every
image of a class. Here the channel, the images and the colour scale can all be changed by key.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core.data import CLASS_NAMES
from tui_cnn.core.layers import Layer
from tui_cnn.core.samples import SOURCE as SAMPLES_SOURCE
from tui_cnn.ui.screens.prompt_modal import PromptModal
from tui_cnn.ui.widgets.comparison_grid import ComparisonGrid, ComparisonRow
from tui_cnn.ui.state import AppAccess
from tui_cnn.ui.widgets.quiet_footer import QuietFooter

COURSE_IMAGES = (0, 23, 28)  # the course's FIRST_IMAGE, SECOND_IMAGE and THIRD_IMAGE
CONVOLUTION_NUMBER = 1  # the course's channel
COMPARED = 4  # the course's four columns: conv1, pool1, conv2, pool2


def compared_layers(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """The model's first convolution and pooling layers that share the first one's channel count (one channel
    number means the same filter's maps in all of them): the lesson's conv1, pool1, conv2 and pool2."""
    maps = [layer for layer in layers if layer.kind in ("conv", "pool")]
    if not maps:
        return ()
    channels = maps[0].output_shape[-1]
    return tuple(layer for layer in maps if layer.output_shape[-1] == channels)[:COMPARED]
SHOES = ("Sandal", "Sneaker", "Ankle boot")
SCALE_NAMES = {"map": "scale per map", "column": "one scale per column"}


class CompareScreen(AppAccess, Screen):
    """Three images down, conv1 pool1 conv2 pool2 across, one channel."""

    BINDINGS = [
        # The footer fits 80 columns: + - and g are in the help only.
        Binding("right,l,plus,equals_sign", "channel(1)", "Channel", key_display="←→",
                tooltip="Next/previous channel (also + and -)"),
        Binding("left,h,minus", "channel(-1)", "Channel", show=False),
        Binding("number_sign", "ask_channel", "Type channel", key_display="#"),
        *[Binding(str(n), f"select_row({n - 1})", "Choose row (image) 1-3", show=False, key_display="1 2 3")
          for n in (1, 2, 3)],
        Binding("down,j", "move_row(1)", "Next/prev row", show=False, key_display="↓↑ j k"),
        Binding("up,k", "move_row(-1)", "Next/prev row", show=False),
        Binding("n", "step_image(1)", "Image", key_display="n p", tooltip="Next/previous image in this row"),
        Binding("p", "step_image(-1)", "Image", show=False),
        Binding("g", "ask_image", "Image #", show=False, tooltip="Type the image number for this row"),
        Binding("m", "toggle_mode", "Mode", tooltip="Heatmap or ASCII"),
        Binding("c", "cycle_cmap", "Colours", show=False),
        Binding("s", "toggle_scale", "Scale"),
        Binding("d", "defaults", "Course's images", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, mode: str = "heatmap", cmap: str = "inferno") -> None:
        super().__init__()
        self.mode, self.cmap, self.scale = mode, cmap, "map"
        self.channel = CONVOLUTION_NUMBER
        self.row = 0
        self.indices: list[int] = []
        self.source: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="compare-title")
        yield ComparisonGrid(id="compare-grid")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        self.action_defaults()
        self.call_after_refresh(self._set_title)  # the maps' size depends on the laid-out grid

    def on_resize(self) -> None:
        self.call_after_refresh(self._set_title)

    @property
    def on_samples(self) -> bool:
        return self.state.images is not None and self.state.images.source == SAMPLES_SOURCE

    def default_indices(self) -> list[int]:
        """The course's test images 0, 23 and 28; on the drawn samples, their three shoes."""
        images = self.state.images
        if images is None or not len(images):
            return []
        if self.on_samples:
            labels = [images.class_names[label] for label in images.labels]
            shoes = [labels.index(name) for name in SHOES if name in labels]
            chosen = shoes if len(shoes) == 3 else list(range(3))
        else:
            chosen = list(COURSE_IMAGES)
        return [i % len(images) for i in chosen]

    def redraw(self) -> None:
        state = self.state
        if state.images is None or state.network is None:
            self.query_one("#compare-title", Static).update("No model or images loaded yet.")
            return
        compared = compared_layers(state.layers)
        if not compared:
            self.query_one("#compare-title", Static).update("This model has no convolution or pooling layer to compare.")
            return
        self.channel %= self.channels
        if state.images.source != self.source:  # the dataset arrived after starting on samples
            self.source, self.indices = state.images.source, self.default_indices()
        rows = []
        for index in self.indices:
            picture = state.picture_at(index)
            acts = state.cache.get(state.network, picture)
            rows.append(ComparisonRow(picture.title, picture.label_name,
                                      [acts.layer(spec.name).channel(self.channel) for spec in compared]))
        headers = [f"{spec.name} {spec.output_shape[0]}x{spec.output_shape[1]}" for spec in compared]
        self.query_one(ComparisonGrid).show(rows, headers, self.mode, self.cmap, self.scale, self.row)
        self._set_title()

    @property
    def channels(self) -> int:
        compared = compared_layers(self.state.layers)
        return compared[0].output_shape[-1] if compared else 1

    def _set_title(self) -> None:
        if not self.indices:
            return
        grid = self.query_one(ComparisonGrid)
        look = "ASCII" if self.mode == "ascii" else f"heatmap {self.cmap}"
        side = grid.side()
        first = _fitting(self.size.width - 2,
                         f"[b]Course comparison[/b] · [b]channel {self.channel} of {self.channels}[/b] "
                         f"(0-{self.channels - 1}) · {SCALE_NAMES[self.scale]} · {look} · maps drawn "
                         f"{side}x{side} to line up",
                         f"[b]Comparison[/b] · [b]channel {self.channel} of {self.channels}[/b] · "
                         f"{SCALE_NAMES[self.scale]} · {look} · maps {side}x{side}")
        course = ", ".join(str(i) for i in COURSE_IMAGES)
        if self.on_samples:
            shown = ", ".join(f"#{i}" for i in self.indices)
            second = _fitting(self.size.width - 2, f"No test set: drawn samples {shown} stand in for the course's "
                              f"test images {course} (all shoes).",
                              f"Drawn samples {shown} stand in for the course's test images {course}.")
        elif self.indices == list(COURSE_IMAGES):
            second = _fitting(self.size.width - 2,
                              f"The course's test images {course}. Does one filter light up the same parts of each?",
                              f"The course's test images {course}: does one filter light up the same parts?")
        else:
            second = f"Test images {', '.join(str(i) for i in self.indices)} (the course used {course}; d goes back)."
        self.query_one("#compare-title", Static).update(f"{first}\n{second}")

    # -- actions -----------------------------------------------------------------------------

    def action_channel(self, step: int) -> None:
        self.channel = (self.channel + step) % self.channels
        self.redraw()

    def action_select_row(self, row: int) -> None:
        if 0 <= row < len(self.indices):
            self.row = row
            self.redraw()

    def action_move_row(self, step: int) -> None:
        self.action_select_row(min(max(self.row + step, 0), len(self.indices) - 1))

    def action_step_image(self, step: int) -> None:
        if self.indices:
            self.indices[self.row] = (self.indices[self.row] + step) % len(self.state.images)
            self.redraw()

    def action_defaults(self) -> None:
        self.source = self.state.images.source if self.state.images is not None else None
        self.indices, self.row = self.default_indices(), 0
        self.redraw()

    def action_toggle_mode(self) -> None:
        self.mode = render.other_mode(self.mode)
        self.redraw()

    def action_cycle_cmap(self) -> None:
        self.cmap = render.next_cmap(self.cmap)
        self.redraw()

    def action_toggle_scale(self) -> None:
        self.scale = "column" if self.scale == "map" else "map"
        self.redraw()

    def action_ask_channel(self) -> None:
        question = f"Show which channel? (0-{self.channels - 1})"
        self.app.push_screen(PromptModal(question, str(self.channel)), self._channel_answer)

    def _channel_answer(self, answer: str | None) -> None:
        number = self._number(answer, self.channels, "channel")
        if number is not None:
            self.channel = number
            self.redraw()

    def action_ask_image(self) -> None:
        if not self.indices:
            return
        total = len(self.state.images)
        question = f"Which image for row {self.row + 1}? (0-{total - 1})"
        self.app.push_screen(PromptModal(question, str(self.indices[self.row])), self._image_answer)

    def _image_answer(self, answer: str | None) -> None:
        number = self._number(answer, len(self.state.images), "image")
        if number is not None:
            self.indices[self.row] = number
            self.redraw()

    def _number(self, answer: str | None, count: int, what: str) -> int | None:
        if answer is None:
            return None
        text = answer.strip().lstrip("#")
        if not text.isdigit() or not 0 <= int(text) < count:
            self.notify(f"{answer!r} is not a{'n' if what[0] in 'aeiou' else ''} {what} number; "
                        f"choose 0 to {count - 1}", severity="error")
            return None
        return int(text)


def _fitting(width: int, full: str, short: str) -> str:
    """``full`` (console markup) if it fits on a line ``width`` cells wide, else ``short``."""
    return full if Text.from_markup(full).cell_len <= width else short
