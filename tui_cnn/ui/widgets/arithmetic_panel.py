"""ArithmeticPanel: the sums behind one pixel, written out the way the lesson does them by hand."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui_cnn.core.explain import ConvCell, ConvTerm, CopyCell, ElementCell, NormCell, PoolCell

SHOWN_TERMS = 3  # of the second convolution's 64 input channels, how many to write out in full


def number_grid(values: np.ndarray, fmt: str = "{:+.3f}", highlight: tuple[int, int] | None = None,
                padded: np.ndarray | None = None) -> Table:
    """A small matrix of numbers; ``highlight`` marks one cell (e.g. the pooling winner), ``padded`` the
    cells that are 'same' zero padding outside the map (shown as a dim ``pad``)."""
    table = Table(show_header=False, box=None, padding=(0, 0, 0, 1), pad_edge=False)  # one space apart
    for _ in range(values.shape[1]):
        table.add_column(justify="right")
    for r, row in enumerate(values):
        table.add_row(*[Text("pad", "dim italic") if padded is not None and padded[r, c] else
                        Text(fmt.format(v), "bold black on green" if (r, c) == highlight else "")
                        for c, v in enumerate(row)])
    return table


def _span(start: int, size: int) -> str:
    return f"{start}-{start + size - 1}" if size > 1 else str(start)


def _term_tables(term: ConvTerm, source: str) -> Table:
    """patch x kernel = products, side by side, with the products' sum."""
    # Two rows keep it within 40 columns: patch x kernel, then = products.
    grid = Table.grid(padding=(0, 1))
    for _ in range(3):
        grid.add_column()
    grid.add_row(Text("patch", "dim"), "", Text("kernel", "dim"))
    grid.add_row(number_grid(term.patch, "{:.3f}", padded=term.padded), Text("\n×"), number_grid(term.kernel, "{:+.2f}"))
    grid.add_row(Text("products", "dim"), "", "")
    grid.add_row(number_grid(term.products, "{:+.3f}", padded=term.padded), Text("\n="),
                 Text(f"\n{term.total:+.4f}", "bold"))
    title = Text(f"{source} channel {term.input_channel}: " if source != "input" else "")
    title.append(f"sum of products {term.total:+.4f}", "bold")
    return Group(title, grid)


class ArithmeticPanel(Static):
    """Shows a ConvCell or a PoolCell; the final line checks the result against the map."""

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
        if len(cell.terms) == 1:
            parts.append(_term_tables(cell.terms[0], cell.source))
            total_line = f"sum of products {cell.terms[0].total:+.4f}"
        else:
            shown = cell.strongest(SHOWN_TERMS)
            rest = sum(t.total for t in cell.terms) - sum(t.total for t in shown)
            parts.append(Text(f"Each of the {len(cell.terms)} {cell.source} channels has its own {kh}x{kw} kernel; "
                              f"their sums add up. The {SHOWN_TERMS} that count most:\n"))
            for term in shown:
                parts += [_term_tables(term, cell.source), Text("")]
            parts.append(Text(f"the other {len(cell.terms) - SHOWN_TERMS} channels together {rest:+.4f}"))
            total_line = f"sum over {len(cell.terms)} channels {sum(t.total for t in cell.terms):+.4f}"
        parts += [Text(""), *self._result(total_line, cell.bias, cell.pre_activation, cell.value, map_value,
                                          cell.activation)]
        self.update(Group(*parts))

    @staticmethod
    def _result(total_line: str, bias: float, pre: float, value: float, map_value: float,
                activation=None) -> list[Text]:
        name = "relu" if activation is None else activation.name
        if name == "relu" and (activation is None or activation.text == "relu"):
            how = "ReLU keeps it" if pre > 0 else "ReLU turns a negative sum into 0"
        elif name == "linear":
            how = "no activation: that is the output"
        else:
            how = f"then {activation.text}: {activation.formula}"
        lines = [Text(total_line), Text(f"+ bias {bias:+.4f}"), Text(f"= {pre:+.4f}, {how}")]
        return lines + [_verdict(value, map_value)]

    def show_norm(self, cell: NormCell, map_value: float) -> None:
        self.update(Group(
            Text(f"{cell.layer} at {cell.index}: batch normalization (inference)", "bold"),
            Text(f"reads {cell.source} at the same place; channel {cell.index[-1]}'s running statistics\n", "dim"),
            Text(f"(x - mean) / sqrt(variance + epsilon) = ({cell.x:+.4f} - {cell.mean:+.4f}) / "
                 f"sqrt({cell.variance:.4f} + {cell.epsilon:g}) = {cell.normalized:+.4f}"),
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

    def show_pool(self, cell: PoolCell, map_value: float) -> None:
        if cell.mode != "max" or cell.window.shape != (2, 2) or cell.padded is not None and cell.padded.any():
            self._show_any_pool(cell, map_value)
            return
        r, c = cell.winner
        parts = [
            Text(f"{cell.layer} channel {cell.channel}, pixel row {cell.row}, col {cell.col}", "bold"),
            Text(f"max of the 2x2 window of {cell.source} channel {cell.channel}, rows {cell.top}-{cell.top + 1}, "
                 f"cols {cell.left}-{cell.left + 1}\n", "dim"),
            number_grid(cell.window, "{:.4f}", highlight=(r, c)),
            Text(""),
        ]
        if cell.window.max() == cell.window.min():
            parts.append(Text(f"all four are equal ({cell.value:.4f}), so that is what survives; "
                              "a silent (all-zero) region stays silent.\n"))
        else:
            parts.append(Text(f"the largest is at row {cell.top + r}, col {cell.left + c}: it survives, the other "
                              "three are dropped. Every window does this, so the map shrinks to a quarter.\n"))
        ok = abs(cell.value - map_value) <= 1e-6
        parts.append(Text(f"= {cell.value:.4f}   {'✓ equals' if ok else '✗ differs from'} the map's {map_value:.4f}",
                          "green" if ok else "red"))
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
            parts += [number_grid(cell.window, "{:.4f}", highlight=(r, c) if cell.mode == "max" else None,
                                  padded=cell.padded), Text("")]
        real = cell.window[cell.inside]
        if cell.mode == "max":
            parts.append(Text(f"the largest of its {cell.count} values (padding never wins) is at row "
                              f"{cell.top + r}, col {cell.left + c}.\n"))
        else:
            parts.append(Text(f"sum {real.sum():+.4f} / {cell.count} values"
                              f"{' (the padding is not counted)' if cell.count < ph * pw else ''}\n"))
        parts.append(_verdict(cell.value, map_value))
        self.update(Group(*parts))


def _verdict(value: float, map_value: float) -> Text:
    verdict = Text(f"= {value:.4f}", "bold")
    ok = abs(value - map_value) <= 1e-4 * max(1.0, abs(map_value))
    verdict.append(f"   {'✓ equals' if ok else '✗ differs from'} the map's {map_value:.4f}", "green" if ok else "red")
    return verdict
