"""A run's curves as the plots draw them: each batch's own loss and accuracy, their moving averages, the epochs.

``RunHistory`` takes the events of a run as they come (live from ``core.training``, or read back
from its log with ``from_log``) and keeps plain lists that any view can draw: the training screen's
plots, the runs screen's overlay of several runs, a viewer following a log file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from tui_cnn.core.training import BatchEvent, EpochEvent


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


def from_log(events: Iterable[dict[str, Any]], epochs: int | None = None) -> RunHistory:
    """The history of a run from its log's events (see ``runlog.replay``); ``epochs`` spans the x axis."""
    events = list(events)
    starts = [e for e in events if e["event"] == "start" and e.get("epochs")]
    history = RunHistory(epochs or (starts[-1]["epochs"] if starts else 1))
    for record in events:
        if record["event"] == "batch" and _numbers(record, "epoch", "batch", "steps", "images_seen", "loss", "accuracy"):
            history.add_batch(BatchEvent(record["epoch"], record["batch"], record["steps"], record["loss"],
                                         record["accuracy"], record["images_seen"]))
        elif record["event"] == "epoch" and _numbers(record, "epoch"):
            history.add_epoch(EpochEvent(record["epoch"], history.epochs, _number(record, "loss"),
                                         _number(record, "accuracy"), _number(record, "val_loss"),
                                         _number(record, "val_accuracy"), _number(record, "seconds"), None))
    return history


def _numbers(record: dict[str, Any], *keys: str) -> bool:
    return all(isinstance(record.get(key), (int, float)) for key in keys)


def _number(record: dict[str, Any], key: str) -> float:
    value = record.get(key)
    return float(value) if isinstance(value, (int, float)) else math.nan
