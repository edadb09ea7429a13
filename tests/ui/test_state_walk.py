"""A seeded random walk of keys through the explorer, the focus view and the filter lab.

After every key the test checks the app's state against its own model of what the key should do,
and checks that the header, the layer list and the grid (or the focus view, or the lab) all show
that state: the stale header and the focus drift seen before the state object would fail it within
a few dozen keys. The walk covers every zoom level, the focus view and back, the lab and back, on
the lesson's model and on a zoo model with other layers (batch normalization, activations, a 1-D
batch normalization after the dense layer) and 16 channels.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import pytest
from textual import events

from tui_cnn.core.layers import Layer
from tui_cnn.core.network import load_network
from tui_cnn.ui.app import TuiCnnApp
from tui_cnn.ui.screens.explorer import ExplorerScreen
from tui_cnn.ui.screens.filter_lab import FilterLabScreen
from tui_cnn.ui.screens.focus import FocusScreen
from tui_cnn.ui.state import ZOOMS
from tui_cnn.ui.widgets.feature_grid import FeatureGrid
from tui_cnn.ui.widgets.layer_list import LayerList

EXPLORER_KEYS = [*"123456789", "right_square_bracket", "left_square_bracket", "m", "c", "s", "z", "n", "p",
                 "left", "right", "up", "down", "pagedown", "pageup", "home", "end", "tab", "shift+tab", "enter", "f"]
FOCUS_KEYS = ["left", "right", "up", "down", "m", "c", "i", "escape"]
LAB_KEYS = ["m", "c", "v", "h", "e", "t", "p", "l", "escape"]
CMAPS = ("inferno", "viridis", "gray")
MODE_NAMES = {"heatmap": "heatmap", "ascii": "ASCII"}
SCALE_NAMES = {"map": "per map", "layer": "per layer"}  # the header says "scale per map" where it has room


@dataclass
class Expected:
    """What the state should be, worked out from the keys alone (plus the grid's geometry)."""

    layers: tuple[Layer, ...]
    layer: int = 0
    channel: int = 0
    mode: str = "heatmap"
    cmap: str = "inferno"
    scale: str = "map"
    zoom: str = "fit"
    index: int = 0
    focus: str = "grid"  # which explorer pane has the keyboard: grid or list
    in_focus_view: bool = False
    inspecting: bool = False
    in_lab: bool = False

    @property
    def spatial(self) -> bool:
        return len(self.layers[self.layer].output_shape) == 3

    def go_to_layer(self, layer: int) -> None:
        self.layer = layer
        if self.spatial:
            self.channel = min(self.channel, self.layers[layer].output_shape[-1] - 1)


def explorer_key(want: Expected, key: str, app, images: int) -> None:
    """Update ``want`` for ``key`` pressed in the explorer."""
    grid, layers = app.query_one(FeatureGrid), app.query_one(LayerList)
    last_layer = len(want.layers) - 1
    if key in "123456789":
        if int(key) - 1 <= last_layer:
            want.go_to_layer(int(key) - 1)
    elif key == "right_square_bracket":
        want.go_to_layer(min(want.layer + 1, last_layer))
    elif key == "left_square_bracket":
        want.go_to_layer(max(want.layer - 1, 0))
    elif key == "m":
        want.mode = "ascii" if want.mode == "heatmap" else "heatmap"
    elif key == "c":
        want.cmap = CMAPS[(CMAPS.index(want.cmap) + 1) % len(CMAPS)]
    elif key == "s":
        want.scale = "layer" if want.scale == "map" else "map"
    elif key == "z":
        want.zoom = ZOOMS[(ZOOMS.index(want.zoom) + 1) % len(ZOOMS)]
    elif key in ("n", "p"):
        want.index = (want.index + (1 if key == "n" else -1)) % images
    elif key in ("tab", "shift+tab"):
        want.focus = "list" if want.focus == "grid" else "grid"
    elif key == "enter":
        want.in_focus_view = want.spatial
    elif key == "f":
        want.in_lab = True
    elif want.focus == "list" or not want.spatial:  # on a layer without maps the grid's keys move between layers
        list_key(want, key, layers.scrollable_content_region.height)
    elif want.spatial:
        grid_key(want, key, grid)


def list_key(want: Expected, key: str, height: int) -> None:
    last_layer = len(want.layers) - 1
    moves = {"up": lambda: (want.layer - 1) % len(want.layers), "down": lambda: (want.layer + 1) % len(want.layers),
             "home": lambda: 0, "end": lambda: last_layer,
             "pagedown": lambda: min(want.layer + height, last_layer), "pageup": lambda: max(want.layer - height, 0)}
    if key in moves:
        want.go_to_layer(moves[key]())


def grid_key(want: Expected, key: str, grid: FeatureGrid) -> None:
    total, (columns, _), per_page = grid.total, grid.layout_size(), grid.per_page
    page_first = want.channel // per_page * per_page
    targets = {"left": want.channel - 1, "right": want.channel + 1, "up": want.channel - columns,
               "down": want.channel + columns, "pagedown": page_first + per_page, "pageup": page_first - per_page,
               "home": 0, "end": total - 1}
    target = targets[key]
    if 0 <= target < total:
        want.channel = target


def focus_key(want: Expected, key: str) -> None:
    channels = want.layers[want.layer].output_shape[-1]
    if key == "m":
        want.mode = "ascii" if want.mode == "heatmap" else "heatmap"
    elif key == "c":
        want.cmap = CMAPS[(CMAPS.index(want.cmap) + 1) % len(CMAPS)]
    elif key == "i":
        want.inspecting = not want.inspecting
    elif key == "escape":
        if want.inspecting:
            want.inspecting = False
        else:
            want.in_focus_view = False
    elif key in ("left", "right") and not want.inspecting:
        want.channel = (want.channel + (1 if key == "right" else -1)) % channels


def lab_key(want: Expected, key: str) -> None:
    """The lab shares the mode and the colour map; its own keys (filters, picture) leave the state alone."""
    if key == "m":
        want.mode = "ascii" if want.mode == "heatmap" else "heatmap"
    elif key == "c":
        want.cmap = CMAPS[(CMAPS.index(want.cmap) + 1) % len(CMAPS)]
    elif key == "escape":
        want.in_lab = False


def check(app, want: Expected, step: str) -> None:
    state = app.state
    got = (state.layer, state.channel, state.mode, state.cmap, state.scale, state.zoom, state.index)
    assert got == (want.layer, want.channel, want.mode, want.cmap, want.scale, want.zoom, want.index), step
    if want.in_lab:
        check_lab(app, want, step)
    elif want.in_focus_view:
        check_focus_view(app, want, step)
    else:
        check_explorer(app, want, step)


def check_explorer(app, want: Expected, step: str) -> None:
    state, spec = app.state, want.layers[want.layer]
    assert isinstance(app.screen, ExplorerScreen), step
    header = str(app.screen.query_one("#layer-title").render())
    assert header.startswith(f"{want.layer + 1} {spec.name} · "), (step, header)
    assert MODE_NAMES[want.mode] in header, (step, header)
    uses_cmap = want.mode == "heatmap" and (want.spatial or spec.kind == "flatten")  # bars have no colour map
    assert (f"{MODE_NAMES[want.mode]} {want.cmap}" in header) == uses_cmap, (step, header)
    layers, grid = app.query_one(LayerList), app.query_one(FeatureGrid)
    assert layers.highlighted == want.layer, step
    expected_focus = grid if want.focus == "grid" else layers
    assert app.focused is expected_focus, (step, app.focused)
    assert grid.showing_maps == want.spatial, step
    if not want.spatial:
        assert SCALE_NAMES[want.scale] not in header, (step, header)
        return
    assert SCALE_NAMES[want.scale] in header, (step, header)
    assert grid._key[1] == spec.name and grid.total == spec.output_shape[-1], step
    assert (grid.mode, grid.cmap, grid.scale, grid.zoom) == (want.mode, want.cmap, want.scale, want.zoom), step
    assert grid.selected == want.channel, step
    view = grid.view
    assert view.first <= want.channel <= view.last and view.total == spec.output_shape[-1], (step, view)
    which = f"{view.total} of {view.total}" if view.everything else f"channels {view.first}-{view.last} of {view.total}"
    assert which in header, (step, header)
    assert state.picture.index == want.index, step


def check_focus_view(app, want: Expected, step: str) -> None:
    screen = app.screen
    assert isinstance(screen, FocusScreen), step
    title = str(screen.query_one("#focus-title").render())
    spec = want.layers[want.layer]
    assert title.startswith(f"{spec.name} · ") and f"channel {want.channel} of " in title, (step, title)
    assert MODE_NAMES[want.mode] in title, (step, title)
    assert screen.inspecting == want.inspecting, step


def check_lab(app, want: Expected, step: str) -> None:
    screen = app.screen
    assert isinstance(screen, FilterLabScreen), step
    title = str(screen.query_one("#lab-title").render())
    look = MODE_NAMES[want.mode] + (f" {want.cmap}" if want.mode == "heatmap" else "")
    assert title.endswith(f" · {look}"), (step, title)
    assert screen.picture.index == want.index, step


CHARACTERS = {"right_square_bracket": "]", "left_square_bracket": "["}


async def press(app, key: str) -> None:
    """Press ``key`` and wait until the app and the screen have handled everything it caused.

    ``pilot.press`` also waits for the process to look idle (at least 40 ms a key, far more on a
    busy machine); waiting for the message queues alone keeps a few thousand keys quick.
    """
    app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))
    for _ in range(4):  # a handler may queue more: a signal's callback, a pushed screen's mounting
        screen = app.screen
        nodes = [app, *screen.walk_children(with_self=True)]
        handled = [asyncio.Event() for _ in nodes]
        for node, event in zip(nodes, handled):
            if not node.call_later(event.set):
                event.set()
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in handled)), timeout=30)
    refreshed = asyncio.Event()  # and laid out: a grid shown again must know its size before the next key
    app.screen.call_after_refresh(refreshed.set)
    await asyncio.wait_for(refreshed.wait(), timeout=30)


