"""Command line: ``tui-cnn`` opens the explorer; ``train``, ``evaluate``, ``summary``, ``show`` and ``explain`` work in the shell.

Everything heavy is imported inside the command that needs it, so ``tui-cnn --help`` is instant
and never imports TensorFlow. Expected failures (``TuiCnnError``) end in one line on stderr and
their exit code: 2 for a usage mistake (a bad option or value, such as an unknown layer), 1 for a
data set, model or image file that cannot be used. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tui_cnn.core.training import MAX_EPOCHS

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake ends in one line like every other bad input (its usage is --help)."""

    def error(self, message: str):
        from tui_cnn.core.printable import printable

        self.exit(EXIT_USAGE, f"tui-cnn: error: {printable(message)}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tui-cnn",
        description="See inside a convolutional network: the Fashion-MNIST model of the lesson "
        "'Enhancing Vision with Convolutional Neural Networks', or your own Keras model. "
        "Without a command, opens the explorer.",
    )
    _add_common(parser, default=None)
    # The same options after the command; SUPPRESS keeps a value given before the command.
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser("train", parents=[common], help="train the lesson's model and save it")
    train.add_argument("--epochs", type=_epochs, help=f"epochs to train, 1-{MAX_EPOCHS} (default: 5, as in the "
                       "lesson; with --continue, the run's own number)")
    train.add_argument("--checkpoint-every", type=_positive, default=200, metavar="N",
                       help="keep a checkpoint every N batches, so a crash loses at most N (default: 200)")
    train.add_argument("--continue", dest="continue_run", metavar="RUN",
                       help="continue a kept run from its last checkpoint: its id, or 'latest' (see `tui-cnn runs`)")
    train.add_argument("--batch-size", type=_positive, default=32, help="images per batch (default: 32)")
    train.add_argument("--seed", type=_seed, default=42, help="random seed for weights and shuffling (default: 42)")
    train.add_argument("--output", type=Path, help="where to save the model (default: your tui-cnn data folder)")
    train.add_argument("--limit", type=_positive, help="train on only the first N training images")
    train.add_argument("--target-accuracy", type=float, metavar="ACC",
                       help="stop once an epoch's training accuracy reaches ACC, like the lesson's callback")
    train.add_argument("--resume", action="store_true", help="continue training --model instead of starting fresh")

    sub.add_parser("runs", parents=[common], help="list the kept training runs")

    evaluate = sub.add_parser("evaluate", parents=[common], help="accuracy on the test set, overall and per class")
    evaluate.add_argument("--limit", type=_positive, help="evaluate on only the first N test images")

    sub.add_parser("summary", parents=[common], help="each layer's output shape and parameters, like model.summary()")

    show = sub.add_parser("show", parents=[common], help="print one layer's feature maps for an image")
    _add_picture(show)
    show.add_argument("--layer", default="conv1", help="layer name or number 1-7 (default: conv1)")
    show.add_argument("--channels", default="all", help="channel range such as 0-15 or 3 (default: all 64)")
    show.add_argument("--scale", choices=("map", "layer"), default="map",
                      help="scale each map on its own, or share one scale across the layer (default: map)")
    show.add_argument("--output", metavar="FILE", type=Path, help="write the maps to FILE instead of printing them: "
                      ".png for a figure (a grid of the channels with the colour map), .npy for the raw values")

    explain = sub.add_parser("explain", parents=[common],
                             help="where the model looked: occlusion and saliency maps of an image")
    _add_picture(explain)
    explain.add_argument("--class", dest="target", metavar="CLASS",
                         help="explain this class, by number 0-9 or name (default: the predicted class)")

    serve = sub.add_parser("serve", parents=[common], help="open the explorer in a web browser (textual-serve)")
    serve.add_argument("--host", default="localhost", help="address to listen on (default: localhost, this machine "
                       "only; another address lets other machines in)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")

    watch = sub.add_parser("watch", help="follow a training log as it grows: tui-cnn's own, LiveLog's or a Keras "
                           "CSVLogger file (.csv)")
    watch.add_argument("path", type=Path, metavar="PATH", help="the log file (it may not exist yet)")
    watch.add_argument("--stale", type=_positive, default=60, metavar="SECONDS",
                       help="say the run may have stopped after this long without a new line (default: 60)")
    return parser


def _add_picture(parser: argparse.ArgumentParser) -> None:
    """The options of a command that prints maps of one image: which image, and how to draw."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--index", type=int, default=0, help="test image number (default: 0)")
    source.add_argument("--image", type=Path, help="your own PNG, JPEG, BMP, GIF or WebP file")
    parser.add_argument("--mode", choices=("ascii", "heatmap"), default="heatmap", help="rendering (default: heatmap)")
    parser.add_argument("--cmap", default="inferno", help="colour map for heatmaps: inferno, viridis, gray")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="use colour (default: auto)")


def _add_common(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--data-dir", metavar="DIR", default=default, help="folder with the data set's four "
                        "IDX files (default: $TUI_CNN_DATA_DIR for Fashion-MNIST, $TUI_CNN_MNIST_DIR for MNIST, "
                        "else Keras' download cache)")
    parser.add_argument("--dataset", metavar="NAME", default=default, help="fashion_mnist or mnist (default: the "
                        "one tui-cnn trained the model on, else fashion_mnist)")
    parser.add_argument("--model", metavar="FILE", type=Path, default=default, help="a Keras model file, .keras "
                        "or legacy .h5 (default: your own trained model if any, else the one shipped in assets/)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:  # argparse would otherwise call it "invalid _positive value"
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _bounded(text: str, most: int) -> int:
    value = _positive(text)
    if value > most:
        raise argparse.ArgumentTypeError(f"must be at most {most}, not {value}")
    return value


def _epochs(text: str) -> int:
    return _bounded(text, MAX_EPOCHS)


def _port(text: str) -> int:
    return _bounded(text, 65535)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if not 0 <= value < 2**32:  # numpy's and TensorFlow's seeds are 32-bit
        raise argparse.ArgumentTypeError(f"must be from 0 to {2**32 - 1}, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from tui_cnn.core.errors import TuiCnnError
    from tui_cnn.core.printable import printable

    try:
        if args.command is None:
            return _run_app(args)
        from tui_cnn import commands

        return getattr(commands, "runs_list" if args.command == "runs" else args.command)(args)
    except TuiCnnError as exc:  # only what the user can fix; a bug keeps its traceback
        print(f"tui-cnn: error: {printable(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tui-cnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """The reader of our output closed it (``tui-cnn show | head -1``): that is its choice, not an error.

    stdout is pointed at /dev/null so that the interpreter's final flush cannot raise again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


def _run_app(args: argparse.Namespace) -> int:
    from tui_cnn.ui.app import run

    return run(data_dir=args.data_dir, model_path=args.model, dataset=args.dataset)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
