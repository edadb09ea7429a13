"""ConfusionScreen: which classes the model mixes up, on every image, with a cursor over the cells.

The matrix is computed in a worker (every image through the numpy layers) with a progress bar.
The cursor starts on the worst confusion; Enter opens the picker on exactly the images of that
cell (true class X, answered Y), and choosing one shows it in the explorer.
"""

from __future__ import annotations

import threading

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from tui_cnn import render_why
from tui_cnn.core import confusion
from tui_cnn.core.batch import Cancelled
from tui_cnn.core.confusion import Confusion
from tui_cnn.ui.state import AppAccess, Change
from tui_cnn.ui.widgets.quiet_footer import QuietFooter


class ConfusionScreen(AppAccess, Screen):
    """The confusion matrix of the current model on the current image set."""

    BINDINGS = [
        Binding("up,k", "move(-1, 0)", "Move", key_display="←↑↓→"),
        Binding("down,j", "move(1, 0)", "Down", show=False),
        Binding("left,h", "move(0, -1)", "Left", show=False),
        Binding("right,l", "move(0, 1)", "Right", show=False),
        Binding("enter", "open_cell", "See these images"),
        Binding("w", "next_worst", "Next worst"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    class Progress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    class Ready(Message):
        def __init__(self, result: Confusion, network: object, images: object) -> None:
            super().__init__()
            self.result, self.network, self.images = result, network, images

    def __init__(self) -> None:
        super().__init__()
        self.result: Confusion | None = None
        self.cursor = (0, 0)
        self._worst_shown = 0
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield Static(id="confusion-title")
        yield ProgressBar(id="confusion-progress", show_eta=False)
        with VerticalScroll(id="confusion-body"):
            yield Static(id="confusion-table")
            yield Static(id="confusion-info")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        self.tui.state_changed.subscribe(self, self._state_changed)
        self._start()
        self.query_one("#confusion-body").focus()

    def _start(self) -> None:
        """Show the matrix of the state's model and images: cached, from known predictions, or computed."""
        state, diagnostics = self.state, self.tui.diagnostics
        self.result = None
        self._set_title()
        cached = diagnostics.confusion(state.network, state.images)
        if cached is None and state.predictions is not None:  # the picker's mistakes filter ran the model
            cached = confusion.from_predictions(state.images.labels, state.predictions, len(self.names))
            diagnostics.store_confusion(state.network, state.images, cached)
        if cached is not None:
            self._show(cached)
            return
        self.query_one(ProgressBar).display = True
        self.query_one("#confusion-table", Static).update("")
        self.query_one("#confusion-info", Static).update(f"Running the model on all {len(state.images):,} images...")
        self.compute(state.network, state.images)

    def _state_changed(self, change: Change) -> None:
        if change.touches("network", "images"):  # another model or image set: another matrix
            self._start()

    def on_unmount(self) -> None:
        self._cancel.set()  # leaving the screen stops a computation nobody will see

    @work(thread=True, exclusive=True, exit_on_error=False, group="confusion")
    def compute(self, network, images) -> None:
        try:
            result = confusion.compute(network, images.images, images.labels,
                                       lambda done, total: self.post_message(self.Progress(done, total)), self._cancel)
        except Cancelled:
            return
        self.post_message(self.Ready(result, network, images))

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        self.query_one(ProgressBar).update(total=event.total, progress=event.done)

    @on(Ready)
    def _ready(self, event: Ready) -> None:
        self.tui.diagnostics.store_confusion(event.network, event.images, event.result)
        state = self.state
        if event.network is state.network and event.images is state.images:
            if state.predictions is None:  # the picker's mistakes filter can use them too
                self.tui.update_state(predictions=event.result.predicted)
            self._show(event.result)

    def _show(self, result: Confusion) -> None:
        self.result = result
        self.query_one(ProgressBar).display = False
        worst = result.worst_pairs(1)
        self.cursor = (worst[0].true, worst[0].predicted) if worst else (0, 0)
        self._set_title()
        self.redraw()

    def _set_title(self) -> None:
        state = self.state
        text = (f"[b]Confusion matrix[/b] · {state.model_label or 'model'} on {len(state.images):,} "
                f"{state.set_name} images")
        if self.result is not None:
            text += f" · accuracy {self.result.accuracy:.1%}"
        text += "\nrows: true class · columns: what the model said · Enter: see a cell's images"  # fits 80 columns
        self.query_one("#confusion-title", Static).update(text)

    @property
    def names(self) -> tuple[str, ...]:
        """The image set's class names (``class 0``... when the model has another number of outputs)."""
        return self.state.class_names

    def redraw(self) -> None:
        if self.result is None:
            return
        names = self.names
        table = render_why.confusion_table(self.result, names, self.cursor, width=self.size.width)
        self.query_one("#confusion-table", Static).update(table)
        true, said = self.cursor
        count = int(self.result.matrix[true, said])
        if true == said:
            here = Text(f"{names[true]} recognised correctly: {count:,}", "green")
        else:
            here = Text(f"{names[true]} taken for {names[said]}: {count:,}", "bold")
        here.append("  (Enter: see them)" if count else "", "dim")
        worst = Text("\nMost confused (w jumps from one to the next):\n", "bold")
        worst.append_text(render_why.worst_pairs(self.result, names))
        self.query_one("#confusion-info", Static).update(Group(Text(""), here, worst))

    def on_resize(self) -> None:
        self.redraw()

    def action_move(self, d_row: int, d_col: int) -> None:
        n = len(self.result.matrix) if self.result is not None else len(self.names)
        self.cursor = ((self.cursor[0] + d_row) % n, (self.cursor[1] + d_col) % n)
        self.redraw()

    def action_next_worst(self) -> None:
        if self.result is None:
            return
        pairs = self.result.worst_pairs()
        if pairs:
            self._worst_shown = (self._worst_shown + 1) % len(pairs) if self.cursor == (
                pairs[self._worst_shown % len(pairs)].true, pairs[self._worst_shown % len(pairs)].predicted) else 0
            pair = pairs[self._worst_shown]
            self.cursor = (pair.true, pair.predicted)
            self.redraw()

    def action_open_cell(self) -> None:
        if self.result is None:
            return
        true, said = self.cursor
        indices = self.result.images(true, said)
        if not len(indices):
            self.notify("No images in this cell")
            return
        names = self.names
        what = f"{names[true]}, recognised" if true == said else f"{names[true]} taken for {names[said]}"
        self.tui.open_picker_on(indices, what)
