"""Training on a few hundred synthetic images: events in order, stopping, early targets, atomic saves."""

from __future__ import annotations

import os
import stat
import threading

import numpy as np
import pytest

from core_helpers import synthetic_images
from tui_cnn.core.data import Split
from tui_cnn.core.model import ModelSaveError, Weights, build_model, read_weights, save_model_atomic
from tui_cnn.core.training import BatchEvent, DoneEvent, EpochEvent, TrainConfig, WeightsEvent, train

N_TRAIN, BATCH = 250, 64  # four batches, the last one short (58 images)
STEPS = 4

# Keras 3 with numpy 2 warns inside its own get_weights(); nothing tui-cnn can change.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def splits() -> tuple[Split, Split]:
    train_images, train_labels = synthetic_images(N_TRAIN, seed=21)
    val_images, val_labels = synthetic_images(64, seed=22)
    return Split(train_images, train_labels, "synthetic"), Split(val_images, val_labels, "synthetic")


def _kinds(events) -> list[str]:
    names = {BatchEvent: "B", EpochEvent: "E", WeightsEvent: "W", DoneEvent: "D"}
    return [names[type(e)] for e in events]


def _same_weights(a: Weights, b: Weights) -> bool:
    return all(np.array_equal(a.kernel(n), b.kernel(n)) and np.array_equal(a.bias(n), b.bias(n))
               for n in Weights.EXPECTED)


def test_events_arrive_in_order_and_the_model_is_saved(splits, tmp_path):
    events = []
    target = tmp_path / "models" / "mine.keras"
    config = TrainConfig(epochs=2, batch_size=BATCH, save_to=target)
    done = train(build_model(seed=1), *splits, config, events.append)
    assert _kinds(events) == ["B"] * STEPS + ["E"] + ["B"] * STEPS + ["E", "D"]
    batches = [e for e in events if isinstance(e, BatchEvent)]
    assert [(b.epoch, b.step) for b in batches] == [(e, s) for e in (1, 2) for s in range(1, STEPS + 1)]
    assert {b.steps for b in batches} == {STEPS}
    assert [b.images_seen for b in batches[:STEPS]] == [64, 128, 192, 250]
    assert all(np.isfinite(b.loss) and 0 <= b.accuracy <= 1 for b in batches)
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert [(e.epoch, e.epochs) for e in epochs] == [(1, 2), (2, 2)]
    assert all(e.saved_to == target and np.isfinite(e.val_loss) and 0 <= e.val_accuracy <= 1 for e in epochs)
    assert done == events[-1] == DoneEvent("finished", 2)
    assert sorted(p.name for p in target.parent.iterdir()) == ["mine.keras"], "a temporary file was left behind"
    read_weights(target)  # the saved file is a complete model


def test_stop_mid_epoch_ends_at_the_next_batch_and_keeps_the_last_full_epoch(splits, tmp_path):
    target = tmp_path / "mine.keras"
    stop = threading.Event()
    events = []
    saved_after_epoch_1 = {}
    model = build_model(seed=2)

    def emit(event):
        events.append(event)
        if isinstance(event, EpochEvent):
            saved_after_epoch_1["weights"] = Weights.from_keras(model)
        if isinstance(event, BatchEvent) and (event.epoch, event.step) == (2, 2):
            stop.set()

    done = train(model, *splits, TrainConfig(epochs=3, batch_size=BATCH, save_to=target), emit, stop)
    assert _kinds(events) == ["B"] * STEPS + ["E", "B", "B", "D"]
    assert done == DoneEvent("stopped", 1)
    on_disk = read_weights(target)
    assert _same_weights(on_disk, saved_after_epoch_1["weights"]), "the file is not epoch 1's model"
    assert not _same_weights(on_disk, Weights.from_keras(model)), "the partial epoch 2 was saved"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.keras"]


def test_stop_in_the_first_epoch_saves_nothing(splits, tmp_path):
    stop = threading.Event()
    events = []

    def emit(event):
        events.append(event)
        if isinstance(event, BatchEvent):
            stop.set()

    done = train(build_model(seed=3), *splits, TrainConfig(epochs=2, batch_size=BATCH, save_to=tmp_path / "m.keras"),
                 emit, stop)
    assert _kinds(events) == ["B", "D"] and done == DoneEvent("stopped", 0)
    assert list(tmp_path.iterdir()) == []


def test_stop_on_the_last_batch_still_keeps_that_complete_epoch(splits, tmp_path):
    stop = threading.Event()
    events = []

    def emit(event):
        events.append(event)
        if isinstance(event, BatchEvent) and event.step == STEPS:
            stop.set()

    target = tmp_path / "m.keras"
    done = train(build_model(seed=4), *splits, TrainConfig(epochs=3, batch_size=BATCH, save_to=target), emit, stop)
    assert _kinds(events) == ["B"] * STEPS + ["E", "D"] and done == DoneEvent("stopped", 1)
    read_weights(target)


def test_stop_before_the_start(splits):
    stop = threading.Event()
    stop.set()
    events = []
    assert train(build_model(seed=4), *splits, TrainConfig(epochs=2), events.append, stop) == DoneEvent("stopped", 0)
    assert events == [DoneEvent("stopped", 0)]


def test_target_accuracy_stops_early(splits):
    events = []
    config = TrainConfig(epochs=3, batch_size=BATCH, target_accuracy=0.0)
    done = train(build_model(seed=5), splits[0], None, config, events.append)
    assert done == DoneEvent("target", 1)
    assert _kinds(events) == ["B"] * STEPS + ["E", "D"]
    epoch = events[STEPS]
    assert epoch.saved_to is None and np.isnan(epoch.val_loss)  # no validation split, no file


def test_unreached_target_trains_every_epoch_and_initial_epoch_counts(splits):
    events = []
    config = TrainConfig(epochs=3, batch_size=BATCH, initial_epoch=1, target_accuracy=1.01, weights_every=2)
    done = train(build_model(seed=6), splits[0], None, config, events.append)
    assert done == DoneEvent("finished", 3)
    assert [(e.epoch, e.epochs) for e in events if isinstance(e, EpochEvent)] == [(2, 3), (3, 3)]
    snapshots = [e for e in events if isinstance(e, WeightsEvent)]
    assert [(w.epoch, w.step) for w in snapshots] == [(2, 2), (2, 4), (3, 2), (3, 4)]
    assert not _same_weights(snapshots[0].weights, snapshots[-1].weights)


# --- saving ---------------------------------------------------------------------------------------


def test_save_replaces_the_old_file_and_respects_the_umask(keras_model, tmp_path):
    target = tmp_path / "m.keras"
    target.write_bytes(b"an older model")
    save_model_atomic(keras_model, target)
    assert _same_weights(read_weights(target), Weights.from_keras(keras_model))
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_a_failing_save_keeps_the_old_file_and_leaves_no_temporary(keras_model, tmp_path, monkeypatch):
    target = tmp_path / "m.keras"
    save_model_atomic(keras_model, target)
    before = target.read_bytes()

    def crash(path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(keras_model, "save", crash)
    with pytest.raises(ModelSaveError, match=r"m.keras: cannot save the model \(disk full\)") as info:
        save_model_atomic(keras_model, target)
    assert info.value.model is keras_model  # kept, so it can be saved elsewhere
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]
