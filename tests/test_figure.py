"""``tui-cnn show --output``: the PNG figure and the .npy values, read back and checked against the activations."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tui_cnn import figure, render
from tui_cnn.core import activations, data
from tui_cnn.core.model import read_weights
from tui_cnn.core.paths import SHIPPED_MODEL


@pytest.fixture(scope="module")
def weights():
    return read_weights(SHIPPED_MODEL)


def _layer(weights, official_dir, index: int, name: str) -> np.ndarray:
    image = data.load_split("test", official_dir).images[index]
    return activations.compute(weights, image).layer(name).values


def _expected_rgb(values: np.ndarray, cmap: str, lo: float, hi: float) -> np.ndarray:
    """The colour of each value, worked out by hand: its place between lo and hi on 256 levels."""
    level = np.rint((np.clip(values, lo, hi) - lo) / (hi - lo) * 255).astype(int) if hi > lo else \
        np.full(values.shape, 255 if hi > 0 else 0)
    return render.colormap(cmap)[level]


def _tiles(png: Image.Image, shape: tuple[int, int], count: int) -> list[np.ndarray]:
    """Each map's pixels read back from the figure (the centre of every enlarged pixel)."""
    pixels = np.asarray(png.convert("RGB"))
    geometry = figure.layout(shape, count, font_size=14)
    tiles = []
    for i in range(count):
        left, top, right, bottom = geometry.box(i)
        z = geometry.zoom
        tiles.append(pixels[top + z // 2 : bottom : z, left + z // 2 : right : z])
        assert (pixels[top : bottom, right : right + 2] == figure.BACKGROUND).all()  # the gap after the map
    return tiles


def test_png_holds_each_chosen_channel_in_its_own_colours(run_cli, official_dir, tmp_path, weights):
    out = tmp_path / "pool1.png"
    result = run_cli("show", "--index", "3", "--layer", "pool1", "--channels", "5-14", "--cmap", "viridis",
                     "--data-dir", official_dir, "--output", out)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and "channels 5-14" in result.stdout
    maps = _layer(weights, official_dir, 3, "pool1")
    tiles = _tiles(Image.open(out), maps.shape[:2], 10)
    for channel, tile in zip(range(5, 15), tiles):
        values = maps[:, :, channel]
        assert tile.shape == values.shape + (3,)
        np.testing.assert_array_equal(tile, _expected_rgb(values, "viridis", values.min(), values.max()))


def test_png_with_one_scale_for_the_layer_and_its_colour_bar(run_cli, official_dir, tmp_path, weights):
    out = tmp_path / "conv2.png"
    result = run_cli("show", "--layer", "3", "--channels", "0-63", "--scale", "layer", "--data-dir", official_dir,
                     "--output", out)
    assert result.returncode == 0, result.stderr
    maps = _layer(weights, official_dir, 0, "conv2")
    png = Image.open(out)
    lo, hi = float(maps.min()), float(maps.max())
    for channel, tile in enumerate(_tiles(png, maps.shape[:2], 64)):
        np.testing.assert_array_equal(tile, _expected_rgb(maps[:, :, channel], "inferno", lo, hi))
    # Under the grid, the colour bar runs from the colour map's first colour to its last.
    pixels = np.asarray(png.convert("RGB"))
    lut = render.colormap("inferno")
    bar_rows = [y for y in range(pixels.shape[0]) if (pixels[y, figure.MARGIN] == lut[0]).all()
                and y > figure.layout(maps.shape[:2], 64, 14).grid_bottom]
    assert bar_rows, "no colour bar below the maps"
    row = pixels[bar_rows[0]]
    assert (row[figure.MARGIN + 511] == lut[255]).all()


def test_npy_holds_the_raw_values(run_cli, official_dir, tmp_path, weights):
    maps_file, vector_file = tmp_path / "conv1.npy", tmp_path / "dense.npy"
    assert run_cli("show", "--index", "7", "--channels", "2-4", "--data-dir", official_dir,
                   "--output", maps_file).returncode == 0
    assert run_cli("show", "--index", "7", "--layer", "dense", "--data-dir", official_dir,
                   "--output", vector_file).returncode == 0
    saved = np.load(maps_file)
    assert saved.dtype == np.float32 and saved.shape == (26, 26, 3)
    np.testing.assert_allclose(saved, _layer(weights, official_dir, 7, "conv1")[:, :, 2:5], rtol=1e-6)
    np.testing.assert_allclose(np.load(vector_file), _layer(weights, official_dir, 7, "dense"), rtol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary files left


@pytest.mark.parametrize("args, words", [
    (("--output", "maps.jpg"), "name a .png"),
    (("--layer", "dense", "--output", "dense.png"), "use a .npy file"),
    (("--output", "no-such-folder/maps.png"), "does not exist"),
])
def test_unusable_output_is_one_line_and_writes_nothing(run_cli, official_dir, tmp_path, args, words):
    result = run_cli("show", "--data-dir", official_dir, *[str(tmp_path / a) if "." in a else a for a in args])
    assert result.returncode == 2 and words in result.stderr and len(result.stderr.splitlines()) == 1
    assert result.stdout == ""
