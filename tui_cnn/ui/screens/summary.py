"""SummaryScreen: the model as Keras' ``model.summary()`` shows it, each row with its reason.

The lesson's model gets the lesson's words; any other model the general rule for each shape
(valid: floor((n - k) / s) + 1; same: ceil(n / s)) and each parameter count (``lesson.summary_of``).
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui_cnn.core import lesson
from tui_cnn.ui.state import AppAccess
from tui_cnn.ui.widgets.quiet_footer import QuietFooter

NAME_WIDTH, SHAPE_WIDTH, PARAMS_WIDTH = 24, 22, 9


class SummaryScreen(AppAccess, Screen):
    """Layer, type, output shape and parameters, with why each one is what it is."""

    BINDINGS = [
        Binding("down,j", "scroll(1)", "Scroll", show=False, key_display="↓↑ j k"),
        Binding("up,k", "scroll(-1)", "Scroll", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="summary-title")
        with VerticalScroll(id="summary-body"):
            yield Static(id="summary-table")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        network = self.state.network
        title = self.query_one("#summary-title", Static)
        if network is None:
            title.update("No model is loaded, so there is nothing to summarise.")
            return
        whose = "the lesson's" if network.lesson_weights() is not None else "the"
        title.update(f"[b]Model summary[/b] · model.summary() with {whose} reason for every number\n"
                     f"model {self.state.model_label or network.name} · all numbers computed from its weights")
        table = summary_renderable(lesson.summary_of(network), network.name)
        self.query_one("#summary-table", Static).update(table)
        self.query_one("#summary-body").focus()

    def action_scroll(self, step: int) -> None:
        self.query_one("#summary-body", VerticalScroll).scroll_relative(y=step, animate=False)


def summary_renderable(summary: lesson.Summary, name: str = "fashion_cnn") -> RenderableType:
    """The Keras-style table, one cell per layer holding its row and, under it, the explanation."""
    table = Table(box=box.HEAVY_HEAD, show_lines=True, expand=True, padding=(0, 1))
    table.add_column(_columns("Layer (type)", "Output Shape", "Param #", "bold"))
    table.add_row(_layer_cell("input", lesson.keras_shape(summary.input_shape), "", summary.input_note, None,
                              "dim"))
    for row in summary.layers:
        table.add_row(_layer_cell(row.label, row.keras_shape, f"{row.params:,}", row.shape_note, row, ""))
    totals = Text()
    first, *rest = summary.keras_totals()
    totals.append(first + "\n", "bold")
    totals.append("".join(line + "\n" for line in rest))
    totals.append(summary.total_note, "cyan")
    if summary.optimizer_note:
        totals.append("\n" + summary.optimizer_note)
    return Group(Text(f'Model: "{name}"', "bold"), table, Padding(totals, (0, 1)))


def _columns(name: str, shape: str, params: str, style: str, how: str = "") -> Table:
    grid = Table.grid()
    grid.add_column(width=NAME_WIDTH, overflow="fold")  # a long Keras name wraps, as in model.summary()
    grid.add_column(width=SHAPE_WIDTH, no_wrap=True)
    grid.add_column(width=PARAMS_WIDTH, justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_row(Text(name, style), Text(shape, style), Text(params, style, justify="right"),
                 Text(f" = {how}" if how else "", "cyan"))
    return grid


def _layer_cell(label: str, shape: str, params: str, note: str, row: lesson.LayerLesson | None,
                style: str) -> Group:
    how = row.sum_text if row is not None else ""
    parts: list[RenderableType] = [_columns(label, shape, params, style or "bold", how),
                                   Padding(Text(note), (0, 0, 0, 2))]
    if row is not None:
        text = Text(row.params_note)
        if row.formula:
            text.highlight_words([row.formula], "bold cyan")
        parts.append(Padding(text, (0, 0, 0, 2)))
    return Group(*parts)
