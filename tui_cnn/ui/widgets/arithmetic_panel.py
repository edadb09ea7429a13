"""ArithmeticPanel: the sums behind one pixel, written out the way the lesson does them by hand."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core import wording
from tui_cnn.core.explain import ConvCell, ConvTerm, CopyCell, ElementCell, NormCell, PoolCell

SHOWN_TERMS = 3  # of the second convolution's 64 input channels, how many to write out in full


def number_grid(values: np.ndarray, decimals: int = 3, signed: bool = False,
                highlight: tuple[int, int] | None = None, padded: np.ndarray | None = None) -> Table:
    """A small matrix of numbers (an exact zero unsigned); ``highlight`` marks one cell (the pooling winner),
    ``padded`` the cells that are 'same' zero padding outside the map (a dim ``pad``)."""
    table = Table(show_header=False, box=None, padding=(0, 0, 0, 1), pad_edge=False)  # one space apart
    for _ in range(values.shape[1]):
        table.add_column(justify="right")
    for r, row in enumerate(values):
        table.add_row(*[Text("pad", "dim italic") if padded is not None and padded[r, c] else
                        Text(wording.number(v, decimals, signed), "bold black on green" if (r, c) == highlight else "")
                        for c, v in enumerate(row)])
    return table


def _span(start: int, size: int) -> str:
    return f"{start}-{start + size - 1}" if size > 1 else str(start)


def _side_by_side(kernel_width: int, width: int) -> bool:
    """Whether a patch and a kernel this wide fit beside each other: "0.745" and "+0.07" a column each,
    a space between, and " × " between the two."""
    return 12 * kernel_width + 1 <= width


def _term_tables(term: ConvTerm, source: str, width: int = 40) -> Group:
    """patch x kernel = products, with the products' sum: patch and kernel side by side where ``width``
    has room for both (a 3x3 kernel in 40 columns), else one under the other (a 5x5 kernel in the
    narrow inspector), never a number cut short."""
    total = wording.number(term.total, 4, signed=True)
    title = Text(f"{source} channel {term.input_channel}: " if source != "input" else "")
    title.append(f"sum of products {total}", "bold")
    if not _side_by_side(term.kernel.shape[1], width):
        return Group(title, Text("patch", "dim"), number_grid(term.patch, 3, padded=term.padded),
                     Text("× kernel", "dim"), number_grid(term.kernel, 2, signed=True),
                     Text("= products", "dim"), number_grid(term.products, 3, signed=True, padded=term.padded),
                     Text(f"= {total}", "bold"))
    # Two rows keep it within 40 columns: patch x kernel, then = products.
    grid = Table.grid(padding=(0, 1))
    for _ in range(3):
        grid.add_column()
    grid.add_row(Text("patch", "dim"), "", Text("kernel", "dim"))
    grid.add_row(number_grid(term.patch, 3, padded=term.padded), Text("\n×"), number_grid(term.kernel, 2, signed=True))
    grid.add_row(Text("products", "dim"), "", "")
    grid.add_row(number_grid(term.products, 3, signed=True, padded=term.padded), Text("\n="), Text(f"\n{total}", "bold"))
    return Group(title, grid)


class ArithmeticPanel(Static):
    """Shows a ConvCell or a PoolCell; a line checks the result against the map."""

    @property
    def _width(self) -> int:
        """The columns there are to write in (its pane's, before the panel is first laid out)."""
        return self.size.width or self.container_size.width or 40

    def show_conv(self, cell: ConvCell, map_value: float) -> None:
        kh, kw = cell.terms[0].kernel.shape
        top = cell.row if cell.top is None else cell.top
        left = cell.col if cell.left is None else cell.left
        padding = cell.terms[0].padded is not None and bool(cell.terms[0].padded.any())
        where = "highlighted; 'pad' is zero padding outside the map" if padding else "highlighted"
        parts: list[RenderableType] = [
            Text(f"{cell.layer} channel {cell.channel}, pixel row {cell.row}, col {cell.col}", "bold"),
            Text(f"reads {cell.source} rows {_span(top, kh)}, cols {_span(left, kw)} "
                 f"(the {kh}x{kw} neighbourhood, {where})\n", "dim"),
        ]
        act = cell.activation
        if len(cell.terms) == 1:
            tables = _term_tables(cell.terms[0], cell.source, self._width)
            total_line = f"sum of products {wording.number(cell.terms[0].total, 4, signed=True)}"
            result = self._result(total_line, cell.bias, cell.pre_activation, cell.value, map_value, act)
            if not _side_by_side(kw, self._width):  # tables one under the other are long: the result first
                parts += [*result, Text(""), tables]
            else:
                parts += [tables, Text(""), *result]
        else:  # the result first, so it is on screen; then where the sum comes from
            total = sum(t.total for t in cell.terms)
            total_line = f"sum over {len(cell.terms)} channels {wording.number(total, 4, signed=True)}"
            parts += [*self._result(total_line, cell.bias, cell.pre_activation, cell.value, map_value, act), Text("")]
            shown = cell.strongest(SHOWN_TERMS)
            rest = total - sum(t.total for t in shown)
            parts.append(Text(f"Where the sum comes from: each of the {len(cell.terms)} {cell.source} channels has "
                              f"its own {kh}x{kw} kernel, and their sums add up. The {SHOWN_TERMS} that count most:\n"))
            for term in shown:
                parts += [_term_tables(term, cell.source, self._width), Text("")]
            parts.append(Text(f"the other {len(cell.terms) - SHOWN_TERMS} channels together "
                              f"{wording.number(rest, 4, signed=True)}"))
        self.update(Group(*parts))

    @staticmethod
    def _result(total_line: str, bias: float, pre: float, value: float, map_value: float,
                activation=None) -> list[Text]:
        if activation is None or activation.text == "relu":
            how = "ReLU keeps it" if pre > 0 else "ReLU makes a negative sum 0" if pre < 0 else "0 stays 0"
        elif activation.is_linear:
            how = "no activation: that is the output"
        else:
            how = f"then {activation.text}: {activation.formula}"
        return [Text(total_line), Text(f"+ bias {wording.number(bias, 4, signed=True)}"),
                Text(f"= {wording.number(pre, 4, signed=True)}, {how}"), _verdict(value, map_value)]

    def show_norm(self, cell: NormCell, map_value: float) -> None:
        self.update(Group(
            Text(f"{cell.layer} at {cell.index}: batch normalization (inference)", "bold"),
            Text(f"reads {cell.source} at the same place; channel {cell.index[-1]}'s running statistics\n", "dim"),
            # One step a line, each short enough for the narrow inspector (no formula broken mid-way).
            Text("(x - mean) / sqrt(variance + epsilon), with"),
            Text(f"x {cell.x:+.4f}, mean {cell.mean:+.4f},"),
            Text(f"variance {cell.variance:.4f}, epsilon {cell.epsilon:g}"),
            Text(f"= {cell.normalized:+.4f}"),
            Text(f"× gamma {cell.gamma:+.4f} + beta {cell.beta:+.4f}"),
            _verdict(cell.value, map_value)))

    def show_element(self, cell: ElementCell, map_value: float) -> None:
        moved = cell.x * cell.scale + cell.offset
        lines = [Text(f"{cell.layer} at {cell.index}", "bold"),
                 Text(f"reads {cell.source} at the same place: {cell.x:+.4f}\n", "dim")]
        if cell.scale != 1.0 or cell.offset:
            lines.append(Text(f"× {cell.scale:.6g} + {cell.offset:g} = {moved:+.4f}"))
        if not cell.activation.is_linear:
            lines.append(Text(f"{cell.activation.text}: {cell.activation.formula}"))
        self.update(Group(*lines, _verdict(cell.value, map_value)))

    def show_copy(self, cell: CopyCell, map_value: float, what: str) -> None:
        self.update(Group(Text(f"{cell.layer} at {cell.index}", "bold"),
                          Text(f"{what}: the value of {cell.source} at {cell.source_index}\n", "dim"),
                          _verdict(cell.value, map_value)))

    def show_pool(self, cell: PoolCell, map_value: float, source_shape: tuple[int, int], mode: str) -> None:
        if cell.mode != "max" or cell.window.shape != (2, 2) or cell.padded is not None and cell.padded.any():
            self._show_any_pool(cell, map_value)
            return
        r, c = cell.winner
        ok = abs(cell.value - map_value) <= 1e-6
        parts = [
            Text(f"{cell.layer} channel {cell.channel}, pixel row {cell.row}, col {cell.col}", "bold"),
            Text(f"max of the 2x2 window of {cell.source} channel {cell.channel}, rows {cell.top}-{cell.top + 1}, "
                 f"cols {cell.left}-{cell.left + 1}\n", "dim"),
            number_grid(cell.window, 4, highlight=(r, c)),
            Text(""),
            Text(wording.pool_window(cell.window, cell.top, cell.left)),
            Text(f"= {wording.number(cell.value, 4)}   {'✓ equals' if ok else '✗ differs from'} the map's "
                 f"{wording.number(map_value, 4)}", "green" if ok else "red"),
            Text(""),
            Text(f"Every window does this: {wording.pool_shrink(*source_shape)}"),
            Text(""),
            _legend(cell.source, mode),
        ]
        self.update(Group(*parts))


    def _show_any_pool(self, cell: PoolCell, map_value: float) -> None:
        """Average pooling, other window sizes, 'same' padding and global pooling."""
        ph, pw = cell.window.shape
        r, c = cell.winner
        what = "largest" if cell.mode == "max" else "average"
        parts: list[RenderableType] = [
            Text(f"{cell.layer} channel {cell.channel}, pixel row {cell.row}, col {cell.col}", "bold"),
            Text(f"the {what} of the {ph}x{pw} window of {cell.source} channel {cell.channel}, rows "
                 f"{_span(cell.top, ph)}, cols {_span(cell.left, pw)}\n", "dim"),
        ]
        if ph * pw <= 64:
            parts += [number_grid(cell.window, 4, highlight=(r, c) if cell.mode == "max" else None,
                                  padded=cell.padded), Text("")]
        if cell.mode == "max":
            parts.append(Text(f"the largest of its {cell.count} values (padding never wins) is at row "
                              f"{cell.top + r}, col {cell.left + c}.\n"))
        else:
            total = float(cell.window[cell.inside].sum())
            parts.append(Text(f"sum {wording.number(total, 4, signed=True)} / {cell.count} values"
                              f"{' (the padding is not counted)' if cell.count < ph * pw else ''}\n"))
        parts.append(_verdict(cell.value, map_value))
        self.update(Group(*parts))


def _verdict(value: float, map_value: float) -> Text:
    verdict = Text(f"= {wording.number(value, 4)}", "bold")
    ok = abs(value - map_value) <= 1e-4 * max(1.0, abs(map_value))
    verdict.append(f"   {'✓ equals' if ok else '✗ differs from'} the map's {wording.number(map_value, 4)}",
                   "green" if ok else "red")
    return verdict


def _legend(source: str, mode: str) -> Text:
    """What the two highlight colours (or ASCII marks) on the maps mean."""
    legend = Text()
    legend.append_text(render.mark_swatch(render.CURSOR, mode))
    legend.append(f" this pixel, and in {source} the value that won its window\n")
    legend.append_text(render.mark_swatch(render.MARK, mode))
    legend.append(f" in {source}: the winners of the other windows (a window of four equal values has none)")
    return legend
