"""Train the lesson's model, reporting progress as events and saving atomically after each epoch.

``train`` runs one ``model.fit`` per epoch so that a stop requested mid-epoch ends at the next
batch without the validation pass Keras would otherwise still run, and so that only complete
epochs are ever saved. It is UI-agnostic: the CLI draws a Rich progress bar from the events and
the app posts them as Textual messages.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np

from tui_cnn.core.data import Split
from tui_cnn.core.model import Weights, save_model_atomic
from tui_cnn.core.safe_save import OutputLock

if TYPE_CHECKING:  # pragma: no cover
    import keras

MAX_EPOCHS = 200  # the most the CLI and the app accept; more is surely a typo


@dataclass(frozen=True)
class BatchEvent:
    """A batch finished: ``step`` counts from 1 within ``epoch`` (which counts from 1)."""

    epoch: int
    step: int
    steps: int
    loss: float
    accuracy: float
    images_seen: int


@dataclass(frozen=True)
class EpochEvent:
    """An epoch finished, was evaluated on the validation data and saved (if a path was given)."""

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    saved_to: Path | None


@dataclass(frozen=True)
class WeightsEvent:
    """A copy of the weights mid-training, so a UI can show the filters as they learn."""

    epoch: int
    step: int
    weights: Weights


@dataclass(frozen=True)
class DoneEvent:
    """Training ended: ``reason`` is "finished", "stopped" or "target"."""

    reason: str
    epochs_completed: int


TrainingEvent = Union[BatchEvent, EpochEvent, WeightsEvent, DoneEvent]


@dataclass(frozen=True)
class Position:
    """How far a run is: ``batch`` batches of ``epoch`` done (0: the epoch has not begun).

    The sums are the epoch's loss and accuracy times the images seen so far, so that a run resumed
    mid-epoch reports the same running means as one that never stopped; ``seconds`` is the epoch's
    training time so far.
    """

    epoch: int = 1
    batch: int = 0
    steps: int = 0
    images_seen: int = 0
    loss_sum: float = 0.0
    accuracy_sum: float = 0.0
    seconds: float = 0.0

    @property
    def epochs_completed(self) -> int:
        return self.epoch - 1

    def where(self) -> str:
        """``epoch 3, batch 1,200 of 1,875`` or ``the start of epoch 3``."""
        if self.batch == 0:
            return f"the start of epoch {self.epoch}"
        return f"epoch {self.epoch}, batch {self.batch:,} of {self.steps:,}"


# ``checkpoint(model, position)``: keep the model (weights and optimizer state) as it is at ``position``.
CheckpointHook = Callable[["keras.Model", Position], None]


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 5
    batch_size: int = 32
    initial_epoch: int = 0
    target_accuracy: float | None = None  # like the lesson's callback: stop once reached
    weights_every: int = 0  # emit a WeightsEvent every N batches (0: never)
    save_to: Path | None = None
    # Each epoch's order comes from this seed, so a run can resume mid-epoch with the same batches
    # (None: Keras shuffles, and only whole epochs can be resumed).
    shuffle_seed: int | None = None
    resume_at: Position | None = None  # continue from here (overrides initial_epoch)
    checkpoint_every: int = 0  # call the checkpoint every N batches (0: only at a stop and each epoch's end)
    dataset: str = "fashion_mnist"  # remembered in the saved model (core.datasets)


def _epoch_callback(model: keras.Model, begin: Position, n_images: int, config: TrainConfig,
                    emit: Callable[[TrainingEvent], None], stop: threading.Event, checkpoint: CheckpointHook | None):
    """A Keras callback that turns batches into events and checkpoints; built here because keras loads lazily."""
    from tui_cnn.core.model import import_keras

    keras = import_keras()
    batch_size = config.batch_size

    class EventCallback(keras.callbacks.Callback):
        position = begin
        started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            seen = min((batch + 1) * batch_size, n_images - begin.images_seen)
            step = begin.batch + batch + 1
            loss_sum = begin.loss_sum + float(logs.get("loss", np.nan)) * seen
            accuracy_sum = begin.accuracy_sum + float(logs.get("accuracy", np.nan)) * seen
            total = begin.images_seen + seen
            self.position = Position(begin.epoch, step, begin.steps, total, loss_sum, accuracy_sum,
                                     begin.seconds + time.perf_counter() - self.started)
            emit(BatchEvent(begin.epoch, step, begin.steps, loss_sum / total, accuracy_sum / total, total))
            if config.weights_every and step % config.weights_every == 0:
                emit(WeightsEvent(begin.epoch, step, Weights.from_keras(model)))
            if stop.is_set():
                model.stop_training = True  # Keras checks this after every batch
            elif checkpoint and config.checkpoint_every and step % config.checkpoint_every == 0 \
                    and step < begin.steps:
                checkpoint(model, self.position)

    return EventCallback()


def _epoch_data(x: np.ndarray, y: np.ndarray, epoch: int, skip: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The epoch's images in training order, without the first ``skip`` (already trained on)."""
    if seed is None:
        return x, y
    order = np.random.default_rng([seed, epoch]).permutation(len(y))[skip:]
    return x[order], y[order]


