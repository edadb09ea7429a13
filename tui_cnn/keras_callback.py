"""``LiveLog``: a Keras callback that lets ``tui-cnn watch`` follow any ``model.fit``, anywhere.

    from tui_cnn.keras_callback import LiveLog
    model.fit(x, y, epochs=5, callbacks=[LiveLog("run.jsonl")])

and, on the same machine or wherever the file is visible (a shared disk, a copy): ``tui-cnn watch
run.jsonl``. The file is tui-cnn's training log (``tui_cnn.core.runlog``): a ``start`` event, one
``batch`` event per batch (every ``every``-th batch if asked), one ``epoch`` event per epoch with
the validation metrics, and an ``end`` event, the same format the app's own runs write.

It stays out of training's way. Keras runs the batch-end calls of an ``async_safe`` callback on a
thread pool, so the model never waits for the file: the log values are read there (for a GPU that
is where the wait for the batch happens), and a small reorder buffer keeps the lines in batch
order even when two of those calls finish out of order. Under a ``tf.distribute`` strategy that
spans several machines only the chief writes (``TF_CONFIG`` says who that is); the other workers'
callbacks do nothing. One machine with several GPUs is one process, which writes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import keras

from tui_cnn.core.runlog import LogWriter

RESERVED = frozenset({"event", "time", "epoch", "batch", "steps", "seconds"})


def is_chief(environ: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    """Whether this process writes: the chief of a multi-worker cluster, or any process outside one.

    ``TF_CONFIG`` describes a cluster; its chief is the task of type ``chief`` or, when the cluster
    has none, worker 0. Parameter servers and evaluators never write.
    """
    try:
        config = json.loads(environ.get("TF_CONFIG") or "{}")
    except ValueError:
        return True  # not a cluster tf.distribute could use either
    task = config.get("task") or {}
    kind, index = task.get("type"), int(task.get("index", 0))
    if kind in (None, "chief"):
        return True
    return kind == "worker" and index == 0 and "chief" not in (config.get("cluster") or {})


def _metrics(logs: dict[str, Any] | None) -> dict[str, Any]:
    """The numbers Keras reports, as plain floats; names that clash with the event's own keys get a prefix."""
    out: dict[str, Any] = {}
    for key, value in (logs or {}).items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        out[f"metric_{key}" if key in RESERVED else key] = value
    return out


class LiveLog(keras.callbacks.Callback):
    """Append ``model.fit``'s progress to the JSON-lines training log at ``path``.

    ``every``: write every n-th batch (the epoch events are always written). ``batch_size``: if
    given, recorded so the watcher can show images per second (Keras does not tell callbacks).
    ``design``: any JSON-able description of the run (hyper-parameters, a note) kept in ``start``.
    """

    async_safe = True  # Keras may call on_train_batch_end from a worker thread: see the module docstring

    def __init__(self, path: str | os.PathLike[str], *, every: int = 1, batch_size: int | None = None,
                 design: Any = None) -> None:
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, not {every}")
        self.path, self.every, self.batch_size, self.design = Path(path), every, batch_size, design
        self._writer: LogWriter | None = None
        self._lock = threading.Lock()
        self._epoch = 0
        self._epoch_started = 0.0
        self._pending: dict[int, dict[str, Any]] = {}
        self._next_batch = 1
        self._steps: dict[str, int] = {}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not is_chief():
            return
        self._writer = LogWriter(self.path)
        params = self.params or {}
        self._steps = {"steps": params["steps"]} if params.get("steps") else {}
        fields = {"epochs": params.get("epochs"), "steps": params.get("steps"), "batch_size": self.batch_size,
                  "source": "keras", "model": getattr(self.model, "name", None), "design": self.design}
        self._writer.write("start", **{k: v for k, v in fields.items() if v is not None})

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch, self._epoch_started = epoch + 1, time.perf_counter()
        self._pending, self._next_batch = {}, 1

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        number = batch + 1
        if self._writer is None:
            return
        # Every batch passes through the buffer (even unwritten ones), so the order is kept exactly.
        record = _metrics(logs) if number % self.every == 0 else None
        with self._lock:
            self._pending[number] = record
            while self._next_batch in self._pending:
                fields = self._pending.pop(self._next_batch)
                if fields is not None:
                    self._writer.write("batch", epoch=self._epoch, batch=self._next_batch, **self._steps, **fields)
                self._next_batch += 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        # Keras has waited for every batch-end call of the epoch before calling this.
        if self._writer is None:
            return
        with self._lock:
            self._writer.write("epoch", epoch=epoch + 1, seconds=round(time.perf_counter() - self._epoch_started, 3),
                               **_metrics(logs))

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._writer is None:
            return
        reason = "stopped" if getattr(self.model, "stop_training", False) else "finished"
        with self._lock:
            self._writer.write("end", reason=reason)
            self._writer.close()
            self._writer = None
