"""Faults during training: a SIGKILL at any moment, a full disk, a second trainer of the same file.

The kill test runs a real ``tui-cnn train`` (64 images an epoch, so that saves are frequent) and
kills it at seeded random moments, half of them while a save's temporary file exists (the run's
``model.keras``, which Keras writes; ``--output`` then gets a copy by a rename). Every time, the
model files that are left are complete, and the next start removes whatever the kill left behind.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from core_helpers import console_script, write_official_dir
from tui_cnn import cli
from tui_cnn.core import paths, safe_save
from tui_cnn.core.model import read_weights

pytestmark = pytest.mark.usefixtures("isolated_env")

KILLS = 3


def _start_training(data_dir, output) -> tuple[subprocess.Popen, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "TUI_CNN_DATA_DIR"}
    proc = subprocess.Popen([console_script(), "train", "--data-dir", str(data_dir), "--limit", "64",
                             "--batch-size", "32", "--epochs", "200", "--output", str(output)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True).start()
    return proc, lines


def _wait_for(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.002)


def _run_models() -> list[Path]:
    """The model file of every run ``tui-cnn train`` made (each start makes one)."""
    return [folder / "model.keras" for folder in (paths.user_data_dir() / "runs").glob("*") if folder.is_dir()]


@pytest.mark.slow  # three TensorFlow processes
def test_sigkill_at_random_moments_leaves_a_loadable_model_and_no_leftovers(tmp_path):
    data_dir = write_official_dir(tmp_path / "data", n_train=64, n_test=20)
    output = tmp_path / "out" / "m.keras"
    rng = random.Random(14)
    mid_save = 0
    for _ in range(KILLS):
        proc, lines = _start_training(data_dir, output)
        try:
            _wait_for(lambda: any(line.startswith("epoch ") for line in lines) or proc.poll() is not None)
            assert proc.poll() is None, "".join(lines)
            if rng.random() < 0.5:  # the moment a save is half written
                _wait_for(lambda: any(safe_save.stale_temps(model) for model in _run_models()), timeout=30)
                mid_save += 1
            else:
                time.sleep(rng.uniform(0, 1.5))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        read_weights(output)  # complete: the old model or the new one, never half of one
        safe_save.clean_stale_temps(output)  # what the next start (train or the app) does
        assert sorted(p.name for p in output.parent.iterdir()) == ["m.keras"]
        for model in _run_models():
            if model.exists():
                read_weights(model)
            safe_save.clean_stale_temps(model)
            assert not safe_save.stale_temps(model)
    assert mid_save >= 1, "no kill landed during a save; change the seed"


@pytest.mark.slow  # trains one tiny epoch in this process
def test_a_full_disk_ends_training_in_one_line(capsys, tmp_path, monkeypatch):
    import keras

    def disk_full(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"the first megabytes of a model")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(keras.Model, "save", disk_full)
    data_dir = write_official_dir(tmp_path / "data", n_train=32, n_test=10)
    output = tmp_path / "out" / "m.keras"
    code = cli.main(["train", "--data-dir", str(data_dir), "--limit", "32", "--epochs", "1", "--output", str(output)])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    last = err.splitlines()[-1]  # the run's own model.keras is the first file written each epoch
    assert last.startswith("tui-cnn: error: ") and last.endswith(
        "model.keras: cannot save the model (No space left on device); free some space or save it elsewhere")
    assert list(output.parent.iterdir()) == []  # neither a half model nor a temporary file


def test_a_second_trainer_of_the_same_file_is_refused_at_once(capsys, tmp_path):
    data_dir = write_official_dir(tmp_path / "data", n_train=32, n_test=10)
    output = tmp_path / "m.keras"
    with safe_save.OutputLock(output):  # as a running trainer holds it
        code = cli.main(["train", "--data-dir", str(data_dir), "--output", str(output)])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1
    assert f"another tui-cnn (process {os.getpid()}) is training to this file" in err
