"""EpochTable: one row per finished epoch (loss, accuracy, validation, seconds), replaced if repeated."""

from __future__ import annotations

import math

from textual.widgets import DataTable

from tui_cnn.core.training import EpochEvent

COLUMNS = (("epoch", "epoch"), ("loss", "loss"), ("accuracy", "accuracy"), ("val loss", "val_loss"),
           ("val accuracy", "val_accuracy"), ("seconds", "seconds"))


class EpochTable(DataTable):
    """The finished epochs of a run, keyed by epoch number."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, id=id)

    def on_mount(self) -> None:
        for title, key in COLUMNS:
            self.add_column(title, key=key)

    def show_epoch(self, event: EpochEvent) -> None:
        key = str(event.epoch)
        if key in self.rows:
            self.remove_row(key)
        self.add_row(f"{event.epoch}/{event.epochs}", _maybe(event.loss, "{:.4f}"), _maybe(event.accuracy, "{:.2%}"),
                     _maybe(event.val_loss, "{:.4f}"), _maybe(event.val_accuracy, "{:.2%}"),
                     _maybe(event.seconds, "{:.1f}"), key=key)

    def keep_epochs(self, completed: int) -> None:
        """Drop the rows after epoch ``completed`` (a run resumed from there)."""
        for row_key in list(self.rows):
            if int(str(row_key.value)) > completed:
                self.remove_row(row_key)


def _maybe(value: float, fmt: str) -> str:
    return fmt.format(value) if math.isfinite(value) else "-"
