"""The diagnostics as Rich renderables: the confusion matrix table and "where the model looked" maps.

Shared by ``tui-cnn evaluate``/``explain`` and the app's screens, so the shell and the terminal
app draw the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from tui_cnn import render
from tui_cnn.core.confusion import Confusion

HOT_SHARE = 0.08  # the hottest 8% of a map's pixels are marked on the image
SHORT = 7  # characters of a class name in a column header


def short_names(names: Sequence[str]) -> list[str]:
    return [name.replace("/top", "")[:SHORT] for name in names]


FULL_WIDTH = 108  # the table with names is 107 columns wide; narrower, columns are headed by class number


def confusion_table(conf: Confusion, names: Sequence[str], cursor: tuple[int, int] | None = None,
                    ascii_only: bool = False, width: int = FULL_WIDTH) -> Table:
    """Rows are true classes, columns the model's answers; recall per row, precision per column.

    Off-diagonal cells are shaded by their count (the darker red, the more confused) unless
    ``ascii_only``; the ``cursor`` cell is shown reversed. Narrower than ``FULL_WIDTH``, columns
    are headed by class number and rows start with it.
    """
    numbered = width < FULL_WIDTH
    table = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    table.add_column("true \\ said", style="bold", no_wrap=True)
    for label, name in enumerate(names):  # whole names: "Pullover", "Ankle boot" (not "Pullove", "Ankle b")
        table.add_column(str(label) if numbered else name.replace("/top", ""), justify="right", no_wrap=True)
    table.add_column("recall", justify="right", style="dim")
    off = conf.matrix.copy()
    np.fill_diagonal(off, 0)
    worst = max(int(off.max()), 1)
    for true, row in enumerate(conf.matrix):
        cells = []
        for said, count in enumerate(row.tolist()):
            style = _cell_style(true == said, count / worst, ascii_only)
            if cursor == (true, said):
                style += Style(reverse=True, bold=True)
            cells.append(Text(f"{count:,}", style=style))
        table.add_row(f"{true} {names[true]}" if numbered else names[true], *cells,
                      _share(conf.recall[true], not numbered))
    shares = [Text(_share(p, not numbered), style="dim") for p in conf.precision]
    table.add_row(Text("precision", style="dim"), *shares, "")
    return table


def _cell_style(diagonal: bool, share: float, ascii_only: bool) -> Style:
    if diagonal:
        return Style(color="green", bold=True)
    if ascii_only or share <= 0:
        return Style(dim=share <= 0)
    level = int(40 + 160 * min(share, 1.0))
    return Style(color="white", bgcolor=f"rgb({level},{level // 5},{level // 5})")


def _share(value: float, decimal: bool = True) -> str:
    return "-" if np.isnan(value) else f"{value:.1%}" if decimal else f"{value:.0%}"


def worst_pairs(conf: Confusion, names: Sequence[str], n: int = 5) -> Text:
    """The most confused pairs, one per line: 'Shirt taken for T-shirt/top: 143'."""
    pairs = conf.worst_pairs(n)
    if not pairs:
        return Text("No confusions: every image was classified correctly.")
    return Text("\n".join(pair.describe(names) for pair in pairs))


def hot_marks(values: np.ndarray, share: float = HOT_SHARE) -> np.ndarray:
    """MARK the ``share`` of pixels with the highest values (ties included), for drawing over an image."""
    flat = np.asarray(values, np.float64).ravel()
    count = max(1, int(round(share * flat.size)))
    threshold = np.partition(flat, flat.size - count)[flat.size - count]
    marks = np.zeros(values.shape, np.int8)
    marks[(values >= threshold) & (values > 0)] = render.MARK
    return marks


def enlarged(values: np.ndarray, k: int, mode: str, cmap: str, marks: np.ndarray | None = None) -> render.Block:
    """A map drawn ``k`` times larger: heatmap half blocks, or ASCII characters as ``show`` draws them."""
    if mode == "ascii":
        big = np.repeat(values, k, axis=0)
        big_marks = None if marks is None else np.repeat(marks, k, axis=0)
        return render.AsciiMap(big, char_width=render.ascii_char_width(values.shape[1]) * k, marks=big_marks)
    big = np.kron(values, np.ones((k, k), np.float32))
    big_marks = None if marks is None else np.kron(marks, np.ones((k, k), marks.dtype))
    return render.Heatmap(big, cmap, marks=big_marks)


def where_maps(image: np.ndarray, heat: np.ndarray, title: str, mode: str, cmap: str, k: int = 1,
               width: int | None = None) -> render.Block:
    """The map beside the image with the map's hottest pixels marked on it, under one title.

    ``image`` has pixels in [0, 1]: grey (H, W) or colour (H, W, 3), drawn in its colours (ASCII:
    its brightness). When the two side by side are wider than ``width``, the image goes below the map.
    """
    image = np.asarray(image, np.float32)
    left = render.labelled(enlarged(heat, k, mode, cmap), title)
    marks = hot_marks(heat)
    if image.ndim == 3:  # no enlarging here: a colour picture is 32 pixels or more across
        body = render.picture(image, mode, marks, vmax=1.0, char_width=render.ascii_char_width(image.shape[1]))
    else:
        body = enlarged(image, k, mode, "gray", marks)
    right = render.labelled(body, f"hottest {HOT_SHARE:.0%} on the image")
    if width is not None and left.width + 2 + right.width > width:
        wide = max(left.width, right.width)
        return render.Block([*left.lines, [Segment(" " * wide)], *right.lines], wide)
    lines = render.join_blocks([left, right], 2)
    return render.Block(lines, left.width + right.width + 2)
