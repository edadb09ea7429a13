"""``tui-cnn watch``: the training panel following a log file that another process appends to.

The snapshots follow a run that a separate Python process writes line by line while the app
watches (the events carry fixed times, so speed, elapsed time and ETA are the same on every run).
The last test follows a real ``model.fit`` with ``LiveLog`` in another process.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from tui_cnn.ui.screens.watch import WatchScreen
from tui_cnn.ui.watch_app import WatchApp

EPOCHS, STEPS, BATCH = 3, 30, 32
APPEND = textwrap.dedent("""
    import sys, time
    source, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lines = open(source, encoding="utf-8").read().splitlines(keepends=True)[:count]
    with open(target, "a", encoding="utf-8") as log:
        for line in lines:  # one line at a time, flushed, as a training run writes them
            log.write(line)
            log.flush()
            time.sleep(0.002)
""")


def run_lines(garbled_at: int | None = None) -> list[str]:
    """A three-epoch run as LiveLog writes it: Keras' running means per batch, fixed times."""
    rng = np.random.default_rng(7)
    t0 = 1_800_000_000.0
    lines = [dict(event="start", time=t0, epochs=EPOCHS, steps=STEPS, batch_size=BATCH, source="keras",
                  model="fashion_cnn")]
    step = 0
    for epoch in range(1, EPOCHS + 1):
        losses, hits = [], []
        for batch in range(1, STEPS + 1):
            step += 1
            losses.append(0.35 + 1.9 * math.exp(-step / 25) + 0.15 * rng.random())
            hits.append(min(0.97, 0.15 + 0.8 * (1 - math.exp(-step / 30)) + 0.08 * rng.standard_normal()))
            lines.append(dict(event="batch", time=t0 + 0.5 * step, epoch=epoch, batch=batch, steps=STEPS,
                              loss=float(np.mean(losses)), accuracy=float(np.mean(hits))))
        lines.append(dict(event="epoch", time=t0 + 0.5 * step + 0.2, epoch=epoch, seconds=15.2,
                          loss=float(np.mean(losses)), accuracy=float(np.mean(hits)),
                          val_loss=float(np.mean(losses)) + 0.05, val_accuracy=float(np.mean(hits)) - 0.02))
    lines.append(dict(event="end", time=t0 + 0.5 * step + 0.3, reason="finished"))
    text = [json.dumps(line) + "\n" for line in lines]
    if garbled_at is not None:
        text.insert(garbled_at, text[garbled_at][:25] + "\n")  # a line cut short, as a crash leaves it
    return text


