"""HelpScreen: every key of every screen, read from the bindings so it never goes stale."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = ("tui-cnn shows what the lesson's CNN computes for one image: each 3x3 convolution makes "
         "64 feature maps, and each 2x2 max pooling keeps the largest of four pixels.")


def _sections():
    from tui_cnn.ui.app import TuiCnnApp
    from tui_cnn.ui.screens.compare import CompareScreen
    from tui_cnn.ui.screens.confusion import ConfusionScreen
    from tui_cnn.ui.screens.explorer import ExplorerScreen
    from tui_cnn.ui.screens.filter_lab import FilterLabScreen
    from tui_cnn.ui.screens.focus import FocusScreen
    from tui_cnn.ui.screens.picker import PickerScreen
    from tui_cnn.ui.screens.runs import RunsScreen
    from tui_cnn.ui.screens.summary import SummaryScreen
    from tui_cnn.ui.screens.training import TrainingScreen
    from tui_cnn.ui.screens.why import WhyScreen
    from tui_cnn.ui.widgets.feature_grid import FeatureGrid
    from tui_cnn.ui.widgets.kernel_editor import KernelEditor

    return [
        ("Explorer", ExplorerScreen.BINDINGS),
        ("Feature maps (the grid)", FeatureGrid.BINDINGS),
        ("Focus view (one channel)", FocusScreen.BINDINGS),
        ("Image picker", PickerScreen.BINDINGS),
        ("Confusion matrix", ConfusionScreen.BINDINGS),
        ("Where the model looked (occlusion, saliency)", WhyScreen.BINDINGS),
        ("Filter lab", [*FilterLabScreen.BINDINGS, *KernelEditor.BINDINGS]),
        ("Training", TrainingScreen.BINDINGS),
        ("Runs (R from the explorer or training)", RunsScreen.BINDINGS),
        ("Model summary", SummaryScreen.BINDINGS),
        ("Course comparison (one channel, three images)", CompareScreen.BINDINGS),
        ("Everywhere", [*TuiCnnApp.BINDINGS, Binding("tab", "", "Next pane (shift+tab: previous)"),
                        Binding("ctrl+p", "", "Command palette"), Binding("escape", "", "Back / close")]),
    ]


def _key_name(binding: Binding) -> str:
    if binding.key_display:  # shown as given: "," is the comma key itself
        keys = binding.key_display if binding.key_display in (",", "_") else binding.key_display.replace("_", " ")
    else:
        keys = binding.key.replace("_", " ").replace(",", " ")  # "left,h": two keys
    return keys.replace("left square bracket", "[").replace("right square bracket", "]")


class HelpScreen(ModalScreen[None]):
    """All keys, grouped by where they work."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        # One small table per section, so a long section title does not widen the key column.
        parts = []
        for title, bindings in _sections():
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold cyan", no_wrap=True, min_width=12)
            table.add_column()
            seen = set()
            for binding in bindings:
                text = binding.tooltip or binding.description  # footers show the short description
                if text in seen:
                    continue
                seen.add(text)
                table.add_row(_key_name(binding), text)
            parts += [Text(title, style="bold underline"), table, Text("")]
        with VerticalScroll(id="help"):
            yield Static(Text(INTRO + "\n"), classes="intro")
            yield Static(Group(*parts))
            yield Static("Escape closes this help.", classes="hint")
