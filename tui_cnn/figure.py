"""A layer's feature maps as a picture to keep: a PNG grid (for a slide) or the raw values (.npy).

Like the course's matplotlib figure (``imshow(..., cmap='inferno')`` per channel), drawn with
Pillow: every map is enlarged with square pixels (nearest neighbour, so a pixel stays a pixel),
numbered with its channel, and a colour bar says what the colours mean. The colours are the
terminal's (``render.colormap``), so the figure matches what the explorer shows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tui_cnn import render
from tui_cnn.core.atomic import atomic_path
from tui_cnn.core.errors import UsageError

FIGURE_SUFFIXES = (".png", ".npy")
TILE_TARGET = 96  # pixels a map is enlarged to (at least), whatever its size
GAP = 10
MARGIN = 24
BACKGROUND = (255, 255, 255)
INK = (30, 30, 30)
NAN_RGB = render.NAN_RGB


@dataclass(frozen=True)
class Layout:
    """Where everything of a figure goes, so tests can find each map's pixels again."""

    map_shape: tuple[int, int]
    count: int
    columns: int
    zoom: int  # screen pixels per map pixel
    label_height: int
    title_height: int

    @property
    def tile(self) -> tuple[int, int]:
        return self.map_shape[1] * self.zoom, self.map_shape[0] * self.zoom

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.columns)

    def box(self, i: int) -> tuple[int, int, int, int]:
        """The (left, top, right, bottom) pixels of the ``i``-th map shown."""
        w, h = self.tile
        row, col = divmod(i, self.columns)
        left = MARGIN + col * (w + GAP)
        top = MARGIN + self.title_height + row * (h + self.label_height + GAP) + self.label_height
        return left, top, left + w, top + h

    @property
    def grid_bottom(self) -> int:
        return self.box(self.count - 1)[3] if self.count else MARGIN + self.title_height

    @property
    def width(self) -> int:
        w, _ = self.tile
        return max(2 * MARGIN + self.columns * (w + GAP) - GAP, 420)


def layout(map_shape: tuple[int, int], count: int, font_size: int) -> Layout:
    zoom = max(1, math.ceil(TILE_TARGET / max(map_shape)))
    columns = min(count, 8) if count > 0 else 1
    return Layout(map_shape, count, columns, zoom, label_height=font_size + 6, title_height=2 * (font_size + 6))


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def colour_pixels(values: np.ndarray, cmap: str, vmin: float | None, vmax: float | None) -> np.ndarray:
    """An (H, W, 3) uint8 picture of a 2-D map: the colour map's level of each value, NaN in grey."""
    levels = render.quantize(render.normalize(values, vmin, vmax))
    rgb = render.colormap(cmap)[np.clip(levels, 0, 255)]
    rgb[levels < 0] = NAN_RGB
    return rgb


def maps_figure(maps: np.ndarray, channels: Sequence[int], cmap: str = "inferno", scale: str = "map",
                title: str = "", font_size: int = 14) -> tuple[Image.Image, Layout]:
    """The chosen channels of (H, W, C) ``maps`` as a labelled grid with a colour bar below."""
    geometry = layout(maps.shape[:2], len(channels), font_size)
    bar_top = geometry.grid_bottom + GAP + font_size
    height = bar_top + 16 + font_size + 8 + MARGIN
    picture = Image.new("RGB", (geometry.width, height), BACKGROUND)
    draw = ImageDraw.Draw(picture)
    font = _font(font_size)
    draw.text((MARGIN, MARGIN // 2), title, fill=INK, font=font)
    vmin = vmax = None
    if scale == "layer":
        vmin, vmax = render.value_range(maps)  # every channel of the layer, as in the explorer
    for i, channel in enumerate(channels):
        left, top, right, bottom = geometry.box(i)
        tile = colour_pixels(maps[:, :, channel], cmap, vmin, vmax)
        big = np.repeat(np.repeat(tile, geometry.zoom, axis=0), geometry.zoom, axis=1)
        picture.paste(Image.fromarray(big, "RGB"), (left, top))
        draw.text((left, top - geometry.label_height + 2), f"#{channel}", fill=INK, font=font)
    _colour_bar(draw, picture, cmap, (vmin, vmax), bar_top, font)
    return picture, geometry


def _colour_bar(draw: ImageDraw.ImageDraw, picture: Image.Image, cmap: str, limits: tuple[float | None, float | None],
                top: int, font: ImageFont.ImageFont) -> None:
    width = min(picture.width - 2 * MARGIN, 512)
    ramp = render.colormap(cmap)[np.linspace(0, 255, width).round().astype(int)]
    picture.paste(Image.fromarray(np.repeat(ramp[None], 16, axis=0), "RGB"), (MARGIN, top))
    low, high = limits
    if low is None:  # each map stretched to its own range
        left_text, right_text = "each map's minimum", "each map's maximum"
    else:
        left_text, right_text = f"{low:.3g}", f"{high:.3g}"
    text_top = top + 16 + 4
    draw.text((MARGIN, text_top), left_text, fill=INK, font=font)
    right_width = draw.textlength(right_text, font=font)
    draw.text((MARGIN + width - right_width, text_top), right_text, fill=INK, font=font)
    middle = f"colour map {cmap}"
    draw.text((MARGIN + (width - draw.textlength(middle, font=font)) / 2, text_top), middle, fill=INK, font=font)


def check_output(path: Path, spatial: bool) -> None:
    """Fail before any work if ``path`` cannot take this layer's figure (wrong suffix, no folder)."""
    suffix = path.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise UsageError(f"--output {path}: name a .png (a figure) or .npy (the values) file")
    if suffix == ".png" and not spatial:
        raise UsageError(f"--output {path}: a PNG grid is for layers of maps (height x width x channels); "
                         "use a .npy file for this layer's values")
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise UsageError(f"--output {path}: the folder {path.parent} does not exist or cannot be written")


def save_layer(path: Path, values: np.ndarray, channels: Sequence[int] | None, cmap: str, scale: str,
               title: str) -> None:
    """Write a map layer's chosen channels as a PNG grid, or the raw values as .npy (atomically).

    The .npy holds the chosen channels of (H, W, C) maps, or the whole vector of a 1-D layer, as float32.
    """
    if path.suffix.lower() == ".npy":
        kept = values[:, :, list(channels)] if channels is not None and values.ndim == 3 else values
        with atomic_path(path) as tmp:
            np.save(tmp, np.asarray(kept, dtype=np.float32))
        return
    picture, _ = maps_figure(values, channels, cmap, scale, title)
    with atomic_path(path) as tmp:
        picture.save(tmp, format="PNG")
