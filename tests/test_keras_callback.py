"""LiveLog in a real ``model.fit`` on a few hundred synthetic images: the log ``tui-cnn watch`` reads."""

from __future__ import annotations

import json
import random

import keras
import numpy as np
import pytest

from core_helpers import synthetic_images
from tui_cnn.core.data import to_model_input
from tui_cnn.core.model import build_model
from tui_cnn.core.runlog import read_events
from tui_cnn.keras_callback import LiveLog, is_chief

N_TRAIN, BATCH, STEPS = 250, 64, 4  # the last batch is short (58 images)

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def arrays():
    images, labels = synthetic_images(N_TRAIN, seed=31)
    val_images, val_labels = synthetic_images(64, seed=32)
    return (to_model_input(images), labels.astype(np.int64)), (to_model_input(val_images), val_labels.astype(np.int64))


def test_a_real_fit_logs_every_batch_and_epoch_in_order(arrays, tmp_path):
    (x, y), val = arrays
    path = tmp_path / "logs" / "run.jsonl"  # the folder is made
    model = build_model(seed=3)
    history = model.fit(x, y, batch_size=BATCH, epochs=2, validation_data=val, verbose=0,
                        callbacks=[LiveLog(path, design={"note": "test"})])
    events, notes = read_events(path)
    assert notes == []
    assert [e["event"] for e in events] == ["start"] + (["batch"] * STEPS + ["epoch"]) * 2 + ["end"]
    start = events[0]
    assert (start["epochs"], start["steps"], start["source"], start["design"]) == (2, STEPS, "keras", {"note": "test"})
    batches = [e for e in events if e["event"] == "batch"]
    assert [(e["epoch"], e["batch"], e["steps"]) for e in batches] == [(ep, b, STEPS) for ep in (1, 2)
                                                                      for b in range(1, STEPS + 1)]
    epochs = [e for e in events if e["event"] == "epoch"]
    for epoch, event in enumerate(epochs):
        assert event["epoch"] == epoch + 1 and event["seconds"] > 0
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert event[key] == pytest.approx(history.history[key][epoch], rel=1e-6), key
        last_batch = batches[epoch * STEPS + STEPS - 1]  # Keras reports the epoch's running mean
        assert last_batch["loss"] == pytest.approx(event["loss"], rel=1e-6)
    assert events[-1]["reason"] == "finished"
    times = [e["time"] for e in events]
    assert times == sorted(times)


def test_every_nth_batch_and_a_stopped_run(arrays, tmp_path):
    (x, y), _ = arrays
    path = tmp_path / "run.jsonl"
    path.write_text(json.dumps({"event": "end", "time": 1.0, "reason": "finished"}) + "\n")  # an earlier run

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    build_model(seed=4).fit(x, y, batch_size=BATCH, epochs=3, verbose=0,
                            callbacks=[LiveLog(path, every=3), StopAfterFirstEpoch()])
    events, _ = read_events(path)
    assert events[0]["time"] == 1.0  # appended, never overwritten
    assert [(e["event"], e.get("batch")) for e in events[1:]] == [
        ("start", None), ("batch", 3), ("epoch", None), ("end", None)]
    assert events[-1]["reason"] == "stopped"


def test_batch_ends_arriving_out_of_order_are_written_in_order(tmp_path):
    """Keras calls an async_safe callback's batch ends from a thread pool; two may finish out of order."""
    callback = LiveLog(tmp_path / "run.jsonl")
    callback.set_params({"epochs": 1, "steps": 50})

    class FakeModel:
        name, stop_training = "fake", False

    callback.set_model(FakeModel())
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    order = list(range(50))
    random.Random(5).shuffle(order)
    for batch in order:
        callback.on_train_batch_end(batch, {"loss": float(batch)})
    callback.on_epoch_end(0, {"loss": 1.0})
    callback.on_train_end()
    events, _ = read_events(tmp_path / "run.jsonl")
    batches = [e for e in events if e["event"] == "batch"]
    assert [e["batch"] for e in batches] == list(range(1, 51))
    assert [e["loss"] for e in batches] == [float(b) for b in range(50)]
    assert LiveLog.async_safe


@pytest.mark.parametrize("tf_config, chief", [
    (None, True),
    ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}, True),
    ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}, False),
    ({"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}, False),
    ({"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}, True),
    ({"cluster": {"ps": ["p:1"], "worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}, False),
])
def test_only_the_chief_of_a_cluster_writes(tf_config, chief):
    environ = {} if tf_config is None else {"TF_CONFIG": json.dumps(tf_config)}
    assert is_chief(environ) is chief


def test_a_worker_that_is_not_the_chief_writes_nothing(arrays, tmp_path, monkeypatch):
    (x, y), _ = arrays
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1", "b:1"]},
                                                "task": {"type": "worker", "index": 1}}))
    build_model(seed=5).fit(x[:64], y[:64], batch_size=BATCH, epochs=1, verbose=0,
                            callbacks=[LiveLog(tmp_path / "run.jsonl")])
    assert not (tmp_path / "run.jsonl").exists()
