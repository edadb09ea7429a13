"""The live training panel: snapshots fed by a fake trainer, and a real (tiny) training run.

The fake trainer reports a fixed loss sequence through the same path as real training (the
screen's worker, its event deque and its timer) and advances a fake clock, so speed, elapsed time
and ETA are the same on every run. The pilot test really trains the lesson's model in the app on
the drawn samples (shifted copies, no dataset or network needed), stops it mid-epoch and checks
that the saved model is what the explorer now shows.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from tui_cnn.core import activations, paths
from tui_cnn.core.data import Split
from tui_cnn.core.model import WEIGHTED_LAYERS, Weights, load_keras_model, read_weights
from tui_cnn.core.training import BatchEvent, DoneEvent, EpochEvent, WeightsEvent
from tui_cnn.ui.screens.training import SCREEN_NAME, KerasTrainer, RunHistory, Status, TrainingScreen
from tui_cnn.ui.widgets.framed_plot import thin

BIG = (120, 40)
START = 9  # the drawn ankle boot, as in the explorer's snapshots


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeTrainer:
    """Reports a fixed, noisy-looking loss and accuracy sequence, 60 batches an epoch.

    It holds still (until the run is stopped) after ``pause_after`` batches, raises after
    ``fail_after`` batches, and moves the fake clock 0.05 s per batch.
    """

    STEPS = 60

    def __init__(self, clock: FakeClock, weights: Weights, pause_after: int | None = None,
                 fail_after: int | None = None) -> None:
        self.clock, self.weights = clock, weights
        self.pause_after, self.fail_after = pause_after, fail_after
        self.paused = threading.Event()
        self.settings = None

    def __call__(self, settings, emit, stop) -> DoneEvent:
        self.settings = settings
        emit(Status("loading TensorFlow..."))
        self.clock.now += 3.0
        emit(WeightsEvent(settings.initial_epoch, 0, self.weights))
        rng = np.random.default_rng(0)
        batch, count = settings.batch_size, 0
        for epoch in range(settings.initial_epoch + 1, settings.epochs + 1):
            loss_sum = accuracy_sum = 0.0
            for step in range(1, self.STEPS + 1):
                g = (epoch - 1) * self.STEPS + step
                loss_sum += (0.3 + 2.0 * math.exp(-g / 25) + 0.15 * rng.standard_normal()) * batch
                accuracy_sum += min(1.0, max(0.0, 0.92 - 0.8 * math.exp(-g / 25) + 0.05 * rng.standard_normal())) * batch
                seen = step * batch
                self.clock.now += 0.05
                emit(BatchEvent(epoch, step, self.STEPS, loss_sum / seen, accuracy_sum / seen, seen))
                count += 1
                if count == 2 * self.STEPS:
                    emit(WeightsEvent(epoch, step, _nudged(self.weights)))
                if count == self.fail_after:
                    raise RuntimeError("the fake trainer broke on purpose")
                if count == self.pause_after:
                    self.paused.set()
                    stop.wait(timeout=20)
                if stop.is_set():
                    return _done(emit, "stopped", epoch - 1)
            self.clock.now += 0.5
            n = self.STEPS * batch
            emit(EpochEvent(epoch, settings.epochs, loss_sum / n, accuracy_sum / n, 0.45 + 0.5 * math.exp(-epoch),
                            0.86 + 0.01 * epoch, 3.0 + 0.1 * epoch, None))
        return _done(emit, "finished", settings.epochs)


def _done(emit, reason: str, completed: int) -> DoneEvent:
    event = DoneEvent(reason, completed)
    emit(event)
    return event


def _nudged(weights: Weights) -> Weights:
    """The weights with seeded noise on the first convolution, as if training had moved them."""
    rng = np.random.default_rng(1)
    kernel = weights.conv1_kernel + rng.normal(0, 0.2, weights.conv1_kernel.shape).astype(np.float32)
    pairs = {layer: (weights.kernel(layer), weights.bias(layer)) for layer in WEIGHTED_LAYERS}
    pairs["conv1"] = (kernel, weights.conv1_bias)
    return Weights.from_pairs(pairs, "nudged")


async def wait_until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the training screen"
        await pilot.pause(0.05)


def settled(screen: TrainingScreen) -> bool:
    """Every event drawn: nothing queued, the plots up to date."""
    return not screen._events and not screen.plots_dirty


async def open_training(pilot, trainer, clock=None, save: bool = False) -> TrainingScreen:
    screen = TrainingScreen(trainer, clock=clock or time.perf_counter, save=save)
    pilot.app.install_screen(screen, SCREEN_NAME)
    await pilot.press("t")
    assert pilot.app.screen is screen
    return screen


# --- snapshots ------------------------------------------------------------------------------------


def test_training_mid_run(snap_compare, make_app, shipped_weights):
    """Two and a half epochs in: plots, progress, two table rows, maps from the latest weights."""
    clock = FakeClock()
    fake = FakeTrainer(clock, shipped_weights, pause_after=150)

    async def run_before(pilot):
        screen = await open_training(pilot, fake, clock)
        await pilot.press("s")
        await wait_until(pilot, lambda: fake.paused.is_set() and settled(screen) and len(screen.history.x) == 150)
        await pilot.pause()

    assert snap_compare(make_app(start_index=START), run_before=run_before, terminal_size=BIG)


def test_training_finished(snap_compare, make_app, shipped_weights):
    """A finished five-epoch run, with the maps on the pool1 layer."""
    clock = FakeClock()
    fake = FakeTrainer(clock, shipped_weights)

    async def run_before(pilot):
        screen = await open_training(pilot, fake, clock)
        await pilot.press("s")
        await wait_until(pilot, lambda: not screen.running and settled(screen))
        await pilot.press("right_square_bracket")
        await pilot.pause()

    assert snap_compare(make_app(start_index=START), run_before=run_before, terminal_size=BIG)


# --- the screen with a fake trainer ------------------------------------------------------------------


async def test_a_failing_trainer_shows_one_line_and_the_app_goes_on(make_app, shipped_weights):
    fake = FakeTrainer(FakeClock(), shipped_weights, fail_after=10)
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        screen = await open_training(pilot, fake, fake.clock)
        await pilot.press("s")
        await wait_until(pilot, lambda: not screen.running)
        status = str(screen.query_one("#train-status").render())
        assert "Training failed: RuntimeError: the fake trainer broke on purpose" in status
        assert app.state.model_label == "shipped" and app.state.weights is shipped_weights
        assert screen.check_action("start", ()) is True  # ready for another go
        await pilot.press("escape")
        assert app.screen is app.explorer and app.is_running


async def test_settings_reach_the_trainer(make_app, shipped_weights):
    fake = FakeTrainer(FakeClock(), shipped_weights)
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        screen = await open_training(pilot, fake, fake.clock)
        assert app.focused.id == "train-epochs"
        await pilot.press("end", "backspace", "2", "tab", "tab", "tab", *"90")  # letters would be commands
        await pilot.press("s")
        await wait_until(pilot, lambda: not screen.running and fake.settings is not None)
        assert (fake.settings.epochs, fake.settings.batch_size, fake.settings.target_accuracy) == (2, 32, 0.9)
        assert fake.settings.start_from == "random" and fake.settings.save_to is None
        assert len(screen.query_one("#train-table").rows) == 2


async def test_bad_settings_are_refused(make_app, shipped_weights):
    fake = FakeTrainer(FakeClock(), shipped_weights)
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        screen = await open_training(pilot, fake, fake.clock)
        await pilot.press("end", "backspace", "0", "s")
        await pilot.pause()
        assert not screen.running and fake.settings is None
        assert "Epochs must be a whole number" in str(screen.query_one("#train-status").render())


def test_batch_values_are_recovered_from_keras_running_means():
    losses, accuracies, sizes = [2.0, 1.0, 0.5, 0.25], [0.0, 0.5, 0.75, 1.0], [32, 32, 32, 4]
    history = RunHistory(epochs=1)
    seen = 0
    for step, (loss, accuracy, size) in enumerate(zip(losses, accuracies, sizes), 1):
        seen += size
        weights = np.array(sizes[:step]) / seen
        history.add_batch(BatchEvent(1, step, 4, float(np.dot(losses[:step], weights)),
                                     float(np.dot(accuracies[:step], weights)), seen))
    np.testing.assert_allclose(history.loss, losses, atol=1e-9)
    np.testing.assert_allclose(history.accuracy, accuracies, atol=1e-9)
    assert history.x == [0.25, 0.5, 0.75, 1.0] and history.images == 100
    history.keep_epochs(0)
    assert history.x == [] and history.last_batch is None


def test_thin_keeps_the_ends():
    x = np.arange(10_000, dtype=float)
    tx, ty = thin(x, x * 2, limit=100)
    assert len(tx) == 100 and tx[0] == 0 and tx[-1] == 9_999 and np.array_equal(ty, tx * 2)


# --- really training -----------------------------------------------------------------------------------


def shifted_samples(samples: Split) -> Split:
    """250 training images: each drawn sample moved by up to two pixels in each direction."""
    images, labels = [], []
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            images.append(np.roll(samples.images, (dy, dx), axis=(1, 2)))
            labels.append(samples.labels)
    return Split(np.concatenate(images), np.concatenate(labels), "shifted samples")


@pytest.mark.slow
async def test_train_stop_explore_switch_and_resume(make_app, samples, shipped_weights, tmp_path):
    """Train in the app, stop in epoch 2, explore epoch 1's saved model, switch models, resume to the end."""
    real = KerasTrainer(train_split=shifted_samples(samples), val_split=samples, seed=0, weights_every=4)
    in_epoch_2, gate = threading.Event(), threading.Event()

    def gated(settings, emit, stop):
        def emit_and_wait(event):
            emit(event)
            if isinstance(event, BatchEvent) and (event.epoch, event.step) == (2, 3) and not gate.is_set():
                gate.set()
                in_epoch_2.set()
                stop.wait(timeout=30)  # hold training here until the test presses x

        return real(settings, emit_and_wait, stop)

    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        screen = await open_training(pilot, gated, save=True)
        await pilot.press("s")
        await wait_until(pilot, in_epoch_2.is_set, timeout=60)
        await pilot.press("x")
        await wait_until(pilot, lambda: not screen.running, timeout=30)

        saved = tmp_path / "home" / "fashion_cnn.keras"
        assert paths.user_model_path() == saved and saved.is_file()
        assert (screen.done.reason, screen.done.epochs_completed) == ("stopped", 1)
        assert len(screen.query_one("#train-table").rows) == 1
        assert len(screen.history.x) == 8 + 3  # 250 images in batches of 32, then 3 batches of epoch 2
        model = load_keras_model(saved)  # Keras loads it, and it holds what the explorer now uses
        kept = read_weights(saved)
        for layer in WEIGHTED_LAYERS:
            assert np.array_equal(app.state.weights.kernel(layer), kept.kernel(layer))
            assert np.array_equal(model.get_layer(index=_keras_index(model, layer)).get_weights()[0], kept.kernel(layer))
        assert not np.array_equal(kept.conv1_kernel, shipped_weights.conv1_kernel)
        assert app.state.model_label == f"run {screen.run.id}"  # the explorer says which run it shows
        assert screen.run.checkpoint()[0].where() == "epoch 2, batch 3 of 8"  # nothing trained is lost

        await pilot.press("escape")
        state = app.state
        assert app.screen is app.explorer
        expected = activations.compute(kept, state.picture.image).probabilities
        np.testing.assert_allclose(state.acts.probabilities, expected, rtol=1e-6)

        await pilot.press("w")  # back to the shipped model
        assert app.state.model_label == "shipped"
        np.testing.assert_allclose(state.acts.probabilities,
                                   activations.compute(shipped_weights, state.picture.image).probabilities,
                                   rtol=1e-6)
        await pilot.press("w")  # and to the trained one again
        assert app.state.model_label == "trained"

        await pilot.press("t", "r")  # resume from batch 3 of epoch 2, where it stopped
        assert app.screen is screen
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        assert (screen.done.reason, screen.done.epochs_completed) == ("finished", 5)
        assert [row.epoch for row in screen.history.rows] == [1, 2, 3, 4, 5]
        assert len(screen.history.x) == 5 * 8
        assert not np.array_equal(app.state.weights.conv1_kernel, kept.conv1_kernel)


def _keras_index(model, layer: str) -> int:
    weighted = [i for i, keras_layer in enumerate(model.layers) if keras_layer.get_weights()]
    return weighted[WEIGHTED_LAYERS.index(layer)]