async def walk(app, seed: int, keys: int, size: tuple[int, int], images: int) -> None:
    rng = random.Random(seed)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        want = Expected(tuple(app.state.layers))
        check(app, want, "start")
        history: list[str] = []
        for _ in range(keys):
            if want.in_lab:
                key = rng.choice(LAB_KEYS)
                lab_key(want, key)
            elif want.in_focus_view:
                key = rng.choice(FOCUS_KEYS)
                focus_key(want, key)
            else:
                key = rng.choice(EXPLORER_KEYS)
                explorer_key(want, key, app, images)
            await press(app, key)
            history.append(key)
            check(app, want, " ".join(history[-12:]))


@pytest.mark.parametrize(("seed", "keys", "size"), [(9, 1100, (120, 40)), (24, 700, (80, 24))])
async def test_random_keys_keep_every_view_in_step_with_the_state(make_app, samples, seed, keys, size):
    await walk(make_app(), seed, keys, size, len(samples))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
async def test_random_keys_on_a_model_with_other_layers(zoo, samples, monkeypatch, tmp_path):
    """Batch normalization (spatial and 1-D), an activation layer, 16 channels, 12 layers: keys 8 and 9
    jump too, and a vector layer sits in the middle of the list."""
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))
    network = load_network(zoo("batchnorm")[1])
    app = TuiCnnApp(weights=network, images=samples, model_label="batchnorm", download=False)
    await walk(app, 31, 500, (80, 24), len(samples))
