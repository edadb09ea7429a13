"""The shell commands behind ``tui-cnn train|evaluate|summary|show|explain``; each returns an exit code."""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import replace

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tui_cnn.core import activations, confusion, data, datasets, lesson, paths, safe_save
from tui_cnn.core.errors import UsageError
from tui_cnn.core.model import Weights, read_weights
from tui_cnn.core.network import Network, load_network
from tui_cnn.core.printable import printable


class _Console(Console):
    """Rich's console, but a reader that goes away (``| head -1``) ends the command quietly with 0, not 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError  # the CLI's main turns it into a quiet exit


def _model_path(args: argparse.Namespace):
    return args.model or paths.default_model_path()


def _network_and_dataset(args: argparse.Namespace) -> tuple[Network, datasets.Dataset]:
    """The model of ``--model`` and the data set of ``--dataset`` (else the one the model was trained on)."""
    network = load_network(_model_path(args))
    return network, datasets.for_model(getattr(args, "dataset", None), network.dataset)


def _class_names(network: Network, dataset: datasets.Dataset) -> tuple[str, ...]:
    """The data set's class names when the model has as many outputs, else plain numbers."""
    if network.num_classes == len(dataset.class_names):
        return dataset.class_names
    return tuple(f"class {i}" for i in range(network.num_classes))


