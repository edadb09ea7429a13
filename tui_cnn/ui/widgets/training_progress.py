"""TrainingProgress: how far the current epoch and the whole run are, the speed, elapsed time and ETA.

It is redrawn four times a second while training, so its texts have fixed sizes (see app.tcss) and
change without a layout pass of the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static


@dataclass(frozen=True)
class Progress:
    """A snapshot of a run's progress, in batches and seconds (NaN where not known yet)."""

    epoch: int = 0
    epochs: int = 0
    step: int = 0
    steps: int = 0
    run_step: int = 0
    run_steps: int = 0
    images_per_s: float = math.nan
    elapsed: float = 0.0
    eta: float = math.nan


def clock_text(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``; a dash when unknown."""
    if not math.isfinite(seconds) or seconds < 0:
        return "-:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingProgress(Vertical):
    """Two bars (this epoch, the whole run) and one line of figures."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="progress-row"):
            yield Static("Epoch", id="epoch-label", classes="progress-name")
            yield ProgressBar(total=1, show_eta=False, id="epoch-bar")
            yield Static("", id="epoch-steps", classes="progress-count")
        with Horizontal(classes="progress-row"):
            yield Static("Run", classes="progress-name")
            yield ProgressBar(total=1, show_eta=False, id="run-bar")
            yield Static("", id="run-steps", classes="progress-count")
        yield Static("", id="progress-figures")

    def show(self, progress: Progress) -> None:
        p = progress
        speed = f"{p.images_per_s:,.0f} images/s" if math.isfinite(p.images_per_s) else "- images/s"
        texts = {
            "#epoch-label": f"Epoch {p.epoch}/{p.epochs}" if p.epochs else "Epoch",
            "#epoch-steps": f"batch {p.step:,}/{p.steps:,}" if p.steps else "",
            "#run-steps": f"batch {p.run_step:,}/{p.run_steps:,}" if p.run_steps else "",
            "#progress-figures": f"{speed}  ·  elapsed {clock_text(p.elapsed)}  ·  ETA {clock_text(p.eta)}",
        }
        for selector, text in texts.items():
            self.query_one(selector, Static).update(text, layout=False)
        self.query_one("#epoch-bar", ProgressBar).update(total=max(p.steps, 1), progress=p.step)
        self.query_one("#run-bar", ProgressBar).update(total=max(p.run_steps, 1), progress=p.run_step)
