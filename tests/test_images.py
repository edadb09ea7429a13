"""Own pictures: every supported format, made to look like Fashion-MNIST, and every broken file refused."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from tui_cnn.core import images
from tui_cnn.core.images import ImageFileError, load_image_file
from core_helpers import one_line_error

FORMATS = {"PNG": "png", "JPEG": "jpg", "BMP": "bmp", "GIF": "gif", "WEBP": "webp"}


def _dark_bar_on_light(height=60, width=40, box=(10, 50, 15, 25), object_value=20, background=235) -> np.ndarray:
    """A dark upright bar (rows 10-49, columns 15-24 by default) on a light background."""
    pixels = np.full((height, width), background, np.uint8)
    top, bottom, left, right = box
    pixels[top:bottom, left:right] = object_value
    return pixels


def _bbox(out: np.ndarray, level: int = 64) -> tuple[int, int, int, int]:
    rows = np.nonzero((out > level).any(axis=1))[0]
    cols = np.nonzero((out > level).any(axis=0))[0]
    return rows[0], rows[-1], cols[0], cols[-1]


def _error(path) -> str:
    return one_line_error(ImageFileError, load_image_file, path)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_format_becomes_a_light_object_on_black(tmp_path, fmt):
    path = tmp_path / f"item.{FORMATS[fmt]}"
    Image.fromarray(_dark_bar_on_light()).save(path, format=fmt)
    out = load_image_file(path)
    assert out.shape == (28, 28) and out.dtype == np.uint8
    assert out.max() >= 230  # stretched to the full range
    assert out[:, :5].max() <= 30 and out[:, -5:].max() <= 30  # black background beside the bar
    top, bottom, left, right = _bbox(out)
    assert (top, bottom) == (0, 27)  # the long side fills the frame
    assert 5 <= right - left + 1 <= 9  # 10 x 40 keeps its aspect ratio: about 7 of 28 columns
    assert abs(left - (27 - right)) <= 1  # centred


def test_dark_on_light_is_inverted_to_match_light_on_dark(tmp_path):
    dark_on_light = _dark_bar_on_light()
    Image.fromarray(dark_on_light).save(tmp_path / "dark.png")
    Image.fromarray(255 - dark_on_light).save(tmp_path / "light.png")
    dark, light = load_image_file(tmp_path / "dark.png"), load_image_file(tmp_path / "light.png")
    np.testing.assert_array_equal(dark, light)
    assert dark[14, 14] > 200 and dark[14, 2] == 0


def test_wide_object_keeps_aspect_ratio_and_is_centred_vertically(tmp_path):
    pixels = np.zeros((50, 100), np.uint8)
    pixels[20:30, 10:90] = 200  # 80 wide, 10 tall, light on black: no inversion
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    out = load_image_file(tmp_path / "wide.png")
    top, bottom, left, right = _bbox(out)
    assert (left, right) == (0, 27)
    assert 2 <= bottom - top + 1 <= 5  # 28 * 10 / 80 = 3.5 rows
    assert abs(top - (27 - bottom)) <= 1


def test_object_off_centre_is_cropped_and_centred(tmp_path):
    pixels = np.zeros((100, 100), np.uint8)
    pixels[70:95, 5:30] = 255  # a square in the bottom-left corner
    Image.fromarray(pixels).save(tmp_path / "corner.png")
    top, bottom, left, right = _bbox(load_image_file(tmp_path / "corner.png"))
    assert (top, bottom, left, right) == (0, 27, 0, 27)


def test_transparent_background_counts_as_white(tmp_path):
    """Transparent pixels may hold any colour; a viewer shows them on white, and so must we."""
    rgba = np.zeros((60, 40, 4), np.uint8)
    rgba[::2, :, :3] = 255  # stripes hidden under alpha 0: they must not show
    rgba[10:50, 15:25] = (30, 30, 30, 255)  # an opaque dark bar
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "cutout.png")
    out = load_image_file(tmp_path / "cutout.png")
    top, bottom, left, right = _bbox(out, level=0)
    assert (top, bottom) == (0, 27) and right - left + 1 <= 9, "the hidden stripes leaked into the image"
    assert out[14, 14] > 200


def test_gif_with_a_transparent_palette_entry(tmp_path):
    pixels = _dark_bar_on_light(background=0)  # black background, but the palette marks it transparent
    img = Image.fromarray(pixels).convert("P")
    img.save(tmp_path / "t.gif", transparency=int(np.asarray(img)[0, 0]))
    out = load_image_file(tmp_path / "t.gif")
    top, bottom, left, right = _bbox(out)
    assert (top, bottom) == (0, 27) and right - left + 1 <= 9


def test_animated_gif_uses_the_first_frame(tmp_path):
    upright = Image.fromarray(_dark_bar_on_light(60, 60, (10, 50, 25, 35)))
    lying = Image.fromarray(_dark_bar_on_light(60, 60, (25, 35, 10, 50)))
    upright.save(tmp_path / "anim.gif", save_all=True, append_images=[lying], duration=100, loop=0)
    top, bottom, left, right = _bbox(load_image_file(tmp_path / "anim.gif"))
    assert bottom - top > right - left


def test_exif_orientation_is_applied(tmp_path):
    """Phones store portrait photos sideways plus an orientation tag; the picture must stand upright."""
    stored = Image.fromarray(np.ascontiguousarray(_dark_bar_on_light().T))  # a lying bar
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    stored.save(tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    top, bottom, left, right = _bbox(load_image_file(tmp_path / "phone.jpg"))
    assert (top, bottom) == (0, 27) and right - left + 1 <= 9


def test_sixteen_bit_grayscale_is_scaled_not_clipped(tmp_path):
    pixels = np.full((60, 40), 60000, np.uint16)  # light background
    pixels[10:50, 15:25] = 15000  # darker bar: both are above 255 and were clipped to white
    Image.fromarray(pixels).save(tmp_path / "16bit.png")
    assert Image.open(tmp_path / "16bit.png").mode.startswith("I;16")
    out = load_image_file(tmp_path / "16bit.png")
    top, bottom, left, right = _bbox(out)
    assert (top, bottom) == (0, 27) and right - left + 1 <= 9


def test_rgb_photo_like_input(tmp_path):
    rgb = np.full((80, 60, 3), (240, 235, 220), np.uint8)  # cream table
    rgb[10:70, 20:40] = (120, 40, 30)  # brown shoe, seen from above
    Image.fromarray(rgb).save(tmp_path / "photo.jpg", quality=90)
    top, bottom, left, right = _bbox(load_image_file(tmp_path / "photo.jpg"))
    assert (top, bottom) == (0, 27) and 6 <= right - left + 1 <= 12


def test_blank_picture_is_refused_as_blank(tmp_path):
    Image.new("L", (30, 30), 255).save(tmp_path / "white.png")
    message = _error(tmp_path / "white.png")
    assert "white.png: the picture is blank at 28x28 (0 of 784 pixels lit)" in message


def test_to_fashion_mnist_accepts_any_size():
    for shape in [(1, 1), (3, 200), (500, 2)]:
        out = images.to_fashion_mnist(np.full(shape, 10.0))
        assert out.shape == (28, 28) and out.dtype == np.uint8


# --- files that cannot be used: one line naming the file ---------------------------------------------


def test_missing_file(tmp_path):
    assert "no such file" in _error(tmp_path / "missing.png")


def test_a_folder_is_not_an_image(tmp_path):
    (tmp_path / "pics.png").mkdir()
    _error(tmp_path / "pics.png")


def test_empty_file(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    assert "empty" in _error(tmp_path / "empty.png")


def test_text_file_with_an_image_name(tmp_path):
    (tmp_path / "notes.jpg").write_text("shopping list:\n- shoes\n- bag\n")
    assert "not a readable image" in _error(tmp_path / "notes.jpg")


def test_truncated_png(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (200, 200), dtype=np.uint8)).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    assert "not a readable image" in _error(tmp_path / "cut.png")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height but holds a single empty row of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def test_decompression_bomb_header(tmp_path):
    (tmp_path / "bomb.png").write_bytes(_png_header_only(100_000, 100_000))
    assert "too many pixels" in _error(tmp_path / "bomb.png")


def test_more_pixels_than_our_own_limit(tmp_path):
    (tmp_path / "big.png").write_bytes(_png_header_only(8000, 8000))  # 64 MP: under Pillow's limit
    assert "8000x8000 pixels is too large" in _error(tmp_path / "big.png")


def test_pixel_limit_is_checked_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    Image.new("L", (20, 20), 0).save(tmp_path / "small.png")
    assert "20x20 pixels is too large" in _error(tmp_path / "small.png")


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "MAX_FILE_BYTES", 50)
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (40, 40), dtype=np.uint8)).save(tmp_path / "big.bmp")
    assert "too large" in _error(tmp_path / "big.bmp")


def test_unsupported_format(tmp_path):
    Image.fromarray(_dark_bar_on_light()).save(tmp_path / "scan.tiff")
    assert "TIFF images are not supported" in _error(tmp_path / "scan.tiff")
