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
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input, Label, Select, Static
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui_cnn.core import activations, data, datasets, paths, runs, safe_save
from tui_cnn.core.curves import RunHistory, from_log
from tui_cnn.core.data import CLASS_NAMES, Split
from tui_cnn.core.design import LESSON, Design
from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.model import (ModelFileError, ModelSaveError, Weights, import_keras, keras_imported,
                                read_weights)
from tui_cnn.core.network import load_network
from tui_cnn.core.runs import Run
from tui_cnn.core.training import MAX_EPOCHS, BatchEvent, DoneEvent, EpochEvent, Position, WeightsEvent
from tui_cnn.ui.picture import Picture
from tui_cnn.ui.state import AppAccess
from tui_cnn.ui.widgets.epoch_table import EpochTable
from tui_cnn.ui.widgets.feature_grid import FeatureGrid
from tui_cnn.ui.widgets.network_designer import NetworkDesigner
from tui_cnn.ui.widgets.number_input import NumberInput
from tui_cnn.ui.widgets.training_plot import TrainingPlot, legend, show_run
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
WARM_AFTER_SECONDS = 1.5  # after the last edit of the design, trace it in the background
MAP_LAYERS = ("conv1", "pool1", "conv2", "pool2")
MAPS_MIN_WIDTH = 96  # narrower, the finished-epochs table takes the whole bottom row


@dataclass(frozen=True)
class TrainSettings:
    """What to train: a new run of ``design``, or (``resume``) a kept run from its last checkpoint.

    ``initial_epoch`` is how many epochs the resumed run had finished; ``save_to`` (if set) also
    receives each finished epoch's model, as the model the explorer calls "trained".
    """

    epochs: int = 5
    batch_size: int = 32
    start_from: str = "random"  # "random" (fresh weights) or "shipped" (the model in assets/)
    target_accuracy: float | None = None
    initial_epoch: int = 0
    save_to: Path | None = None
    design: Design = LESSON
    resume: Run | None = None


@dataclass(frozen=True)
class Status:
    """A line about what the trainer is doing when there are no batches to show (loading...)."""

    text: str


@dataclass(frozen=True)
class RunStarted:
    """The trainer made (or reopened) ``run``; ``position`` is where a resumed run goes on from."""

    run: Run
    position: Position | None = None


Emit = Callable[[object], None]
Trainer = Callable[[TrainSettings, Emit, threading.Event], DoneEvent]


