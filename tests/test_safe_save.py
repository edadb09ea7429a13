"""One writer per model file, and no temporary files left behind by a killed save."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tui_cnn.core import safe_save
from tui_cnn.core.safe_save import OutputBusyError, OutputLock, clean_stale_temps, stale_temps, temp_file


def test_temp_files_are_recognised_and_nothing_else(tmp_path):
    target = tmp_path / "fashion_cnn.keras"
    ours = [temp_file(target) for _ in range(3)]
    others = ["fashion_cnn.keras", ".fashion_cnn-abc.keras", ".fashion_cnn-abcdefgh.h5", "fashion_cnn-abcdefgh.keras",
              ".other-abcdefgh.keras", ".fashion_cnn-ABCDEFGH.keras", "notes.txt", ".fashion_cnn-abcdefghi.keras"]
    for name in others:
        (tmp_path / name).write_text("x")
    (tmp_path / ".fashion_cnn-folder00.keras").mkdir()  # the right name, but a folder
    assert sorted(stale_temps(target)) == sorted(ours)
    assert sorted(clean_stale_temps(target)) == sorted(ours)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(others + [".fashion_cnn-folder00.keras"])


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    target = tmp_path / "m.keras"
    with OutputLock(target):
        with pytest.raises(OutputBusyError) as info:
            with OutputLock(target):
                pass
        message = str(info.value)
        assert f"(process {os.getpid()})" in message and "m.keras" in message and "\n" not in message
        with pytest.raises(OutputBusyError):
            safe_save.check_free(target)
    safe_save.check_free(target)  # free again
    assert list(tmp_path.iterdir()) == []  # the lock file went with the lock


def test_temps_are_not_cleaned_while_another_process_saves(tmp_path):
    target = tmp_path / "m.keras"
    with OutputLock(target):
        in_progress = temp_file(target)
        assert clean_stale_temps(target) == []  # (the holder is this process, on another descriptor)
        assert in_progress.exists()
    assert clean_stale_temps(target) == [in_progress]


def test_a_killed_holder_leaves_no_lock_behind(tmp_path):
    """SIGKILL gives no chance to clean up: the kernel drops the flock, the next writer takes over."""
    target = tmp_path / "m.keras"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from tui_cnn.core.safe_save import OutputLock, temp_file
        from pathlib import Path
        with OutputLock(Path({str(target)!r})):
            temp_file(Path({str(target)!r}))
            print("locked", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputBusyError, match=f"process {holder.pid}"):
            safe_save.check_free(target)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert len(stale_temps(target)) == 1 and (tmp_path / ".m.keras.lock").exists()
    assert len(clean_stale_temps(target)) == 1
    assert list(tmp_path.iterdir()) == []
