"""The filter lab's drawn scene: shipped as drawn, packaged, and full of the lines the lesson's filters find."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tui_cnn.core import filters
from tui_cnn.core.images import fit_gray
from tui_cnn.core.paths import SCENE_PATH
from tui_cnn.core.scene import SIZE, draw_scene, write_scene

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_png_is_the_drawing():
    drawn = draw_scene()
    assert drawn.shape == (SIZE, SIZE) and drawn.dtype == np.uint8
    with Image.open(SCENE_PATH) as img:
        assert img.mode == "L"
        stored = np.asarray(img)
    assert np.array_equal(stored, drawn), "assets/scene.png is out of date: run python -m tui_cnn.core.scene"


def test_write_scene_round_trips(tmp_path):
    path = write_scene(tmp_path / "scene.png")
    with Image.open(path) as img:
        assert np.array_equal(np.asarray(img), draw_scene())


def test_a_wheel_carries_the_scene():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = config["tool"]["setuptools"]["package-data"]["tui_cnn.assets"]
    assert any(SCENE_PATH.match(pattern) for pattern in data)
    assert config["tool"]["setuptools"]["package-dir"]["tui_cnn.assets"] == SCENE_PATH.parent.name


def continuation(lit: np.ndarray) -> tuple[float, float]:
    """Of the lit pixels, the share whose neighbour below is lit too, and the share whose right one is."""
    down = (lit[:-1] & lit[1:]).sum() / lit[:-1].sum()
    right = (lit[:, :-1] & lit[:, 1:]).sum() / lit[:, :-1].sum()
    return float(down), float(right)


def test_lines_pop_out_even_at_48x48():
    """Balusters and window columns for the vertical filter, treads and sills for the horizontal one."""
    small = fit_gray(draw_scene(), 48, 48)  # as the filter lab shows it in a small terminal
    vertical = filters.apply_filter(small, filters.PRESETS["vertical lines"]) > 128
    horizontal = filters.apply_filter(small, filters.PRESETS["horizontal lines"]) > 128
    assert vertical.mean() > 0.05 and horizontal.mean() > 0.05  # plenty lights up
    down, right = continuation(vertical)
    assert down > 0.6 and down > 2 * right  # what lights up runs down the picture: vertical lines
    down, right = continuation(horizontal)
    assert right > 0.6 and right > 2 * down
