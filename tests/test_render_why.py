"""The diagnostics' renderables: the confusion table at both widths, and the hottest pixels marked."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from tui_cnn import render, render_why
from tui_cnn.core import confusion
from tui_cnn.core.data import CLASS_NAMES


def _text(renderable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue().splitlines()


def _sample() -> confusion.Confusion:
    labels = np.repeat(np.arange(10), 50)
    said = labels.copy()
    said[:17] = 6  # 17 T-shirts called shirts
    said[300:305] = 0  # 5 shirts called T-shirts
    return confusion.from_predictions(labels, said, 10)


def test_the_wide_table_names_columns_and_fits():
    lines = _text(render_why.confusion_table(_sample(), CLASS_NAMES, width=120), 120)
    assert lines[0].split()[:4] == ["true", "\\", "said", "T-shirt"] and lines[0].split()[-1] == "recall"
    assert lines[1].split() == ["T-shirt/top", "33", "0", "0", "0", "0", "0", "17", "0", "0", "0", "66.0%"]
    assert lines[-1].split()[0] == "precision" and "86.8%" in lines[-1]  # T-shirt: 33 of the 38 it named
    assert max(len(line) for line in lines) <= render_why.FULL_WIDTH
    assert "Pullover" in lines[0] and lines[0].split()[-3:-1] == ["Ankle", "boot"]  # whole names, none cut


def test_the_narrow_table_numbers_columns_and_fits_80():
    lines = _text(render_why.confusion_table(_sample(), CLASS_NAMES, width=80), 80)
    assert lines[0].split()[3:] == [str(n) for n in range(10)] + ["recall"]
    assert lines[7].split()[:3] == ["6", "Shirt", "5"] and lines[7].split()[-1] == "90%"
    assert all(len(line) <= 80 for line in lines) and not any("…" in line for line in lines)


def test_worst_pairs_text():
    assert str(render_why.worst_pairs(_sample(), CLASS_NAMES)).splitlines() == [
        "T-shirt/top taken for Shirt: 17", "Shirt taken for T-shirt/top: 5"]


def test_hot_marks_pick_the_top_share_of_positive_pixels():
    values = np.arange(100, dtype=np.float32).reshape(10, 10) - 50
    marks = render_why.hot_marks(values, 0.1)
    assert (marks == render.MARK).sum() == 10 and marks[9].all()  # the last row holds the 10 largest
    assert not render_why.hot_marks(np.zeros((4, 4)), 0.1).any()  # nothing positive: nothing marked
