"""Guarding a file that training writes: one writer at a time, and no temporary files left behind.

A model is saved to a temporary file beside it and renamed over it (see ``model.save_model_atomic``).
A kill during the save leaves that temporary file behind; ``clean_stale_temps`` removes such files,
but only those named the way tui-cnn names them (``.<stem>-<8 random characters><suffix>``, made by
``temp_file``) and only while no other tui-cnn is writing the same target.

``OutputLock`` makes a second trainer of the same file refuse to start, naming the process that
holds it. It is an ``flock`` on ``.<name>.lock`` beside the target, so the kernel releases it when
its holder dies, even by SIGKILL: a lock can never go stale.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from tui_cnn.core.errors import TuiCnnError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locking, everything else still works
    fcntl = None

# mkstemp's random part: 8 characters from this alphabet (CPython's tempfile._RandomNameSequence).
_RANDOM = "[a-z0-9_]{8}"


class OutputBusyError(TuiCnnError):
    """Another process is training to the same file."""


class OutputLocationError(TuiCnnError):
    """The model cannot be saved where it should go (a read-only folder, a folder by its name)."""


def temp_file(target: Path) -> Path:
    """A new, empty temporary file beside ``target``, named so that ``clean_stale_temps`` knows it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def stale_temps(target: Path) -> list[Path]:
    """Temporary files that a save of ``target`` made and never renamed (nothing else matches)."""
    pattern = re.compile(rf"\.{re.escape(target.stem)}-{_RANDOM}{re.escape(target.suffix)}")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / name for name in names if pattern.fullmatch(name)
            and (target.parent / name).is_file() and not (target.parent / name).is_symlink()]


def clean_stale_temps(target: Path) -> list[Path]:
    """Remove what earlier, killed saves of ``target`` left behind, unless another process is saving it."""
    target = Path(target)
    if not (stale_temps(target) or OutputLock(target).path.exists()):
        return []
    try:
        with OutputLock(target) as lock:
            return lock.removed
    except (OutputBusyError, OSError):  # being written right now, or a folder we cannot write
        return []


class OutputLock:
    """Hold the right to write ``target`` for the length of a ``with`` block, or raise OutputBusyError.

    Entering also removes stale temporary files of ``target`` (while the lock is held no one else
    can be in the middle of saving it); leaving removes the lock file.
    """

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        self.path = self.target.parent / f".{self.target.name}.lock"
        self.removed: list[Path] = []
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        if fcntl is None:  # pragma: no cover
            return self
        self.target.parent.mkdir(parents=True, exist_ok=True)
        while self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                self._take(fd)
            except BaseException:
                os.close(fd)
                raise
            if os.path.exists(self.path) and os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                self._fd = fd
            else:  # the holder removed the file between our open and our lock: lock the new one
                os.close(fd)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, str(os.getpid()).encode())
        self.removed = _remove(stale_temps(self.target))
        return self

    def _take(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            raise OutputBusyError(
                f"{self.target}: another tui-cnn (process {holder}) is training to this file; "
                "wait for it to finish, stop it, or save elsewhere (train --output FILE)"
            ) from None

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # while still locked, so no one can be holding the removed file
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def _remove(files: list[Path]) -> list[Path]:
    removed = []
    for path in files:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def check_free(target: Path) -> None:
    """Raise OutputBusyError now if another process holds ``target``'s lock (taken again for real later)."""
    if Path(target).parent.is_dir():
        with OutputLock(target):
            pass


def check_output(target: Path) -> None:
    """Before training: fail at once, in one line, if ``target`` cannot be saved or someone else is saving it.

    Not after an epoch of work, as a save that fails would.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() or not os.access(target.parent, os.W_OK):
            raise PermissionError("not a writable file location")
    except OSError as exc:
        raise OutputLocationError(f"{target}: cannot save the model there ({exc.strerror or exc})") from None
    check_free(target)