class KerasTrainer:
    """Train a kept run with Keras through ``core.runs.train_run``.

    The training and validation sets are given (tests, benchmarks) or loaded on first use for the
    design's data set, from ``data_dir`` or Keras' cache (downloading only if ``download``), and
    kept for later runs, with their float copies for Keras. ``prepare`` does the slow first-time
    work ahead of time (importing TensorFlow, reading the images, tracing the model's training step
    in ``pool``), so that a start shows its first batch at once.
    """

    def __init__(self, data_dir: str | None = None, download: bool = False, train_split: Split | None = None,
                 val_split: Split | None = None, seed: int | None = None, weights_every: int = WEIGHTS_EVERY,
                 checkpoint_every: int = runs.CHECKPOINT_EVERY) -> None:
        self.data_dir, self.download, self.seed, self.weights_every = data_dir, download, seed, weights_every
        self.checkpoint_every = checkpoint_every
        self.given = (train_split, val_split)
        self._splits: dict[str, tuple[Split, Split]] = {}
        self._lock = threading.Lock()  # prepare (in the background) and a start may both want the data
        self._busy = threading.Lock()  # one model of the pool trains (or is warmed) at a time
        self.pool = runs.ModelPool()

    def prepare(self, dataset: str = "fashion_mnist", emit: Emit | None = None) -> tuple[Split, Split]:
        """Import TensorFlow and load ``dataset`` once; later calls return at once."""
        emit = emit or (lambda event: None)
        if not keras_imported():
            emit(Status("loading TensorFlow..."))
        import_keras()
        with self._lock:
            if dataset not in self._splits:
                train_split, val_split = self.given
                if train_split is None:
                    emit(Status(f"loading the {datasets.get(dataset).title} training images..."))
                    train_split = datasets.load_split("train", self.data_dir, dataset, download=self.download)
                if val_split is None:
                    val_split = datasets.load_split("test", self.data_dir, dataset, download=self.download)
                train_split.model_input, val_split.model_input  # noqa: B018  (converted once, here)
                self._splits[dataset] = (train_split, val_split)
            return self._splits[dataset]

    @property
    def busy(self) -> bool:
        """Whether a model is training or being warmed right now."""
        return self._busy.locked()

    def warm(self, design: Design, batch_size: int = 32) -> None:
        """Trace ``design``'s training step now, so that its next start trains at once."""
        with self._busy:
            self.pool.warm(design, batch_size)

    def ready(self, design: Design = LESSON) -> bool:
        """Whether the background preparation is done for ``design``: a start then goes straight to training."""
        return keras_imported() and design.dataset in self._splits and self.pool.has(design)

    def __call__(self, settings: TrainSettings, emit: Emit, stop: threading.Event) -> DoneEvent:
        run = settings.resume
        design = run.design if run is not None else settings.design
        train_split, val_split = self.prepare(design.dataset, emit)
        if stop.is_set():
            return _done(emit, "stopped", settings.initial_epoch)
        if run is None:
            start_from = str(paths.SHIPPED_MODEL) if settings.start_from == "shipped" else None
            run = Run.create(design, runs.RunSettings(settings.epochs, settings.batch_size, settings.target_accuracy,
                                                      self.checkpoint_every, start_from=start_from),
                             seed=self.seed if self.seed is not None else int(time.time()) % 100_000)
        elif (settings.epochs, settings.target_accuracy) != (run.settings.epochs, run.settings.target_accuracy):
            run = run.with_settings(epochs=settings.epochs, target_accuracy=settings.target_accuracy)
        found = run.checkpoint() if settings.resume is not None else None
        position = found[0] if found else None
        emit(RunStarted(run, position))
        verb = f"resuming run {run.id} from {position.where()}" if position else f"run {run.id}"
        emit(Status(f"{verb}: training on {len(train_split):,} images from {train_split.source} "
                    "(Keras traces the model first)..."))
        weights_every = self.weights_every if design.is_lesson else 0  # the maps view reads the lesson's layers
        with self._busy:
            return runs.train_run(run, train_split, val_split, _copying(emit, run, settings.save_to), stop,
                                  resume=settings.resume is not None, weights_every=weights_every, pool=self.pool)


def _copying(emit: Emit, run: Run, save_to: Path | None) -> Emit:
    """``emit``, and after each epoch a copy of the run's model at ``save_to`` (the explorer's "trained")."""
    if save_to is None or not run.design.is_lesson:
        return emit

    def copy_then_emit(event: object) -> None:
        if isinstance(event, EpochEvent):
            runs.copy_atomic(run.model_path, save_to)
        emit(event)

    return copy_then_emit


def _done(emit: Emit, reason: str, completed: int) -> DoneEvent:
    event = DoneEvent(reason, completed)
    emit(event)
    return event


