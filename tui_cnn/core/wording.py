"""Sentences and numbers the teaching screens print, written so that they are always true.

A screen that says "zeros 100% of pixels" when 674 of 676 are zero, "-0.000" for 0 times a
negative weight, "a silent region stays silent" for four equal non-zero values, or "shrinks to a
quarter" for 11x11 -> 5x5 (121 -> 25) teaches something false. These functions hold the rules:

- a share (or a probability) is never rounded to 100% or 0% unless it is exact; a share comes
  with its count;
- an exact zero prints without a sign;
- a pooling window with equal maxima is called a tie; only an all-zero window is "silent";
- pooling an odd-sized map says what happens to the last row and column.
"""

from __future__ import annotations

import numpy as np

MAX_DECIMALS = 3  # 1 in 100,000 still prints as "<0.001%" rather than a long number


def percent(count: int, total: int) -> str:
    """``count / total`` as a percentage: "99.7%". Only 0 of n is "0%", only n of n is "100%".

    Decimals are added until the rounded figure no longer claims all or nothing; beyond
    ``MAX_DECIMALS`` it says "<0.001%" or ">99.999%".
    """
    if total <= 0:
        raise ValueError("a share of nothing has no percentage")
    return probability(count / total) if 0 < count < total else f"{100 * count // total}%"


def probability(p: float) -> str:
    """A probability (0..1) as a percentage that says "0%" or "100%" only when it is exactly that."""
    p = float(p)
    if p <= 0 or p >= 1:
        return "0%" if p <= 0 else "100%"
    value = 100.0 * p
    for decimals in range(MAX_DECIMALS + 1):
        text = f"{value:.{decimals}f}"
        if 0 < float(text) < 100:
            return f"{text}%"
    bound = f"{10.0 ** -MAX_DECIMALS:.{MAX_DECIMALS}f}"
    return f"<{bound}%" if value < 50 else f">{100 - float(bound):.{MAX_DECIMALS}f}%"


def share(count: int, total: int, noun: str = "") -> str:
    """The count and its percentage: "674 of 676 pixels (99.7%)"."""
    things = f" {noun}" if noun else ""
    return f"{count:,} of {total:,}{things} ({percent(count, total)})"


def number(value: float, decimals: int = 3, signed: bool = False) -> str:
    """``value`` to ``decimals`` places; an exact zero (also -0.0, e.g. 0 x -0.5) has no sign.

    ``signed`` puts "+" before positive numbers, so columns of mixed signs line up. A non-zero
    number that rounds to zero keeps its sign: -0.0002 prints "-0.000", which is true.
    """
    value = float(value)
    if value == 0:
        return f"{0:.{decimals}f}"
    return f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"


def pool_window(window: np.ndarray, top: int, left: int, decimals: int = 4) -> str:
    """What 2x2 max pooling does with ``window`` (its top-left pixel at row ``top``, col ``left``)."""
    window = np.asarray(window)
    best = float(window.max())
    winners = int(np.count_nonzero(window == best))
    size = window.size
    if winners == size:
        if best == 0:
            return f"all {size} are 0: a silent (all-zero) region stays silent."
        return f"all {size} are equal ({number(best, decimals)}): a tie, so that value survives."
    if winners > 1:
        return (f"a tie: {winners} of the {size} share the largest value, {number(best, decimals)}; that "
                f"value survives (which of them wins makes no difference), the others are dropped.")
    r, c = np.unravel_index(int(np.argmax(window)), window.shape)
    return (f"the largest is at row {top + int(r)}, col {left + int(c)}: it survives, the other "
            f"{size - 1} are dropped.")


def pool_shrink(height: int, width: int, size: int = 2) -> str:
    """How ``size`` x ``size`` max pooling shrinks a ``height`` x ``width`` map, in one true sentence.

    Even sides: "26x26 -> 13x13: each 2x2 block becomes one pixel, a quarter as many (676 -> 169)."
    Odd sides: the last row and column fit in no block and are dropped first, so 121 -> 25 is a
    quarter of the 100 pixels that are pooled, not of 121.
    """
    out_h, out_w = height // size, width // size
    head = f"{height}x{width} -> {out_h}x{out_w}: "
    fraction = "a quarter" if size == 2 else f"1/{size * size}"
    pooled_h, pooled_w = out_h * size, out_w * size
    if (pooled_h, pooled_w) == (height, width):
        return (f"{head}each {size}x{size} block becomes one pixel, {fraction} as many "
                f"({height * width:,} -> {out_h * out_w:,}).")
    dropped, plural = _leftover(height - pooled_h, width - pooled_w)
    fit, are = ("fit", "are") if plural else ("fits", "is")
    return (f"{head}{dropped} {fit} in no {size}x{size} block and {are} dropped; the other {pooled_h}x{pooled_w} = {pooled_h * pooled_w:,} pixels become "
            f"{out_h * out_w:,}, {fraction} of them ({height * width:,} -> {out_h * out_w:,} in all).")


def _leftover(rows: int, cols: int) -> tuple[str, bool]:
    """("the last row and column", True): what a pooling grid leaves over, and whether it is plural."""
    if rows == cols == 1:
        return "the last row and column", True
    parts = [f"the last {n} {noun}s" if n > 1 else f"the last {noun}"
             for n, noun in ((rows, "row"), (cols, "column")) if n]
    return " and ".join(parts), len(parts) > 1 or max(rows, cols) > 1


def shortened(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters in the middle, so both ends stay: a Keras layer name keeps
    its number (``batch_n…tion_1``), a file name its extension."""
    if len(text) <= width:
        return text
    if width < 3:
        return text[:width]
    tail = (width - 1) // 2
    return text[: width - 1 - tail] + "…" + text[len(text) - tail:]
