"""WhyScreen: where in the picture the model's answer came from, by occlusion and by saliency.

Both maps are drawn beside the image with their hottest pixels marked on it, for the predicted
class or any class picked in the list. They are computed in a worker (a few milliseconds to a few
tens) and kept per class, so moving through the classes never blocks a key press. Any model the
explorer reads works; a colour picture keeps its colours. Narrower than 110 columns the class
column narrows (longer names are shortened), and where a map and the image do not fit side by
side, the image goes below the map.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn import render, render_why
from tui_cnn.core import occlusion, saliency
from tui_cnn.core.activations import Activations
from tui_cnn.ui.state import AppAccess, Change
from tui_cnn.ui.widgets.quiet_footer import QuietFooter


NARROW = 110  # columns: below this, thinner bars in a narrower class column (the app's -narrow breakpoint)
# Characters of "Ankle boot 9" that fit beside the bar and the percentage (app.tcss: #why-classes).
LABEL_ROOM, LABEL_ROOM_NARROW = 13, 12


def fit_label(name: str, number: int, room: int) -> str:
    """``name number`` in ``room`` characters: "T-shirt/top 0" becomes "T-shirt 0", then names are cut.
    A name that already ends in its number ("class 3", MNIST's "3") is not numbered twice."""
    label = name if name.split(" ")[-1] == str(number) else f"{name} {number}"
    if len(label) > room:
        name = name.replace("/top", "")
        label = f"{name[: max(room - len(str(number)) - 1, 1)]} {number}"
    return label


class WhyScreen(AppAccess, Screen):
    """Occlusion and saliency maps of the picture on show, for a chosen class."""

    BINDINGS = [
        # Priority: the arrows pick the class even while the maps' scroll box (PgUp/PgDn) has focus.
        Binding("down,j", "step_class(1)", "Class", key_display="↑↓", priority=True),
        Binding("up,k", "step_class(-1)", "Previous class", show=False, priority=True),
        *[Binding(str(n), f"pick_class({n})", "Explain class 0-9", show=False, key_display="0-9") for n in range(10)],
        Binding("m", "toggle_mode", "Heatmap/ASCII"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    class Maps(Message):
        """The worker's occlusion and saliency maps of ``target`` for the picture ``key``."""

        def __init__(self, key: tuple, target: int, occluded: occlusion.OcclusionMap,
                     salient: saliency.SaliencyMap) -> None:
            super().__init__()
            self.key, self.target, self.occluded, self.salient = key, target, occluded, salient

    def __init__(self) -> None:
        super().__init__()
        self.target: int | None = None  # the class explained; the predicted one at first
        self._maps: dict[tuple, tuple[occlusion.OcclusionMap, saliency.SaliencyMap]] = {}

    @property
    def picture(self):
        return self.state.picture

    @property
    def acts(self) -> Activations:
        return self.state.acts

    def compose(self) -> ComposeResult:
        yield Static(id="why-title")
        with Horizontal(id="why-body"):
            yield Static(id="why-classes")
            with VerticalScroll(id="why-maps-box"):
                yield Static(id="why-maps")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        self.tui.state_changed.subscribe(self, self._state_changed)
        self.target = self.acts.predicted
        self.redraw()
        self.query_one("#why-maps-box").focus()

    def _state_changed(self, change: Change) -> None:
        if self.acts is None:
            return
        if change.touches("network", "picture"):
            self.target = self.acts.predicted
        if change.touches("network", "picture", "mode", "cmap"):
            self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    @property
    def names(self) -> tuple[str, ...]:
        return self.state.class_names

    def _set_title(self) -> None:
        acts, names = self.acts, self.names
        verdict = f"predicted [b]{names[acts.predicted]}[/b] ({acts.probabilities[acts.predicted]:.1%})"
        self.query_one("#why-title", Static).update(
            f"[b]Where the model looked[/b] · {self.picture.title} (true: {self.picture.label_name}) · {verdict}\n"
            "pick a class with ↑↓ or 0-9: the maps show what drove its probability")

    @property
    def _key(self) -> tuple:
        return self._key_for(self.target)

    def _key_for(self, target: int | None) -> tuple:
        return self.picture.key, id(self.state.network), target

    def maps_for(self, target: int) -> tuple[occlusion.OcclusionMap, saliency.SaliencyMap] | None:
        """The occlusion and saliency maps of the picture on show for class ``target``, once computed."""
        return self._maps.get(self._key_for(target))

    @work(thread=True, exclusive=True, exit_on_error=False, group="why")
    def compute(self, key: tuple, network, image, target: int) -> None:
        occluded = occlusion.compute(network, image, target)
        salient = saliency.compute(network, image, target)
        self.post_message(self.Maps(key, target, occluded, salient))

    @on(Maps)
    def _maps_ready(self, event: Maps) -> None:
        self._maps[event.key] = (event.occluded, event.salient)
        if event.key == self._key:
            self.redraw()

    def redraw(self) -> None:
        if self.acts is None or self.target is None:
            return
        self._set_title()
        acts, mode, cmap, names = self.acts, self.state.mode, self.state.cmap, self.names
        narrow = self.size.width < NARROW
        room = LABEL_ROOM_NARROW if narrow else LABEL_ROOM
        labels = [fit_label(name, n, room) for n, name in enumerate(names)]
        bars = render.bars(acts.probabilities, labels, 2 if narrow else 6, ascii_only=mode == "ascii",
                           highlight=self.target, vmax=1.0)
        self.query_one("#why-classes", Static).update(Group(Text("explaining (↑↓)\n", "dim"), bars))
        maps = self._maps.get(self._key)
        box = self.query_one("#why-maps", Static)
        if maps is None:
            box.update(f"Computing the maps for {names[self.target]}...")
            self.compute(self._key, self.state.network, self.picture.image, self.target)
            return
        occluded, salient = maps
        room = max(self.query_one("#why-maps-box").size.width - 4, 20)  # its padding and scroll bar
        parts = [Text(f"Explaining {names[self.target]} ({acts.probabilities[self.target]:.1%})", "bold")]
        # Only drops are drawn: where hiding a part raised the probability counts as not looked at.
        for heat, how, title in ((np.maximum(occluded.pixels, 0.0), occluded.how, "occlusion"),
                                 (salient.magnitude, salient.how, "saliency")):
            parts += [Text(""), Text(how, "dim"),
                      render_why.where_maps(acts.image, heat, title, mode, cmap, width=room)]
        box.update(Group(*parts))

    def action_step_class(self, step: int) -> None:
        if self.target is not None:
            self.action_pick_class((self.target + step) % len(self.names))

    def action_pick_class(self, target: int) -> None:
        if target >= len(self.names):
            self.notify(f"The model has {len(self.names)} classes, 0 to {len(self.names) - 1}")
            return
        self.target = target
        self.redraw()

    def action_toggle_mode(self) -> None:
        self.tui.update_state(mode=render.other_mode(self.state.mode))
