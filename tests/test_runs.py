"""Kept runs: a stop, a crash or a SIGKILL never loses more than a checkpoint's worth, and resuming continues the curves."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import numpy as np
import pytest

from conftest import console_script
from core_helpers import synthetic_images, write_official_dir
from tui_cnn.core import runlog
from tui_cnn.core.data import Split
from tui_cnn.core.design import Block, Design
from tui_cnn.core.runs import (Run, RunError, RunSettings, find_run, list_runs, load_data, load_model, summarize,
                               train_run)
from tui_cnn.core.training import BatchEvent

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SMALL = Design((Block(8, 3, True),), dense=16)  # trains in milliseconds a batch
SETTINGS = RunSettings(epochs=2, batch_size=16, checkpoint_every=3)
STEPS = 10  # 160 images in batches of 16


@pytest.fixture(scope="module")
def splits() -> tuple[Split, Split]:
    images, labels = synthetic_images(160, seed=31)
    val_images, val_labels = synthetic_images(48, seed=32)
    return Split(images, labels, "synthetic"), Split(val_images, val_labels, "synthetic")


def _batches(run: Run) -> list[tuple[int, int, float]]:
    return [(e["epoch"], e["batch"], e["loss"]) for e in run.events() if e["event"] == "batch"]


class Crash(Exception):
    """Stands for the process dying: nothing after it runs, and the checkpoint is what remains."""


def test_a_resumed_run_continues_the_same_curves_as_one_never_interrupted(splits, tmp_path):
    whole = Run.create(SMALL, SETTINGS, seed=5, root=tmp_path / "a")
    train_run(whole, *splits, lambda e: None)

    broken = Run.create(SMALL, SETTINGS, seed=5, root=tmp_path / "b")

    def crash_after_batch_8(event):
        if isinstance(event, BatchEvent) and (event.epoch, event.step) == (1, 8):
            raise Crash  # the last checkpoint was after batch 6: batches 7 and 8 are lost

    with pytest.raises(Crash):
        train_run(broken, *splits, crash_after_batch_8)
    assert summarize(Run.open(broken.folder)).status_text == "error"
    restarted = Run.open(broken.folder)  # as a new process would find it
    position, _ = restarted.checkpoint()
    assert position.where() == "epoch 1, batch 6 of 10"
    done = train_run(restarted, *splits, lambda e: None, resume=True)
    assert done.reason == "finished" and done.epochs_completed == 2

    expected, got = _batches(whole), _batches(restarted)
    assert [(e, b) for e, b, _ in got] == [(e, b) for e in (1, 2) for b in range(1, STEPS + 1)]
    np.testing.assert_allclose([loss for *_, loss in got], [loss for *_, loss in expected], rtol=1e-4)
    for ours, theirs in zip(load_model(restarted.model_path).get_weights(), load_model(whole.model_path).get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    summary = summarize(restarted)
    assert (summary.status, summary.epochs_done, summary.resumable) == ("finished", 2, False)
    assert [e["epoch"] for e in restarted.events() if e["event"] == "epoch"] == [1, 2]


def test_a_stop_keeps_every_batch_and_resume_says_where(splits, tmp_path):
    import threading

    run = Run.create(SMALL, SETTINGS, seed=6, root=tmp_path)
    stop = threading.Event()

    def stop_at_epoch_2_batch_5(event):
        if isinstance(event, BatchEvent) and (event.epoch, event.step) == (2, 5):
            stop.set()

    assert train_run(run, *splits, stop_at_epoch_2_batch_5, stop).reason == "stopped"
    summary = summarize(run)
    assert summary.status_text == "stopped at epoch 2, batch 5 of 10" and summary.resumable
    assert summary.epochs_done == 1 and summary.test_accuracy is not None
    files = sorted(p.name for p in run.folder.iterdir())
    assert files == ["checkpoint-2-5.npz", "checkpoint.json", "log.jsonl", "model.keras", "run.json"]
    train_run(run, *splits, lambda e: None, resume=True)
    assert [(e, b) for e, b, _ in _batches(run)] == [(e, b) for e in (1, 2) for b in range(1, STEPS + 1)]
    with pytest.raises(RunError, match="has done its 2 epoch"):
        train_run(run, *splits, lambda e: None, resume=True)
    more = run.with_epochs(3)
    assert train_run(Run.open(more.folder), *splits, lambda e: None, resume=True).epochs_completed == 3


def test_runs_are_listed_found_and_deleted(splits, tmp_path):
    first = Run.create(SMALL, SETTINGS, seed=1, root=tmp_path)
    second = Run.create(Design(), RunSettings(epochs=1), seed=2, root=tmp_path)
    (tmp_path / "not-a-run").mkdir()
    assert [s.run.id for s in list_runs(tmp_path)] == [first.id, second.id]
    assert [s.status for s in list_runs(tmp_path)] == ["new", "new"]
    assert find_run("latest", tmp_path) == second and find_run(first.id, tmp_path) == first
    with pytest.raises(RunError, match="no run 'nope'"):
        find_run("nope", tmp_path)
    first.delete()
    assert [s.run.id for s in list_runs(tmp_path)] == [second.id]


# --- a real process, killed ------------------------------------------------------------------------


def _batch_lines(log) -> int:
    try:
        return log.read_bytes().count(b'"event":"batch"')
    except FileNotFoundError:
        return 0


@pytest.mark.slow  # two TensorFlow processes, killed; about 15 s
def test_sigkill_at_random_points_always_leaves_a_loadable_model_and_a_log_that_resumes(tmp_path):
    """``tui-cnn train`` killed twice at seeded random batches (checkpoints every 2, so some
    kills land mid-save), then resumed here to the end: nothing is lost beyond the last checkpoint."""
    data_dir = write_official_dir(tmp_path / "data", n_train=96, n_test=16)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "TUI_CNN_DATA_DIR"}
    env.update(TUI_CNN_HOME=str(home), KERAS_HOME=str(tmp_path / "keras"))
    common = ["--data-dir", str(data_dir), "--batch-size", "8", "--checkpoint-every", "2", "--output",
              str(tmp_path / "out.keras")]
    chooser = random.Random(2026)
    for attempt in range(2):
        args = ["train", "--epochs", "3", "--seed", "3"] if attempt == 0 else ["train", "--continue", "latest"]
        log = next(iter((home / "runs").glob("*/log.jsonl")), None) if attempt else None
        target = (_batch_lines(log) if log else 0) + chooser.randint(1, 10)
        process = subprocess.Popen([console_script(), *args, *common], env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            log = next(iter((home / "runs").glob("*/log.jsonl")), None)
            if log is not None and _batch_lines(log) >= target:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL, "training finished before the kill; lower the targets"
        run = find_run("latest", home / "runs")
        run.load_checkpoint()  # whatever moment the kill hit, the checkpoint loads
        if run.model_path.exists():
            load_model(run.model_path)
        assert summarize(run).status == "interrupted"
    run = find_run("latest", home / "runs")
    done = train_run(run, *load_data(run, str(data_dir)),
                     lambda e: None, resume=True)
    assert done.reason == "finished" and done.epochs_completed == 3
    batches = [(e["epoch"], e["batch"]) for e in run.events() if e["event"] == "batch"]
    assert batches == [(e, b) for e in (1, 2, 3) for b in range(1, 13)]
    assert [e["epoch"] for e in run.events() if e["event"] == "epoch"] == [1, 2, 3]
    assert not [p for p in run.folder.iterdir() if p.name.startswith(".")], "a temporary file was left behind"
    _, notes = runlog.read_events(run.log_path)
    assert len(notes) <= 2  # at most one line cut short per kill, skipped by readers

