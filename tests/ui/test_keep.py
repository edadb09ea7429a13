"""Screenshots and figures land in a folder that exists, and the app says where."""

from __future__ import annotations

import time
from pathlib import Path

from tui_cnn.ui.watch_app import WatchApp


async def _wait_for_file(pilot, folder: Path, pattern: str, timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while not list(folder.glob(pattern)):
        assert time.monotonic() < deadline, f"nothing like {pattern} in {folder}"
        await pilot.pause(0.05)
    await pilot.pause(0.2)  # the notification follows the write
    return next(folder.glob(pattern))


def _notices(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def test_the_palettes_screenshot_goes_to_the_figures_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"  # does not exist yet, nor does ~/Downloads matter
    monkeypatch.setenv("TUI_CNN_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "no-downloads"))
    app = WatchApp(tmp_path / "run.jsonl")
    async with app.run_test() as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        saved = await _wait_for_file(pilot, home / "figures", "*.svg")
        assert saved.read_text().startswith("<svg")
        assert str(saved) in _notices(app)


async def test_without_a_writable_data_folder_it_saves_here(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TUI_CNN_HOME", str(blocker / "home"))  # cannot be made
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    app = WatchApp(tmp_path / "run.jsonl")
    async with app.run_test() as pilot:
        app.deliver_screenshot()
        saved = await _wait_for_file(pilot, here, "*.svg")
        assert saved.name in _notices(app)


async def test_e_saves_the_screen_and_the_layer_shown(make_app, tmp_path):
    import numpy as np
    from PIL import Image

    from tui_cnn import figure

    app = make_app(start_index=9)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 20
        while app.state.output is None:
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        await pilot.press("2", "c")  # pool1, in viridis
        await pilot.press("e")
        folder = tmp_path / "home" / "figures"  # make_app's TUI_CNN_HOME
        svg = await _wait_for_file(pilot, folder, "tui-cnn-pool1-*.svg")
        png = await _wait_for_file(pilot, folder, "tui-cnn-pool1-*.png")
        assert svg.stem == png.stem and "pool1" in svg.read_text()
        assert str(png) in _notices(app) and str(svg) in _notices(app)
        maps = app.state.output.values
        geometry = figure.layout(maps.shape[:2], maps.shape[2], font_size=14)
        pixels = np.asarray(Image.open(png).convert("RGB"))
        for channel in (0, 17, 63):
            left, top, right, bottom = geometry.box(channel)
            z = geometry.zoom
            tile = pixels[top + z // 2 : bottom : z, left + z // 2 : right : z]
            np.testing.assert_array_equal(tile, figure.colour_pixels(maps[:, :, channel], "viridis", None, None))