def train(
    model: keras.Model,
    train_split: Split,
    val_split: Split | None,
    config: TrainConfig,
    emit: Callable[[TrainingEvent], None],
    stop: threading.Event | None = None,
    checkpoint: CheckpointHook | None = None,
) -> DoneEvent:
    """Train ``model`` up to ``config.epochs`` (counting ``initial_epoch``, or ``resume_at``, as done).

    Calls ``emit`` from this thread for every event; ``stop.set()`` from any thread ends training
    after the current batch, keeping the last complete epoch's saved model. ``checkpoint`` (if
    given) is called every ``checkpoint_every`` batches, at a stop mid-epoch, and after each epoch.
    While it runs, no other process can train to ``config.save_to`` (``OutputBusyError``); a save
    that fails raises ``ModelSaveError``, which carries the model so it can be saved elsewhere.
    """
    with OutputLock(config.save_to) if config.save_to else contextlib.nullcontext():
        return _train(model, train_split, val_split, config, emit, stop or threading.Event(), checkpoint)


def _train(model: keras.Model, train_split: Split, val_split: Split | None, config: TrainConfig,
           emit: Callable[[TrainingEvent], None], stop: threading.Event,
           checkpoint: CheckpointHook | None) -> DoneEvent:
    x, y = train_split.model_input, train_split.labels.astype(np.int64)
    val = (val_split.model_input, val_split.labels.astype(np.int64)) if val_split else None
    steps = -(-len(y) // config.batch_size)
    start = config.resume_at or Position(config.initial_epoch + 1)
    if start.batch and config.shuffle_seed is None:
        raise ValueError("resuming mid-epoch needs the shuffle_seed the run was trained with")
    completed = start.epochs_completed
    for epoch in range(start.epoch, config.epochs + 1):
        if stop.is_set():
            return _done(emit, "stopped", completed)
        begin = replace(start, steps=steps) if epoch == start.epoch else Position(epoch, 0, steps)
        callback = _epoch_callback(model, begin, len(y), config, emit, stop, checkpoint)
        if begin.batch < steps:
            epoch_x, epoch_y = _epoch_data(x, y, epoch, begin.images_seen, config.shuffle_seed)
            callback.started = time.perf_counter()  # the epoch's time is all of fit's, as a plain fit is timed
            model.fit(epoch_x, epoch_y, batch_size=config.batch_size, epochs=1, verbose=0, callbacks=[callback],
                      shuffle=config.shuffle_seed is None)
        position = callback.position
        if stop.is_set() and position.batch < steps:  # cut short: neither evaluated nor saved as an epoch
            if checkpoint and position.batch > begin.batch:
                checkpoint(model, position)
            return _done(emit, "stopped", completed)
        loss, accuracy = position.loss_sum / position.images_seen, position.accuracy_sum / position.images_seen
        val_loss, val_accuracy = model.evaluate(*val, batch_size=256, verbose=0) if val else (np.nan, np.nan)
        saved = save_model_atomic(model, config.save_to, {"dataset": config.dataset}) if config.save_to else None
        completed = epoch
        emit(EpochEvent(epoch, config.epochs, float(loss), float(accuracy), float(val_loss),
                        float(val_accuracy), position.seconds, saved))
        if checkpoint:
            checkpoint(model, Position(epoch + 1, 0, steps))
        if config.target_accuracy is not None and accuracy >= config.target_accuracy:
            return _done(emit, "target", completed)
    return _done(emit, "finished", completed)


def _done(emit: Callable[[TrainingEvent], None], reason: str, completed: int) -> DoneEvent:
    event = DoneEvent(reason, completed)
    emit(event)
    return event
