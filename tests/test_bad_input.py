"""The bad-input matrix: every broken dataset, image and model file a careless or hostile user could give.

Each case is written by the test itself. The command line must answer each with one printable line
and its exit code (never a traceback, never an escape sequence), and the bombs must not cost memory:
the peak is measured in a subprocess (``os.wait4``) against the same command on a good file.
"""

from __future__ import annotations

import os
import struct
import subprocess

import numpy as np
import pytest
from PIL import Image

from bad_files import (DATA_CASES, IMAGE_CASES, IMAGES, MODEL_CASES, NASTY, NASTY_SHOWN, break_dataset, gzip_bomb,
                       write_image, write_model)
from core_helpers import console_script, write_official_dir
from tui_cnn import cli
from tui_cnn.core.data import IMAGES_MAGIC
from tui_cnn.core.printable import printable

pytestmark = pytest.mark.usefixtures("isolated_env")

EXIT_BAD_FILE = 1  # the CLI's exit code for a file it cannot use (2 is for a usage mistake)


def run_main(capsys, *args) -> tuple[int, str]:
    """Run the CLI in this process; return its exit code and its error line (checked to be alone and printable)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-cnn: error: "), err
    assert lines[0].isprintable(), repr(lines[0])  # no escape sequence, no control character
    assert out == "", out
    return code, lines[0]


@pytest.mark.parametrize("case", DATA_CASES)
def test_bad_dataset(capsys, tmp_path, case):
    folder = write_official_dir(tmp_path / NASTY, n_train=10, n_test=20)
    needle = break_dataset(folder, case)
    code, line = run_main(capsys, "show", "--data-dir", folder)
    assert code == EXIT_BAD_FILE
    assert needle in line and NASTY_SHOWN in line


@pytest.mark.parametrize("case", IMAGE_CASES)
def test_bad_image(capsys, tmp_path, case):
    path, needle = write_image(tmp_path, case)
    args = ("show", "--image", path, "--layer", "output", "--mode", "ascii", "--color", "never")
    if needle is None:  # usable: shown, and its name printed escaped
        assert cli.main([str(a) for a in args]) == 0
        out, err = capsys.readouterr()
        assert err == "" and all(line.isprintable() for line in out.splitlines())
        assert "".join(out.splitlines()).startswith(printable(path))
        return
    code, line = run_main(capsys, *args)
    assert code == EXIT_BAD_FILE and needle in line and path.name[:5] in line


@pytest.mark.parametrize("case", MODEL_CASES)
def test_bad_model(capsys, tmp_path, case):
    path, needle = write_model(tmp_path, case)
    code, line = run_main(capsys, "summary", "--model", path)
    assert code == EXIT_BAD_FILE and needle in line


# --- bombs cost no memory -------------------------------------------------------------------------------


def _peak_mb(*args) -> tuple[float, subprocess.CompletedProcess]:
    """Run the console script; its peak resident memory in MB (for this child alone) and its result."""
    env = {k: v for k, v in os.environ.items() if k != "TUI_CNN_DATA_DIR"}
    proc = subprocess.Popen([console_script(), *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, subprocess.CompletedProcess(args, proc.returncode, b"", stderr)


def test_bombs_are_refused_without_the_memory_they_ask_for(tmp_path):
    good = write_official_dir(tmp_path / "good", n_train=10, n_test=20)
    bomb = write_official_dir(tmp_path / "bomb", n_train=10, n_test=20)
    gzip_bomb(bomb / IMAGES, struct.pack(">IIII", IMAGES_MAGIC, 10000, 28, 28), inflated_mb=1000)
    big = tmp_path / "big.png"  # within the pixel limit: decoded, at most once in full
    rgba = np.zeros((4096, 4096, 4), np.uint8)
    rgba[1000:3000, 1500:2500] = (200, 40, 30, 255)
    Image.fromarray(rgba).save(big, compress_level=1)
    del rgba
    baseline, ok = _peak_mb("show", "--data-dir", good, "--layer", "output")
    assert ok.returncode == 0, ok.stderr
    data_peak, refused = _peak_mb("show", "--data-dir", bomb, "--layer", "output")
    assert refused.returncode == EXIT_BAD_FILE and b"holds more than the 7,840,000 bytes" in refused.stderr
    image_peak, shown = _peak_mb("show", "--image", big, "--layer", "output")
    assert shown.returncode == 0, shown.stderr
    # A gigabyte of zeros behind a header promising 7.8 MB; 64 MB of RGBA pixels decoded.
    assert data_peak - baseline < 40, (baseline, data_peak)
    assert image_peak - baseline < 200, (baseline, image_peak)