def train(args: argparse.Namespace) -> int:
    """Train a kept run of the lesson's model (or continue one), showing a live progress bar.

    Every epoch's model is also copied to ``--output`` (by default the model the explorer uses).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from tui_cnn.core import runs
    from tui_cnn.core.training import BatchEvent, EpochEvent

    console = _Console(stderr=True)
    dataset = datasets.get(getattr(args, "dataset", None))
    output = args.output or paths.user_model_path()
    # Everything that can fail is checked before the first line of progress.
    safe_save.check_output(output)  # writable, and no other trainer of the same file: now, not after an epoch
    run, resume = _run_to_train(args, dataset.key)
    train_split, test_split = runs.load_data(run, args.data_dir, download=True)
    console.print(f"Training on {len(train_split):,} images from {_shown(train_split.source)}; "
                  f"run {run.id} in {_shown(run.folder)}; saving to {_shown(output)}")
    where = run.checkpoint() if resume else None
    if where is not None:
        console.print(f"Resuming from {where[0].where()}")
    epochs = run.settings.epochs
    columns = (TextColumn("epoch {task.fields[epoch]}/" + str(epochs)), BarColumn(), MofNCompleteColumn(),
               TextColumn("loss {task.fields[loss]:.4f}  accuracy {task.fields[accuracy]:.4f}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("train", total=None, epoch=1, loss=float("nan"), accuracy=float("nan"))

        def on_event(event) -> None:
            if isinstance(event, BatchEvent):
                if progress.tasks[0].total != event.steps:
                    progress.reset(task, total=event.steps)
                progress.update(task, completed=event.step, epoch=event.epoch, loss=event.loss,
                                accuracy=event.accuracy)
            elif isinstance(event, EpochEvent):
                runs.copy_atomic(run.model_path, output)
                progress.console.print(
                    f"epoch {event.epoch}/{event.epochs}: loss {event.loss:.4f}, accuracy {event.accuracy:.4f}, "
                    f"val_loss {event.val_loss:.4f}, val_accuracy {event.val_accuracy:.4f} ({event.seconds:.1f} s)")

        done = runs.train_run(run, train_split, test_split, on_event, threading.Event(), resume=resume)
    console.print(f"{done.reason}: {done.epochs_completed} epoch(s) complete; model saved to {_shown(output)}")
    return 0


def _run_to_train(args: argparse.Namespace, dataset: str):
    """The run ``train`` works on and whether it resumes: ``--continue RUN``, or a new one on ``dataset``."""
    from dataclasses import replace

    from tui_cnn.core import runs
    from tui_cnn.core.design import LESSON

    if args.continue_run:
        run = runs.find_run(args.continue_run)
        if args.epochs and args.epochs != run.settings.epochs:
            run = run.with_epochs(args.epochs)
        return run, True
    start_from = None
    if args.resume:  # continue training a model file: a new run that starts from its weights
        start_from = str(_model_path(args))
        read_weights(start_from)  # only the lesson's network can be continued this way
    settings = runs.RunSettings(epochs=args.epochs or 5, batch_size=args.batch_size, target_accuracy=args.target_accuracy,
                                checkpoint_every=args.checkpoint_every, limit=args.limit, start_from=start_from)
    return runs.Run.create(replace(LESSON, dataset=dataset), settings, seed=args.seed), False


def runs_list(args: argparse.Namespace) -> int:
    """Every kept run: design, parameters, epochs, accuracies, seconds per epoch, status."""
    from tui_cnn.core import runs

    found = runs.list_runs()
    console = _Console()
    if not found:
        console.print(f"No runs yet in {_shown(runs.runs_dir())}: `tui-cnn train` makes one")
        return 0
    table = Table(title=f"Runs in {_shown(runs.runs_dir())}", title_justify="left")
    for title in runs.SUMMARY_COLUMNS:
        table.add_column(title, justify="right" if title in ("params", "epochs") else "left",
                         no_wrap=title != "design")
    for row in found:
        table.add_row(*runs.summary_cells(row))
    console.print(table)
    return 0


def _shown(text: object) -> str:
    """A user-supplied name as Rich prints it: control characters escaped, brackets not read as markup."""
    return escape(printable(text))


def _limit(split: data.Split, limit: int | None) -> data.Split:
    if not limit:
        return split
    return replace(split, images=split.images[:limit], labels=split.labels[:limit])


def evaluate(args: argparse.Namespace) -> int:
    """Test accuracy of the model, overall and per class, computed in numpy by the model's own layers."""
    network, dataset = _network_and_dataset(args)
    datasets.check_fits(network.image_shape, dataset, network.source)
    test = _limit(datasets.load_split("test", args.data_dir, dataset.key), args.limit)
    if network.num_classes != len(dataset.class_names):
        from tui_cnn.core.network import InputMismatchError

        raise InputMismatchError(f"{network.source}: the model has {network.num_classes} outputs but "
                                 f"{dataset.title} has {len(dataset.class_names)} classes")
    started = time.perf_counter()
    from tui_cnn.core import batch

    predicted = np.argmax(batch.probabilities(network, test.images), axis=1)  # the diagnostics' quicker forward
    seconds = time.perf_counter() - started
    correct = predicted == test.labels
    console = _Console()
    console.print(f"{_shown(network.source)} on {len(test):,} {dataset.title} test images from {_shown(test.source)}")
    table = Table()
    table.add_column("class")
    table.add_column("images", justify="right")
    table.add_column("accuracy", justify="right")
    for label, name in enumerate(dataset.class_names):
        mask = test.labels == label
        if mask.any():
            table.add_row(f"{label} {name}", f"{mask.sum():,}", f"{correct[mask].mean():.4f}")
    table.add_section()
    table.add_row("all", f"{len(test):,}", f"{correct.mean():.4f}", style="bold")
    console.print(table)
    console.print(f"test accuracy: {correct.mean():.4f} ({correct.sum():,} of {len(test):,}) in {seconds:.1f} s")
    _print_confusion(console, confusion.from_predictions(test.labels, predicted, len(dataset.class_names)),
                     dataset.class_names)
    return 0


def _print_confusion(console: Console, conf: confusion.Confusion, names: tuple[str, ...]) -> None:
    from tui_cnn import render_why

    console.print()
    console.print("[b]Confusion matrix[/b] (rows: the true class; columns: what the model said)")
    console.print(render_why.confusion_table(conf, names, ascii_only=console.color_system is None,
                                              width=console.width))
    console.print()
    console.print("[b]Most confused[/b]")
    console.print(render_why.worst_pairs(conf, names))


