"""Turn the user's own picture into a 28x28 image that looks like Fashion-MNIST.

Fashion-MNIST items are light on a black background, trimmed to the object, scaled so the longer
side fills the frame, and centred. A photo of a shoe on a white table is the opposite, so a light
background is inverted first; then the object is cropped, scaled with its aspect ratio kept,
padded to a square and stretched to the full 0-255 range.

The filter lab takes pictures another way (``read_gray`` then ``fit_gray``): as they are,
grayscale 0-255, not inverted or cropped, only shrunk to what the terminal can show.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.paths import file_problem

MAX_FILE_BYTES = 50 * 1024 * 1024
# A 28x28 picture needs little: 4096x4096 decodes to at most 64 MiB (RGBA) and covers a phone
# photo saved as PNG. JPEGs are decoded at 1/2, 1/4 or 1/8 scale first, so larger ones pass.
MAX_PIXELS = 4096 * 4096
WORK_SIZE = 1024  # the longer side the picture is reduced to before any conversion
SUPPORTED = ("PNG", "JPEG", "BMP", "GIF", "WEBP")
OBJECT_THRESHOLD = 0.1  # share of the brightest value that still counts as part of the object
# Fewer lit pixels than this after conversion is a blank picture (the emptiest Fashion-MNIST item has 30).
MIN_LIT_PIXELS = 20
LIT_LEVEL = 25


class ImageFileError(TuiCnnError):
    """The file cannot be used as an image; the message is one line."""


class BlankImageError(ImageFileError):
    """The picture decoded but nothing is left of it at 28x28 (transparent, one colour, a hairline)."""


def load_image_file(path: str | os.PathLike[str], shape: tuple[int, int, int] = (28, 28, 1)) -> np.ndarray:
    """Read an image file and return it as (28, 28) uint8, light object on black.

    For a model that takes other pictures (``shape``), the picture is only resized: (H, W, 3) uint8
    in its own colours for a colour model, (H, W) grayscale otherwise (see ``fit_picture``).
    """
    if tuple(shape) != (28, 28, 1):
        return fit_picture(read_gray(path, colour=shape[2] == 3), shape)
    image = to_fashion_mnist(read_gray(path))
    lit = int((image > LIT_LEVEL).sum())
    if lit < MIN_LIT_PIXELS:
        raise BlankImageError(f"{Path(path).expanduser()}: the picture is blank at 28x28 ({lit} of 784 pixels "
                              "lit): fully transparent, a single colour or too thin to show an object")
    return image


def read_gray(path: str | os.PathLike[str], colour: bool = False) -> np.ndarray:
    """An image file as (H, W) float32 grayscale 0-255, as a viewer shows it (no inversion).

    With ``colour``, (H, W, 3) float32 RGB instead (for a colour model).
    At most WORK_SIZE on the longer side; a missing, empty, huge or broken file is an ImageFileError.
    """
    path = Path(path).expanduser()
    problem = file_problem(path)
    if problem:
        raise ImageFileError(f"{path}: {problem}")
    size = path.stat().st_size
    if size == 0:
        raise ImageFileError(f"{path}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise ImageFileError(f"{path}: {size // (1024 * 1024)} MiB is too large for an image (limit 50 MiB)")
    return _decode_small(path, colour)


def fit_gray(gray: np.ndarray, height: int, width: int) -> np.ndarray:
    """``gray`` shrunk (never enlarged) to fit ``height`` x ``width``, aspect kept: uint8 0-255, no inversion.

    The filter lab shows a picture as it is, only as large as the terminal allows.
    """
    from PIL import Image

    h, w = gray.shape
    scale = min(1.0, height / h, width / w)
    # A 3x3 filter needs 3x3 pixels: a very thin picture keeps 3 on its short side (if it has them).
    size = (max(min(3, w), round(w * scale)), max(min(3, h), round(h * scale)))
    if size != (w, h):
        gray = np.asarray(Image.fromarray(np.asarray(gray, np.float32)).resize(size, Image.Resampling.BOX))
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


def _decode_small(path: Path, colour: bool = False) -> np.ndarray:
    """Decode at no more than WORK_SIZE on the longer side, refusing bombs before any pixel is decoded."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.format not in SUPPORTED:
                    raise ImageFileError(f"{path}: {img.format} images are not supported (use PNG, JPEG, BMP, GIF or WebP)")
                width, height = img.size
                img.draft(None, (WORK_SIZE, WORK_SIZE))  # JPEG only: decode at a reduced scale
                if img.width * img.height > MAX_PIXELS:
                    raise ImageFileError(f"{path}: {width}x{height} pixels is too large to load "
                                         f"(limit {MAX_PIXELS // 1_000_000} million)")
                return _to_gray(img, colour)
    except ImageFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageFileError(f"{path}: the image claims too many pixels to load safely") from None
    except (OSError, ValueError, SyntaxError) as exc:  # PIL raises these for broken or non-image files
        raise ImageFileError(f"{path}: not a readable image ({_short(exc)})") from None


