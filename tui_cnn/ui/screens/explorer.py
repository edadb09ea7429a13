"""ExplorerScreen: the chosen image, the layer list and the current layer's output.

Everything on it is a view of the app's ``ExploreState``: keys change the state through
``app.update_state`` and ``refresh_view`` redraws the header, the layer list, the grid or the
values and the image panel from it when ``app.state_changed`` says it changed (and at once
after a key of its own, so that the key is answered in one frame).
"""

from __future__ import annotations

import random
from functools import partial

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static

from tui_cnn import render
from tui_cnn.core.activations import LayerOutput
from tui_cnn.render_vector import vector_view
from tui_cnn.ui.state import AppAccess, Change, ExploreState
from tui_cnn.ui.widgets.feature_grid import FeatureGrid, View
from tui_cnn.ui.widgets.image_panel import ImagePanel
from tui_cnn.ui.widgets.layer_list import LayerList, shape_text
from tui_cnn.ui.widgets.quiet_footer import QuietFooter

MODE_NAMES = {"heatmap": "heatmap", "ascii": "ASCII"}
SCALE_NAMES = {"map": "scale per map", "layer": "scale per layer"}
SHORT_SCALE_NAMES = {"map": "per map", "layer": "per layer"}
NEXT_ZOOM = {"fit": "half", "half": "full", "full": "fit"}


def header_text(state: ExploreState, view: View | None, room: int = 1000) -> str:
    """The explorer's header (markup) for ``state``; ``view`` is what the grid shows of a spatial
    layer; ``room`` is how many characters fit. The short form drops the layer's description."""
    for short in (False, True):
        text = _header(state, view, short)
        if Text.from_markup(text).cell_len <= room:
            break
    return text


def _header(state: ExploreState, view: View | None, short: bool) -> str:
    spec = state.spec
    parts = [f"[b]{state.layer + 1} {spec.name}[/b]"] + ([] if short else [spec.title])
    parts.append(shape_text(spec.output_shape))
    spatial = len(spec.output_shape) == 3
    if spatial and view is not None:
        parts.append(shown_text(view, short))
    look = MODE_NAMES[state.mode]
    if state.mode == "heatmap" and (spatial or spec.kind == "flatten"):  # bars have no colour map
        look += f" {state.cmap}"
    if spatial:
        look += f", {(SHORT_SCALE_NAMES if short else SCALE_NAMES)[state.scale]}"
    parts.append(look)
    return " · ".join(parts)


