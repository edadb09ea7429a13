"""A scene drawn by tui-cnn itself, big and full of straight lines, for the filter lab.

The lesson shows its filters on a 512x512 photo of a staircase, where vertical and horizontal
lines are obvious; a 28x28 item of clothing is too small for that. This scene is drawn here from
Pillow's ImageDraw rectangles, lines and polygons (nothing is copied from any photo or dataset):
a staircase with its balusters and handrail on the left, a building with a grid of windows on the
right, a sky and the ground. Light falls from the left, so every edge has a definite polarity.

``python -m tui_cnn.core.scene`` regenerates ``assets/scene.png``; a test checks that the file
still equals what ``draw_scene()`` produces.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tui_cnn.core.paths import SCENE_PATH

SIZE = 512
STEPS = 8
STEP_W, STEP_H = 32, 30  # each step: tread depth and riser height, in pixels
STAIR_BOTTOM = 470  # the ground line
BALUSTER_W = 8
RAIL_RISE = 150  # how far above a step's tread the handrail runs


def draw_scene() -> np.ndarray:
    """The scene as (512, 512) uint8 grayscale, 0 black to 255 white."""
    image = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(image)
    _sky_and_ground(draw)
    _building(draw)
    _staircase(draw)
    return np.asarray(image, dtype=np.uint8).copy()


def _sky_and_ground(draw: ImageDraw.ImageDraw) -> None:
    for y in range(STAIR_BOTTOM):  # the sky brightens towards the horizon
        draw.line([(0, y), (SIZE - 1, y)], fill=170 + 60 * y // STAIR_BOTTOM)
    draw.rectangle((0, STAIR_BOTTOM, SIZE - 1, SIZE - 1), fill=70)  # the ground
    for x in range(0, SIZE, 64):  # paving joints
        draw.line([(x, STAIR_BOTTOM), (x, SIZE - 1)], fill=40, width=3)


def _building(draw: ImageDraw.ImageDraw) -> None:
    left, top, right = 300, 60, 500
    draw.rectangle((left, top, right, STAIR_BOTTOM), fill=150)  # the facade
    draw.rectangle((left - 10, top - 16, right + 10, top), fill=90)  # cornice
    draw.rectangle((right - 24, top, right, STAIR_BOTTOM), fill=110)  # the side in shade
    for row in range(5):
        for col in range(3):
            x, y = left + 18 + col * 52, top + 24 + row * 74
            draw.rectangle((x, y, x + 34, y + 50), fill=30)  # a dark window
            draw.rectangle((x + 15, y, x + 19, y + 50), fill=200)  # its mullion
            draw.rectangle((x, y + 23, x + 34, y + 27), fill=200)  # its transom
            draw.rectangle((x - 3, y + 50, x + 37, y + 56), fill=235)  # the sill
    door = (left + 66, STAIR_BOTTOM - 70, left + 110, STAIR_BOTTOM)
    draw.rectangle(door, fill=50)


def _staircase(draw: ImageDraw.ImageDraw) -> None:
    """Steps rising to the right, a dark wall behind, balusters on every tread and a handrail."""
    left = 16
    top_of_stairs = STAIR_BOTTOM - STEPS * STEP_H
    draw.rectangle((left, top_of_stairs - RAIL_RISE - 20, left + STEPS * STEP_W, STAIR_BOTTOM), fill=45)  # wall
    for step in range(STEPS):
        x = left + step * STEP_W
        tread_y = STAIR_BOTTOM - (step + 1) * STEP_H
        draw.rectangle((x, tread_y, left + STEPS * STEP_W, STAIR_BOTTOM), fill=120)  # riser face
        draw.rectangle((x, tread_y, left + STEPS * STEP_W, tread_y + 6), fill=225)  # lit tread edge
        post = x + STEP_W // 2 - BALUSTER_W // 2
        draw.rectangle((post, tread_y - RAIL_RISE + STEP_H // 2, post + BALUSTER_W - 1, tread_y), fill=245)
    rail: Sequence[tuple[int, int]] = [(left, STAIR_BOTTOM - RAIL_RISE),
                                       (left + STEPS * STEP_W, top_of_stairs - RAIL_RISE)]
    draw.line(list(rail), fill=250, width=9)  # the handrail, along the slope


def write_scene(path: str | Path = SCENE_PATH) -> Path:
    """Draw the scene and write it as an 8-bit grayscale PNG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(draw_scene()).save(path, optimize=True)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    print(write_scene(args[0] if args else SCENE_PATH))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
