"""ArithmeticPanel: the sums behind one pixel, written out the way the lesson does them by hand."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui_cnn.core.explain import ConvCell, ConvTerm, PoolCell

SHOWN_TERMS = 3  # of the second convolution's 64 input channels, how many to write out in full


def number_grid(values: np.ndarray, fmt: str = "{:+.3f}", highlight: tuple[int, int] | None = None) -> Table:
    """A small matrix of numbers; ``highlight`` marks one cell (e.g. the pooling winner)."""
    table = Table(show_header=False, box=None, padding=(0, 0, 0, 1), pad_edge=False)  # one space apart
    for _ in range(values.shape[1]):
        table.add_column(justify="right")
    for r, row in enumerate(values):
        table.add_row(*[Text(fmt.format(v), "bold black on green" if (r, c) == highlight else "")
                        for c, v in enumerate(row)])
    return table


def _term_tables(term: ConvTerm, source: str) -> Table:
    """patch x kernel = products, side by side, with the products' sum."""
    # Two rows keep it within 40 columns: patch x kernel, then = products.
    grid = Table.grid(padding=(0, 1))
    for _ in range(3):
        grid.add_column()
    grid.add_row(Text("patch", "dim"), "", Text("kernel", "dim"))
    grid.add_row(number_grid(term.patch, "{:.3f}"), Text("\n×"), number_grid(term.kernel, "{:+.2f}"))
    grid.add_row(Text("products", "dim"), "", "")
    grid.add_row(number_grid(term.products, "{:+.3f}"), Text("\n="), Text(f"\n{term.total:+.4f}", "bold"))
    title = Text(f"{source} channel {term.input_channel}: " if source != "input" else "")
    title.append(f"sum of products {term.total:+.4f}", "bold")
    return Group(title, grid)


class ArithmeticPanel(Static):
    """Shows a ConvCell or a PoolCell; the final line checks the result against the map."""

    def show_conv(self, cell: ConvCell, map_value: float) -> None:
        parts: list[RenderableType] = [
            Text(f"{cell.layer} channel {cell.channel}, pixel row {cell.row}, col {cell.col}", "bold"),
            Text(f"reads {cell.source} rows {cell.row}-{cell.row + 2}, cols {cell.col}-{cell.col + 2} "
                 "(the 3x3 neighbourhood, highlighted)\n", "dim"),
        ]
        if len(cell.terms) == 1:
            parts.append(_term_tables(cell.terms[0], cell.source))
            total_line = f"sum of products {cell.terms[0].total:+.4f}"
        else:
            shown = cell.strongest(SHOWN_TERMS)
            rest = sum(t.total for t in cell.terms) - sum(t.total for t in shown)
            parts.append(Text(f"Each of the {len(cell.terms)} {cell.source} channels has its own 3x3 kernel; "
                              f"their sums add up. The {SHOWN_TERMS} that count most:\n"))
            for term in shown:
                parts += [_term_tables(term, cell.source), Text("")]
            parts.append(Text(f"the other {len(cell.terms) - SHOWN_TERMS} channels together {rest:+.4f}"))
            total_line = f"sum over {len(cell.terms)} channels {sum(t.total for t in cell.terms):+.4f}"
        parts += [Text(""), *self._result(total_line, cell.bias, cell.pre_activation, cell.value, map_value)]
        self.update(Group(*parts))

    @staticmethod
    def _result(total_line: str, bias: float, pre: float, value: float, map_value: float) -> list[Text]:
        verdict = Text(f"= {value:.4f}", "bold")
        ok = abs(value - map_value) <= 1e-4 * max(1.0, abs(map_value))
        verdict.append(f"   {'✓ equals' if ok else '✗ differs from'} the map's {map_value:.4f}", "green" if ok else "red")
        relu = "ReLU keeps it" if pre > 0 else "ReLU turns a negative sum into 0"
        return [Text(total_line), Text(f"+ bias {bias:+.4f}"), Text(f"= {pre:+.4f}, {relu}"), verdict]

    def show_pool(self, cell: PoolCell, map_value: float) -> None:
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
