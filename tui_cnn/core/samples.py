"""Sample images drawn by tui-cnn itself, so the explorer opens even with no dataset at all.

When Fashion-MNIST cannot be loaded (offline, nothing in the Keras cache, no data folder), the app
still needs something to show. These pictures are drawn here from Pillow's ImageDraw primitives
(polygons, ellipses, lines); no pixel is copied or derived from Fashion-MNIST or any other dataset.

Each item is drawn the way the dataset looks: a light object on black, centred, filling most of the
28x28 frame, with some shading, seams and texture so the feature maps have something to find.
Drawing happens on a 112x112 canvas; each 4x4 block is then averaged (a box filter, which
antialiases the edges) and the brightest pixel stretched to 255, all in integer arithmetic, so
the result depends only on how ImageDraw fills shapes, never on floating-point rounding.

``python -m tui_cnn.core.samples`` regenerates the PNGs in ``assets/samples/``; a test checks that
the files there still equal what ``draw_samples()`` produces.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tui_cnn.core.data import CLASS_NAMES, DataError, Split
from tui_cnn.core.paths import SAMPLES_DIR

SIZE = 28
SCALE = 4
CANVAS = SIZE * SCALE  # 112: drawn at four times the size, then box-filtered down
SOURCE = "built-in samples"
_FILE_NAME = re.compile(r"^(\d)-[a-z0-9-]+\.png$")

Point = tuple[int, int]


class _Sketch:
    """A 112x112 grayscale canvas, black, that items are drawn on with ImageDraw."""

    def __init__(self) -> None:
        self.image = Image.new("L", (CANVAS, CANVAS), 0)
        self.draw = ImageDraw.Draw(self.image)

    def poly(self, points: Sequence[Point], fill: int) -> None:
        self.draw.polygon(list(points), fill=fill)

    def ellipse(self, box: tuple[int, int, int, int], fill: int) -> None:
        self.draw.ellipse(box, fill=fill)

    def rect(self, box: tuple[int, int, int, int], fill: int) -> None:
        self.draw.rectangle(box, fill=fill)

    def line(self, points: Sequence[Point], fill: int, width: int = 2) -> None:
        self.draw.line(list(points), fill=fill, width=width)

    def pixels(self) -> np.ndarray:
        return np.asarray(self.image, dtype=np.int64)


def _shade(canvas: np.ndarray, top: int, bottom: int) -> np.ndarray:
    """Scale the drawing by a vertical light falloff, from ``top``/256 at row 0 to ``bottom``/256."""
    rows = np.arange(CANVAS, dtype=np.int64)[:, None]
    factor = top + (bottom - top) * rows // (CANVAS - 1)
    return canvas * factor // 256


def _downsample(canvas: np.ndarray) -> np.ndarray:
    """Average each 4x4 block (rounded half up) to get the 28x28 image."""
    blocks = canvas.reshape(SIZE, SCALE, SIZE, SCALE).sum(axis=(1, 3))
    area = SCALE * SCALE
    return np.clip((blocks + area // 2) // area, 0, 255).astype(np.uint8)


def _stretch(image: np.ndarray) -> np.ndarray:
    """Scale so the brightest pixel is 255, as the dataset's images are (rounded half up)."""
    values = image.astype(np.int64)
    peak = int(values.max())
    if peak == 0:
        return image
    return ((values * 255 + peak // 2) // peak).astype(np.uint8)


def _mirror(points: Sequence[Point]) -> list[Point]:
    """The same outline reflected about the canvas' vertical centre line."""
    return [(CANVAS - 1 - x, y) for x, y in points]


def _symmetric(half: Sequence[Point]) -> list[Point]:
    """A closed outline from its left half, given top to bottom; the right half is mirrored."""
    return list(half) + _mirror(half)[::-1]


# --- the ten items ----------------------------------------------------------------------------


def _tshirt() -> np.ndarray:
    s = _Sketch()
    body = _symmetric([(42, 6), (20, 12), (0, 34), (14, 52), (24, 44), (24, 108)])
    s.poly(body, 200)
    s.ellipse((40, -8, 71, 16), 0)  # round neckline
    s.line([(42, 6), (55, 15), (69, 6)], 150, 3)  # neck band
    s.line([(14, 50), (24, 42)], 120, 3)  # sleeve hems
    s.line([(97, 50), (87, 42)], 120, 3)
    s.rect((38, 40, 73, 70), 120)  # a printed motif on the chest
    s.ellipse((44, 44, 67, 66), 235)
    s.line([(25, 104), (86, 104)], 150, 3)  # hem
    return _shade(s.pixels(), 256, 215)


def _trouser() -> np.ndarray:
    s = _Sketch()
    outline = [(32, 0), (79, 0), (84, 111), (62, 111), (56, 36), (50, 111), (28, 111)]
    s.poly(outline, 190)
    s.rect((32, 0, 79, 8), 150)  # waistband
    s.line([(43, 10), (41, 110)], 140, 2)  # pressed creases
    s.line([(69, 10), (71, 110)], 140, 2)
    s.line([(56, 8), (56, 32)], 110, 2)  # fly
    return _shade(s.pixels(), 256, 200)


def _pullover() -> np.ndarray:
    s = _Sketch()
    body = _symmetric([(42, 4), (22, 8), (10, 20), (0, 100), (14, 104), (24, 50), (24, 110)])
    s.poly(body, 185)
    s.ellipse((40, -6, 71, 14), 0)
    s.line([(41, 4), (55, 13), (70, 4)], 230, 4)  # ribbed collar
    for x in range(30, 84, 6):  # knit ribs in the waistband
        s.line([(x, 100), (x, 110)], 120, 2)
    s.line([(2, 94), (14, 98)], 230, 4)  # cuffs
    s.line([(109, 94), (97, 98)], 230, 4)
    for x in range(32, 82, 8):  # knitted ribs down the front
        s.line([(x, 20), (x, 92)], 150, 1)
    return _shade(s.pixels(), 256, 210)


def _dress() -> np.ndarray:
    s = _Sketch()
    half = [(42, 0), (36, 4), (38, 22), (42, 44), (36, 64), (24, 111)]
    s.poly(_symmetric(half), 185)
    s.ellipse((44, -10, 67, 12), 0)  # neckline between the straps
    s.rect((40, 42, 71, 48), 230)  # belt at the waist
    for x in (44, 56, 67):  # folds in the skirt
        s.line([(x, 52), (x + (x - 56) * 2, 110)], 130, 2)
    return _shade(s.pixels(), 256, 190)


def _coat() -> np.ndarray:
    s = _Sketch()
    body = _symmetric([(40, 2), (20, 6), (16, 18), (2, 108), (18, 110), (22, 44), (22, 111)])
    s.poly(body, 130)
    lapel = [(40, 2), (55, 40), (46, 30), (36, 8)]
    s.poly(lapel, 200)
    s.poly(_mirror(lapel), 200)
    s.line([(55, 34), (55, 111)], 60, 2)  # the front opening
    for y in (44, 66, 82):  # buttons
        s.ellipse((58, y, 63, y + 5), 220)
    s.rect((22, 56, 89, 61), 200)  # belt
    s.rect((28, 74, 44, 78), 210)  # pocket flaps
    s.rect((67, 74, 83, 78), 210)
    return _shade(s.pixels(), 256, 220)


def _sandal() -> np.ndarray:
    s = _Sketch()
    s.poly([(0, 74), (6, 70), (111, 68), (111, 80), (4, 80)], 220)  # sole
    s.rect((90, 80, 110, 86), 170)  # heel
    strap = 200
    s.line([(6, 72), (16, 54), (30, 50), (40, 70)], strap, 5)  # toe strap
    s.line([(34, 70), (56, 46), (78, 70)], strap, 5)  # crossed straps over the foot
    s.line([(46, 52), (70, 68)], strap, 5)
    s.line([(56, 46), (92, 32), (104, 68)], strap, 5)  # ankle strap
    s.line([(92, 32), (110, 44), (110, 68)], strap, 5)  # heel strap
    s.ellipse((86, 27, 97, 38), 240)  # buckle
    return _shade(s.pixels(), 256, 230)


def _shirt() -> np.ndarray:
    s = _Sketch()
    body = _symmetric([(40, 4), (22, 8), (12, 20), (4, 100), (16, 104), (26, 48), (26, 111)])
    s.poly(body, 130)
    for x in range(28, 84, 14):  # a faint check
        s.line([(x, 12), (x, 110)], 110, 2)
    for y in range(20, 110, 14):
        s.line([(26, y), (85, y)], 110, 2)
    s.poly([(44, 4), (55, 26), (67, 4)], 0)  # open neck
    collar = [(40, 4), (55, 18), (44, 24), (36, 8)]
    s.poly(collar, 240)
    s.poly(_mirror(collar), 240)
    s.line([(55, 18), (55, 111)], 100, 3)  # button placket
    for y in range(30, 104, 14):
        s.ellipse((53, y, 58, y + 5), 240)
    return _shade(s.pixels(), 256, 215)


def _sneaker() -> np.ndarray:
    s = _Sketch()
    upper = [(2, 68), (4, 58), (14, 52), (36, 48), (54, 40), (72, 32), (80, 30), (86, 38), (96, 42),
             (104, 34), (110, 36), (110, 68)]
    s.poly(upper, 170)
    s.poly([(0, 66), (111, 66), (111, 78), (8, 78), (0, 72)], 230)  # sole
    s.line([(4, 72), (111, 72)], 160, 2)  # sole seam
    s.line([(14, 54), (24, 60), (28, 66)], 120, 2)  # toe cap
    for i in range(4):  # laces
        x, y = 52 + i * 7, 44 - i * 4
        s.line([(x, y), (x + 8, y + 5)], 245, 3)
    s.line([(40, 62), (70, 56), (92, 48)], 110, 4)  # side stripe
    s.poly([(100, 38), (110, 36), (110, 58), (102, 58)], 210)  # heel tab
    return _shade(s.pixels(), 256, 240)


def _bag() -> np.ndarray:
    s = _Sketch()
    s.draw.arc((30, 2, 81, 60), 180, 360, fill=200, width=7)  # handle
    s.poly([(10, 34), (101, 34), (108, 110), (3, 110)], 170)
    s.rect((10, 34, 101, 44), 215)  # top seam
    s.rect((50, 48, 61, 58), 240)  # clasp
    s.line([(12, 100), (99, 100)], 120, 2)
    return _shade(s.pixels(), 256, 205)


def _ankle_boot() -> np.ndarray:
    s = _Sketch()
    boot = [(0, 92), (8, 74), (34, 66), (52, 56), (60, 8), (104, 4), (108, 60), (110, 104),
            (84, 104), (80, 96), (0, 100)]
    s.poly(boot, 150)
    s.rect((82, 96, 108, 110), 110)  # heel
    s.poly([(0, 96), (80, 94), (84, 100), (2, 104)], 220)  # sole
    s.line([(62, 8), (104, 4)], 220, 5)  # top of the shaft
    s.line([(82, 10), (84, 64)], 90, 3)  # side zip
    s.line([(10, 80), (52, 70)], 200, 2)  # stitching on the toe cap
    return _shade(s.pixels(), 256, 225)


_DRAWERS: dict[int, tuple[str, Callable[[], np.ndarray]]] = {
    0: ("tshirt-top", _tshirt),
    1: ("trouser", _trouser),
    2: ("pullover", _pullover),
    3: ("dress", _dress),
    4: ("coat", _coat),
    5: ("sandal", _sandal),
    6: ("shirt", _shirt),
    7: ("sneaker", _sneaker),
    8: ("bag", _bag),
    9: ("ankle-boot", _ankle_boot),
}


def draw_samples() -> dict[str, tuple[int, np.ndarray]]:
    """Draw every sample: file name (``7-sneaker.png``) -> (label, (28, 28) uint8 image)."""
    return {f"{label}-{slug}.png": (label, _stretch(_downsample(draw()))) for label, (slug, draw) in _DRAWERS.items()}


def write_samples(folder: str | os.PathLike[str] = SAMPLES_DIR) -> list[Path]:
    """Draw the samples and write them as 8-bit grayscale PNGs into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (_, image) in draw_samples().items():
        path = folder / name
        Image.fromarray(image).save(path, optimize=True)  # uint8 (28, 28) is mode "L"
        written.append(path)
    return written


def load_samples(folder: str | os.PathLike[str] = SAMPLES_DIR) -> Split:
    """Read the sample PNGs (``<label>-<name>.png``) from ``folder`` as a Split sorted by label."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: sample folder not found; reinstall tui-cnn or run python -m tui_cnn.core.samples")
    entries = []
    for path in sorted(folder.iterdir()):
        match = _FILE_NAME.match(path.name)
        if match is None:
            continue
        entries.append((int(match.group(1)), path.name, _read_png(path)))
    if not entries:
        raise DataError(f"{folder}: no sample images (<label>-<name>.png) found; run python -m tui_cnn.core.samples")
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    images = np.stack([image for _, _, image in entries])
    labels = np.array([label for label, _, _ in entries], dtype=np.uint8)
    return Split(images, labels, SOURCE)


def _read_png(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as img:
            image = np.asarray(img.convert("L"), dtype=np.uint8)
    except (OSError, ValueError, SyntaxError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: not a readable sample image ({reason})") from None
    if image.shape != (SIZE, SIZE):
        raise DataError(f"{path}: sample image is {image.shape[1]}x{image.shape[0]}, expected 28x28")
    return image


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the PNGs in ``assets/samples/`` (or the folder given as the only argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0]) if args else SAMPLES_DIR
    for path in write_samples(folder):
        label = int(path.name[0])
        print(f"{path}  ({CLASS_NAMES[label]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