def append_in_other_process(source: Path, target: Path, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", APPEND, str(source), str(target), str(count)])


async def wait_for(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the watch screen did not catch up with the file"
        await pilot.pause(0.05)
    await pilot.pause()


def follow(tmp_path: Path, monkeypatch, lines: list[str], count: int):
    """An app watching ``run.jsonl`` (a relative name: the same title on every machine) and a
    ``run_before`` that lets another process append the first ``count`` lines, then waits for them."""
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "prepared.txt"
    source.write_text("".join(lines))
    app = WatchApp(Path("run.jsonl"), poll_seconds=0.05, stale_seconds=3600)
    expected = sum(1 for line in lines[:count] if line.rstrip().endswith("}"))

    async def run_before(pilot) -> None:
        process = append_in_other_process(source, tmp_path / "run.jsonl", count)
        await wait_for(pilot, lambda: pilot.app.screen.events_seen >= expected)
        assert process.wait(timeout=30) == 0

    return app, run_before


def test_watch_mid_run(snap_compare, tmp_path, monkeypatch):
    lines = run_lines()
    app, run_before = follow(tmp_path, monkeypatch, lines, 1 + STEPS + 1 + 12)  # epoch 2, batch 12
    assert snap_compare(app, run_before=run_before, terminal_size=(120, 40))


def test_watch_after_the_end_with_a_garbled_line(snap_compare, tmp_path, monkeypatch):
    lines = run_lines(garbled_at=40)
    app, run_before = follow(tmp_path, monkeypatch, lines, len(lines))
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


async def test_following_a_growing_file_event_by_event(tmp_path, monkeypatch):
    lines = run_lines(garbled_at=5)
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "run.jsonl"
    app = WatchApp(log, poll_seconds=0.02, stale_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        assert "Waiting" in str(screen.query_one("#train-status").render())
        with open(log, "a") as handle:
            handle.writelines(lines[:5])
            handle.write(lines[5][:-1])  # a line still being written, then the rest of it
            handle.flush()
            await wait_for(pilot, lambda: screen.events_seen == 5)
            handle.write("\n" + "".join(lines[6:1 + STEPS + 2]))
        await wait_for(pilot, lambda: screen.history.finished == 1)
        assert screen.notes == ["line 6: not a JSON object, skipped"]
        assert screen.query_one("#watch-notes").display
        assert screen.history.last_batch.epoch == 1 and len(screen.history.x) == STEPS
        status = str(screen.query_one("#train-status").render())
        assert "Following the run of model fashion_cnn: epoch 1 of 3" in status
        with open(log, "a") as handle:
            handle.writelines(lines[1 + STEPS + 2:])
        await wait_for(pilot, lambda: screen.end is not None)
        assert screen.history.finished == EPOCHS
        assert "The run finished after 3 epoch(s)" in str(screen.query_one("#train-status").render())
        assert screen.query_one("#watch-table").row_count == EPOCHS


async def test_a_log_that_stops_growing_is_called_out(tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text("".join(run_lines()[:10]))
    now = [0.0]
    app = WatchApp(log, poll_seconds=0.02, stale_seconds=30, clock=lambda: now[0])
    async with app.run_test() as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.events_seen == 10)
        now[0] = 45.0
        await wait_for(pilot, lambda: screen.stale, timeout=5)
        assert "No new lines for 0:45" in str(screen.query_one("#train-status").render())
        with open(log, "a") as handle:
            handle.write(run_lines()[10])
        await wait_for(pilot, lambda: not screen.stale)
        assert "Following the run" in str(screen.query_one("#train-status").render())


async def test_a_keras_csvlogger_file(tmp_path):
    log = tmp_path / "training.csv"
    log.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.70,0.80,0.75,0.65\n")
    app = WatchApp(log, poll_seconds=0.02, stale_seconds=3600)
    async with app.run_test() as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.history.finished == 1)
        with open(log, "a") as handle:
            handle.write("1,0.82,0.50,0.80,0.55\n")
        await wait_for(pilot, lambda: screen.history.finished == 2)
        assert screen.history.x == [1.0, 2.0] and screen.history.loss == [0.8, 0.5]
        assert [row.val_accuracy for row in screen.history.rows] == [0.75, 0.80]
        assert screen.metric == "accuracy" and screen.notes == []


@pytest.mark.slow  # TensorFlow in another process: about ten seconds
async def test_following_a_real_fit_in_another_process(tmp_path):
    log = tmp_path / "fit.jsonl"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        from core_helpers import synthetic_images
        from tui_cnn.core.data import to_model_input
        from tui_cnn.core.model import build_model
        from tui_cnn.keras_callback import LiveLog
        images, labels = synthetic_images(192, seed=3)
        x, y = to_model_input(images), labels.astype("int64")
        build_model(seed=1).fit(x, y, batch_size=32, epochs=2, validation_split=0.25, verbose=0,
                                callbacks=[LiveLog({str(log)!r}, batch_size=32)])
    """)
    app = WatchApp(log, poll_seconds=0.05, stale_seconds=3600)
    async with app.run_test() as pilot:
        process = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)
        try:
            await wait_for(pilot, lambda: app.screen.end is not None, timeout=120)
        finally:
            process.wait(timeout=60)
        screen = app.screen
        assert screen.end["reason"] == "finished" and screen.history.finished == 2
        assert len(screen.history.x) == 2 * 5  # 144 training images in batches of 32
        assert all(math.isfinite(row.val_loss) for row in screen.history.rows)
        assert screen.notes == []


def test_watching_a_folder_is_one_line(run_cli, tmp_path):
    result = run_cli("watch", tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "is a folder: name the log file in it" in result.stderr
