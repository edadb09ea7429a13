"""WatchScreen: follow a training log another process writes (``tui-cnn watch PATH``).

The log is tui-cnn's JSON-lines format (``core.runlog``), written by the app's own runs or by
``tui_cnn.keras_callback.LiveLog`` in any ``model.fit``, or a Keras ``CSVLogger`` file (epoch rows
only). A thread worker polls the file and posts what is new; the screen feeds it into the same
``RunHistory``, plots, progress bars and epoch table as the training screen. Times come from the
events themselves (elapsed, speed, ETA), so a run trained elsewhere and copied here reads the same
as one followed live. The screen says when the run ends (its ``end`` event) and when the file has
stopped growing for a while without one (a crash, a killed job, a copy that is not updated).
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn.core.runlog import open_reader
from tui_cnn.core.training import BatchEvent, EpochEvent
from tui_cnn.core.curves import RunHistory
from tui_cnn.ui.widgets.epoch_table import EpochTable
from tui_cnn.ui.widgets.quiet_footer import QuietFooter
from tui_cnn.ui.widgets.training_plot import TrainingPlot, legend, show_run
from tui_cnn.ui.widgets.training_progress import Progress, TrainingProgress, clock_text

POLL_SECONDS = 0.25
STALE_SECONDS = 60.0
SECOND_METRICS = ("accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "acc")
END_WORDS = {"finished": "finished", "stopped": "was stopped", "target": "reached its accuracy target",
             "error": "ended with an error"}


def second_metric(names: set[str]) -> str | None:
    """The metric plotted beside the loss: an accuracy if there is one, else the first other metric."""
    for name in SECOND_METRICS:
        if name in names:
            return name
    others = sorted(n for n in names if n != "loss" and not n.startswith("val_") and not n.startswith("metric_"))
    return others[0] if others else None


class WatchScreen(Screen):
    """A live view of a training log file that grows in another process."""

    BINDINGS = [Binding("q", "app.quit", "Quit")]

    class Arrived(Message):
        """New complete events from the file, the reader's new notes, and whether the file grew."""

        def __init__(self, events: list[dict[str, Any]], notes: list[str], grew: bool) -> None:
            super().__init__()
            self.events, self.notes, self.grew = events, notes, grew

    def __init__(self, path: Path, *, poll_seconds: float = POLL_SECONDS, stale_seconds: float = STALE_SECONDS,
                 clock=time.monotonic) -> None:
        super().__init__()
        self.path = Path(path)
        self.poll_seconds, self.stale_seconds, self.clock = poll_seconds, stale_seconds, clock
        self.history = RunHistory(1)
        self.start: dict[str, Any] = {}
        self.end: dict[str, Any] | None = None
        self.metric: str | None = None
        self.events_seen = 0
        self.stale = False  # the file stopped growing without an end event
        self.notes: list[str] = []
        self.batch_size: int | None = None
        self._first_time: float | None = None
        self._last_time: float | None = None
        self._last_growth = clock()
        self._rate_points: list[tuple[float, int]] = []
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        yield Static(id="watch-title")
        yield Static(id="train-status")
        yield Static(id="watch-notes")
        yield TrainingProgress(id="train-progress")
        with Horizontal(id="train-plots"):
            yield TrainingPlot("loss", y_range=(0.0, None), id="loss-plot")
            yield TrainingPlot("accuracy", y_range=(None, 1.0), id="accuracy-plot")
        yield Static(legend(), id="train-legend")
        yield EpochTable(id="watch-table")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#watch-title", Static).update(f"Watching [b]{escape(str(self.path))}[/b]")
        self.query_one("#watch-notes", Static).display = False
        self._set_status("Waiting for the first line of the log...")
        self._redraw()
        self.set_interval(1.0, self._check_stale)
        self._follow()

    def on_unmount(self) -> None:
        self._stop.set()

    # -- following the file --------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch")
    def _follow(self) -> None:
        """Poll the file until the screen goes; only posts messages."""
        reader = open_reader(self.path)
        while not self._stop.is_set():
            before, noted = reader.offset, len(reader.notes)
            events = reader.poll()
            grew = reader.offset != before
            if grew or events:
                self.post_message(self.Arrived(events, reader.notes[noted:], grew))
            if not grew:  # caught up: wait for more (a long file is read in chunks without waiting)
                self._stop.wait(self.poll_seconds)

    @on(Arrived)
    def _arrived(self, message: Arrived) -> None:
        if message.grew:
            self._last_growth, self.stale = self.clock(), False
        for event in message.events:
            self._take(event)
        self.events_seen += len(message.events)
        if message.notes:
            self._note(message.notes)
        self._redraw()

    def _take(self, event: dict[str, Any]) -> None:
        kind, stamp = event["event"], event.get("time")
        if isinstance(stamp, (int, float)):
            self._first_time = stamp if self._first_time is None else self._first_time
            self._last_time = stamp
        if kind == "start":
            self._start(event)
        elif kind == "batch":
            self._batch(event)
        elif kind == "epoch":
            self._epoch(event)
        elif kind == "end":
            self.end = event

    def _start(self, event: dict[str, Any]) -> None:
        resumed = event.get("resumed_from")
        if isinstance(resumed, dict) and isinstance(resumed.get("epoch"), int):
            self.history.keep_epochs(resumed["epoch"])
            self.query_one(EpochTable).keep_epochs(resumed["epoch"])
        else:  # a new run appended to the same file: start over
            self.history = RunHistory(1)
            self.query_one(EpochTable).clear()
            self._first_time, self._rate_points = event.get("time"), []
        self.start, self.end = event, None
        self.batch_size = event.get("batch_size") if isinstance(event.get("batch_size"), int) else None
        self.history.epochs = max(_int(event.get("epochs")) or 0, self.history.finished, 1)

    def _batch(self, event: dict[str, Any]) -> None:
        self._choose_metric(event)
        epoch, step = _int(event.get("epoch")), _int(event.get("batch"))
        if not epoch or not step:
            return
        last = self.history.last_batch
        steps = _int(event.get("steps")) or (last.steps if last and last.epoch < epoch else 0) or step
        self.history.epochs = max(self.history.epochs, epoch)
        # Without the batch size every batch weighs the same (only the last, short one is off).
        seen = step * (self.batch_size or 1)
        self.history.add_batch(BatchEvent(epoch, step, max(steps, step), _float(event.get("loss")),
                                          _float(event.get(self.metric or "accuracy")), seen))
        if isinstance(event.get("time"), (int, float)):
            self._rate_points.append((event["time"], (epoch - 1) * max(steps, step) + step))
            del self._rate_points[:-50]

    def _epoch(self, event: dict[str, Any]) -> None:
        self._choose_metric(event)
        epoch = _int(event.get("epoch"))
        if not epoch:
            return
        self.history.epochs = max(self.history.epochs, epoch)
        metric = self.metric or "accuracy"
        row = EpochEvent(epoch, self.history.epochs, _float(event.get("loss")), _float(event.get(metric)),
                         _float(event.get("val_loss")), _float(event.get(f"val_{metric}")),
                         _float(event.get("seconds")), None)
        self.history.rows = [r for r in self.history.rows if r.epoch != epoch] + [row]
        if self.history.last_batch is None or self.history.last_batch.epoch < epoch:
            self._epoch_only_point(row)
        self.query_one(EpochTable).show_epoch(row)

    def _epoch_only_point(self, row: EpochEvent) -> None:
        """A log without batches (a CSVLogger file): the epoch's training values are the plotted points."""
        h = self.history
        h.x.append(float(row.epoch))
        h.loss.append(row.loss)
        h.accuracy.append(row.accuracy)
        h.smooth_loss.append(row.loss)
        h.smooth_accuracy.append(row.accuracy)

    def _choose_metric(self, event: dict[str, Any]) -> None:
        if self.metric is None:
            self.metric = second_metric({k for k, v in event.items() if isinstance(v, (int, float))}
                                        - {"time", "epoch", "batch", "steps", "seconds"})
            if self.metric is not None:
                plot = self.query_one("#accuracy-plot", TrainingPlot)
                plot.metric = self.metric
                plot.y_range = (None, 1.0) if "acc" in self.metric else (None, None)

    def _note(self, notes: list[str]) -> None:
        self.notes.extend(notes)
        last = self.notes[-1].removesuffix(", skipped")
        count = f" ({len(self.notes)} lines so far)" if len(self.notes) > 1 else ""
        widget = self.query_one("#watch-notes", Static)
        widget.display = True
        widget.update(f"[$warning]Skipped {escape(last)}{count}. Following the rest of the log.[/]")

    # -- drawing --------------------------------------------------------------------------------

    def _redraw(self) -> None:
        self._set_status(self._status())
        self.query_one(TrainingProgress).show(self._progress())
        show_run(self.query_one("#loss-plot", TrainingPlot), self.query_one("#accuracy-plot", TrainingPlot),
                 self.history)

    def _status(self) -> str:
        h = self.history
        if self.end is not None:
            reason = self.end.get("reason", "finished")
            words = END_WORDS.get(reason, f"ended ({reason})")
            message = f": {self.end['message']}" if self.end.get("message") else ""
            return f"[b]The run {words}[/b] after {h.finished} epoch(s){escape(message)}."
        if self.events_seen == 0:
            return "Waiting for the first line of the log..."
        where = f"epoch {h.last_batch.epoch} of {h.epochs}" if h.last_batch else f"{h.finished} epoch(s) done"
        model = f" of model {escape(str(self.start['model']))}" if self.start.get("model") else ""
        return f"Following the run{model}: {where}"

    def _progress(self) -> Progress:
        h, batch = self.history, self.history.last_batch
        elapsed = (self._last_time - self._first_time) if self._first_time is not None and self._last_time else 0.0
        if batch is None:
            return Progress(epoch=h.finished, epochs=h.epochs if h.finished else 0, elapsed=elapsed)
        run_steps, run_step = h.epochs * batch.steps, (batch.epoch - 1) * batch.steps + batch.step
        rate = math.nan  # batches per second over the last points the log reported
        if len(self._rate_points) >= 2:
            (t0, n0), (t1, n1) = self._rate_points[0], self._rate_points[-1]
            rate = (n1 - n0) / (t1 - t0) if t1 > t0 else math.nan
        eta = 0.0 if self.end is not None else ((run_steps - run_step) / rate if rate > 0 else math.nan)
        images_per_s = rate * self.batch_size if self.batch_size else math.nan
        return Progress(batch.epoch, h.epochs, batch.step, batch.steps, run_step, run_steps, images_per_s, elapsed, eta)

    def _check_stale(self) -> None:
        if self.end is not None or self.events_seen == 0:
            return
        quiet = self.clock() - self._last_growth
        if quiet >= self.stale_seconds:
            self.stale = True
            self._set_status(f"[$warning]No new lines for {clock_text(quiet)}: the run may have stopped "
                             "(no end event yet).[/]")

    def _set_status(self, markup: str) -> None:
        self.query_one("#train-status", Static).update(markup, layout=False)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
