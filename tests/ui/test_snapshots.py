"""Snapshot tests of every screen and mode, at fixed terminal sizes, on a deterministic app.

Review a changed SVG before accepting it (--snapshot-update): it is what a user will see.
"""

from __future__ import annotations

import pytest

from tui_cnn.core.model import LAYERS
from tui_cnn.ui.app import TuiCnnApp

BIG = (120, 40)
START = 9  # the drawn ankle boot: a shape with strong edges in every direction


@pytest.mark.parametrize("layer", range(1, len(LAYERS) + 1))
@pytest.mark.parametrize("mode", ["heatmap", "ascii"])
def test_explorer_layer(snap_compare, make_app, layer, mode):
    press = [str(layer)] + (["m"] if mode == "ascii" else [])
    assert snap_compare(make_app(start_index=START), press=press, terminal_size=BIG)


def test_explorer_shared_scale_viridis_half_size(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["2", "c", "s", "z"], terminal_size=BIG)


def test_explorer_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), terminal_size=(80, 24))


def test_explorer_200x60(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["2"], terminal_size=(200, 60))


def test_focus_conv1_channel(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["right", "enter"], terminal_size=BIG)


def test_focus_conv2_channel_ascii(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["3", "enter", "right", "m"], terminal_size=BIG)


def test_focus_pool2_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["4", "enter"], terminal_size=(80, 24))


def test_picker_with_class_filter(snap_compare, make_app, test_split):
    async def wait_for_predictions(pilot):
        await pilot.press("i")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("7")  # only sneakers
        await pilot.pause()

    assert snap_compare(make_app(test_split), run_before=wait_for_predictions, terminal_size=BIG)


def test_picker_samples(snap_compare, make_app):
    async def open_picker(pilot):
        await pilot.press("i")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=open_picker, terminal_size=BIG)


def test_open_file_error_notification(snap_compare, make_app):
    press = ["o", *"no/such/picture.png", "enter"]
    assert snap_compare(make_app(start_index=START), press=press, terminal_size=BIG)


def test_open_file_prompt(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["o", *"shoe.png"], terminal_size=BIG)


def test_help_screen(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["question_mark"], terminal_size=BIG)


def test_no_dataset_fallback(snap_compare, monkeypatch, tmp_path):
    """No data folder, nothing cached, no download: the app opens on its drawn samples."""
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", "/nonexistent/keras-home")  # a fixed path: it shows in the message
    monkeypatch.delenv("TUI_CNN_DATA_DIR", raising=False)
    app = TuiCnnApp(download=False)

    async def wait_for_load(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, run_before=wait_for_load, terminal_size=BIG)


def test_terminal_too_small(snap_compare, make_app):
    assert snap_compare(make_app(), press=["_"], terminal_size=(50, 15))


# --- every screen whole at 80x24 ---------------------------------------------------------------------

SMALL = (80, 24)


@pytest.mark.parametrize("press", [["5"], ["6"], ["7"], ["3", "m"], ["6", "m"]], ids=["flatten", "dense", "output",
                                                                                    "conv2-ascii", "dense-ascii"])
def test_explorer_80x24_layers(snap_compare, make_app, press):
    assert snap_compare(make_app(start_index=START), press=press, terminal_size=SMALL)


def test_picker_80x24(snap_compare, make_app):
    async def open_picker(pilot):
        await pilot.press("i")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=open_picker, terminal_size=SMALL)


def test_help_screen_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["question_mark"], terminal_size=SMALL)


def test_open_file_prompt_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["o", *"shoe.png"], terminal_size=SMALL)


def test_focus_conv1_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["right", "enter"], terminal_size=SMALL)