def summary(args: argparse.Namespace) -> int:
    """Each layer's output shape and parameter count, as model.summary() shows them."""
    path = _model_path(args)
    network = load_network(path)
    table = Table(title=f"Model: {_shown(network.name)} ({_shown(path.name)})", title_justify="left")
    table.add_column("Layer (type)")
    table.add_column("Output Shape")
    table.add_column("as a picture", justify="right")
    table.add_column("Param #", justify="right")
    for name, keras_class, shape, params in network.summary_rows():
        table.add_row(_shown(f"{name} ({keras_class})"), lesson.keras_shape(shape), lesson.shape_text(shape),
                      f"{params:,}")
    console = _Console()
    console.print(table)
    summary = lesson.summary_of(network)  # the optimizer's state as Keras counts it once it loaded the file
    for line in summary.keras_totals():
        console.print(line)
    if summary.optimizer_note:
        console.print(summary.optimizer_note)
    return 0


def show(args: argparse.Namespace) -> int:
    """Print one layer's maps (or vector) for a test image or an image file."""
    from tui_cnn import render

    network, dataset = _network_and_dataset(args)
    layer = network.layers[network.index(args.layer)]
    if args.cmap not in render.CMAP_NAMES:
        raise UsageError(f"unknown colour map {args.cmap!r}; choose one of {', '.join(render.CMAP_NAMES)}")
    # Checked before anything is printed, so that a bad range ends in the error line alone.
    spatial = len(layer.output_shape) == 3
    channels = parse_channels(args.channels, layer.output_shape[2]) if spatial else None
    if args.output:
        from tui_cnn.figure import check_output

        check_output(args.output, spatial)
    names = _class_names(network, dataset)
    image, origin = _chosen_image(args, network, dataset)
    acts = network.activations(image)
    output = acts.layers[network.layers.index(layer)]
    if args.output:
        return _save_figure(args, layer, output.values, channels, origin)
    console, mode = _console_and_mode(args)
    prediction = acts.predicted
    # escape: a file name such as "shoe[/b].png" is not Rich markup (it raised MarkupError).
    console.print(f"{_shown(origin)}: predicted {_shown(names[prediction])} ({acts.probabilities[prediction]:.1%})")
    shape = "x".join(str(d) for d in output.shape)
    title = _shown(f"layer {layer.name}: {layer.title}, output {shape}")
    if spatial:
        console.print(f"{title}, channels {channels[0]}-{channels[-1]} of {output.shape[2]}")
        console.print(render.MapGrid(output.values, channels, mode, args.cmap, args.scale))
    elif layer.kind == "output":
        console.print(title)
        console.print(render.bars(output.values.reshape(-1), names, ascii_only=args.mode == "ascii", highlight=prediction))
    else:
        console.print(title)
        console.print(render.vector_strip(output.values.reshape(-1), min(64, console.width), mode, args.cmap))
    return 0


