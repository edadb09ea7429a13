"""RunsScreen: every kept run side by side; overlay their curves, explore one, resume one, delete one.

The table lists each run's design in words, parameters, epochs, best validation accuracy, test
accuracy, seconds per epoch and whether it finished or stopped (and where). Space marks runs to
compare: the plots below overlay the marked runs' loss and accuracy (or the highlighted run's when
none is marked). The screen returns a choice with ``dismiss``: ``("explore", run)`` or
``("resume", run)``; whoever pushed it acts on it. Deleting asks first (``ConfirmModal``).

The runs' logs are read in a thread worker, so a long list never holds up a key press.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui_cnn.core import runs
from tui_cnn.core.curves import RunHistory, from_log
from tui_cnn.core.runs import Run, RunSummary
from tui_cnn.ui.screens.confirm_modal import ConfirmModal
from tui_cnn.ui.widgets.quiet_footer import QuietFooter
from tui_cnn.ui.widgets.runs_plot import Curve, RunsPlot, run_colour

COLUMNS = ("", *runs.SUMMARY_COLUMNS)
MARK = "●"


@dataclass(frozen=True)
class KeptRun:
    """A run as the screen shows it: its summary (the table row) and its curves."""

    summary: RunSummary
    history: RunHistory

    @property
    def run(self) -> Run:
        return self.summary.run


class RunsScreen(Screen[tuple[str, Run] | None]):
    """The kept runs: compare, explore, resume or delete them."""

    BINDINGS = [
        Binding("space", "mark", "Compare", tooltip="Mark the run to overlay its curves with the other marked runs"),
        Binding("enter", "choose('explore')", "Explore", tooltip="Open the run's model in the explorer"),
        Binding("r", "choose('resume')", "Resume", tooltip="Continue the run from its last checkpoint"),
        Binding("d", "delete", "Delete", tooltip="Delete the run's folder (asks first)"),
        Binding("escape", "back", "Back"),
    ]

    class Listed(Message):
        """The worker read every run's summary and curves."""

        def __init__(self, kept: list[KeptRun]) -> None:
            super().__init__()
            self.kept = kept

    def __init__(self, root=None, running: Run | None = None) -> None:
        """``root``: the runs folder (default: the user's); ``running``: a run training right now."""
        super().__init__()
        self.root = root
        self.running = running
        self.kept: list[KeptRun] = []
        self.marked: list[str] = []  # run ids, in the order they were marked (their colours)

    def compose(self) -> ComposeResult:
        yield Static("Reading the runs...", id="runs-title")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="runs-table")
        yield Static(id="runs-legend")
        with Horizontal(id="runs-plots"):
            yield RunsPlot("loss", y_range=(0.0, None), id="runs-loss")
            yield RunsPlot("accuracy", y_range=(None, 1.0), id="runs-accuracy")
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title in COLUMNS:
            table.add_column(title, key=title or "mark")
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs")
    def load(self) -> None:
        kept = []
        for summary in runs.list_runs(self.root):
            events = summary.run.events()
            kept.append(KeptRun(runs.summarize(summary.run, events), from_log(events, summary.run.settings.epochs)))
        self.post_message(self.Listed(kept))

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        self.kept = message.kept
        ids = {k.run.id for k in self.kept}
        self.marked = [run_id for run_id in self.marked if run_id in ids]
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for kept in self.kept:
            cells = runs.summary_cells(kept.summary)
            if self.running is not None and kept.run.id == self.running.id:
                cells = (*cells[:-2], "training now", cells[-1])
            table.add_row(self._mark(kept.run.id), *cells, key=kept.run.id)
        if self.kept:
            table.move_cursor(row=min(max(cursor, 0), len(self.kept) - 1))
        count = f"{len(self.kept)} kept run{'s' if len(self.kept) != 1 else ''}" if self.kept else "No runs yet: t trains one"
        self.query_one("#runs-title", Static).update(
            f"[b]{count}[/b]. Space marks runs to compare; Enter explores one; r resumes; d deletes.")
        self._redraw()

    def _mark(self, run_id: str) -> Text:
        if run_id not in self.marked:
            return Text(" ")
        return Text(MARK, style=run_colour(self.marked.index(run_id)))

    # -- the highlighted and the compared runs --------------------------------------------------

    @property
    def current(self) -> KeptRun | None:
        table = self.query_one(DataTable)
        if not self.kept or not 0 <= table.cursor_row < len(self.kept):
            return None
        return self.kept[table.cursor_row]

    def compared(self) -> list[KeptRun]:
        """The marked runs, in the order they were marked, or the highlighted run alone."""
        by_id = {k.run.id: k for k in self.kept}
        if self.marked:
            return [by_id[run_id] for run_id in self.marked if run_id in by_id]
        return [self.current] if self.current is not None else []

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_choose("explore")  # the table takes Enter for itself

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()  # resume depends on the highlighted run
        if not self.marked:
            self._redraw()

    def _redraw(self) -> None:
        shown = self.compared()
        epochs = max((k.history.epochs for k in shown), default=1)
        for plot_id, attr in (("#runs-loss", "loss"), ("#runs-accuracy", "accuracy")):
            curves = [Curve(k.history.x, getattr(k.history, f"smooth_{attr}"), [r.epoch for r in k.history.rows],
                            [getattr(r, f"val_{attr}") for r in k.history.rows]) for k in shown]
            self.query_one(plot_id, RunsPlot).show_curves(curves, epochs)
        legend = Text()
        for n, kept in enumerate(shown):
            legend.append("━━ ", style=run_colour(n)).append(f"{kept.run.id} ({kept.run.design.describe()})   ")
        if shown:
            legend.append("● validation after each epoch", style="dim")
        self.query_one("#runs-legend", Static).update(legend)

    # -- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "choose", "delete") and not self.kept:
            return None
        if action == "choose" and parameters == ("resume",):
            current = self.current
            return True if current is not None and current.summary.resumable and not self._is_running(current) else None
        return True

    def action_mark(self) -> None:
        current = self.current
        if current is None:
            return
        run_id = current.run.id
        if run_id in self.marked:
            self.marked.remove(run_id)
        else:
            self.marked.append(run_id)
        table = self.query_one(DataTable)
        for kept in self.kept:
            table.update_cell(kept.run.id, "mark", self._mark(kept.run.id))
        self._redraw()

    def action_choose(self, what: str) -> None:
        current = self.current
        if current is not None:
            self.dismiss((what, current.run))

    def action_delete(self) -> None:
        current = self.current
        if current is None:
            return
        if self._is_running(current):
            self.notify("This run is training: stop it first", severity="warning")
            return
        run = current.run
        question = f"Delete run {run.id} ({run.design.describe()})?"
        self.app.push_screen(ConfirmModal(question, f"Its folder {run.folder} and everything in it go."),
                             lambda yes: self._delete(run, yes))

    def _delete(self, run: Run, yes: bool | None) -> None:
        if not yes:
            return
        try:
            run.delete()
        except OSError as exc:
            self.notify(f"Cannot delete {run.folder}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Deleted run {run.id}")
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def _is_running(self, kept: KeptRun) -> bool:
        return self.running is not None and kept.run.id == self.running.id
