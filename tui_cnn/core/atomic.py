"""Write a file the user keeps (a figure, an array) so that it is whole or absent, never half written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui_cnn.core.safe_save import temp_file

_UMASK = os.umask(0)
os.umask(_UMASK)  # read once: os.umask can only be read by setting it


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block succeeds.

    The temporary name keeps the suffix, so writers that choose the format by it (Pillow, numpy)
    still do the right thing. On an error the temporary file is removed and ``path`` is untouched.
    (A model goes through ``model.save_model_atomic``, which turns a failed write into its own error.)
    """
    tmp = temp_file(Path(path))  # named so that safe_save.clean_stale_temps knows it after a kill
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; a figure is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