def _save_figure(args: argparse.Namespace, layer, values: np.ndarray, channels: list[int] | None, origin: str) -> int:
    from tui_cnn.figure import save_layer

    shape = "x".join(str(d) for d in values.shape)
    title = f"{layer.name}: {layer.title}, output {shape} · {origin}"
    save_layer(args.output, values, channels, args.cmap, args.scale, title)
    what = f"channels {channels[0]}-{channels[-1]}" if channels else "values"
    print(f"wrote {layer.name}'s {what} to {args.output}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """The explorer in a web browser: textual-serve runs the app for each browser tab."""
    from tui_cnn.serve import serve as run_server

    return run_server(args.host, args.port, args.data_dir, args.model, args.dataset)


def watch(args: argparse.Namespace) -> int:
    """The live training panel on a log file that another process writes."""
    from tui_cnn.core.errors import UsageError

    if args.path.is_dir():
        raise UsageError(f"{args.path} is a folder: name the log file in it")
    from tui_cnn.ui.watch_app import run

    return run(args.path, stale_seconds=args.stale)


def _chosen_image(args: argparse.Namespace, network: Network | None = None,
                  dataset: datasets.Dataset | None = None) -> tuple[np.ndarray, str]:
    """The image of ``--image FILE`` or test image ``--index N``, and a phrase saying which it is."""
    from tui_cnn.core.images import load_image_file

    shape = network.image_shape if network is not None else (28, 28, 1)
    dataset = dataset or datasets.FASHION_MNIST
    if args.image:
        return load_image_file(args.image, shape), str(args.image)
    if network is not None:
        datasets.check_fits(shape, dataset, network.source)
    test = datasets.load_split("test", args.data_dir, dataset.key)
    if not 0 <= args.index < len(test):
        raise UsageError(f"test image {args.index} does not exist; choose 0 to {len(test) - 1}")
    label = test.class_names[test.labels[args.index]]
    return test.images[args.index], f"test image {args.index} ({label})"


def _console_and_mode(args: argparse.Namespace) -> tuple[Console, str]:
    """A console honouring ``--color``, and ``--mode`` (ASCII when there is no colour)."""
    console = _Console(force_terminal=True if args.color == "always" else None, no_color=args.color == "never")
    if args.mode == "heatmap" and (console.no_color or console.color_system is None):
        # Without colour a heatmap is rows of identical half blocks (e.g. when piped to a file).
        return console, "ascii"
    return console, args.mode


def explain(args: argparse.Namespace) -> int:
    """Print where the model looked for an image: its occlusion and saliency maps (any explorable model)."""
    from tui_cnn import render, render_why
    from tui_cnn.core import batch, occlusion, saliency

    if args.cmap not in render.CMAP_NAMES:
        raise UsageError(f"unknown colour map {args.cmap!r}; choose one of {', '.join(render.CMAP_NAMES)}")
    net, dataset = _network_and_dataset(args)
    names = _class_names(net, dataset)
    target = parse_class(args.target, names) if args.target is not None else None
    image, origin = _chosen_image(args, net, dataset)
    probs = batch.as_probabilities(net, net.forward(net.prepare(image[None]))[-1])[0]
    predicted = int(probs.argmax())
    target = predicted if target is None else target
    console, mode = _console_and_mode(args)
    console.print(f"{_shown(origin)}: predicted {names[predicted]} ({probs[predicted]:.1%}); "
                  f"explaining {names[target]} ({probs[target]:.1%})")
    occluded = occlusion.compute(net, image, target)
    salient = saliency.compute(net, image, target)
    shown = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
    # Only drops are drawn: where hiding a part raised the probability counts as not looked at.
    heats = ((np.maximum(occluded.pixels, 0.0), occluded.how, "occlusion"), (salient.magnitude, salient.how, "saliency"))
    for heat, how, title in heats:
        console.print()
        console.print(how)
        console.print(render_why.where_maps(shown, heat, title, mode, args.cmap, width=console.width))
    return 0


def parse_class(text: str, names: tuple[str, ...] = data.CLASS_NAMES) -> int:
    """A class given by number or by name, case-insensitive ('shirt', 'Ankle boot', 't-shirt')."""
    wanted = text.strip().lower()
    if wanted.isdigit() and int(wanted) < len(names):
        return int(wanted)
    for label, name in enumerate(names):
        if wanted in (name.lower(), name.lower().split("/")[0]):
            return label
    choices = ", ".join(f"{i}={n}" for i, n in enumerate(names))
    raise UsageError(f"unknown class {text!r}; choose one of {choices}")


def parse_channels(text: str, count: int) -> list[int]:
    """'all', '5' or '0-15' to a list of channel numbers within 0..count-1."""
    text = text.strip().lower()
    if text == "all":
        return list(range(count))
    try:
        first, _, last = text.partition("-")
        lo, hi = int(first), int(last or first)
    except ValueError:
        raise UsageError(f"channels {text!r}: use a number, a range such as 0-15, or all") from None
    if not 0 <= lo <= hi < count:
        raise UsageError(f"channels {text!r}: must lie within 0-{count - 1}")
    return list(range(lo, hi + 1))