def shown_text(view: View, short: bool = False) -> str:
    """Which maps are on screen and at what size, e.g. "64 of 64, each map at 7x7 of 26x26 (block means)"."""
    which = f"{view.total} of {view.total}" if view.everything else f"channels {view.first}-{view.last} of {view.total}"
    (h, w), (full_h, full_w) = view.shown, view.full
    if (h, w) == (full_h, full_w):
        return f"[b]{which}[/b], full size"
    how = "2x2 means" if (h, w) == ((full_h + 1) // 2, (full_w + 1) // 2) else "block means"
    each = "at" if short else "each map at"
    return f"[b]{which}[/b], {each} {h}x{w} of {full_h}x{full_w} ({how})"


class ExplorerScreen(AppAccess, Screen):
    """Step through the layers of the model for one image.

    The footer shows the keys a newcomer needs and fits 80 columns; ``?`` and the palette list all.
    """

    BINDINGS = [
        Binding("enter", "open_channel", "Open", tooltip="Open the channel under the cursor (focus view)"),
        Binding("right_square_bracket", "layer(1)", "Layer", key_display="]", tooltip="Next layer"),
        Binding("left_square_bracket", "layer(-1)", "Prev layer", key_display="[", show=False),
        *[Binding(str(n), f"goto_layer({n - 1})", "Jump to a layer by its number", show=False, key_display="1-9")
          for n in range(1, 10)],
        Binding("m", "toggle_mode", "Mode", tooltip="Heatmap or ASCII"),
        Binding("c", "cycle_cmap", "Colours", tooltip="Cycle the colour map: inferno, viridis, gray", show=False),
        Binding("s", "toggle_scale", "Scale", tooltip="Scale each map on its own, or one scale for the layer",
                show=False),
        Binding("z", "cycle_zoom", "Zoom", tooltip="Zoom: every map shrunk to fit, half size, full size"),
        Binding("n", "step_image(1)", "Next image", show=False),
        Binding("p", "step_image(-1)", "Prev image", show=False),
        Binding("r", "random_image", "Random image", show=False),
        # On a layer without maps the grid passes these on: they move between layers, as in the list.
        *[Binding(keys, f"layer_list('{action}')", "On a dense layer: move between layers (also PgUp, PgDn, Home, End)", show=False,
                  key_display="up down")
          for keys, action in (("up,k", "cursor_up"), ("down,j", "cursor_down"), ("pageup", "page_up"),
                               ("pagedown", "page_down"), ("home", "first"), ("end", "last"))],
        Binding("i", "app.pick_image", "Images", tooltip="Pick a test image (filter by class, mistakes)"),
        Binding("o", "app.open_file", "File", tooltip="Open your own image file", show=False),
        Binding("t", "train", "Train", tooltip="Train the model and watch the loss fall"),
        Binding("R", "app.runs", "Runs", show=False,
                tooltip="Every kept training run: compare, explore, resume, delete"),
        Binding("f", "filter_lab", "Filters", tooltip="Filter lab: the lesson's hand-made 3x3 filters"),
        Binding("w", "switch_model", "Shipped/trained model", show=False),
        Binding("S", "summary", "Summary", tooltip="Model summary, every shape explained", show=False),
        Binding("C", "compare", "Compare", tooltip="The course's three images across four layers", show=False),
        Binding("e", "app.save_view", "Save", show=False,
                tooltip="Save the screen (SVG) and this layer's maps (PNG)"),
        # Not in the footer (no room); the help, the palette and the output layer list them.
        Binding("x", "confusion", "Confusion matrix", show=False,
                tooltip="Confusion matrix: which classes the model mixes up"),
        Binding("y", "why", "Where the model looked", show=False,
                tooltip="Where the model looked: occlusion and saliency maps of this image"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stale = True  # the state changed while another screen was on top
        self._title: str | None = None  # the markup the title shows

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield ImagePanel(id="image")
                yield LayerList(self.state.layers, id="layers")
            with Vertical(id="main"):
                yield Static("Loading the model and images...", id="layer-title")
                yield FeatureGrid(id="grid")
        yield QuietFooter(compact=True, show_command_palette=False)  # ctrl+p is listed in the help

    def on_mount(self) -> None:
        self.query_one(LayerList).highlighted = self.state.layer
        grid = self.query_one(FeatureGrid)
        grid.focus()
        self.watch(grid, "view", self._grid_changed, init=False)
        self.tui.state_changed.subscribe(self, self._state_changed)
        self.refresh_view()  # a picture may have arrived before the widgets existed

    def _state_changed(self, change: Change) -> None:
        if self.is_current:
            self.refresh_view()
        else:
            self.stale = True  # redrawn when it is on top again

    def on_screen_resume(self) -> None:
        if self.stale:
            self.refresh_view()

    def refresh_view(self) -> None:
        """Redraw every part of the screen from the state (parts that did not change cost nothing)."""
        state = self.state
        acts = state.acts
        if not self.is_mounted:
            return
        if acts is None:
            if state.network is not None:  # a model but no picture it can read (a colour model, no --image)
                shape = "x".join(map(str, state.network.image_shape))
                self.query_one("#layer-title", Static).update(
                    f"No picture for this model yet: it takes {shape} pictures. Press o to open one.")
            return
        self.stale = False
        compact = self.size.width < 110
        self.query_one(ImagePanel).show(state.picture, acts.probabilities.reshape(-1), state.mode, compact,
                                        state.model_label, state.class_names)
        layer_list = self.query_one(LayerList)
        layer_list.show_layers(state.layers)  # another model: its own layers
        if layer_list.highlighted != state.layer:
            layer_list.highlighted = state.layer
        output = acts.layers[state.layer]
        grid = self.query_one(FeatureGrid)
        key = (state.picture.key, output.name, id(state.network))
        if output.is_spatial:
            grid.show_maps(output.values, key, state.mode, state.cmap, state.scale, zoom=state.zoom,
                           selected=state.channel)
        else:  # the grid draws the values in its place (and its keys move between layers)
            grid.show_other(partial(self._vector, output), (key, state.mode, state.cmap, state.class_names))
        self._set_title()

    def _vector(self, output: LayerOutput, width: int, height: int) -> Group:
        """A vector layer's values for the grid to draw at its size."""
        state, acts = self.state, self.state.acts
        source_kind = state.layers[state.layer - 1].kind if state.layer else "input"
        return vector_view(output.values.reshape(-1), output.kind, state.mode, state.cmap, acts.predicted,
                           state.picture.label, width, height, state.class_names, state.spec.input_shape, source_kind)

    def _set_title(self) -> None:
        grid = self.query_one(FeatureGrid)
        view = grid.view if grid.showing_maps else None
        # The title has a fixed height, so it can skip a layout pass of the screen.
        title = self.query_one("#layer-title", Static)
        room = 2 * title.content_size.width - 8 if title.content_size.width else 1000  # two lines, wrapped at words
        text = header_text(self.state, view, room)
        if text != self._title:  # an unchanged title costs no repaint (a cursor move changes only two labels)
            self._title = text
            title.update(text, layout=False)

    def _grid_changed(self, view: View) -> None:
        """The user moved the grid's cursor or paged, or the grid was resized."""
        if self.stale or not self.is_current or not self.query_one(FeatureGrid).showing_maps or not self.state.spatial:
            return  # the grid still shows an older state (a resize on coming back): refresh_view updates it
        # The title follows the grid in the same frame; the state's subscribers are told after it.
        self._set_title()
        if view.selected != self.state.channel:
            self.tui.update_state(channel=view.selected)

    def _change(self, **changes: object) -> None:
        """Change the state and redraw this screen at once, so the key's answer is one frame.

        Subscribers (this screen too) still hear of it through the signal, a moment later; by
        then this screen already shows the state, so its second redraw costs nothing.
        """
        if self.tui.update_state(**changes):
            self.refresh_view()

    @on(FeatureGrid.ChannelChosen)
    def _open_channel(self, event: FeatureGrid.ChannelChosen) -> None:
        from tui_cnn.ui.screens.focus import FocusScreen

        self.tui.update_state(channel=event.channel)
        self.app.push_screen(FocusScreen())

    @on(OptionList.OptionHighlighted, "#layers")
    def _layer_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._change(layer=event.option_index)

    def on_resize(self) -> None:
        self.refresh_view()

    def action_open_channel(self) -> None:
        grid = self.query_one(FeatureGrid)
        if grid.showing_maps:
            grid.action_open()

    def action_layer_list(self, action: str) -> None:
        """Move between layers as the layer list's own key would (it wraps round; a page is its
        height). The state changes first and the list follows it, so the list is not drawn a
        frame ahead of the layer it names."""
        last, layer = len(self.state.layers) - 1, self.state.layer
        page = max(1, self.query_one(LayerList).scrollable_content_region.height)
        targets = {"cursor_up": (layer - 1) % (last + 1), "cursor_down": (layer + 1) % (last + 1),
                   "page_up": max(layer - page, 0), "page_down": min(layer + page, last), "first": 0, "last": last}
        self._change(layer=targets[action])

    def action_layer(self, step: int) -> None:
        self.action_goto_layer(min(max(self.state.layer + step, 0), len(self.state.layers) - 1))

    def action_goto_layer(self, index: int) -> None:
        if index < len(self.state.layers):
            self._change(layer=index)

    def action_toggle_mode(self) -> None:
        self._change(mode=render.other_mode(self.state.mode))

    def action_cycle_cmap(self) -> None:
        cmap = render.next_cmap(self.state.cmap)
        if self.state.mode == "ascii":
            self.notify(f"Colour map {cmap} shows in heatmap mode (press m)")
        self._change(cmap=cmap)

    def action_toggle_scale(self) -> None:
        self._change(scale="layer" if self.state.scale == "map" else "map")

    def action_cycle_zoom(self) -> None:
        self._change(zoom=NEXT_ZOOM[self.state.zoom])

    def action_step_image(self, step: int) -> None:
        self.tui.step_image(step)

    def action_random_image(self) -> None:
        if self.state.images:
            self.tui.show_index(random.randrange(len(self.state.images)))

    def action_train(self) -> None:
        from tui_cnn.ui.screens.training import TrainingScreen

        TrainingScreen.open(self.app)

    def action_filter_lab(self) -> None:
        from tui_cnn.ui.screens.filter_lab import FilterLabScreen

        if self.state.picture is not None:
            self.app.push_screen(FilterLabScreen())

    def action_summary(self) -> None:
        from tui_cnn.ui.screens.summary import SummaryScreen

        if self.state.network is not None:
            self.app.push_screen(SummaryScreen())

    def action_compare(self) -> None:
        from tui_cnn.ui.screens.compare import CompareScreen

        if self.state.network is not None and self.state.images:
            self.app.push_screen(CompareScreen(self.state.mode, self.state.cmap))

    def action_confusion(self) -> None:
        from tui_cnn.ui.screens.confusion import ConfusionScreen

        state = self.state
        if state.network is None:
            return
        if not state.images:
            self.notify("The confusion matrix needs a labelled image set the model can read (this model has none)")
        elif state.network.num_classes != len(state.images.class_names):
            self.notify(f"The model has {state.network.num_classes} outputs but the images have "
                        f"{len(state.images.class_names)} classes: no confusion matrix")
        else:
            self.app.push_screen(ConfusionScreen())

    def action_why(self) -> None:
        from tui_cnn.ui.screens.why import WhyScreen

        if self.state.ready:
            self.app.push_screen(WhyScreen())

    def action_switch_model(self) -> None:
        from tui_cnn.ui.screens.training import switch_model

        switch_model(self.tui)
