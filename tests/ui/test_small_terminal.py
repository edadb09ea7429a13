"""At 80x24, the smallest terminal the README promises, every screen's footer shows all its keys
(down to "q Quit") and every title says all it has to say on its lines, cut by nothing.

A footer wider than the terminal drops its last keys silently ("p Pi..."); a title wrapped onto
more lines than it has loses its end. Both happened; this walks every screen, on the lesson's
model and on a zoo model with long Keras layer names.
"""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey, FooterLabel

from tui_cnn.core.network import load_network
from tui_cnn.ui.app import TuiCnnApp

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
SMALL = (80, 24)
TITLES = ("#layer-title", "#focus-title", "#summary-title", "#compare-title", "#confusion-title", "#lab-title",
          "#picker-title")  # the training screen's status line and plot legend are left to their owner (issue 11)
# Each screen as a new user reaches it from the explorer (escape goes back before the next one).
SCREENS = {
    "explorer": [],
    "explorer flatten": ["5"],
    "explorer dense": ["6"],
    "focus view": ["enter"],
    "inspector": ["enter", "i"],
    "summary": ["S"],
    "comparison": ["C"],
    "filter lab": ["f"],
    "picker": ["i"],
    "confusion": ["x"],
    "training": ["t"],
}


def _lines(static: Static, width: int) -> int:
    """How many lines the Static's text takes at ``width`` columns, wrapped at words as Textual does."""
    console = Console(width=width, legacy_windows=False)
    text = Text(str(static.render()))
    return len(text.wrap(console, width))


def _check_screen(app, where: str) -> None:
    screen = app.screen
    footer = screen.query_one(Footer)
    parts = [*footer.query(FooterKey), *footer.query(FooterLabel)]
    assert parts, where
    right = max(part.region.right for part in parts)
    assert right <= SMALL[0], f"{where}: the footer runs to column {right}"
    assert any(part.key == "q" for part in footer.query(FooterKey)), f"{where}: no q Quit in the footer"
    for title in screen.query(",".join(TITLES)).results(Static):
        if not title.display or not title.content_region.width:
            continue
        width, height = title.content_region.width, title.content_region.height
        text = str(title.render())
        if title.styles.text_wrap == "nowrap":  # one line, cut with an ellipsis: it must not be cut
            longest = max(Text(line).cell_len for line in text.splitlines() or [""])
            assert longest <= width, f"{where}: {title.id} is cut: {text!r}"
        else:
            assert _lines(title, width) <= height, f"{where}: {title.id} wraps past its {height} lines: {text!r}"


async def _walk(app) -> None:
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        for where, keys in SCREENS.items():
            for key in keys:
                await pilot.press(key)
            if where in ("picker", "confusion"):  # their predictions; the training screen's warm-up can run on
                await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            _check_screen(app, where)
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
                await pilot.pause()


async def test_every_screen_fits_80x24_on_the_lessons_model(make_app):
    await _walk(make_app(start_index=9))


async def test_every_screen_fits_80x24_on_a_model_with_long_layer_names(zoo, samples, monkeypatch, tmp_path):
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))
    network = load_network(zoo("batchnorm")[1])
    await _walk(TuiCnnApp(weights=network, images=samples, model_label="batchnorm", download=False))
