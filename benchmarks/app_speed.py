"""How fast the explorer feels: launch to first maps, key press to repainted screen, TF import.

Used by ``benchmarks/run.py``. Both app figures run the real ``tui-cnn`` in a pseudo-terminal and
watch what it writes, so they count what a user waits for. ``first_maps_seconds`` covers Python
start-up, imports, reading the model and the test images, and the first paint.
``key_to_frame_ms`` writes a key to the terminal and takes the time of the last byte of the frame
the app writes in answer (the app is then quiet for ``QUIET_S``). Textual's headless Pilot is not
used for this: its press-and-wait cycle alone costs about 60 ms, which would drown the app's own time.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

# Keys a user presses while exploring, as the terminal sends them: change layer, page through
# channels, move the cursor, switch colour map, rendering mode, scale, zoom and image.
KEY_CYCLE = (b"]", b"]", b"\x1b[6~", b"l", b"j", b"c", b"m", b"s", b"m", b"[", b"[", b"n", b"h", b"k",
             b"\x1b[5~", b"1", b"2", b"3", b"4", b"z", b"z", b"s")
# The explorer's header says "64 of 64" when every map fits, "channels 0-23 of 64" when paging.
FIRST_MAPS_MARKER = b" of "
QUIET_S = 0.25  # no output for this long: the frame is complete
TRAINING_MARKER = re.compile(rb"\d images/s")  # the training screen's speed, once batches are done


class AppInTerminal:
    """The real ``tui-cnn`` running in a pseudo-terminal of a given size."""

    def __init__(self, data_dir: str | None, size: tuple[int, int], args: tuple[str, ...] = (),
                 env: dict[str, str] | None = None) -> None:
        env = dict(os.environ, TERM="xterm-256color", **(env or {}))
        if data_dir:
            env["TUI_CNN_DATA_DIR"] = data_dir
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the app itself
            os.execve(sys.executable, [sys.executable, "-m", "tui_cnn", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        os.kill(self.pid, signal.SIGWINCH)

    def __enter__(self) -> AppInTerminal:
        return self

    def __exit__(self, *exc: object) -> None:
        os.kill(self.pid, signal.SIGTERM)
        _drain(self.fd, 0.5)
        os.waitpid(self.pid, 0)
        os.close(self.fd)

    def wait_for(self, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds since launch when ``marker`` first appeared in the output."""
        return _wait_for(self.fd, marker, self.started, timeout)

    def press(self, key: bytes) -> float:
        """Send ``key``; milliseconds until the last byte of the app's answer."""
        _drain(self.fd, 0.05)
        sent = time.perf_counter()
        os.write(self.fd, key)
        last = sent
        while True:
            ready, _, _ = select.select([self.fd], [], [], QUIET_S)
            if not ready:
                break
            if not os.read(self.fd, 65536):
                break
            last = time.perf_counter()
        return (last - sent) * 1000


def first_maps_seconds(data_dir: str | None, size: tuple[int, int] = (120, 40), timeout: float = 30.0) -> float:
    """Seconds from starting ``tui-cnn`` until the first layer's channel range is on the screen."""
    with AppInTerminal(data_dir, size) as app:
        return app.wait_for(FIRST_MAPS_MARKER, timeout)


def key_to_frame_ms(data_dir: str | None, size: tuple[int, int], presses: int = 100, args: tuple[str, ...] = (),
                    keys: tuple[bytes, ...] = KEY_CYCLE, start: tuple[bytes, ...] = ()) -> list[float]:
    """Milliseconds from each key press to the end of the repainted frame, in the real app.

    ``args`` go to ``tui-cnn`` (``--model FILE``); the ``start`` keys are pressed, untimed, first.
    """
    with AppInTerminal(data_dir, size, args) as app:
        app.wait_for(FIRST_MAPS_MARKER)
        _drain(app.fd, 1.0)
        for key in start:
            app.press(key)
        return [app.press(keys[i % len(keys)]) for i in range(presses)]


def key_to_frame_training_ms(data_dir: str | None, size: tuple[int, int], presses: int = 100,
                             keys: tuple[bytes, ...] = KEY_CYCLE) -> list[float]:
    """``key_to_frame_ms`` in the explorer while the same app trains the model in the background.

    The training screen (``t``) starts a run (``s``); once it reports its speed, ``escape`` goes
    back to the explorer. The run's files go to a temporary ``TUI_CNN_HOME``.
    """
    with tempfile.TemporaryDirectory() as home, AppInTerminal(data_dir, size, env={"TUI_CNN_HOME": home}) as app:
        app.wait_for(FIRST_MAPS_MARKER)
        _drain(app.fd, 1.0)
        os.write(app.fd, b"t")
        _drain(app.fd, 2.0)
        os.write(app.fd, b"s")
        _wait_for(app.fd, TRAINING_MARKER, time.perf_counter(), 180.0)
        os.write(app.fd, b"\x1b")
        _drain(app.fd, 6.0)  # the notice that training goes on fades away
        return [app.press(keys[i % len(keys)]) for i in range(presses)]


def _wait_for(fd: int, marker: bytes | re.Pattern[bytes], started: float, timeout: float) -> float:
    """Seconds from ``started`` until ``marker`` (bytes, or a pattern) appears in the output."""
    seen = b""
    keep = 200 if isinstance(marker, re.Pattern) else len(marker)
    while time.perf_counter() - started < timeout:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        seen = seen[-keep:] + chunk
        if (marker.search(seen) if isinstance(marker, re.Pattern) else marker in seen):
            return time.perf_counter() - started
    raise RuntimeError(f"the app did not show {marker!r} within {timeout} s")


def _drain(fd: int, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return


def tf_import_seconds() -> float:
    """Wall time of ``python -c "import tensorflow"`` in a fresh process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parent)
    return time.perf_counter() - started


def app_import_seconds() -> float:
    """Wall time of importing the app in a fresh process (no TensorFlow in it)."""
    started = time.perf_counter()
    code = "import sys, tui_cnn.ui.app; assert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - started
