"""The shell commands behind ``tui-cnn train|evaluate|summary|show|explain``; each returns an exit code."""

from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tui_cnn.core import activations, confusion, data, lesson, paths, safe_save
from tui_cnn.core.model import LAYERS, Weights, layer_index, read_weights
from tui_cnn.core.printable import printable


class _Console(Console):
    """Rich's console, but a reader that goes away (``| head -1``) ends the command quietly with 0, not 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError  # the CLI's main turns it into a quiet exit


def _model_path(args: argparse.Namespace):
    return args.model or paths.default_model_path()


def train(args: argparse.Namespace) -> int:
    """Train the lesson's model (or continue --model with --resume), showing a live progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from tui_cnn.core.model import build_model, load_keras_model
    from tui_cnn.core.training import BatchEvent, EpochEvent, TrainConfig
    from tui_cnn.core.training import train as run_training

    console = _Console(stderr=True)
    output = args.output or paths.user_model_path()
    # Everything that can fail is checked before the first line of progress.
    _check_writable(output)
    safe_save.check_free(output)  # another trainer of the same file is refused now, not after an epoch
    model_path = _model_path(args)
    if args.resume:
        read_weights(model_path)  # a bad model fails in a fraction of a second, before data and TensorFlow
    train_split = _limit(data.load_split("train", args.data_dir), args.limit)
    test_split = data.load_split("test", args.data_dir)
    model = load_keras_model(model_path) if args.resume else build_model(seed=args.seed)
    console.print(f"Training on {len(train_split):,} images from {_shown(train_split.source)}; saving to {_shown(output)}")
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, save_to=output,
                         target_accuracy=args.target_accuracy)
    columns = (TextColumn("epoch {task.fields[epoch]}/" + str(args.epochs)), BarColumn(), MofNCompleteColumn(),
               TextColumn("loss {task.fields[loss]:.4f}  accuracy {task.fields[accuracy]:.4f}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("train", total=None, epoch=1, loss=float("nan"), accuracy=float("nan"))

        def on_event(event) -> None:
            if isinstance(event, BatchEvent):
                if event.step == 1:
                    progress.reset(task, total=event.steps)
                progress.update(task, completed=event.step, epoch=event.epoch, loss=event.loss,
                                accuracy=event.accuracy)
            elif isinstance(event, EpochEvent):
                progress.console.print(
                    f"epoch {event.epoch}/{event.epochs}: loss {event.loss:.4f}, accuracy {event.accuracy:.4f}, "
                    f"val_loss {event.val_loss:.4f}, val_accuracy {event.val_accuracy:.4f} ({event.seconds:.1f} s)")

        done = run_training(model, train_split, test_split, config, on_event, threading.Event())
    console.print(f"{done.reason}: {done.epochs_completed} epoch(s) complete; model saved to {_shown(output)}")
    return 0


def _check_writable(output) -> None:
    """Fail at once, in one line, if the model cannot be saved there, not with a traceback after an epoch."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.is_dir() or not os.access(output.parent, os.W_OK):
            raise PermissionError("not a writable file location")
    except OSError as exc:
        raise ValueError(f"{printable(output)}: cannot save the model there ({exc.strerror or exc})") from None


def _shown(text: object) -> str:
    """A user-supplied name as Rich prints it: control characters escaped, brackets not read as markup."""
    return escape(printable(text))


def _limit(split: data.Split, limit: int | None) -> data.Split:
    if not limit:
        return split
    return data.Split(split.images[:limit], split.labels[:limit], split.source)


def evaluate(args: argparse.Namespace) -> int:
    """Test accuracy of the model, overall and per class, computed by Keras."""
    from tui_cnn.core.model import load_keras_model

    path = _model_path(args)
    test = _limit(data.load_split("test", args.data_dir), args.limit)
    model = load_keras_model(path)
    started = time.perf_counter()
    predicted = np.argmax(model.predict(data.to_model_input(test.images), batch_size=500, verbose=0), axis=1)
    seconds = time.perf_counter() - started
    correct = predicted == test.labels
    console = _Console()
    console.print(f"{_shown(path)} on {len(test):,} test images from {_shown(test.source)}")
    table = Table()
    table.add_column("class")
    table.add_column("images", justify="right")
    table.add_column("accuracy", justify="right")
    for label, name in enumerate(data.CLASS_NAMES):
        mask = test.labels == label
        if mask.any():
            table.add_row(f"{label} {name}", f"{mask.sum():,}", f"{correct[mask].mean():.4f}")
    table.add_section()
    table.add_row("all", f"{len(test):,}", f"{correct.mean():.4f}", style="bold")
    console.print(table)
    console.print(f"test accuracy: {correct.mean():.4f} ({correct.sum():,} of {len(test):,}) in {seconds:.1f} s")
    _print_confusion(console, confusion.from_predictions(test.labels, predicted, len(data.CLASS_NAMES)))
    return 0


def _print_confusion(console: Console, conf: confusion.Confusion) -> None:
    from tui_cnn import render_why

    console.print()
    console.print("[b]Confusion matrix[/b] (rows: the true class; columns: what the model said)")
    console.print(render_why.confusion_table(conf, data.CLASS_NAMES, ascii_only=console.color_system is None,
                                              width=console.width))
    console.print()
    console.print("[b]Most confused[/b]")
    console.print(render_why.worst_pairs(conf, data.CLASS_NAMES))


def summary(args: argparse.Namespace) -> int:
    """Each layer's output shape and parameter count, as model.summary() shows them."""
    path = _model_path(args)
    rows = lesson.summary(read_weights(path))
    table = Table(title=f"Model: fashion_cnn ({_shown(path.name)})", title_justify="left")
    table.add_column("Layer (type)")
    table.add_column("Output Shape")
    table.add_column("as a picture", justify="right")
    table.add_column("Param #", justify="right")
    for row in rows.layers:
        table.add_row(row.label, row.keras_shape, lesson.shape_text(row.output_shape), f"{row.params:,}")
    console = _Console()
    console.print(table)
    console.print(f"Total params: {rows.total_params:,}")
    return 0


def layer_params(weights: Weights, name: str) -> int:
    if name not in Weights.EXPECTED:
        return 0
    return weights.kernel(name).size + weights.bias(name).size


def show(args: argparse.Namespace) -> int:
    """Print one layer's maps (or vector) for a test image or an image file."""
    from tui_cnn import render

    spec = LAYERS[layer_index(args.layer)]
    if args.cmap not in render.CMAP_NAMES:
        raise ValueError(f"unknown colour map {args.cmap!r}; choose one of {', '.join(render.CMAP_NAMES)}")
    # Checked before anything is printed, so that a bad range ends in the error line alone.
    channels = parse_channels(args.channels, spec.output_shape[2]) if len(spec.output_shape) == 3 else None
    if args.output:
        from tui_cnn.figure import check_output

        check_output(args.output, channels is not None)
    weights = read_weights(_model_path(args))
    image, origin = _chosen_image(args)
    acts = activations.compute(weights, image)
    output = acts.layer(spec.name)
    if args.output:
        return _save_figure(args, spec, output.values, channels, origin)
    console, mode = _console_and_mode(args)
    prediction = acts.predicted
    # escape: a file name such as "shoe[/b].png" is not Rich markup (it raised MarkupError).
    console.print(f"{_shown(origin)}: predicted {data.CLASS_NAMES[prediction]} "
                  f"({acts.probabilities[prediction]:.1%})")
    shape = "x".join(str(d) for d in output.shape)
    if output.is_spatial:
        console.print(f"layer {spec.name}: {spec.title}, output {shape}, "
                      f"channels {channels[0]}-{channels[-1]} of {output.shape[2]}")
        console.print(render.MapGrid(output.values, channels, mode, args.cmap, args.scale))
    elif spec.kind == "output":
        console.print(f"layer {spec.name}: {spec.title}, output {shape}")
        console.print(render.bars(output.values, data.CLASS_NAMES, ascii_only=args.mode == "ascii",
                                  highlight=prediction))
    else:
        console.print(f"layer {spec.name}: {spec.title}, output {shape}")
        console.print(render.vector_strip(output.values, min(64, console.width), mode, args.cmap))
    return 0


def _save_figure(args: argparse.Namespace, spec, values: np.ndarray, channels: list[int] | None, origin: str) -> int:
    from tui_cnn.figure import save_layer

    shape = "x".join(str(d) for d in values.shape)
    title = f"{spec.name}: {spec.title}, output {shape} · {origin}"
    save_layer(args.output, values, channels, args.cmap, args.scale, title)
    what = f"channels {channels[0]}-{channels[-1]}" if channels else "values"
    print(f"wrote {spec.name}'s {what} to {args.output}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """The explorer in a web browser: textual-serve runs the app for each browser tab."""
    from tui_cnn.serve import serve as run_server

    return run_server(args.host, args.port, args.data_dir, args.model)


def watch(args: argparse.Namespace) -> int:
    """The live training panel on a log file that another process writes."""
    from tui_cnn.core.errors import UsageError

    if args.path.is_dir():
        raise UsageError(f"{args.path} is a folder: name the log file in it")
    from tui_cnn.ui.watch_app import run

    return run(args.path, stale_seconds=args.stale)


def _chosen_image(args: argparse.Namespace) -> tuple[np.ndarray, str]:
    """The image of ``--image FILE`` or test image ``--index N``, and a phrase saying which it is."""
    from tui_cnn.core.images import load_image_file

    if args.image:
        return load_image_file(args.image), str(args.image)
    test = data.load_split("test", args.data_dir)
    if not 0 <= args.index < len(test):
        raise ValueError(f"test image {args.index} does not exist; choose 0 to {len(test) - 1}")
    return test.images[args.index], f"test image {args.index} ({data.CLASS_NAMES[test.labels[args.index]]})"


def _console_and_mode(args: argparse.Namespace) -> tuple[Console, str]:
    """A console honouring ``--color``, and ``--mode`` (ASCII when there is no colour)."""
    console = _Console(force_terminal=True if args.color == "always" else None, no_color=args.color == "never")
    if args.mode == "heatmap" and (console.no_color or console.color_system is None):
        # Without colour a heatmap is rows of identical half blocks (e.g. when piped to a file).
        return console, "ascii"
    return console, args.mode


def explain(args: argparse.Namespace) -> int:
    """Print where the model looked for an image: its occlusion and saliency maps."""
    from tui_cnn import render, render_why
    from tui_cnn.core import occlusion, saliency

    if args.cmap not in render.CMAP_NAMES:
        raise ValueError(f"unknown colour map {args.cmap!r}; choose one of {', '.join(render.CMAP_NAMES)}")
    target = parse_class(args.target) if args.target is not None else None
    weights = read_weights(_model_path(args))
    image, origin = _chosen_image(args)
    acts = activations.compute(weights, image)
    console, mode = _console_and_mode(args)
    target = acts.predicted if target is None else target
    console.print(f"{_shown(origin)}: predicted {data.CLASS_NAMES[acts.predicted]} "
                  f"({acts.probabilities[acts.predicted]:.1%}); explaining {data.CLASS_NAMES[target]} "
                  f"({acts.probabilities[target]:.1%})")
    occluded = occlusion.compute(weights, image, target)
    salient = saliency.compute(weights, image, target)
    for heat, how, title in ((occluded.pixels, occluded.how, "occlusion"), (salient.magnitude, salient.how, "saliency")):
        console.print()
        console.print(how)
        console.print(render_why.where_maps(acts.image, heat, title, mode, args.cmap))
    return 0


def parse_class(text: str) -> int:
    """A class given by number (0-9) or by name, case-insensitive ('shirt', 'Ankle boot', 't-shirt')."""
    wanted = text.strip().lower()
    if wanted.isdigit() and int(wanted) < len(data.CLASS_NAMES):
        return int(wanted)
    for label, name in enumerate(data.CLASS_NAMES):
        if wanted in (name.lower(), name.lower().split("/")[0]):
            return label
    choices = ", ".join(f"{i}={n}" for i, n in enumerate(data.CLASS_NAMES))
    raise ValueError(f"unknown class {text!r}; choose one of {choices}")


def parse_channels(text: str, count: int) -> list[int]:
    """'all', '5' or '0-15' to a list of channel numbers within 0..count-1."""
    text = text.strip().lower()
    if text == "all":
        return list(range(count))
    try:
        first, _, last = text.partition("-")
        lo, hi = int(first), int(last or first)
    except ValueError:
        raise ValueError(f"channels {text!r}: use a number, a range such as 0-15, or all") from None
    if not 0 <= lo <= hi < count:
        raise ValueError(f"channels {text!r}: must lie within 0-{count - 1}")
    return list(range(lo, hi + 1))
