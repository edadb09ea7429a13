"""tui-cnn's speed figures: one line per figure, ``name: value unit``.

Run from the project root, with the full Fashion-MNIST folder::

    TUI_CNN_DATA_DIR=../shared/data/fashion-mnist .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --only activations_ms                # one figure
    .venv/bin/python benchmarks/run.py --only keras_call_ms,keras_predict_ms --only activations_ms
    .venv/bin/python benchmarks/run.py --limit 5000                         # quick run on 5,000 images
    .venv/bin/python benchmarks/run.py --list                               # the figure names

The data comes from ``--data-dir``, else ``TUI_CNN_DATA_DIR``, else Keras' cache; the benchmark never
downloads. The model is always the shipped ``assets/fashion_cnn.keras``.

The whole run takes a minute or two on 2 CPU cores; nearly all of it is the two training epochs.
Speed depends on the machine, so a figure means most next to a baseline measured in the same run:
read the ratios. Run it on an otherwise idle machine: each training figure is a single epoch, and
anything else using the CPU (a test run, an open app) can move it by a factor of two. Timing is
deliberately kept out of the test suite (see DEVELOPERS.md).

The figures
-----------
activations_ms
    Median wall time of ``tui_cnn.core.activations.compute(weights, image)``: every layer's output
    for test image 0, in numpy, with the weights from ``read_weights(assets/fashion_cnn.keras)``.
    This is the work behind each key press in the explorer. Measured after warm-up calls.
keras_call_ms
    Baseline: median of calling the same model in Keras on the same image,
    ``model(x, training=False)``, with ``x`` the (1, 28, 28, 1) float32 numpy array.
keras_predict_ms
    Baseline: median of ``model.predict(x, verbose=0)`` on the same image. ``predict`` builds a
    dataset and a progress loop on each call, so it is much slower for a single image.
activations_vs_call_ratio
    ``keras_call_ms / activations_ms``: how many times faster numpy is than the quickest Keras call.
    Before timing, the numpy and Keras probabilities are checked to agree, so both do the same work.
keras_predict_test_s
    Baseline for the diagnostics: median of 3 calls of ``model.predict(x, batch_size=500, verbose=0)``
    on the 10,000 test images (float32 (N, 28, 28, 1)), after one untimed call.
confusion_s
    Median of 3 runs of ``tui_cnn.core.confusion.compute`` on the same images and labels: every image
    through the numpy layers in chunks (BLAS capped at 2 threads) and counted. Before timing, its
    answers are checked against Keras' on the same images.
confusion_vs_predict_ratio
    ``keras_predict_test_s / confusion_s``: above 1, the numpy confusion matrix is quicker than Keras'
    predictions alone.
top_images_s
    Median of 3 runs of ``tui_cnn.core.top_images.compute`` for conv2 on the same images: one scan
    that gives the nine top images of every one of its 64 channels. ``top_images_vs_predict_ratio``
    is ``keras_predict_test_s / top_images_s``.
occlusion_ms
    Median of ``tui_cnn.core.occlusion.compute(weights, image)`` for test image 0: 144 occluded copies
    (6x6 patch, stride 2) and the image itself through the numpy layers in one batch.
keras_occlusion_predict_ms
    Baseline: median of ``model.predict`` on the same 145 images in one batch.
saliency_ms
    Median of ``tui_cnn.core.saliency.compute(weights, image)`` for test image 0: forward and backward
    through the numpy layers.
keras_saliency_ms
    Baseline: the same gradient by TensorFlow's ``GradientTape`` around the Keras layers (checked to
    agree within 1e-4 before timing).
zoo_activations_ms
    Median wall time of ``Network.activations(picture)`` for the largest model of the test zoo
    (``tests/zoo.py``: ``colour_32x32x3``, 32x32x3 input, convolutions of 32, 64 and 128 filters),
    built by Keras in this run with random weights, read back by ``network.load_network``, on a
    random 32x32 colour picture. Checked against Keras' output for the same picture first.
zoo_keras_predict_test_s
    As ``keras_predict_test_s`` for the zoo's ``batchnorm`` model (convolutions without bias, batch
    normalization, ReLU, ReLU6 and LeakyReLU layers, a Softmax layer at the end), built by Keras in
    this run with random weights and read back by ``network.load_network``.
zoo_confusion_s
    As ``confusion_s`` for that model through its ``Network`` (answers checked against Keras' first);
    ``zoo_confusion_vs_predict_ratio`` is ``zoo_keras_predict_test_s / zoo_confusion_s``.
zoo_occlusion_ms, zoo_saliency_ms
    As ``occlusion_ms`` and ``saliency_ms`` for the zoo's ``colour_32x32x3`` model on a random 32x32
    colour picture (occlusion: 196 copies); the saliency is checked against TensorFlow's gradient first.
network_activations_ms
    The same for the lesson's shipped model through ``Network.activations`` (the general layers),
    to set beside ``activations_ms`` (the lesson's own code path) on test image 0.
grid_maps_7x7_ms, grid_maps_26x26_ms
    Median time of ``render.render_maps`` on conv1's 64 maps of test image 0: the explorer's work
    when a page of maps is drawn anew (a new image, layer, colour map, mode, scale or zoom), before
    Textual composes and writes the frame. At 7x7 (shrunk by block means, as fit-all shows them at
    120x40) and at full size.
key_to_frame_128ch_p95_ms
    As ``key_to_frame_p95_ms`` (120x40) for a model with a 128-channel layer (the zoo's ``lab_128``,
    the lesson's model with 128 filters per convolution, opened with ``--model``), with the explorer
    on its second convolution (13x13 maps in, 11x11x128 out): paging, cursor, mode and scale keys.
predict_10k_s
    Median of 3 predictions of the 10,000 test images by the shipped model in numpy
    (``batch.probabilities`` on one BLAS thread, as the app's worker makes them): what the picker's
    "misclassified" filter waits for.
predict_10k_training_s
    The same while a training run goes on in another process (``benchmarks/background_training.py``:
    the lesson's model through ``core.training.train`` on the full training set, timed from its
    first batch): the picker after pressing ``t`` and ``s``, with TensorFlow's threads busy.
key_to_frame_training_p95_ms
    As ``key_to_frame_p95_ms`` (120x40) while the app itself trains: ``t`` opens the training screen,
    ``s`` starts it, and once the images/s figure shows, ``escape`` goes back to the explorer, where
    the keys are timed with training going on in the background (in a temporary ``TUI_CNN_HOME``).
fit_images_per_s
    Training images per second over one epoch of plain ``model.fit(x, y, batch_size=32, epochs=1,
    verbose=0)`` on a fresh ``build_model(seed=0)``: the training set scaled by 1/255 to shape
    (N, 28, 28, 1), wall clock around the ``fit`` call. This is the baseline for training figures.
train_fn_images_per_s
    The same epoch through ``tui_cnn.core.training.train`` (``TrainConfig(epochs=1,
    batch_size=32)``, no validation split, no saving) on another fresh ``build_model(seed=0)``,
    with an ``emit`` that only counts events; wall clock around the ``train`` call, so it also
    includes ``train``'s own uint8-to-float conversion of the images (a fraction of a second).
train_fn_vs_fit_ratio
    ``train_fn_images_per_s / fit_images_per_s`` from the same run: 1.0 means our event callback
    costs nothing, 0.9 means training through ``train`` is 10% slower than plain ``fit``.
panel_images_per_s
    The same epoch trained inside the app with the live training panel showing (see
    ``benchmarks/panel.py``): the real app headless at 120x40, the training screen set to one
    epoch and started by its keys, the app's ``KerasTrainer`` on a fresh ``build_model(seed=0)``.
    Images over the epoch's fit time as ``train`` measures it (validation and saving excluded).
panel_vs_fit_ratio
    ``panel_images_per_s / fit_images_per_s`` from the same run: what drawing the panel (plots,
    bars, table, feature maps) and keeping the run (a log line a batch, a checkpoint every 200
    batches) while training costs. The goal is at least 0.98.
designed_panel_vs_fit_ratio
    The same ratio for a network from the designer, one block of 16 filters (the lab's first
    exercise): its epoch in the app against plain ``model.fit`` of the same design. Goal 0.98.
start_to_first_point_s
    Seconds from pressing s on the training screen (TensorFlow imported, the images loaded, as the
    screen prepares them in the background when it opens) to the first batch's loss on screen: the
    run made, the model built, its first checkpoint, Keras' tracing, the first batch, the panel's
    next tick. Median of ``--runs`` presses (default 3), each in a fresh app. Goal: about a second.
livelog_images_per_s
    The same epoch of plain ``model.fit`` on another fresh ``build_model(seed=0)``, with
    ``callbacks=[tui_cnn.keras_callback.LiveLog(path)]`` writing every batch to a log file in a
    temporary folder (checked afterwards: one start, every batch, one epoch, one end event).
livelog_vs_fit_ratio
    ``livelog_images_per_s / fit_images_per_s`` from the same run: what following a run with
    ``tui-cnn watch`` costs the training. The goal is at least 0.99 (under 1%).
livelog_batch_us
    Microseconds of ``LiveLog.on_train_batch_end`` per batch, called 20,000 times in a row with
    the two float logs Keras passes (loss, accuracy), writing to a temporary file: the callback's
    own cost, to set against a batch's time (``1e6 * 32 / fit_images_per_s`` microseconds).

Training figures (fit, train_fn, panel, livelog) are medians over ``--rounds`` rounds (default 3). Each round
runs one epoch of each kind, in an order that rotates from round to round, and each ratio is the
median of the ratios within a round. On a 2-core machine a single epoch can halve in speed while
anything else takes a core, so one epoch of each is not a fair comparison.

No training figure pays Keras' tracing of the model: each fresh model is first fitted on one batch,
untimed, as the app traces its model in the background before a start (``runs.ModelPool``).
Before the first of them, a throwaway model is fitted on a few batches, so that TensorFlow's
one-off start-up work in this process is not charged to whichever epoch happens to run first.

``--limit N`` trains on only the first N training images; every figure measured on them (and
every ratio built from one) says so at the end of its line, as in
``fit_images_per_s: 812 images/s (first 5000 of 60000 training images)``. Such figures are not
comparable with full runs: a short epoch is dominated by tracing.

Adding a figure
---------------
Write a function that takes the ``Bench`` and returns a ``Figure``, and register it::

    @figure("first_maps_s")
    def first_maps_s(bench: Bench) -> Figure:
        ...
        return Figure("first_maps_s", seconds, "s")

Figures print in the order they are registered. A figure that needs another one calls
``bench.get("other_name")``: each figure is measured at most once per run, so a ratio reuses the
numbers printed beside it, and ``--only some_ratio`` measures what the ratio needs but prints only
the ratio. Shared, costly inputs (weights, the Keras model, the training data) are loaded lazily by
``Bench`` and cached. This process imports Keras as soon as a figure needs it, so a figure about a
cold start (such as ``tf_import_s``) must measure in a subprocess.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

import app_speed  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import panel  # noqa: E402  (the same)
from tui_cnn import render
from tui_cnn.core import activations, confusion, occlusion, saliency, top_images
from tui_cnn.core.data import SPLIT_SIZES, DataError, Split, load_split, to_model_input
from tui_cnn.core.design import LESSON, Block, Design
from tui_cnn.core.design import build_model as build_design
from tui_cnn.core.model import LAYER_NAMES, ModelFileError, Weights, build_model, load_keras_model, read_weights
from tui_cnn.core.network import load_network
from tui_cnn.core.paths import SHIPPED_MODEL
from tui_cnn.core.training import BatchEvent, DoneEvent, EpochEvent, TrainConfig, train

BATCH_SIZE = 32
TEST_IMAGE_INDEX = 0
WARMUP_IMAGES = 8 * BATCH_SIZE  # the throwaway fit before the first timed epoch
DESIGNED = Design((Block(16, 3, True),))  # the lab's first exercise: one block of 16 filters


@dataclass(frozen=True)
class Figure:
    """One measured figure; ``note`` (for instance that a limited data set was used) ends its line."""

    name: str
    value: float
    unit: str
    note: str = ""

    def line(self) -> str:
        text = f"{self.name}: {_format_value(self.value)} {self.unit}"
        return f"{text} ({self.note})" if self.note else text


FigureFunction = Callable[["Bench"], Figure]
FIGURES: dict[str, FigureFunction] = {}


def figure(name: str) -> Callable[[FigureFunction], FigureFunction]:
    """Register a figure function under ``name``; figures print in registration order."""

    def register(function: FigureFunction) -> FigureFunction:
        if name in FIGURES:
            raise ValueError(f"figure {name!r} is registered twice")
        FIGURES[name] = function
        return function

    return register


def _format_value(value: float) -> str:
    """Three significant digits, without exponents: 0.184, 2.79, 36.7, 1234."""
    if not math.isfinite(value) or value == 0:
        return str(value)
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def median_ms(function: Callable[[], Any], runs: int, warmup: int) -> float:
    """The median wall time of ``function()`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000.0


class Bench:
    """What the figures share in one run: options, lazily loaded inputs, and the figures measured so far."""

    def __init__(self, limit: int | None = None, runs: int | None = None, data_dir: str | None = None,
                 rounds: int = 3) -> None:
        self.rounds = rounds  # interleaved epochs of each training kind
        self.limit = limit
        self.data_dir = data_dir  # None: $TUI_CNN_DATA_DIR, else Keras' cache (never a download)
        self.runs = runs  # overrides each per-image figure's own number of timed runs
        self._figures: dict[str, Figure] = {}
        self.cache: dict[str, Any] = {}  # measurements that several figures read
        self._training_warmed_up = False

    def get(self, name: str) -> Figure:
        """Measure figure ``name`` (once per run) and return it."""
        if name not in self._figures:
            self._figures[name] = FIGURES[name](self)
        return self._figures[name]

    def runs_or(self, default: int) -> int:
        return self.runs or default

    # Shared inputs, each loaded on first use.

    @cached_property
    def weights(self) -> Weights:
        return read_weights(SHIPPED_MODEL)

    @cached_property
    def test_image(self) -> np.ndarray:
        """Test image 0 as (28, 28) uint8, as the explorer holds it."""
        return load_split("test", self.data_dir, download=False).images[TEST_IMAGE_INDEX]

    @cached_property
    def test_split(self) -> Split:
        """The test set, or its first ``limit`` images."""
        full = load_split("test", self.data_dir, download=False)
        if self.limit is None or self.limit >= len(full):
            return full
        return Split(full.images[: self.limit], full.labels[: self.limit], full.source)

    @property
    def test_note(self) -> str:
        """Empty on the full test set; otherwise says which part was used."""
        n, full = len(self.test_split), SPLIT_SIZES["test"]
        return "" if n == full else f"first {n} of {full} test images"

    @cached_property
    def keras_model(self) -> Any:
        return load_keras_model(SHIPPED_MODEL)

    @cached_property
    def train_split(self) -> Split:
        """The training set, or its first ``limit`` images."""
        full = load_split("train", self.data_dir, download=False)
        if self.limit is None or self.limit >= len(full):
            return full
        return Split(full.images[: self.limit], full.labels[: self.limit], full.source)

    @cached_property
    def train_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The training set as the lesson feeds it to ``fit``: float32 (N, 28, 28, 1) in [0, 1], int labels."""
        split = self.train_split
        return to_model_input(split.images), split.labels.astype(np.int64)

    @property
    def data_note(self) -> str:
        """Empty on the full training set; otherwise says which part was used."""
        n, full = len(self.train_split), SPLIT_SIZES["train"]
        return "" if n == full else f"first {n} of {full} training images"

    def warm_up_training(self) -> None:
        """Fit a throwaway model on a few batches once, so TensorFlow's one-off start-up is not timed."""
        if self._training_warmed_up:
            return
        x, y = self.train_arrays
        build_model(seed=0).fit(x[:WARMUP_IMAGES], y[:WARMUP_IMAGES], batch_size=BATCH_SIZE, epochs=1, verbose=0)
        self._training_warmed_up = True


def _join_notes(*figures: Figure) -> str:
    notes = []
    for fig in figures:
        if fig.note and fig.note not in notes:
            notes.append(fig.note)
    return "; ".join(notes)


# Figures: the explorer's per-image work against Keras.


@figure("activations_ms")
def activations_ms(bench: Bench) -> Figure:
    weights, image = bench.weights, bench.test_image
    ms = median_ms(lambda: activations.compute(weights, image), runs=bench.runs_or(2000), warmup=50)
    return Figure("activations_ms", ms, "ms")


def _checked_keras_input(bench: Bench) -> np.ndarray:
    """The test image as Keras takes it, after checking that Keras and numpy agree on it."""
    x = to_model_input(bench.test_image)
    ours = activations.compute(bench.weights, bench.test_image).probabilities
    theirs = np.asarray(bench.keras_model(x, training=False))[0]
    if not np.allclose(ours, theirs, atol=1e-5):
        raise SystemExit(f"benchmarks: numpy and Keras disagree on test image {TEST_IMAGE_INDEX} "
                         f"(max difference {np.abs(ours - theirs).max():.3g}); the figures would not compare")
    return x


@figure("keras_call_ms")
def keras_call_ms(bench: Bench) -> Figure:
    model, x = bench.keras_model, _checked_keras_input(bench)
    ms = median_ms(lambda: model(x, training=False), runs=bench.runs_or(500), warmup=20)
    return Figure("keras_call_ms", ms, "ms")


@figure("keras_predict_ms")
def keras_predict_ms(bench: Bench) -> Figure:
    model, x = bench.keras_model, _checked_keras_input(bench)
    ms = median_ms(lambda: model.predict(x, verbose=0), runs=bench.runs_or(100), warmup=5)
    return Figure("keras_predict_ms", ms, "ms")


@figure("activations_vs_call_ratio")
def activations_vs_call_ratio(bench: Bench) -> Figure:
    ours, theirs = bench.get("activations_ms"), bench.get("keras_call_ms")
    return Figure("activations_vs_call_ratio", theirs.value / ours.value, "x")


# Figures: the diagnostics (confusion matrix, top images, occlusion, saliency) against Keras.


def _seconds(function: Callable[[], Any], runs: int) -> float:
    """The median wall time of ``function()`` in seconds, after one untimed call."""
    return median_ms(function, runs=runs, warmup=1) / 1000.0


@figure("keras_predict_test_s")
def keras_predict_test_s(bench: Bench) -> Figure:
    model, x = bench.keras_model, to_model_input(bench.test_split.images)
    seconds = _seconds(lambda: model.predict(x, batch_size=500, verbose=0), bench.runs_or(3))
    return Figure("keras_predict_test_s", seconds, "s", bench.test_note)


@figure("confusion_s")
def confusion_s(bench: Bench) -> Figure:
    test, weights = bench.test_split, bench.weights
    ours = confusion.compute(weights, test.images, test.labels)
    keras_answers = np.argmax(bench.keras_model.predict(to_model_input(test.images), batch_size=500, verbose=0), 1)
    if (ours.predicted != keras_answers).sum() > len(test) // 1000:  # a near tie may flip in float32
        raise SystemExit("benchmarks: the numpy and Keras answers disagree; the figures would not compare")
    seconds = _seconds(lambda: confusion.compute(weights, test.images, test.labels), bench.runs_or(3))
    return Figure("confusion_s", seconds, "s", bench.test_note)


@figure("confusion_vs_predict_ratio")
def confusion_vs_predict_ratio(bench: Bench) -> Figure:
    ours, theirs = bench.get("confusion_s"), bench.get("keras_predict_test_s")
    return Figure("confusion_vs_predict_ratio", theirs.value / ours.value, "x", bench.test_note)


@figure("top_images_s")
def top_images_s(bench: Bench) -> Figure:
    """Every channel's nine top images for conv2 (one scan gives the whole layer)."""
    test, weights, layer = bench.test_split, bench.weights, LAYER_NAMES.index("conv2")
    seconds = _seconds(lambda: top_images.compute(weights, test.images, layer), bench.runs_or(3))
    return Figure("top_images_s", seconds, "s", bench.test_note)


@figure("top_images_vs_predict_ratio")
def top_images_vs_predict_ratio(bench: Bench) -> Figure:
    ours, theirs = bench.get("top_images_s"), bench.get("keras_predict_test_s")
    return Figure("top_images_vs_predict_ratio", theirs.value / ours.value, "x", bench.test_note)


@figure("occlusion_ms")
def occlusion_ms(bench: Bench) -> Figure:
    weights, image = bench.weights, bench.test_image
    ms = median_ms(lambda: occlusion.compute(weights, image), runs=bench.runs_or(50), warmup=3)
    return Figure("occlusion_ms", ms, "ms")


@figure("keras_occlusion_predict_ms")
def keras_occlusion_predict_ms(bench: Bench) -> Figure:
    """Keras predict on the same occluded copies that one occlusion map runs (the image and 144 copies)."""
    x = bench.test_image.astype(np.float32) / 255.0
    copies = np.concatenate([x[None], occlusion.occluded_copies(x, occlusion.PATCH, occlusion.STRIDE)])[..., None]
    model = bench.keras_model
    ms = median_ms(lambda: model.predict(copies, batch_size=len(copies), verbose=0), runs=bench.runs_or(50), warmup=3)
    return Figure("keras_occlusion_predict_ms", ms, "ms")


@figure("saliency_ms")
def saliency_ms(bench: Bench) -> Figure:
    weights, image = bench.weights, bench.test_image
    ms = median_ms(lambda: saliency.compute(weights, image), runs=bench.runs_or(200), warmup=10)
    return Figure("saliency_ms", ms, "ms")


@figure("keras_saliency_ms")
def keras_saliency_ms(bench: Bench) -> Figure:
    """The same gradient by TensorFlow's GradientTape, checked to agree with ours first."""
    import tensorflow as tf

    model, weights, image = bench.keras_model, bench.weights, bench.test_image
    last = model.layers[-1]
    target = saliency.compute(weights, image).target

    def tape() -> np.ndarray:
        x = tf.Variable(to_model_input(image))
        with tf.GradientTape() as recorder:
            h = x
            for layer in model.layers[:-1]:
                h = layer(h, training=False)
            score = (tf.matmul(h, last.kernel) + last.bias)[0, target]
        return recorder.gradient(score, x).numpy()[0, :, :, 0]

    if not np.allclose(tape(), saliency.compute(weights, image).gradient, atol=1e-4):
        raise SystemExit("benchmarks: numpy and TensorFlow saliency disagree; the figures would not compare")
    ms = median_ms(tape, runs=bench.runs_or(50), warmup=3)
    return Figure("keras_saliency_ms", ms, "ms")


# Figures: training through our event callback against plain fit.


@figure("tf_import_s")
def tf_import_s(bench: Bench) -> Figure:
    return Figure("tf_import_s", app_speed.tf_import_seconds(), "s")


@figure("first_maps_s")
def first_maps_s(bench: Bench) -> Figure:
    """Launch of the real app in a 120x40 pseudo-terminal until conv1's maps are drawn (median of 3)."""
    runs = [app_speed.first_maps_seconds(bench.data_dir) for _ in range(bench.runs_or(3))]
    return Figure("first_maps_s", statistics.median(runs), "s")


def _key_to_frame(bench: Bench, size: tuple[int, int]) -> list[float]:
    key = f"_key_to_frame_{size}"
    if key not in bench.cache:
        bench.cache[key] = app_speed.key_to_frame_ms(bench.data_dir, size, bench.runs_or(100))
    return bench.cache[key]


def _register_key_to_frame(width: int, height: int) -> None:
    for name, q in (("p50", 50), ("p95", 95)):
        label = f"key_to_frame_{name}_ms" + ("" if (width, height) == (120, 40) else f"_{width}x{height}")

        def measure(bench: Bench, label=label, q=q) -> Figure:
            timings = _key_to_frame(bench, (width, height))
            return Figure(label, float(np.percentile(timings, q)), "ms", f"{width}x{height}, {len(timings)} presses")

        figure(label)(measure)


_register_key_to_frame(120, 40)
_register_key_to_frame(200, 60)


def _traced(design: Design, x: np.ndarray, y: np.ndarray):
    """A fresh model of ``design`` whose training step Keras has already traced (on one batch, untimed).

    The app traces its model in the background before a start (``runs.ModelPool``), so every
    training figure leaves tracing out: they compare the epochs themselves.
    """
    model = build_design(design, seed=0)
    model.fit(x[:BATCH_SIZE], y[:BATCH_SIZE], batch_size=BATCH_SIZE, epochs=1, verbose=0)
    return model


# Figures: any model, from the test zoo.


def _zoo_model(bench: Bench, name: str) -> tuple[Any, Path]:
    """Zoo model ``name`` (tests/zoo.py) built by Keras and saved in a temporary folder for this run."""
    key = f"_zoo_{name}"
    if key not in bench.cache:
        import tempfile

        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        import zoo

        folder = Path(tempfile.mkdtemp(prefix="tui-cnn-bench-"))
        model = zoo.build(name)
        bench.cache[key] = (model, zoo.save(model, folder, name))
    return bench.cache[key]


@figure("zoo_activations_ms")
def zoo_activations_ms(bench: Bench) -> Figure:
    model, path = _zoo_model(bench, "colour_32x32x3")
    network = load_network(path)
    picture = np.random.default_rng(0).integers(0, 256, network.image_shape, dtype=np.uint8)
    ours = network.activations(picture).probabilities
    theirs = np.asarray(model(picture[None].astype(np.float32), training=False))[0]
    if not np.allclose(ours, theirs, atol=1e-5):
        raise SystemExit(f"benchmarks: numpy and Keras disagree on the zoo model ({np.abs(ours - theirs).max():.3g})")
    ms = median_ms(lambda: network.activations(picture), runs=bench.runs_or(1000), warmup=50)
    return Figure("zoo_activations_ms", ms, "ms", "colour_32x32x3")


@figure("zoo_keras_predict_test_s")
def zoo_keras_predict_test_s(bench: Bench) -> Figure:
    model, path = _zoo_model(bench, "batchnorm")
    x = load_network(path).prepare(bench.test_split.images)
    seconds = _seconds(lambda: model.predict(x, batch_size=500, verbose=0), bench.runs_or(3))
    return Figure("zoo_keras_predict_test_s", seconds, "s", _join_note("batchnorm", bench.test_note))


@figure("zoo_confusion_s")
def zoo_confusion_s(bench: Bench) -> Figure:
    model, path = _zoo_model(bench, "batchnorm")
    network, test = load_network(path), bench.test_split
    ours = confusion.compute(network, test.images, test.labels)
    keras_answers = np.argmax(model.predict(network.prepare(test.images), batch_size=500, verbose=0), 1)
    if (ours.predicted != keras_answers).sum() > len(test) // 1000:  # a near tie may flip in float32
        raise SystemExit("benchmarks: the numpy and Keras answers of the zoo model disagree")
    seconds = _seconds(lambda: confusion.compute(network, test.images, test.labels), bench.runs_or(3))
    return Figure("zoo_confusion_s", seconds, "s", _join_note("batchnorm", bench.test_note))


@figure("zoo_confusion_vs_predict_ratio")
def zoo_confusion_vs_predict_ratio(bench: Bench) -> Figure:
    ours, theirs = bench.get("zoo_confusion_s"), bench.get("zoo_keras_predict_test_s")
    return Figure("zoo_confusion_vs_predict_ratio", theirs.value / ours.value, "x", ours.note)


def _join_note(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _zoo_colour_picture(bench: Bench) -> tuple[Any, Any, np.ndarray]:
    model, path = _zoo_model(bench, "colour_32x32x3")
    network = load_network(path)
    return model, network, np.random.default_rng(1).integers(0, 256, network.image_shape, dtype=np.uint8)


@figure("zoo_occlusion_ms")
def zoo_occlusion_ms(bench: Bench) -> Figure:
    _, network, picture = _zoo_colour_picture(bench)
    ms = median_ms(lambda: occlusion.compute(network, picture), runs=bench.runs_or(20), warmup=2)
    return Figure("zoo_occlusion_ms", ms, "ms", "colour_32x32x3")


@figure("zoo_saliency_ms")
def zoo_saliency_ms(bench: Bench) -> Figure:
    import tensorflow as tf

    model, network, picture = _zoo_colour_picture(bench)
    found = saliency.compute(network, picture, 3)
    x = tf.Variable(network.prepare(picture[None]))
    with tf.GradientTape() as tape:
        h = x
        for layer in model.layers[:-1]:
            h = layer(h, training=False)
        score = (tf.matmul(h, model.layers[-1].kernel) + model.layers[-1].bias)[0, 3]  # the logit
    if not np.allclose(tape.gradient(score, x).numpy()[0] * network.pixel_scale, found.gradient, atol=1e-4):
        raise SystemExit("benchmarks: numpy and TensorFlow saliency disagree on the zoo model")
    ms = median_ms(lambda: saliency.compute(network, picture, 3), runs=bench.runs_or(100), warmup=5)
    return Figure("zoo_saliency_ms", ms, "ms", "colour_32x32x3")


@figure("network_activations_ms")
def network_activations_ms(bench: Bench) -> Figure:
    network, image = load_network(SHIPPED_MODEL), bench.test_image
    ms = median_ms(lambda: network.activations(image), runs=bench.runs_or(2000), warmup=50)
    return Figure("network_activations_ms", ms, "ms")


def _conv1_maps(bench: Bench) -> np.ndarray:
    return activations.compute(bench.weights, bench.test_image).layer("conv1").values  # (26, 26, 64)


@figure("grid_maps_7x7_ms")
def grid_maps_7x7_ms(bench: Bench) -> Figure:
    maps = render.pool_to(_conv1_maps(bench), 7, 7)
    ms = median_ms(lambda: render.render_maps(maps), runs=bench.runs_or(200), warmup=5)
    return Figure("grid_maps_7x7_ms", ms, "ms", "conv1's 64 maps shrunk to 7x7, as fit-all draws them at 120x40")


@figure("grid_maps_26x26_ms")
def grid_maps_26x26_ms(bench: Bench) -> Figure:
    maps = _conv1_maps(bench)
    ms = median_ms(lambda: render.render_maps(maps), runs=bench.runs_or(50), warmup=2)
    return Figure("grid_maps_26x26_ms", ms, "ms", "conv1's 64 maps at full size")


@figure("key_to_frame_128ch_p95_ms")
def key_to_frame_128ch_p95_ms(bench: Bench) -> Figure:
    _, path = _zoo_model(bench, "lab_128")
    keys = (b"\x1b[6~", b"l", b"j", b"m", b"s", b"m", b"\x1b[5~", b"h", b"k", b"c", b"s", b"z", b"z")
    timings = app_speed.key_to_frame_ms(bench.data_dir, (120, 40), bench.runs_or(100), ("--model", str(path)),
                                        keys, start=(b"3",))
    return Figure("key_to_frame_128ch_p95_ms", float(np.percentile(timings, 95)), "ms",
                  f"lab_128 conv2 11x11x128, 120x40, {len(timings)} presses")


def _predict_test_s(bench: Bench) -> float:
    """Median of 3 predictions of the test set by the shipped model in numpy, as the picker's
    "misclassified" filter makes them (``batch.probabilities`` on one BLAS thread, as the app's worker)."""
    from tui_cnn.core.batch import probabilities

    network, images = load_network(SHIPPED_MODEL), bench.test_split.images
    return median_ms(lambda: probabilities(network, images, threads=1), runs=3, warmup=1) / 1000


@contextmanager
def _training_in_background(bench: Bench) -> Iterator[None]:
    """A training run (``background_training.py``) in another process, from its first batch on."""
    script = Path(__file__).resolve().parent / "background_training.py"
    trainer = subprocess.Popen([sys.executable, script, bench.data_dir or ""], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        if trainer.stdout.readline().strip() != "training":
            raise RuntimeError("the background training did not start")
        yield
    finally:
        trainer.kill()
        trainer.wait()


@figure("predict_10k_s")
def predict_10k_s(bench: Bench) -> Figure:
    return Figure("predict_10k_s", _predict_test_s(bench), "s", bench.test_note)


@figure("predict_10k_training_s")
def predict_10k_training_s(bench: Bench) -> Figure:
    with _training_in_background(bench):
        seconds = _predict_test_s(bench)
    return Figure("predict_10k_training_s", seconds, "s", bench.test_note)


@figure("key_to_frame_training_p95_ms")
def key_to_frame_training_p95_ms(bench: Bench) -> Figure:
    timings = app_speed.key_to_frame_training_ms(bench.data_dir, (120, 40), bench.runs_or(100))
    return Figure("key_to_frame_training_p95_ms", float(np.percentile(timings, 95)), "ms",
                  f"120x40, {len(timings)} presses, training in the same app")


def _fit_epoch(bench: Bench, design: Design = LESSON) -> float:
    x, y = bench.train_arrays
    model = _traced(design, x, y)
    started = time.perf_counter()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0)
    return len(y) / (time.perf_counter() - started)


def _train_fn_epoch(bench: Bench) -> float:
    split = bench.train_split
    counts: Counter[type] = Counter()
    model = _traced(LESSON, *bench.train_arrays)
    started = time.perf_counter()
    done = train(model, split, None, TrainConfig(epochs=1, batch_size=BATCH_SIZE), lambda e: counts.update([type(e)]))
    seconds = time.perf_counter() - started
    steps = -(-len(split) // BATCH_SIZE)
    if done.reason != "finished" or counts[BatchEvent] != steps or counts[EpochEvent] != 1 or counts[DoneEvent] != 1:
        raise SystemExit(f"benchmarks: train() ended {done.reason!r} with events "
                         f"{ {t.__name__: n for t, n in counts.items()} }, expected {steps} batches and 1 epoch")
    return len(split) / seconds


def _panel_epoch(bench: Bench, design: Design = LESSON) -> float:
    val = load_split("test", bench.data_dir, download=False)
    return panel.panel_epoch(bench.train_split, val, batch_size=BATCH_SIZE, design=design).images_per_s


def _designed_fit_epoch(bench: Bench) -> float:
    return _fit_epoch(bench, DESIGNED)


def _livelog_epoch(bench: Bench) -> float:
    from tui_cnn.core.runlog import read_events
    from tui_cnn.keras_callback import LiveLog

    x, y = bench.train_arrays
    model = _traced(LESSON, x, y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.jsonl"
        started = time.perf_counter()
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0, callbacks=[LiveLog(path, batch_size=BATCH_SIZE)])
        seconds = time.perf_counter() - started
        events, notes = read_events(path)
    kinds = Counter(event["event"] for event in events)
    steps = -(-len(y) // BATCH_SIZE)
    if notes or kinds != Counter(start=1, batch=steps, epoch=1, end=1):
        raise SystemExit(f"benchmarks: LiveLog wrote {dict(kinds)} ({notes}), expected {steps} batches and 1 epoch")
    return len(y) / seconds


def _designed_panel_epoch(bench: Bench) -> float:
    return _panel_epoch(bench, DESIGNED)


TRAINING_KINDS = {"fit": _fit_epoch, "train_fn": _train_fn_epoch, "panel": _panel_epoch, "livelog": _livelog_epoch,
                  "fit_designed": _designed_fit_epoch, "panel_designed": _designed_panel_epoch}


# Kinds measured together, so that each ratio compares epochs of the same rounds; a group is only
# trained when one of its figures is asked for.
TRAINING_GROUPS = (("fit", "train_fn", "panel", "livelog"), ("fit_designed", "panel_designed"))


def _training_rounds(bench: Bench, kind: str) -> dict[str, list[float]]:
    """Images/s of each kind of epoch in ``kind``'s group over ``--rounds`` rounds, the kinds interleaved.

    One epoch each is not enough on a small shared machine: throughput can halve while anything
    else takes a core. Interleaving (in a rotating order) puts each kind through the same
    conditions, and the ratios below compare epochs of the same round.
    """
    kinds = next(group for group in TRAINING_GROUPS if kind in group)
    key = "training-" + "-".join(kinds)
    if key not in bench.cache:
        bench.warm_up_training()
        results: dict[str, list[float]] = {k: [] for k in kinds}
        for r in range(bench.rounds):
            for k in kinds[r % len(kinds):] + kinds[: r % len(kinds)]:
                results[k].append(TRAINING_KINDS[k](bench))
        bench.cache[key] = results
    return bench.cache[key]


def _rounds_note(bench: Bench) -> str:
    return "; ".join(n for n in (bench.data_note, f"median of {bench.rounds} interleaved epochs") if n)


def _speed_figure(name: str, kind: str) -> None:
    def measure(bench: Bench) -> Figure:
        return Figure(name, statistics.median(_training_rounds(bench, kind)[kind]), "images/s", _rounds_note(bench))

    figure(name)(measure)


def _ratio_figure(name: str, kind: str, baseline: str = "fit") -> None:
    def measure(bench: Bench) -> Figure:
        rounds = _training_rounds(bench, kind)
        ratios = [ours / fit for ours, fit in zip(rounds[kind], rounds[baseline])]
        return Figure(name, statistics.median(ratios), "x", _rounds_note(bench))

    figure(name)(measure)


_speed_figure("fit_images_per_s", "fit")
_speed_figure("train_fn_images_per_s", "train_fn")
_ratio_figure("train_fn_vs_fit_ratio", "train_fn")
_speed_figure("panel_images_per_s", "panel")
_ratio_figure("panel_vs_fit_ratio", "panel")
_ratio_figure("designed_panel_vs_fit_ratio", "panel_designed", baseline="fit_designed")


@figure("start_to_first_point_s")
def start_to_first_point_s(bench: Bench) -> Figure:
    """From pressing s on the training screen to the first batch's loss drawn (median of --runs, default 3)."""
    bench.warm_up_training()  # "after TensorFlow has loaded", as the app's background preparation does
    val = load_split("test", bench.data_dir, download=False)
    runs = [panel.first_point_seconds(bench.train_split, val) for _ in range(bench.runs_or(3))]
    return Figure("start_to_first_point_s", statistics.median(runs), "s",
                  "; ".join(n for n in (bench.data_note, f"median of {len(runs)}") if n))


_speed_figure("livelog_images_per_s", "livelog")
_ratio_figure("livelog_vs_fit_ratio", "livelog")


@figure("livelog_batch_us")
def livelog_batch_us(bench: Bench) -> Figure:
    """LiveLog's own work per batch, called directly: a figure that load on the machine barely moves."""
    from tui_cnn.keras_callback import LiveLog

    class FakeModel:
        name, stop_training = "bench", False

    logs = {"accuracy": np.float32(0.8), "loss": np.float32(0.5)}  # what Keras' pythonify_logs passes
    batches = 20_000
    with tempfile.TemporaryDirectory() as folder:
        callback = LiveLog(Path(folder) / "run.jsonl")
        callback.set_params({"epochs": 1, "steps": batches})
        callback.set_model(FakeModel())
        callback.on_train_begin()
        callback.on_epoch_begin(0)
        started = time.perf_counter()
        for batch in range(batches):
            callback.on_train_batch_end(batch, logs)
        seconds = time.perf_counter() - started
        callback.on_train_end()
    return Figure("livelog_batch_us", seconds / batches * 1e6, "us")


# Command line.


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Print tui-cnn's speed figures, one 'name: value unit' line each. "
        "See the module docstring for what each figure measures.",
    )
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this figure; repeat it or give several separated by commas")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder with the four Fashion-MNIST IDX files (default: $TUI_CNN_DATA_DIR, else Keras' cache)")
    parser.add_argument("--limit", type=_positive, metavar="N",
                        help="train (and diagnose) on only the first N training (test) images; the lines say so")
    parser.add_argument("--runs", type=_positive, metavar="N",
                        help="timed runs for each per-image figure (default: 2000, 500, 100)")
    parser.add_argument("--rounds", type=_positive, default=3, metavar="N",
                        help="interleaved epochs of each training kind (default: 3)")
    parser.add_argument("--list", action="store_true", help="list the figure names and exit")
    return parser


def selected_figures(parser: argparse.ArgumentParser, only: list[str] | None) -> list[str]:
    """The figures to print, in registry order; an unknown name is a usage error."""
    if not only:
        return list(FIGURES)
    wanted = {name.strip() for item in only for name in item.split(",") if name.strip()}
    unknown = sorted(wanted - FIGURES.keys())
    if unknown:
        parser.error(f"unknown figure {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    if not wanted:
        parser.error("--only needs a figure name")
    return [name for name in FIGURES if name in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(FIGURES))
        return 0
    names = selected_figures(parser, args.only)
    bench = Bench(limit=args.limit, runs=args.runs, data_dir=args.data_dir, rounds=args.rounds)
    try:
        for name in names:
            print(bench.get(name).line(), flush=True)
    except (DataError, ModelFileError) as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
