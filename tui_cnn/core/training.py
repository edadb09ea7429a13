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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np

from tui_cnn.core.data import Split, to_model_input
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
class TrainConfig:
    epochs: int = 5
    batch_size: int = 32
    initial_epoch: int = 0
    target_accuracy: float | None = None  # like the lesson's callback: stop once reached
    weights_every: int = 0  # emit a WeightsEvent every N batches (0: never)
    save_to: Path | None = None
    dataset: str = "fashion_mnist"  # remembered in the saved model (core.datasets)


def _batch_callback(model: keras.Model, epoch: int, steps: int, batch_size: int, n_images: int,
                    config: TrainConfig, emit: Callable[[TrainingEvent], None], stop: threading.Event):
    """A Keras callback that turns batches into events; built here because keras loads lazily."""
    from tui_cnn.core.model import import_keras

    keras = import_keras()

    class EventCallback(keras.callbacks.Callback):
        steps_done = 0

        def on_train_batch_end(self, batch, logs=None):
            step = self.steps_done = batch + 1
            logs = logs or {}
            seen = min(step * batch_size, n_images)
            emit(BatchEvent(epoch, step, steps, float(logs.get("loss", np.nan)),
                            float(logs.get("accuracy", np.nan)), seen))
            if config.weights_every and step % config.weights_every == 0:
                emit(WeightsEvent(epoch, step, Weights.from_keras(model)))
            if stop.is_set():
                model.stop_training = True  # Keras checks this after every batch

    return EventCallback()


def train(
    model: keras.Model,
    train_split: Split,
    val_split: Split | None,
    config: TrainConfig,
    emit: Callable[[TrainingEvent], None],
    stop: threading.Event | None = None,
) -> DoneEvent:
    """Train ``model`` for ``config.epochs`` (counting ``initial_epoch`` as already done).

    Calls ``emit`` from this thread for every event; ``stop.set()`` from any thread ends training
    after the current batch, keeping the last complete epoch's saved model. While it runs, no other
    process can train to ``config.save_to`` (``OutputBusyError``); a save that fails raises
    ``ModelSaveError``, which carries the model so it can be saved elsewhere.
    """
    with OutputLock(config.save_to) if config.save_to else contextlib.nullcontext():
        return _train(model, train_split, val_split, config, emit, stop or threading.Event())


def _train(model: keras.Model, train_split: Split, val_split: Split | None, config: TrainConfig,
           emit: Callable[[TrainingEvent], None], stop: threading.Event) -> DoneEvent:
    x, y = to_model_input(train_split.images), train_split.labels.astype(np.int64)
    val = (to_model_input(val_split.images), val_split.labels.astype(np.int64)) if val_split else None
    steps = -(-len(y) // config.batch_size)
    completed = config.initial_epoch
    for epoch in range(config.initial_epoch + 1, config.epochs + 1):
        if stop.is_set():
            return _done(emit, "stopped", completed)
        callback = _batch_callback(model, epoch, steps, config.batch_size, len(y), config, emit, stop)
        started = time.perf_counter()
        history = model.fit(x, y, batch_size=config.batch_size, epochs=1, verbose=0, callbacks=[callback])
        if stop.is_set() and callback.steps_done < steps:  # cut short: neither evaluated nor saved
            return _done(emit, "stopped", completed)
        seconds = time.perf_counter() - started
        loss, accuracy = history.history["loss"][-1], history.history["accuracy"][-1]
        val_loss, val_accuracy = model.evaluate(*val, batch_size=256, verbose=0) if val else (np.nan, np.nan)
        saved = save_model_atomic(model, config.save_to, {"dataset": config.dataset}) if config.save_to else None
        completed = epoch
        emit(EpochEvent(epoch, config.epochs, float(loss), float(accuracy), float(val_loss),
                        float(val_accuracy), seconds, saved))
        if config.target_accuracy is not None and accuracy >= config.target_accuracy:
            return _done(emit, "target", completed)
    return _done(emit, "finished", completed)


def _done(emit: Callable[[TrainingEvent], None], reason: str, completed: int) -> DoneEvent:
    event = DoneEvent(reason, completed)
    emit(event)
    return event