def _to_gray(img, colour: bool = False) -> np.ndarray:
    """Shrink, flatten transparency onto white (as a viewer shows it) and convert to float grayscale
    (or, with ``colour``, to float (H, W, 3) RGB for a colour model)."""
    from PIL import Image, ImageOps

    img.seek(0)  # first frame of an animated GIF or WebP
    # A phone photo is stored sideways with an EXIF orientation tag that every viewer applies.
    # in_place: an upright picture (nearly all of them) is not copied.
    ImageOps.exif_transpose(img, in_place=True)
    factor = max(img.size) // WORK_SIZE
    if factor > 1:
        if img.mode not in _REDUCIBLE:
            img = img.convert("RGBA" if _has_alpha(img) else ("I" if img.mode.startswith("I;16") else "RGB"))
        img = img.reduce(factor)  # box-averages factor x factor blocks: cheap, and enough for 28x28
    if _has_alpha(img):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if colour:
        return np.asarray(img.convert("RGB"), dtype=np.float32)
    if img.mode.startswith("I;16") or img.mode == "I":
        # 16-bit grayscale (e.g. PNG): convert("L") clips at 255 instead of scaling, which turned
        # everything above 255/65535 white.
        values = np.asarray(img, dtype=np.float32)
        return values / 257.0 if img.mode != "I" or values.max() > 255 else values
    return np.asarray(img.convert("L"), dtype=np.float32)


_REDUCIBLE = ("L", "LA", "RGB", "RGBA", "I", "F")


def _has_alpha(img) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return text[0] if text else type(exc).__name__


def to_fashion_mnist(gray: np.ndarray) -> np.ndarray:
    """Grayscale (H, W) floats 0-255 to the dataset's look: (28, 28) uint8, light on black."""
    from PIL import Image

    if _background_is_light(gray):
        gray = 255.0 - gray
    gray = gray - np.median(_border(gray))  # the background becomes black
    gray = np.clip(gray, 0, None)
    peak = float(gray.max())
    if peak <= 0:
        return np.zeros((28, 28), np.uint8)  # a blank picture stays blank
    rows, cols = np.nonzero(gray > OBJECT_THRESHOLD * peak)
    crop = gray[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] / peak * 255.0
    h, w = crop.shape
    scale = 28 / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = Image.fromarray(crop.astype(np.float32), mode="F").resize((new_w, new_h), Image.Resampling.LANCZOS)
    out = np.zeros((28, 28), np.float32)
    top, left = (28 - new_h) // 2, (28 - new_w) // 2
    out[top : top + new_h, left : left + new_w] = np.asarray(small)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _border(gray: np.ndarray) -> np.ndarray:
    return np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])


def _background_is_light(gray: np.ndarray) -> bool:
    return float(np.median(_border(gray))) > 127.5


def fit_picture(pixels: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Decoded pixels ((h, w) gray or (h, w, 3) RGB floats 0-255) resized to a model's own input, uint8."""
    from PIL import Image

    h, w, channels = shape
    if channels == 3:
        rgb = Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), mode="RGB")
        return np.asarray(rgb.resize((w, h), Image.Resampling.LANCZOS), dtype=np.uint8)
    gray = Image.fromarray(pixels.astype(np.float32), mode="F").resize((w, h), Image.Resampling.LANCZOS)
    return np.clip(np.rint(np.asarray(gray)), 0, 255).astype(np.uint8)