class TrainingScreen(AppAccess, Screen):
    """Settings, live loss and accuracy plots, progress, finished epochs and live feature maps."""

    BINDINGS = [
        Binding("s", "start", "Start", priority=True),
        Binding("x", "stop", "Stop", priority=True),
        Binding("r", "resume", "Resume", priority=True),
        Binding("d", "toggle_designer", "Design", priority=True,
                tooltip="The network to train: blocks, filters, kernels, pooling, dense layer, data set"),
        Binding("l", "lesson_design", "Lesson's network", show=False, priority=True),
        Binding("R", "app.runs", "Runs", priority=True, tooltip="Every kept run: compare, explore, resume, delete"),
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

    class Resumable(Message):
        """The newest kept run that can be resumed (or None), found by a worker."""

        def __init__(self, run: Run | None) -> None:
            super().__init__()
            self.run = run

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
        self.run: Run | None = None  # the run this screen trained last (or is training)
        self.resumable: Run | None = None  # the newest kept run that can go on, found in the background
        self.resumed_from: Position | None = None
        self._pending_resume: Run | None = None
        self._warm_timer: Timer | None = None
        self._batches_arrived = False
        self.design: Design | None = LESSON  # what the designer shows, None while impossible
        self.design_problem = ""
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
    def open(cls, app: TuiCnnApp) -> TrainingScreen:
        """Show the app's training screen, creating (and installing) it on first use."""
        if not app.is_screen_installed(SCREEN_NAME):
            app.install_screen(cls(), SCREEN_NAME)
        screen = app.get_screen(SCREEN_NAME)
        if app.screen is not screen:
            app.push_screen(SCREEN_NAME)
        return screen

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
        with ContentSwitcher(initial="train-live", id="train-views"):
            with Vertical(id="train-live"):
                with Horizontal(id="train-plots"):
                    yield TrainingPlot("loss", y_range=(0.0, None), id="loss-plot")
                    yield TrainingPlot("accuracy", y_range=(None, 1.0), id="accuracy-plot")
                yield Static(legend(), id="train-legend")
                with Horizontal(id="train-bottom"):
                    yield EpochTable(id="train-table")
                    with Vertical(id="train-maps"):
                        yield Static(id="train-maps-title")
                        yield FeatureGrid(id="train-grid")
            yield NetworkDesigner(LESSON, id="train-designer")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(FeatureGrid).can_focus = False
        self._timer = self.set_interval(TICK_SECONDS, self._tick, pause=True)
        self._set_status("Choose the settings (tab moves between them), then press [b]s[/b] or enter to train; "
                         "[b]d[/b] designs the network.")
        self._show_progress()
        self._redraw_plots()
        if self.trainer is None:
            self.trainer = KerasTrainer(data_dir=getattr(self.app, "data_dir", None),
                                        download=getattr(self.app, "download", False))
        if isinstance(self.trainer, KerasTrainer):
            self._prepare(self.trainer)
        self._find_resumable()
        if self._pending_resume is not None:
            self.call_after_refresh(self.resume_run, self._pending_resume)
            self._pending_resume = None
        self._pin_picture()
        if self.state.weights is not None:
            self._show_maps(self.state.weights, f"Model {self.state.model_label}")
        else:
            self._no_maps(f"The explorer shows {self.state.model_label}, another network")

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
            return True if not self.running and self._resume_target() is not None else None
        if action == "lesson_design":
            return True if self._designing() and not self.running else None
        return True

    def action_start(self) -> None:
        settings = self._read_settings()
        if settings is None or self.running:
            return
        if self.design is None:
            self._complain(f"This network cannot be built: {self.design_problem}")
            return
        if settings.start_from == "shipped" and not self.design.is_lesson:
            self._complain("The shipped model is the lesson's network: design that (l), or start from random weights")
            return
        self.history = RunHistory(settings.epochs)
        self.query_one(EpochTable).clear()
        self._begin(replace(settings, design=self.design))

    def action_resume(self) -> None:
        run = self._resume_target()
        if self.running or run is None:
            return
        if run is not self.run:  # a run from before (another session): it keeps its own epochs and target
            self.resume_run(run)
            return
        settings = self._read_settings()  # this session's run: the controls may ask for more epochs
        if settings is not None:
            self.resume_run(run, settings)

    def resume_when_ready(self, run: Run) -> None:
        """``resume_run(run)`` now, or once the screen is mounted if it was only just pushed."""
        if self.is_mounted:
            self.resume_run(run)
        else:
            self._pending_resume = run

    def resume_run(self, run: Run, settings: TrainSettings | None = None) -> None:
        """Continue ``run`` from its last checkpoint, its curves and table read back from its log.

        ``settings`` come from the screen's controls (this session's run: more epochs, another
        target); without them (a run picked on the runs screen) the run keeps its own.
        """
        if self.running:
            self.notify("A run is training: stop it first", severity="warning")
            return
        try:
            found = run.checkpoint()
        except runs.RunError as exc:
            self._complain(str(exc))
            return
        position = found[0] if found else Position()
        if settings is None:
            settings = TrainSettings(run.settings.epochs, run.settings.batch_size, target_accuracy=run.settings.target_accuracy,
                                     save_to=paths.user_model_path() if self.save else None)
            self.query_one("#train-epochs", Input).value = str(run.settings.epochs)
            target = run.settings.target_accuracy
            self.query_one("#train-target", Input).value = "" if target is None else f"{target:g}"
        if settings.epochs < position.epoch:
            done = position.epochs_completed
            self._complain(f"{done} epoch(s) are done: set Epochs above {done} to train more")
            return
        self.history = from_log(run.events(), settings.epochs)
        table = self.query_one(EpochTable)
        table.clear()
        for row in self.history.rows:
            table.show_epoch(row)
        self.query_one(NetworkDesigner).set_design(run.design)
        self._begin(replace(settings, batch_size=run.settings.batch_size, initial_epoch=position.epochs_completed,
                            design=run.design, resume=run))

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

    def _resume_target(self) -> Run | None:
        """This session's run if it stopped short, else the newest kept run that can go on."""
        if self.run is not None and self.done is not None and self.done.reason == "stopped":
            return self.run
        return self.resumable

    @work(thread=True, exclusive=True, exit_on_error=False, group="find-runs")
    def _find_resumable(self) -> None:
        found = [summary.run for summary in runs.list_runs() if summary.resumable]
        self.post_message(self.Resumable(found[-1] if found else None))

    @on(Resumable)
    def _resumable(self, message: Resumable) -> None:
        self.resumable = message.run
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="prepare")
    def _prepare(self, trainer: KerasTrainer, design: Design = LESSON, batch_size: int = 32) -> None:
        """Import TensorFlow, read the images and trace the design while the learner chooses, so a start is quick."""
        try:
            trainer.prepare(design.dataset)
            trainer.warm(design, batch_size)
        except data.DataError:
            pass  # a start reports it, in one line, when the images are really needed

    # -- the designer --------------------------------------------------------------------------

    def _warm_design(self) -> None:
        self._warm_timer = None
        if self.design is not None and isinstance(self.trainer, KerasTrainer) and not self.running:
            batch = self.query_one("#train-batch", Select).value
            self._prepare(self.trainer, self.design, int(batch) if isinstance(batch, int) else 32)

    def _designing(self) -> bool:
        return self.query_one(ContentSwitcher).current == "train-designer"

    def action_toggle_designer(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "train-live" if self._designing() else "train-designer"
        if self._designing():
            self.query_one("#design-blocks").focus()
        self.refresh_bindings()

    def action_lesson_design(self) -> None:
        self.query_one(NetworkDesigner).set_design(LESSON)

    @on(NetworkDesigner.Changed)
    def _design_changed(self, message: NetworkDesigner.Changed) -> None:
        self.design, self.design_problem = message.design, message.problem or ""
        if message.design is not None and isinstance(self.trainer, KerasTrainer):
            # Prepared a moment after the last edit, not at every one: tracing takes a second of CPU.
            if self._warm_timer is not None:
                self._warm_timer.stop()
            self._warm_timer = self.set_timer(WARM_AFTER_SECONDS, self._warm_design)
        if message.design is None:
            self._set_status(f"[$error]{escape(message.problem or '')}[/]")
        elif not self.running:
            design = message.design
            self._set_status(f"{escape(design.describe())}: {design.param_count:,} parameters. "
                             "[b]s[/b] trains it, [b]l[/b] goes back to the lesson's network.")

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
        self.settings, self.done, self.running = settings, None, True
        self.run = self.resumed_from = None  # until the trainer says which run it trains
        self._batches_arrived = False
        self.query_one(ContentSwitcher).current = "train-live"
        self.query_one(NetworkDesigner).disabled = True
        self._stop = threading.Event()
        self._events.clear()
        self._rate_points.clear()
        self._started, self._ended = self.clock(), None
        self._pin_picture()
        if not settings.design.is_lesson:
            self._no_maps("This run's network is your design: explore it when it ends")
        self.query("#train-settings Input, #train-settings Select").set(disabled=True)
        self._set_status(f"Resuming run {settings.resume.id}..." if settings.resume else "Starting...")
        self.plots_dirty = True
        self._tick()
        self._timer.resume()
        self.refresh_bindings()
        self._train(self.trainer, settings, self._stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="training")
    def _train(self, trainer: Trainer, settings: TrainSettings, stop: threading.Event) -> None:
        events, clock = self._events, self.clock
        started: list[Run] = []

        def emit(event: object) -> None:  # called after every batch: append and return at once
            if isinstance(event, RunStarted):
                started.append(event.run)
            events.append((clock(), event))

        try:
            done = trainer(settings, emit, stop)
        except Exception as exc:  # any failure ends the run with one line on screen
            if isinstance(exc, ModelSaveError) and exc.model is not None:  # e.g. a full disk
                self.app.call_from_thread(self.app.keep_unsaved_model, exc.model)
            self.post_message(self.Failed(_one_line(exc)))
            return
        path = started[-1].model_path if started else settings.save_to
        weights = problem = None
        if path is not None and done.epochs_completed > settings.initial_epoch:
            try:
                weights = load_network(path)  # any design: the explorer follows any network
            except ModelFileError as exc:
                problem = str(exc)
        self.post_message(self.Finished(done, weights, path, problem))

    def _tick(self) -> None:
        """Take every event that arrived since the last tick and redraw what they changed."""
        new_weights = None
        history = self.history
        while self._events:
            stamp, event = self._events.popleft()
            if isinstance(event, BatchEvent):
                if not self._batches_arrived:
                    self._batches_arrived = True
                    self._set_status(f"Training{self._resumed_note()}: epoch {event.epoch} of {self.settings.epochs}...")
                history.add_batch(event)
                self._rate_points.append((stamp, history.images))
                self.plots_dirty = True
            elif isinstance(event, EpochEvent):
                history.add_epoch(event)
                self.query_one(EpochTable).show_epoch(event)
                self.plots_dirty = True
                if event.epoch < self.settings.epochs and not self._stop.is_set():
                    self._set_status(f"Training{self._resumed_note()}: epoch {event.epoch + 1} of "
                                     f"{self.settings.epochs}...")
            elif isinstance(event, WeightsEvent):
                new_weights = event
            elif isinstance(event, DoneEvent):
                self.done = event
            elif isinstance(event, Status) and not self._stop.is_set():
                self._set_status(escape(event.text))
            elif isinstance(event, RunStarted):
                self.run, self.resumed_from = event.run, event.position
                if event.position is not None:
                    self._set_status(f"Resuming run {event.run.id} from {event.position.where()}...")
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
        done, settings, run = message.done, self.settings, self.run
        self.completed = done.epochs_completed
        new = done.epochs_completed - settings.initial_epoch
        name = f" run {run.id}" if run is not None else ""
        if done.reason == "stopped":
            found = _checkpoint(run)
            head = (f"Stopped{name} at {found.where()}; r resumes from there" if found and found.batch
                    else f"Stopped{name}" + ("; r resumes" if found else ""))
        elif done.reason == "target":
            head = (f"Reached {settings.target_accuracy:.1%} training accuracy after epoch {done.epochs_completed}; "
                    "stopped there, as the lesson's callback does")
        else:
            head = f"Finished {done.epochs_completed} epoch(s)" + (f" of{name}" if name else "")
        if message.weights is not None:
            label = f"run {run.id}" if run is not None else paths.model_label(message.path)
            self.tui.use_model(message.weights, label)
            lesson = message.weights.lesson_weights()
            if lesson is not None:  # the live maps follow the lesson's layers
                self._show_maps(lesson, f"Model after epoch {done.epochs_completed}")
            tail = f". The explorer now uses epoch {done.epochs_completed}'s model"
            self.notify(f"{head}. The explorer now uses epoch {done.epochs_completed}'s model ({message.path}).",
                        title="Training", timeout=10)
        elif message.problem:
            tail = f", but the explorer cannot show this model yet: {message.problem}"
            self.notify(message.problem, title="Training", severity="warning", timeout=15)
        else:
            tail = "; the explorer keeps its model" if new <= 0 else ""
        self._set_status(f"{escape(head)}{escape(tail)}.")
        self._find_resumable()
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
        self.query_one(NetworkDesigner).disabled = False
        self._show_progress()
        self._redraw_plots()

    # -- drawing -----------------------------------------------------------------------------

    def _resumed_note(self) -> str:
        """`` run X (resumed from epoch 3, batch 1,200 of 1,875)`` while a resumed run trains."""
        if self.run is None:
            return ""
        where = f" (resumed from {self.resumed_from.where()})" if self.resumed_from is not None else ""
        return f" run {self.run.id}{where}"

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
        show_run(self.query_one("#loss-plot", TrainingPlot), self.query_one("#accuracy-plot", TrainingPlot), self.history)
        self.plots_dirty = False
        self._plotted_at = time.monotonic()

    def _pin_picture(self) -> None:
        """Follow the image the explorer shows; it stays pinned for the whole run."""
        self.picture = self.state.picture

    def _no_maps(self, why: str) -> None:
        """No live maps: they follow the lesson's layers (conv1 to pool2), which other networks lack."""
        self.map_weights = None
        self.query_one(FeatureGrid).display = False
        self.query_one("#train-maps-title", Static).update(
            f"[b]No live maps[/b]: they follow the lesson's layers only\n{escape(why)}")

    def _show_maps(self, weights: Weights, note: str) -> None:
        """The pinned image's maps in the chosen layer under ``weights`` (a millisecond of numpy)."""
        self.map_weights = (weights, note)
        self.query_one(FeatureGrid).display = True
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


def _checkpoint(run: Run | None) -> Position | None:
    try:
        found = run.checkpoint() if run is not None else None
    except runs.RunError:
        return None
    return found[0] if found else None


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, TuiCnnError):
        return str(exc)  # already one line that says what to do
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
