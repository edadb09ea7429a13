"""Where tui-cnn finds its shipped model and keeps the user's own models."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]
# A wheel installs assets/ as tui_cnn/assets; a source checkout (or editable install) has it beside tui_cnn/.
ASSETS_DIR = _PACKAGE / "assets" if (_PACKAGE / "assets").is_dir() else _PACKAGE.parent / "assets"
SHIPPED_MODEL = ASSETS_DIR / "fashion_cnn.keras"
SAMPLES_DIR = ASSETS_DIR / "samples"
SCENE_PATH = ASSETS_DIR / "scene.png"  # the filter lab's big picture, drawn by core/scene.py
MODEL_FILENAME = "fashion_cnn.keras"


def user_data_dir() -> Path:
    """The per-user folder for trained models (``TUI_CNN_HOME`` overrides it, e.g. in tests)."""
    override = os.environ.get("TUI_CNN_HOME")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path("tui-cnn", appauthor=False)


def user_model_path() -> Path:
    """Where training saves the user's model by default."""
    return user_data_dir() / MODEL_FILENAME


def figures_dir() -> Path:
    """A folder that exists for the figures and screenshots the app saves: ``figures`` in the user
    data folder, or the current directory when that cannot be made (a read-only home)."""
    folder = user_data_dir() / "figures"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.cwd()
    return folder if os.access(folder, os.W_OK) else Path.cwd()


def default_model_path() -> Path:
    """The user's own trained model if there is one, otherwise the model shipped in ``assets/``."""
    mine = user_model_path()
    return mine if mine.is_file() else SHIPPED_MODEL


def model_label(path: Path) -> str:
    """How the UI names a model: "shipped", "trained" (the user's own) or the file's name."""
    if path == SHIPPED_MODEL:
        return "shipped"
    return "trained" if path == user_model_path() else Path(path).name


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a regular file, in a few words, or None if it can.

    Says what the path is (a folder, a named pipe, a device such as /dev/zero, a symbolic link loop)
    rather than "not found", and never opens it: reading a FIFO blocks, reading /dev/zero never ends.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "broken symbolic link" if os.path.islink(path) else "no such file"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return exc.strerror or type(exc).__name__
    if stat.S_ISREG(mode):
        return None
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return f"is {kind}, not a file"
    return "not a regular file"
