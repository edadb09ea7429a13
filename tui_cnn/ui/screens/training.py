"""TrainingScreen: train the lesson's model in the background and watch it learn.

A run goes through a *trainer*, any function ``trainer(settings, emit, stop) -> DoneEvent`` that
reports ``core.training`` events (and ``Status`` lines) through ``emit`` and ends at the next
batch once ``stop`` is set. ``KerasTrainer`` is the real one; tests pass a fake with a fixed loss
sequence, and it reaches the screen by exactly the same path.

Training must never wait for the UI. The trainer runs in a thread worker, and ``emit`` (called by
Keras after every batch) only appends the event with a time stamp to a deque. A timer drains the
deque four times a second and redraws once for everything that arrived: bars and figures on every
tick, the plots once a second, the pinned image's feature maps only when new weights
came (``WeightsEvent``, every few hundred batches). The explorer is not touched until the run
ends; then the last finished epoch's model (saved atomically by ``core.training``) replaces the
app's weights through ``app.use_model``.

The screen is installed in the app, so leaving it for the explorer (escape or t) leaves a run
going; t comes back to it. Unmounting it (quitting the app) stops a run.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from tui_cnn.core import activations, data, paths, safe_save
from tui_cnn.core.data import CLASS_NAMES, Split
from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.model import ModelFileError, ModelSaveError, Weights, read_weights
from tui_cnn.core.training import MAX_EPOCHS, BatchEvent, DoneEvent, EpochEvent, TrainConfig, WeightsEvent
from tui_cnn.ui.picture import Picture
from tui_cnn.ui.state import AppAccess
from tui_cnn.ui.widgets.feature_grid import FeatureGrid
from tui_cnn.ui.widgets.number_input import NumberInput
from tui_cnn.ui.widgets.training_plot import TrainingPlot, legend
from tui_cnn.ui.widgets.training_progress import Progress, TrainingProgress
from tui_cnn.ui.widgets.quiet_footer import QuietFooter

if TYPE_CHECKING:  # pragma: no cover
    from tui_cnn.ui.app import TuiCnnApp

SCREEN_NAME = "training"
BATCH_SIZES = (16, 32, 64, 128, 256)
WEIGHTS_EVERY = 300  # batches between copies of the weights for the feature-map view
TICK_SECONDS = 0.25  # how often the UI drains the trainer's events
PLOT_SECONDS = 1.0  # the plots redraw at most this often while batches arrive
RATE_WINDOW_SECONDS = 5.0
MAP_LAYERS = ("conv1", "pool1", "conv2", "pool2")
MAPS_MIN_WIDTH = 96  # narrower, the finished-epochs table takes the whole bottom row


@dataclass(frozen=True)
class TrainSettings:
    """What to train: ``initial_epoch`` > 0 resumes from ``save_to`` after that many epochs."""

    epochs: int = 5
    batch_size: int = 32
    start_from: str = "random"  # "random" (fresh weights) or "shipped" (the model in assets/)
    target_accuracy: float | None = None
    initial_epoch: int = 0
    save_to: Path | None = None


@dataclass(frozen=True)
class Status:
    """A line about what the trainer is doing when there are no batches to show (loading...)."""

    text: str


Emit = Callable[[object], None]
Trainer = Callable[[TrainSettings, Emit, threading.Event], DoneEvent]


class KerasTrainer:
    """Train the lesson's model with Keras through ``core.training.train``.

    The training and validation sets are given (tests, benchmarks) or loaded on first use, from
    ``data_dir`` or Keras' cache (downloading only if ``download``), and kept for later runs.
    """

    def __init__(self, data_dir: str | None = None, download: bool = False, train_split: Split | None = None,
                 val_split: Split | None = None, seed: int | None = None, weights_every: int = WEIGHTS_EVERY) -> None:
        self.data_dir, self.download, self.seed, self.weights_every = data_dir, download, seed, weights_every
        self.train_split, self.val_split = train_split, val_split

    def __call__(self, settings: TrainSettings, emit: Emit, stop: threading.Event) -> DoneEvent:
        from tui_cnn.core.model import build_model, import_keras, load_keras_model
        from tui_cnn.core.training import train

        if "keras" not in sys.modules:
            emit(Status("loading TensorFlow..."))
        import_keras()
        if self.train_split is None:
            emit(Status("loading the Fashion-MNIST training images..."))
            self.train_split = data.load_split("train", self.data_dir, download=self.download)
        if self.val_split is None:
            self.val_split = data.load_split("test", self.data_dir, download=self.download)
        if stop.is_set():
            return _done(emit, "stopped", settings.initial_epoch)
        emit(Status("preparing the model..."))
        if settings.initial_epoch:
            model = load_keras_model(settings.save_to)  # the last finished epoch, optimizer state included
        elif settings.start_from == "shipped":
            model = load_keras_model(paths.SHIPPED_MODEL)
        else:
            model = build_model(seed=self.seed)
        emit(WeightsEvent(settings.initial_epoch, 0, Weights.from_keras(model)))
        emit(Status(f"training on {len(self.train_split):,} images from {self.train_split.source} "
                    "(Keras traces the model first)..."))
        config = TrainConfig(epochs=settings.epochs, batch_size=settings.batch_size,
                             initial_epoch=settings.initial_epoch, target_accuracy=settings.target_accuracy,
                             weights_every=self.weights_every, save_to=settings.save_to)
        return train(model, self.train_split, self.val_split, config, emit, stop)


def _done(emit: Emit, reason: str, completed: int) -> DoneEvent:
    event = DoneEvent(reason, completed)
    emit(event)
    return event


class _Smoother:
    """A bias-corrected exponential moving average that steps over NaN."""

    def __init__(self, beta: float) -> None:
        self.beta, self.value, self.weight = beta, 0.0, 0.0

    def add(self, x: float) -> float:
        if math.isfinite(x):
            self.value = self.beta * self.value + (1 - self.beta) * x
            self.weight = self.beta * self.weight + (1 - self.beta)
        return self.value / self.weight if self.weight else math.nan


def smoothing_beta(steps: int) -> float:
    """Average over about a twenty-fifth of an epoch (3 to 100 batches)."""
    span = min(max(steps // 25, 3), 100)
    return 1 - 2 / (span + 1)


class RunHistory:
    """Everything a run reported, as lists the plots and the table read.

    Keras reports the mean loss and accuracy of the epoch so far after each batch; the batch's
    own values follow from two consecutive means weighted by the images seen.
    """

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.x: list[float] = []  # position of each batch, in epochs
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.smooth_loss: list[float] = []
        self.smooth_accuracy: list[float] = []
        self.rows: list[EpochEvent] = []
        self.last_batch: BatchEvent | None = None
        self.images = 0  # images trained on in this run (for the speed)
        self._seen = 0
        self._sums = (0.0, 0.0)
        self._smoothers: tuple[_Smoother, _Smoother] | None = None

    def add_batch(self, event: BatchEvent) -> None:
        if event.step == 1 or event.images_seen <= self._seen:
            self._seen, self._sums = 0, (0.0, 0.0)
        if self._smoothers is None:
            beta = smoothing_beta(event.steps)
            self._smoothers = (_Smoother(beta), _Smoother(beta))
        n = event.images_seen - self._seen
        sums = (event.loss * event.images_seen, event.accuracy * event.images_seen)
        loss = max((sums[0] - self._sums[0]) / n, 0.0)
        accuracy = min(max((sums[1] - self._sums[1]) / n, 0.0), 1.0)
        self._seen, self._sums = event.images_seen, sums
        self.images += n
        self.x.append(event.epoch - 1 + event.step / event.steps)
        self.loss.append(loss)
        self.accuracy.append(accuracy)
        self.smooth_loss.append(self._smoothers[0].add(loss))
        self.smooth_accuracy.append(self._smoothers[1].add(accuracy))
        self.last_batch = event

    def add_epoch(self, event: EpochEvent) -> None:
        self.rows.append(event)

    @property
    def finished(self) -> int:
        return self.rows[-1].epoch if self.rows else 0

    def keep_epochs(self, completed: int) -> None:
        """Forget what came after epoch ``completed`` (a run cut short, before resuming)."""
        keep = sum(1 for x in self.x if x <= completed + 1e-9)
        loss, accuracy, steps = self.loss[:keep], self.accuracy[:keep], self.last_batch.steps if self.last_batch else 1
        self.x = self.x[:keep]
        self.loss, self.accuracy, self.smooth_loss, self.smooth_accuracy = [], [], [], []
        self.rows = [row for row in self.rows if row.epoch <= completed]
        beta = smoothing_beta(steps)
        self._smoothers = (_Smoother(beta), _Smoother(beta))
        for lo, ac in zip(loss, accuracy):
            self.loss.append(lo)
            self.accuracy.append(ac)
            self.smooth_loss.append(self._smoothers[0].add(lo))
            self.smooth_accuracy.append(self._smoothers[1].add(ac))
        self.last_batch, self._seen, self._sums = None, 0, (0.0, 0.0)


class TrainingScreen(AppAccess, Screen):
    """Settings, live loss and accuracy plots, progress, finished epochs and live feature maps."""

    BINDINGS = [
        Binding("s", "start", "Start", priority=True),
        Binding("x", "stop", "Stop", priority=True),
        Binding("r", "resume", "Resume", priority=True),
        Binding("right_square_bracket", "maps_layer(1)", "Maps layer", key_display="]", priority=True),
        Binding("left_square_bracket", "maps_layer(-1)", "Prev maps layer", key_display="[", show=False,
                priority=True),
        Binding("escape", "back", "Explorer"),
        Binding("t", "back", "Explorer", show=False, priority=True),
    ]

    class Finished(Message):
        """The worker's trainer returned; ``weights`` are the saved model's if an epoch finished."""

        def __init__(self, done: DoneEvent, weights: Weights | None, path: Path | None, problem: str | None) -> None:
            super().__init__()
            self.done, self.weights, self.path, self.problem = done, weights, path, problem

    class Failed(Message):
        """The trainer raised; ``text`` is one line for the user."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, trainer: Trainer | None = None, *, clock: Callable[[], float] = time.perf_counter,
                 save: bool = True) -> None:
        """``trainer`` defaults to a ``KerasTrainer`` on the app's data folder; ``clock`` stamps the
        events (tests pass a fake one); ``save=False`` gives the trainer no file to save to."""
        super().__init__()
        self.trainer = trainer
        self.clock = clock
        self.save = save
        self.settings = TrainSettings()
        self.history = RunHistory(self.settings.epochs)
        self.running = False
        self.completed = 0  # epochs finished and saved by the last run
        self.done: DoneEvent | None = None
        self.picture: Picture | None = None
        self.map_layer = 0
        self.map_weights: tuple[Weights, str] | None = None
        self.plots_dirty = False
        self._events: deque[tuple[float, object]] = deque()
        self._stop = threading.Event()
        self._started: float | None = None
        self._ended: float | None = None
        self._rate_points: deque[tuple[float, int]] = deque()
        self._plotted_at = -math.inf

    @classmethod
    def open(cls, app: TuiCnnApp) -> None:
        """Show the app's training screen, creating (and installing) it on first use."""
        if not app.is_screen_installed(SCREEN_NAME):
            app.install_screen(cls(), SCREEN_NAME)
        if app.screen is not app.get_screen(SCREEN_NAME):
            app.push_screen(SCREEN_NAME)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="train-settings"):
            yield Label("Epochs")
            yield NumberInput(str(self.settings.epochs), integer=True, max_length=3, id="train-epochs")
            yield Label("Batch")
            yield Select([(str(b), b) for b in BATCH_SIZES], value=self.settings.batch_size, allow_blank=False,
                         compact=True, id="train-batch")
            yield Label("From")
            yield Select([("random weights", "random"), ("shipped model", "shipped")], value=self.settings.start_from,
                         allow_blank=False, compact=True, id="train-from")
            yield Label("Target accuracy")
            yield NumberInput(placeholder="off", max_length=6, id="train-target")
        yield Static(id="train-status")
        yield TrainingProgress(id="train-progress")
        with Horizontal(id="train-plots"):
            yield TrainingPlot("loss", y_range=(0.0, None), id="loss-plot")
            yield TrainingPlot("accuracy", y_range=(None, 1.0), id="accuracy-plot")
        yield Static(legend(), id="train-legend")
        with Horizontal(id="train-bottom"):
            yield DataTable(cursor_type="none", zebra_stripes=True, id="train-table")
            with Vertical(id="train-maps"):
                yield Static(id="train-maps-title")
                yield FeatureGrid(id="train-grid")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title, key in (("epoch", "epoch"), ("loss", "loss"), ("accuracy", "accuracy"), ("val loss", "val_loss"),
                           ("val accuracy", "val_accuracy"), ("seconds", "seconds")):
            table.add_column(title, key=key)
        self.query_one(FeatureGrid).can_focus = False
        self._timer = self.set_interval(TICK_SECONDS, self._tick, pause=True)
        self._set_status("Choose the settings (tab moves between them), then press [b]s[/b] or enter to train.")
        self._show_progress()
        self._redraw_plots()
        self._pin_picture()
        if self.state.weights is not None:
            self._show_maps(self.state.weights, f"Model {self.state.model_label}")

    def on_resize(self) -> None:
        self.query_one("#train-maps").display = self.size.width >= MAPS_MIN_WIDTH

    def on_unmount(self) -> None:
        self._stop.set()  # quitting the app must not wait for the epoch to end

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return True if not self.running else None
        if action == "stop":
            return True if self.running else None
        if action == "resume":
            return True if self._can_resume() else None
        return True

    def action_start(self) -> None:
        settings = self._read_settings()
        if settings is None or self.running:
            return
        self.history = RunHistory(settings.epochs)
        self.query_one(DataTable).clear()
        self._begin(settings)

    def action_resume(self) -> None:
        settings = self._read_settings()
        if settings is None or self.running or not self._can_resume():
            return
        if settings.epochs <= self.completed:
            self._complain(f"{self.completed} epoch(s) are done: set Epochs above {self.completed} to train more")
            return
        self.history.keep_epochs(self.completed)
        self.history.epochs = settings.epochs
        for row_key in list(self.query_one(DataTable).rows):
            if int(str(row_key.value)) > self.completed:
                self.query_one(DataTable).remove_row(row_key)
        self._begin(replace(settings, initial_epoch=self.completed))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_start()

    def action_stop(self) -> None:
        if self.running and not self._stop.is_set():
            self._stop.set()
            self._set_status("Stopping after this batch; the last finished epoch's model is kept...")

    def action_back(self) -> None:
        if self.running:
            self.notify("Training goes on in the background; press t to come back to it.")
        self.app.pop_screen()

    def action_maps_layer(self, step: int) -> None:
        self.map_layer = (self.map_layer + step) % len(MAP_LAYERS)
        if self.map_weights is not None:
            self._show_maps(*self.map_weights)

    def _can_resume(self) -> bool:
        path = self.settings.save_to
        return (not self.running and self.completed > 0 and self.done is not None and path is not None
                and path.is_file())

    def _read_settings(self) -> TrainSettings | None:
        text = self.query_one("#train-epochs", Input).value.strip()
        epochs = int(text) if text.isdigit() else 0
        if not 1 <= epochs <= MAX_EPOCHS:
            self._complain(f"Epochs must be a whole number from 1 to {MAX_EPOCHS}")
            return None
        target = None
        text = self.query_one("#train-target", Input).value.strip()
        if text:
            try:
                target = float(text)
            except ValueError:
                target = math.nan
            target = target / 100 if target > 1 else target
            if not 0 < target <= 1:
                self._complain("Target accuracy takes a fraction like 0.9 or a percentage like 90, or nothing")
                return None
        save_to = paths.user_model_path() if self.save else None
        if save_to is not None:
            try:  # a read-only folder or another trainer of the same file: said now, not after an epoch
                safe_save.check_output(save_to)
            except TuiCnnError as exc:
                self._complain(str(exc))
                return None
        return TrainSettings(epochs, int(self.query_one("#train-batch", Select).value),
                             str(self.query_one("#train-from", Select).value), target, 0, save_to)

    def _complain(self, text: str) -> None:
        self.notify(text, severity="warning")
        self._set_status(f"[$warning]{text}[/]")

    # -- running -----------------------------------------------------------------------------

    def _begin(self, settings: TrainSettings) -> None:
        if self.trainer is None:
            self.trainer = KerasTrainer(data_dir=getattr(self.app, "data_dir", None),
                                        download=getattr(self.app, "download", False))
        self.settings, self.done, self.running = settings, None, True
        self._stop = threading.Event()
        self._events.clear()
        self._rate_points.clear()
        self._started, self._ended = self.clock(), None
        self._pin_picture()
        self.query("#train-settings Input, #train-settings Select").set(disabled=True)
        verb = f"Resuming after epoch {settings.initial_epoch}" if settings.initial_epoch else "Starting"
        self._set_status(f"{verb}...")
        self.plots_dirty = True
        self._tick()
        self._timer.resume()
        self.refresh_bindings()
        self._train(self.trainer, settings, self._stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="training")
    def _train(self, trainer: Trainer, settings: TrainSettings, stop: threading.Event) -> None:
        events, clock = self._events, self.clock

        def emit(event: object) -> None:  # called after every batch: append and return at once
            events.append((clock(), event))

        try:
            done = trainer(settings, emit, stop)
        except Exception as exc:  # any failure ends the run with one line on screen
            if isinstance(exc, ModelSaveError) and exc.model is not None:  # e.g. a full disk
                self.app.call_from_thread(self.app.keep_unsaved_model, exc.model)
            self.post_message(self.Failed(_one_line(exc)))
            return
        weights = problem = None
        if settings.save_to is not None and done.epochs_completed > settings.initial_epoch:
            try:
                weights = read_weights(settings.save_to)
            except ModelFileError as exc:
                problem = str(exc)
        self.post_message(self.Finished(done, weights, settings.save_to, problem))

    def _tick(self) -> None:
        """Take every event that arrived since the last tick and redraw what they changed."""
        new_weights = None
        history = self.history
        while self._events:
            stamp, event = self._events.popleft()
            if isinstance(event, BatchEvent):
                if history.last_batch is None:
                    self._set_status(f"Training: epoch {event.epoch} of {self.settings.epochs}...")
                history.add_batch(event)
                self._rate_points.append((stamp, history.images))
                self.plots_dirty = True
            elif isinstance(event, EpochEvent):
                history.add_epoch(event)
                self._add_row(event)
                self.plots_dirty = True
                if event.epoch < self.settings.epochs and not self._stop.is_set():
                    self._set_status(f"Training: epoch {event.epoch + 1} of {self.settings.epochs}...")
            elif isinstance(event, WeightsEvent):
                new_weights = event
            elif isinstance(event, DoneEvent):
                self.done = event
            elif isinstance(event, Status) and not self._stop.is_set():
                self._set_status(event.text)
        self._show_progress()
        if self.plots_dirty and time.monotonic() - self._plotted_at >= PLOT_SECONDS:
            self._redraw_plots()
        if new_weights is not None:
            where = "start" if new_weights.step == 0 else f"epoch {new_weights.epoch}, batch {new_weights.step:,}"
            self._show_maps(new_weights.weights, f"Weights at {where}")

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self._tick()
        self._end(message.done)
        done, settings = message.done, self.settings
        self.completed = done.epochs_completed
        new = done.epochs_completed - settings.initial_epoch
        if done.reason == "stopped":
            head = (f"Stopped in epoch {done.epochs_completed + 1}: kept epoch {done.epochs_completed}'s model"
                    if new > 0 else "Stopped before an epoch finished: nothing new was saved")
        elif done.reason == "target":
            head = (f"Reached {settings.target_accuracy:.1%} training accuracy after epoch {done.epochs_completed}; "
                    "stopped there")
        else:
            head = f"Finished {done.epochs_completed} epoch(s)"
        if message.weights is not None:
            self.tui.use_model(message.weights, paths.model_label(message.path))
            self._show_maps(message.weights, f"Model after epoch {done.epochs_completed}")
            tail = ". The explorer now uses it (w there: shipped model)"
            self.notify(f"{head}. The explorer now uses this model, saved to {message.path}.", title="Training",
                        timeout=10)
        elif message.problem:
            tail = f", but the saved model cannot be read: {message.problem}"
            self.notify(message.problem, title="Training", severity="error", timeout=15)
        else:
            tail = "; the explorer keeps its model"
        resume = " r resumes." if self._can_resume() and done.reason == "stopped" else ""
        self._set_status(f"{head}{tail}.{resume}")
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._tick()
        self._end(None)
        self._set_status(f"[$error]Training failed: {message.text}[/]")
        self.notify(message.text, title="Training failed", severity="error", timeout=15)
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the worker itself (not the trainer, which is caught) still ends the run cleanly."""
        if event.worker.group == "training" and event.state == WorkerState.ERROR and self.running:
            self.post_message(self.Failed(_one_line(event.worker.error)))

    def _end(self, done: DoneEvent | None) -> None:
        self.running = False
        self.done = done or self.done
        self._ended = self.clock()
        self._timer.pause()
        self.query("#train-settings Input, #train-settings Select").set(disabled=False)
        self._show_progress()
        self._redraw_plots()

    # -- drawing -----------------------------------------------------------------------------

    def _set_status(self, markup: str) -> None:
        self.query_one("#train-status", Static).update(markup, layout=False)  # one line, always

    def _show_progress(self) -> None:
        self.query_one(TrainingProgress).show(self._progress())

    def _progress(self) -> Progress:
        settings, batch = self.settings, self.history.last_batch
        now = self._ended if self._ended is not None else self.clock()
        elapsed = 0.0 if self._started is None else now - self._started
        if batch is None:
            return Progress(elapsed=elapsed)
        while len(self._rate_points) > 2 and self._rate_points[-1][0] - self._rate_points[0][0] > RATE_WINDOW_SECONDS:
            self._rate_points.popleft()
        rate = math.nan
        if len(self._rate_points) >= 2:
            (t0, n0), (t1, n1) = self._rate_points[0], self._rate_points[-1]
            rate = (n1 - n0) / (t1 - t0) if t1 > t0 else math.nan
        run_steps = settings.epochs * batch.steps
        run_step = (batch.epoch - 1) * batch.steps + batch.step
        if self.running:
            eta = (run_steps - run_step) * settings.batch_size / rate if rate > 0 else math.nan
        else:
            eta = 0.0 if self.done and self.done.reason != "stopped" else math.nan
        return Progress(batch.epoch, settings.epochs, batch.step, batch.steps, run_step, run_steps, rate, elapsed, eta)

    def _redraw_plots(self) -> None:
        h = self.history
        val_x = [row.epoch for row in h.rows]
        finished = h.finished
        self.query_one("#loss-plot", TrainingPlot).show_history(
            h.x, h.loss, h.smooth_loss, val_x, [row.val_loss for row in h.rows], h.epochs, finished)
        self.query_one("#accuracy-plot", TrainingPlot).show_history(
            h.x, h.accuracy, h.smooth_accuracy, val_x, [row.val_accuracy for row in h.rows], h.epochs, finished)
        self.plots_dirty = False
        self._plotted_at = time.monotonic()

    def _add_row(self, event: EpochEvent) -> None:
        table = self.query_one(DataTable)
        key = str(event.epoch)
        if key in table.rows:
            table.remove_row(key)
        table.add_row(f"{event.epoch}/{event.epochs}", f"{event.loss:.4f}", f"{event.accuracy:.2%}",
                      _maybe(event.val_loss, "{:.4f}"), _maybe(event.val_accuracy, "{:.2%}"), f"{event.seconds:.1f}",
                      key=key)

    def _pin_picture(self) -> None:
        """Follow the image the explorer shows; it stays pinned for the whole run."""
        self.picture = self.state.picture

    def _show_maps(self, weights: Weights, note: str) -> None:
        """The pinned image's maps in the chosen layer under ``weights`` (a millisecond of numpy)."""
        self.map_weights = (weights, note)
        title = self.query_one("#train-maps-title", Static)
        if self.picture is None:
            title.update("No image to follow")
            return
        acts = activations.compute(weights, self.picture.image)
        name = MAP_LAYERS[self.map_layer]
        output = acts.layer(name)
        probability = float(acts.probabilities[acts.predicted])
        self.query_one(FeatureGrid).show_maps(output.values, (self.picture.key, name, id(weights)), "heatmap",
                                              "inferno", "map", zoom="half" if output.values.shape[0] > 16 else "full")
        title.update(f"[b]{name}[/b] of {self.picture.title} ({self.picture.label_name}) · ] next layer\n"
                     f"{note}: predicts {CLASS_NAMES[acts.predicted]} {probability:.0%}")


def switch_model(app: TuiCnnApp) -> None:
    """Toggle the explorer between the shipped model and the user's trained model file."""
    if app.state.model_label == "shipped":
        path, label = paths.user_model_path(), "trained"
        if not path.is_file():
            app.notify("No trained model yet: press t to train one", severity="warning")
            return
    else:
        path, label = paths.SHIPPED_MODEL, "shipped"
    try:
        weights = read_weights(path)
    except ModelFileError as exc:
        app.notify(str(exc), severity="error", timeout=12)
        return
    app.use_model(weights, label)
    app.notify("The explorer now uses the shipped model" if label == "shipped"
               else f"The explorer now uses your trained model, {path}")


def _maybe(value: float, fmt: str) -> str:
    return fmt.format(value) if np.isfinite(value) else "-"


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, TuiCnnError):
        return str(exc)  # already one line that says what to do
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
