"""ExplorerScreen: the chosen image, the layer list and the current layer's output."""

from __future__ import annotations

import random

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static

from tui_cnn import render
from tui_cnn.core.activations import Activations
from tui_cnn.core.model import LAYERS
from tui_cnn.ui.picture import Picture
from tui_cnn.ui.widgets.feature_grid import FeatureGrid, View
from tui_cnn.ui.widgets.image_panel import ImagePanel
from tui_cnn.ui.widgets.layer_list import LayerList, shape_text
from tui_cnn.ui.widgets.vector_view import VectorView
from tui_cnn.ui.widgets.quiet_footer import QuietFooter

MODE_NAMES = {"heatmap": "heatmap", "ascii": "ASCII"}
SCALE_NAMES = {"map": "scale per map", "layer": "scale per layer"}


class ExplorerScreen(Screen):
    """Step through the layers of the model for one image."""

    BINDINGS = [
        Binding("enter", "open_channel", "Open", tooltip="Open the channel under the cursor (focus view)"),
        Binding("right_square_bracket", "layer(1)", "Layer", key_display="]", tooltip="Next layer"),
        Binding("left_square_bracket", "layer(-1)", "Prev layer", key_display="[", show=False),
        *[Binding(str(n), f"goto_layer({n - 1})", "Jump to a layer by its number", show=False, key_display="1-7")
          for n in range(1, 8)],
        Binding("m", "toggle_mode", "Mode", tooltip="Heatmap or ASCII"),
        Binding("c", "cycle_cmap", "Colours", tooltip="Cycle the colour map: inferno, viridis, gray"),
        Binding("s", "toggle_scale", "Scale", tooltip="Scale each map on its own, or one scale for the layer"),
        Binding("z", "toggle_half", "Zoom", tooltip="Half-size maps: four times as many on a page"),
        Binding("n", "step_image(1)", "Next image", show=False),
        Binding("p", "step_image(-1)", "Prev image", show=False),
        Binding("r", "random_image", "Random image", show=False),
        Binding("i", "app.pick_image", "Images", tooltip="Pick a test image (filter by class, mistakes)"),
        Binding("o", "app.open_file", "File", tooltip="Open your own image file"),
        Binding("t", "train", "Train", tooltip="Train the model and watch the loss fall"),
        Binding("f", "filter_lab", "Filters", tooltip="Filter lab: the lesson's hand-made 3x3 filters"),
        Binding("w", "switch_model", "Shipped/trained model", show=False),
        Binding("S", "summary", "Summary", tooltip="Model summary, every shape explained"),
        Binding("C", "compare", "Compare", tooltip="The course's three images across four layers"),
        Binding("x", "confusion", "Confusions", tooltip="Confusion matrix: which classes the model mixes up"),
        Binding("y", "why", "Why?", tooltip="Where the model looked: occlusion and saliency maps"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.picture: Picture | None = None
        self.acts: Activations | None = None
        self.layer_index = 0
        self.mode = "heatmap"
        self.cmap = "inferno"
        self.scale = "map"
        self.half = False
        self.mounted = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield ImagePanel(id="image")
                yield LayerList(id="layers")
            with Vertical(id="main"):
                yield Static("Loading the model and images...", id="layer-title")
                yield FeatureGrid(id="grid")
                yield VectorView(id="vector")
        yield QuietFooter(compact=True, show_command_palette=False)  # ctrl+p is listed in the help

    def on_mount(self) -> None:
        self.query_one(LayerList).highlighted = self.layer_index
        grid = self.query_one(FeatureGrid)
        grid.focus()
        self.watch(grid, "view", self._grid_changed, init=False)
        self.mounted = True
        self.refresh_view()  # a picture may have arrived before the widgets existed

    def show_picture(self, picture: Picture) -> None:
        """Compute every layer for ``picture`` (well under a millisecond) and redraw."""
        self.picture = picture
        self.acts = self.app.activations(picture)
        self.refresh_view()

    def refresh_view(self) -> None:
        if self.acts is None or self.picture is None or not self.mounted:
            return
        compact = self.size.width < 110
        self.query_one(ImagePanel).show(self.picture, self.acts.probabilities, self.mode, compact,
                                        self.app.model_label)
        output = self.acts.layers[self.layer_index]
        grid, vector = self.query_one(FeatureGrid), self.query_one(VectorView)
        grid.display, vector.display = output.is_spatial, not output.is_spatial
        if output.is_spatial:
            grid.show_maps(output.values, (self.picture.key, output.name, id(self.app.weights)), self.mode, self.cmap, self.scale,
                           half=self.half)
        else:
            label = self.picture.label
            vector.show_vector(output.values, output.kind, self.mode, self.cmap, self.acts.predicted, label)
            self._set_title()

    def _set_title(self, first: int | None = None, last: int | None = None) -> None:
        spec = LAYERS[self.layer_index]
        parts = [f"[b]{self.layer_index + 1} {spec.name}[/b]", spec.title, shape_text(spec.output_shape)]
        if first is not None:
            parts.append(f"[b]channels {first}-{last} of {spec.output_shape[-1]}[/b]")
        look = MODE_NAMES[self.mode]
        if first is not None:
            look += f" {self.cmap}" if self.mode == "heatmap" else ""
            look += f", {SCALE_NAMES[self.scale]}" + (", half size" if self.half else "")
        parts.append(look)
        # The title has a fixed height, so it can skip a layout pass of the screen.
        self.query_one("#layer-title", Static).update(" · ".join(parts), layout=False)

    def _grid_changed(self, view: View) -> None:
        self._set_title(view.first, view.last)

    @on(FeatureGrid.ChannelChosen)
    def _open_channel(self, event: FeatureGrid.ChannelChosen) -> None:
        from tui_cnn.ui.screens.focus import FocusScreen

        screen = FocusScreen(self.acts, self.layer_index, event.channel, self.cmap, self.mode)
        self.app.push_screen(screen, self._focus_closed)

    def _focus_closed(self, channel: int | None) -> None:
        if channel is not None:
            self.query_one(FeatureGrid).selected = channel

    @on(OptionList.OptionHighlighted, "#layers")
    def _layer_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.layer_index:
            self.layer_index = event.option_index
            self.refresh_view()

    def on_resize(self) -> None:
        self.refresh_view()

    def action_open_channel(self) -> None:
        grid = self.query_one(FeatureGrid)
        if grid.display:
            grid.action_open()

    def action_layer(self, step: int) -> None:
        self.action_goto_layer(min(max(self.layer_index + step, 0), len(LAYERS) - 1))

    def action_goto_layer(self, index: int) -> None:
        # Redraw now rather than on the list's OptionHighlighted message, which would arrive after
        # this frame and cost a second one.
        if index != self.layer_index:
            self.layer_index = index
            self.refresh_view()
        self.query_one(LayerList).highlighted = index

    def action_toggle_mode(self) -> None:
        self.mode = render.other_mode(self.mode)
        self.refresh_view()

    def action_cycle_cmap(self) -> None:
        self.cmap = render.next_cmap(self.cmap)
        if self.mode == "ascii":
            self.notify(f"Colour map {self.cmap} shows in heatmap mode (press m)")
        self.refresh_view()

    def action_toggle_scale(self) -> None:
        self.scale = "layer" if self.scale == "map" else "map"
        self.refresh_view()

    def action_toggle_half(self) -> None:
        self.half = not self.half
        self.refresh_view()

    def action_step_image(self, step: int) -> None:
        self.app.step_image(step)

    def action_random_image(self) -> None:
        if self.app.images:
            self.app.show_index(random.randrange(len(self.app.images)))

    def action_train(self) -> None:
        from tui_cnn.ui.screens.training import TrainingScreen

        TrainingScreen.open(self.app)

    def action_filter_lab(self) -> None:
        from tui_cnn.ui.screens.filter_lab import FilterLabScreen

        if self.picture is not None:
            self.app.push_screen(FilterLabScreen(self.picture, self.mode))

    def action_summary(self) -> None:
        from tui_cnn.ui.screens.summary import SummaryScreen

        if self.app.weights is not None:
            self.app.push_screen(SummaryScreen())

    def action_compare(self) -> None:
        from tui_cnn.ui.screens.compare import CompareScreen

        if self.app.weights is not None and self.app.images:
            self.app.push_screen(CompareScreen(self.mode, self.cmap))

    def action_confusion(self) -> None:
        from tui_cnn.ui.screens.confusion import ConfusionScreen

        if self.app.weights is not None and self.app.images:
            self.app.push_screen(ConfusionScreen())

    def action_why(self) -> None:
        from tui_cnn.ui.screens.why import WhyScreen

        if self.picture is not None and self.acts is not None:
            self.app.push_screen(WhyScreen(self.picture, self.acts, self.mode, self.cmap))

    def action_switch_model(self) -> None:
        from tui_cnn.ui.screens.training import switch_model

        switch_model(self.app)
