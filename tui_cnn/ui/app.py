"""TuiCnnApp: loads the model and images in the background and hosts the explorer's screens.

Exploring never imports TensorFlow: the model comes straight from its ``.keras`` (or ``.h5``) file
as a chain of numpy layers (``core.network``), so the first maps appear in well under a second.

The app owns the one ``ExploreState`` (``app.state``, see ``tui_cnn.ui.state``): every change goes
through ``update_state``, which publishes it on ``state_changed`` for the screens to redraw.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal

from tui_cnn.core import data, datasets, paths, safe_save
from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.model import ModelFileError, Weights
from tui_cnn.core.network import Network, load_network, network_from_weights
from tui_cnn.core.printable import printable
from tui_cnn.core.runs import Run
from tui_cnn.core.samples import SOURCE as SAMPLES_SOURCE
from tui_cnn.ui.diagnostics import DiagnosticsCache
from tui_cnn.ui.keep import SavesToFiguresDir, file_stem, save_view
from tui_cnn.ui.picture import Picture
from tui_cnn.ui.screens.explorer import ExplorerScreen
from tui_cnn.ui.state import Change, ExploreState

MIN_SIZE = (80, 24)  # every screen is whole from here (snapshots at 80x24 check it); smaller gets a notice
QUIT_NOTICE_SECONDS = 0.4  # long enough to read "stopping", short enough to feel immediate


class TuiCnnApp(SavesToFiguresDir):
    """The tui-cnn explorer."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-cnn"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    class Loaded(Message):
        """The startup worker has a model and a set of images (possibly the built-in samples)."""

        def __init__(self, network: Network | None, model_label: str, images: data.Split | None,
                     problems: list[str], dataset: datasets.Dataset | None = None) -> None:
            super().__init__()
            self.network, self.model_label, self.images, self.problems = network, model_label, images, problems
            self.dataset = dataset

    class DatasetArrived(Message):
        """A background download brought the real dataset after starting on samples."""

        def __init__(self, images: data.Split) -> None:
            super().__init__()
            self.images = images

    class Problem(Message):
        """Something went wrong in a worker; ``text`` is one line for the user."""

        def __init__(self, text: str, title: str = "") -> None:
            super().__init__()
            self.text, self.title = text, title

    class PictureFileLoaded(Message):
        """The user's own picture, decoded and made 28x28 in a worker."""

        def __init__(self, image: np.ndarray, name: str) -> None:
            super().__init__()
            self.image, self.name = image, name

    class PredictionsReady(Message):
        def __init__(self, predictions: np.ndarray, network: Network, images: data.Split) -> None:
            super().__init__()
            self.predictions, self.network, self.images = predictions, network, images

    def __init__(self, *, model_path: Path | None = None, data_dir: str | None = None,
                 weights: Weights | Network | None = None, images: data.Split | None = None,
                 model_label: str = "", download: bool = True, start_index: int = 0,
                 dataset: str | None = None) -> None:
        super().__init__()
        self.model_path = Path(model_path) if model_path else None
        self.data_dir = data_dir
        self.download = download
        self.dataset_choice = dataset  # None: the one the model was trained on, else Fashion-MNIST
        network = network_from_weights(weights) if isinstance(weights, Weights) else weights
        self._given = (network, model_label or (self.model_path.name if self.model_path else ""), images)
        self.state = ExploreState(index=start_index, dataset=datasets.get(dataset) if dataset else datasets.FASHION_MNIST)
        self.state_changed: Signal[Change] = Signal(self, "state_changed")
        self._predicting_for: tuple[int, int] | None = None
        self.diagnostics = DiagnosticsCache()  # confusion matrices and top images, per model and image set
        self.unsaved_model = None  # a trained Keras model that could not be saved (a full disk)

    def update_state(self, **changes: object) -> frozenset[str]:
        """Change the exploring state and tell every subscriber what changed (nothing if nothing did)."""
        changed = self.state.update(**changes)
        if changed:
            self.state_changed.publish(Change(changed))
        return changed

    def get_default_screen(self) -> Screen:
        self.explorer = ExplorerScreen()  # the bottom of the stack; the palette runs its actions
        return self.explorer

    def on_mount(self) -> None:
        self.check_size()
        network, label, images = self._given
        if network is not None and images is not None:
            self.post_message(self.Loaded(network, label, images, []))
        else:
            self.load_startup()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Textual's notification, with file names and other user text shown as written, never obeyed.

        Control characters are escaped (a name can hold escape sequences and newlines), and markup
        is off unless asked for: a file named ``shoe[/b].png`` is not a closing tag.
        """
        super().notify(printable(message), title=printable(title), severity=severity, timeout=timeout,
                       markup=markup)

    # -- loading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="startup")
    def load_startup(self) -> None:
        """Read the model and the test images; fall back to the shipped model and drawn samples."""
        safe_save.clean_stale_temps(paths.user_model_path())  # what a save killed mid-way left behind
        problems: list[str] = []
        network, label = self._load_network(problems)
        dataset = datasets.for_model(self.dataset_choice, network.dataset if network else None)
        try:
            if network is not None:
                datasets.check_fits(network.image_shape, dataset, network.source)
            images = datasets.load_split("test", self.data_dir, dataset.key, download=False)
        except ModelFileError as exc:  # a colour model: the user's own pictures only
            problems.append(f"{exc}. Press o to open a picture.")
            images = None
        except data.DataError as exc:
            images = self._samples(problems)
            if images is not None:
                problems.append(f"{exc}. Meanwhile, here are {len(images)} drawn samples.")
        self.post_message(self.Loaded(network, label, images, problems, dataset))
        fell_back = images is not None and images.source == SAMPLES_SOURCE
        if fell_back and self.download and dataset is datasets.FASHION_MNIST and data.resolve_data_dir(self.data_dir) is None:
            self._download()

    def _load_network(self, problems: list[str]) -> tuple[Network | None, str]:
        chosen = self.model_path or paths.default_model_path()
        candidates = [chosen] if chosen == paths.SHIPPED_MODEL else [chosen, paths.SHIPPED_MODEL]
        for path in candidates:
            try:
                network = load_network(path)
            except ModelFileError as exc:
                problems.append(str(exc))
                continue
            return network, paths.model_label(path)
        return None, ""

    def _samples(self, problems: list[str]) -> data.Split | None:
        from tui_cnn.core.samples import load_samples

        try:
            return load_samples()
        except data.DataError as exc:
            problems.append(str(exc))
            return None

    def _download(self) -> None:
        try:
            images = data.load_split("test", None, download=True)
        except data.DataError as exc:
            self.post_message(self.Problem(str(exc)))
            return
        self.post_message(self.DatasetArrived(images))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        for problem in event.problems:
            self.notify(problem, severity="warning", timeout=12)
        if event.network is None:
            self.notify("No usable model: pass --model FILE or reinstall tui-cnn", severity="error", timeout=30)
            return
        dataset = {"dataset": event.dataset} if event.dataset is not None else {}
        self.update_state(network=event.network, model_label=event.model_label, images=event.images, **dataset)
        self.show_index(min(self.state.index, len(event.images) - 1) if event.images else 0)
        # Everything loaded so far (modules, styles, the model) lives as long as the app: keep it
        # out of the garbage collector's full passes, which otherwise stall a key press now and then.
        gc.freeze()

    @on(DatasetArrived)
    def _dataset_arrived(self, event: DatasetArrived) -> None:
        self.update_state(images=event.images)
        self.notify(f"Fashion-MNIST downloaded: {len(event.images):,} test images")
        self.show_index(0)

    @on(Problem)
    def _problem(self, event: Problem) -> None:
        self.notify(event.text, title=event.title, severity="error", timeout=15)

    # -- images ------------------------------------------------------------------------------

    def show_index(self, index: int) -> None:
        """Show image ``index`` of the image set (wrapping round)."""
        state = self.state
        if not state.images or state.network is None:
            return
        index %= len(state.images)
        self.update_state(index=index, picture=state.picture_at(index))

    def show_picture(self, picture: Picture) -> None:
        self.update_state(picture=picture)

    def step_image(self, step: int) -> None:
        self.show_index(self.state.index + step)

    def use_model(self, model: Weights | Network, label: str) -> None:
        """Explore ``model`` from now on (a model just trained, or the shipped one again)."""
        network = network_from_weights(model) if isinstance(model, Weights) else model
        self.update_state(network=network, model_label=label)

    def ensure_predictions(self) -> None:
        """Start computing every image's prediction (2-3 s for 10,000, 5-6 s while training) unless done."""
        state = self.state
        if state.predictions is not None or state.network is None or state.images is None:
            return
        wanted = (id(state.network), id(state.images))
        if self._predicting_for != wanted:  # not already on its way for this model and image set
            self._predicting_for = wanted
            self.compute_predictions(state.network, state.images)

    @work(thread=True, exclusive=True, exit_on_error=False, group="predictions")
    def compute_predictions(self, network: Network, images: data.Split) -> None:
        from tui_cnn.core.batch import probabilities

        # One BLAS thread: as quick as two on an idle 2-core machine (2.4-2.6 s against 2.0-3.4 s
        # for 10,000 images) and much quicker while the app trains (5.4 s against 6.8-9 s).
        probs = probabilities(network, images.images, threads=1)
        self.post_message(self.PredictionsReady(probs.argmax(axis=1), network, images))

    @on(PredictionsReady)
    def _predictions_ready(self, event: PredictionsReady) -> None:
        if event.network is not self.state.network or event.images is not self.state.images:
            return  # computed for a model or image set that has since been replaced
        self._predicting_for = None
        self.update_state(predictions=event.predictions)

    # -- actions -----------------------------------------------------------------------------

    def action_pick_image(self) -> None:
        from tui_cnn.ui.screens.picker import PickerScreen

        if self.state.images is not None and self.state.network is not None:
            self.push_screen(PickerScreen(), self._picked)

    def open_picker_on(self, indices: np.ndarray, what: str) -> None:
        """The picker listing only ``indices``; the image chosen is shown in the explorer."""
        from tui_cnn.ui.screens.picker import PickerScreen

        self.push_screen(PickerScreen(only=indices, what=what), self._picked_to_explorer)

    def _picked(self, index: int | None) -> None:
        if index is not None:
            self.show_index(index)

    def _picked_to_explorer(self, index: int | None) -> None:
        """Back to the explorer, whatever screens led to the picker, showing the chosen image."""
        if index is None:
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.show_index(index)

    def action_open_file(self) -> None:
        from tui_cnn.ui.screens.prompt_modal import PromptModal

        question = "Open your own image (PNG, JPEG, BMP, GIF or WebP):"
        shape = self.state.network.image_shape if self.state.network is not None else (28, 28, 1)
        hint = ("It becomes a 28x28 light-on-black image like Fashion-MNIST." if shape == (28, 28, 1) else
                f"It is resized to the model's {shape[0]}x{shape[1]} input{' in colour' if shape[2] == 3 else ''}.")
        self.push_screen(PromptModal(question, "path/to/picture.png", hint), self._open_file_result)

    def _open_file_result(self, path: str | None) -> None:
        if path:
            self.load_picture_file(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="picture-file")
    def load_picture_file(self, path: str) -> None:
        """Decode the user's picture off the UI thread: a big photo takes a second, a broken one may be anything."""
        from tui_cnn.core.images import ImageFileError, load_image_file

        shape = self.state.network.image_shape if self.state.network is not None else (28, 28, 1)
        try:
            image = load_image_file(path, shape)
        except ImageFileError as exc:
            self.post_message(self.Problem(str(exc), "Cannot open image"))
            return
        self.post_message(self.PictureFileLoaded(image, Path(path).name))

    @on(PictureFileLoaded)
    def _picture_file_loaded(self, event: PictureFileLoaded) -> None:
        self.show_picture(Picture(event.image, None, printable(event.name)))

    def keep_unsaved_model(self, model) -> None:
        """A trained model the disk would not take: explore it from memory, and offer to save it elsewhere."""
        self.unsaved_model = model
        self.use_model(Weights.from_keras(model), "unsaved")
        self.notify("The explorer uses the trained model from memory. To keep it, save it elsewhere: "
                    "ctrl+p, then 'Save the trained model as'", title="Model not saved", severity="warning",
                    timeout=30)

    def action_save_model_as(self) -> None:
        from tui_cnn.ui.screens.prompt_modal import PromptModal

        if self.unsaved_model is not None:
            self.push_screen(PromptModal("Save the trained model as:", "path/to/model.keras",
                                         "A .keras file; the explorer can open it with --model."), self._save_as)

    def _save_as(self, path: str | None) -> None:
        if path:
            self.save_unsaved_model(self.unsaved_model, Path(path).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="save-model")
    def save_unsaved_model(self, model, path: Path) -> None:
        from tui_cnn.core.model import save_model_atomic

        try:
            safe_save.check_output(path)
            save_model_atomic(model, path)
        except TuiCnnError as exc:
            self.post_message(self.Problem(str(exc), "Model not saved"))
            return
        self.call_from_thread(self._saved_as, model, path)

    def _saved_as(self, model, path: Path) -> None:
        if self.unsaved_model is model:
            self.unsaved_model = None
        self.notify(f"Saved the trained model to {path}", title="Model saved")

    def training_running(self) -> bool:
        return any(worker.group == "training" and worker.is_running for worker in self.workers)

    async def action_quit(self) -> None:
        """Quit at once, also mid-training: the last finished epoch's model is already saved.

        The notice stays on screen for the moment before the app goes; ``run`` then skips
        TensorFlow's slow wind-down, which left a blank terminal for up to half a minute.
        """
        if self.training_running():
            self.notify("Stopping training and quitting; the last finished epoch's model is kept",
                        title="Quitting", timeout=10)
            self.set_timer(QUIT_NOTICE_SECONDS, self.exit)
        else:
            self.exit()

    async def action_help_quit(self) -> None:
        """ctrl+c: during training it stops the training, as in a shell; otherwise it says how to quit."""
        from tui_cnn.ui.screens.training import SCREEN_NAME

        if self.training_running() and self.is_screen_installed(SCREEN_NAME):
            await self.run_action("stop", self.get_screen(SCREEN_NAME))
            self.notify("Training stops after this batch (x does the same); q quits", title="ctrl+c")
        else:
            self.notify("Press q to quit (ctrl+q anywhere, also in a text box)", title="ctrl+c")

    def action_runs(self) -> None:
        """The kept runs; the one picked is explored or resumed."""
        from tui_cnn.ui.screens.runs import RunsScreen
        from tui_cnn.ui.screens.training import SCREEN_NAME

        if isinstance(self.screen, RunsScreen):
            return
        training = self.get_screen(SCREEN_NAME) if self.is_screen_installed(SCREEN_NAME) else None
        running = training.run if training is not None and training.running else None
        self.push_screen(RunsScreen(running=running), self._run_chosen)

    def _run_chosen(self, choice: tuple[str, Run] | None) -> None:
        if choice is None:
            return
        what, run = choice
        if what == "explore":
            self.explore_run(run)
        elif what == "resume":
            from tui_cnn.ui.screens.training import TrainingScreen

            TrainingScreen.open(self).resume_when_ready(run)

    def explore_run(self, run: Run) -> None:
        """Explore ``run``'s model after its last finished epoch, whatever its design."""
        from tui_cnn.ui.screens.explorer import ExplorerScreen

        path, when = run.model_path, "its last finished epoch"
        if not path.is_file():
            self.notify(f"Run {run.id} has no finished epoch to explore yet", severity="warning")
            return
        try:
            weights = load_network(path)
        except ModelFileError as exc:
            self.notify(str(exc), title=f"Cannot explore run {run.id}", severity="error", timeout=12)
            return
        while not isinstance(self.screen, ExplorerScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        self.use_model(weights, f"run {run.id}")
        self.notify(f"Exploring run {run.id} ({run.design.describe()}) at {when}", title="Runs", timeout=8)

    def action_save_view(self) -> None:
        """Save the screen (SVG) and the current layer (a PNG grid of its maps, or .npy) to the figures folder."""
        state = self.state
        output = state.output
        if output is None or state.picture is None:
            self.notify("Nothing to save yet: the model and the image are still loading", severity="warning")
            return
        spec, values = state.spec, output.values
        shape = "x".join(str(d) for d in values.shape)
        title = f"{spec.name}: {spec.title}, output {shape} · {state.picture.title}"
        save_view(self, values, file_stem(spec.name, state.picture.title), state.cmap, state.scale, title)

    def action_help(self) -> None:
        from tui_cnn.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands (without its "Keys" panel: ours lists every key) and every explorer key."""
        yield from (command for command in super().get_system_commands(screen) if command.title != "Keys")
        explorer = self.explorer
        seen = set()
        for binding in ExplorerScreen.BINDINGS:
            if binding.action in seen or binding.action.startswith("goto_layer"):
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.tooltip or binding.description, f"key {binding.key_display or binding.key}",
                                lambda action=binding.action: self.run_action(action, explorer))
        yield SystemCommand("Keys", "every key of every screen, key ?", self.action_help)
        if self.unsaved_model is not None:
            yield SystemCommand("Save the trained model as", "it could not be saved where training saves",
                                self.action_save_model_as)

    # -- terminal size -----------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        await super().on_event(event)
        # The app stops Resize before any handler of ours sees it, so watch for it here.
        if isinstance(event, events.Resize):
            self.call_after_refresh(self.check_size)

    def check_size(self) -> None:
        """Cover the screens with TooSmallScreen while the terminal is too small, and only then."""
        from tui_cnn.ui.screens.too_small import TooSmallScreen

        small = self.size.width < MIN_SIZE[0] or self.size.height < MIN_SIZE[1]
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen(MIN_SIZE))
        elif not small and showing:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Over the too-small screen only quitting works: anything opened there (help, the palette) would
        sit on top of it, and the too-small screen would stay behind once the terminal is large again."""
        from tui_cnn.ui.screens.too_small import TooSmallScreen

        if isinstance(self.screen, TooSmallScreen) and action not in ("quit", "help_quit"):
            return False
        return super().check_action(action, parameters)

def run(data_dir: str | None = None, model_path: Path | None = None, dataset: str | None = None) -> int:
    """Run the app with native libraries' stderr chatter sent to a log file, off the screen."""
    if dataset:
        datasets.get(dataset)  # an unknown name is a usage error before the screen opens
    log = paths.user_data_dir() / "native.log"
    app = TuiCnnApp(model_path=model_path, data_dir=data_dir, dataset=dataset)
    with _stderr_to(log):
        # Our own loop: asyncio.run would wait, after the terminal is restored, for a training
        # thread to notice its stop (Keras checks only between batches, not while it traces the model).
        app.run(loop=asyncio.new_event_loop())
    code = app.return_code or 0
    if "tensorflow" in sys.modules:
        # Every model is already saved atomically (a save cut short leaves only a temporary file that
        # the next start removes); TensorFlow's thread pools take seconds to wind down: skip it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


class _stderr_to:
    """Point file descriptor 2 at a log file while Textual keeps drawing on the real terminal.

    TensorFlow's C++ code writes to fd 2 directly; Textual draws on ``sys.__stderr__``. Giving
    Textual a duplicate of the terminal's descriptor and sending fd 2 to a file keeps both apart.
    """

    def __init__(self, log: Path) -> None:
        self.log = log

    def __enter__(self) -> None:
        self.saved_stderr = sys.__stderr__
        try:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            target = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError:
            self.terminal = None
            return
        self.terminal = os.dup(2)
        os.dup2(target, 2)
        os.close(target)
        sys.__stderr__ = sys.stderr = os.fdopen(os.dup(self.terminal), "w", buffering=1)

    def __exit__(self, *exc: object) -> None:
        if self.terminal is None:
            return
        sys.stderr.flush()
        os.dup2(self.terminal, 2)
        os.close(self.terminal)
        sys.__stderr__ = sys.stderr = self.saved_stderr
