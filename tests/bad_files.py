"""Broken datasets, images and model files for the bad-input tests of the CLI and of the app.

Each ``write``/``break`` function makes one case and returns what the one-line message about it
must say (or None for a picture that must be shown). Nothing is downloaded: every file is made here.
"""

from __future__ import annotations

import gzip
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from core_helpers import synthetic_images, write_idx
from tui_cnn.core.data import IMAGES_MAGIC, LABELS_MAGIC

IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
NASTY = "evil\x1b]2;PWNED\x07\x1b[31m\nname"  # retitles the terminal, turns it red, breaks the line
NASTY_SHOWN = "evil\\x1b]2;PWNED\\x07\\x1b[31m\\nname"  # as printable() writes it


# --- the files ----------------------------------------------------------------------------------------


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height but holds a single row of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def gzip_bomb(path: Path, header: bytes, inflated_mb: int) -> Path:
    """``header`` followed by ``inflated_mb`` MB of zeros, compressed as it is written (a few hundred KB)."""
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(header)
        block = bytes(1 << 20)
        for _ in range(inflated_mb):
            fh.write(block)
    return path


def special(folder: Path, name: str, kind: str) -> Path:
    """A path of the given kind under ``name``: folder, fifo, loop (symlink to itself), zero (/dev/zero)."""
    path = folder / name
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    return path


SPECIAL_KINDS = {"folder": "is a folder", "fifo": "is a named pipe (FIFO)", "loop": "symbolic link loop",
                 "zero": "is a character device"}


# --- datasets ---------------------------------------------------------------------------------------


def break_dataset(folder: Path, case: str) -> str:
    """Break the test images (or labels) of ``folder`` as ``case`` says; return what the line must say."""
    images, labels = synthetic_images(20, seed=3)
    path = folder / IMAGES
    if case == "truncated":
        path.write_bytes(path.read_bytes()[:-40])
        return "truncated"
    if case == "wrong magic":
        write_idx(path, images, magic=LABELS_MAGIC)
        return "wrong magic number 2049, expected 2051"
    if case == "wrong dims":
        write_idx(path, np.zeros((20, 28, 27), np.uint8), IMAGES_MAGIC)
        return "expected 28x28"
    if case == "count mismatch":
        write_idx(folder / LABELS, labels[:19], LABELS_MAGIC)
        return "20 images but t10k-labels-idx1-ubyte.gz has 19 labels"
    if case == "label out of range":
        write_idx(folder / LABELS, np.full(20, 200, np.uint8), LABELS_MAGIC)
        return "label 200 is out of range 0-9"
    if case == "empty":
        path.write_bytes(b"")
        return "too short to be an IDX file (0 bytes)"
    if case == "not gzip":
        path.write_bytes(b"hello")
        return "cannot read"
    if case == "header promises billions":
        write_idx(path, np.zeros((1, 28, 28), np.uint8), IMAGES_MAGIC, dims=(4_000_000_000, 28, 28))
        return "promises 4,000,000,000 images"
    if case == "gzip bomb":
        gzip_bomb(path, struct.pack(">IIII", IMAGES_MAGIC, 20, 28, 28), inflated_mb=200)
        return "holds more than the 15,680 bytes its header (20, 28, 28) promises"
    path.unlink()
    special(folder, IMAGES, case)
    return SPECIAL_KINDS[case]


DATA_CASES = ["truncated", "wrong magic", "wrong dims", "count mismatch", "label out of range", "empty",
              "not gzip", "header promises billions", "gzip bomb", *SPECIAL_KINDS]


# --- images ------------------------------------------------------------------------------------------


def _dark_bar_on_light() -> np.ndarray:
    pixels = np.full((60, 40), 235, np.uint8)
    pixels[10:50, 15:25] = 20
    return pixels


def write_image(folder: Path, case: str) -> tuple[Path, str | None]:
    """An image file for ``case``; the needle its error line must hold, or None if it must be shown."""
    path = folder / f"{case}.png"
    bar = Image.fromarray(_dark_bar_on_light())
    if case == "truncated":
        bar.save(path)
        path.write_bytes(path.read_bytes()[:60])
        return path, "not a readable image"
    if case == "wrong magic":
        path.write_text("shopping list: shoes\n")
        return path, "not a readable image"
    if case == "empty":
        path.write_bytes(b"")
        return path, "the file is empty"
    if case == "decompression bomb":
        path.write_bytes(png_header_only(100_000, 100_000))
        return path, "too many pixels"
    if case == "pixel bomb":
        path.write_bytes(png_header_only(6300, 6300))  # under Pillow's limit, over ours
        return path, "6300x6300 pixels is too large"
    if case == "transparent":
        Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(path)
        return path, "blank"
    if case == "one pixel":
        Image.new("L", (1, 1), 255).save(path)
        return path, "blank"
    if case == "extreme aspect":
        Image.fromarray(np.full((2, 3000), 40, np.uint8)).save(path)
        return path, "blank"
    if case == "16-bit":
        Image.fromarray(_dark_bar_on_light().astype(np.uint16) * 257).save(path)
        return path, None
    if case == "CMYK":
        path = path.with_suffix(".jpg")
        bar.convert("CMYK").save(path)
        return path, None
    if case == "palette":
        bar.convert("P").save(path)
        return path, None
    if case == "unicode name":
        path = folder / "chaussure été 🙂.png"
        bar.save(path)
        return path, None
    if case == "control characters":
        path = folder / f"{NASTY}.png"
        bar.save(path)
        return path, None
    return special(folder, path.name, case), SPECIAL_KINDS[case]


IMAGE_CASES = ["truncated", "wrong magic", "empty", "decompression bomb", "pixel bomb", "transparent", "one pixel",
               "extreme aspect", "16-bit", "CMYK", "palette", "unicode name", "control characters", *SPECIAL_KINDS]


# --- models ------------------------------------------------------------------------------------------


def write_model(folder: Path, case: str) -> tuple[Path, str]:
    path = folder / f"{case}.keras"
    if case == "empty":
        path.write_bytes(b"")
        return path, "not a readable .keras model file"
    if case == "not a zip":
        Image.fromarray(_dark_bar_on_light()).save(path, format="PNG")
        return path, "not a readable .keras model file"
    if case == "truncated zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", "{}" * 1000)
        path.write_bytes(path.read_bytes()[:100])
        return path, "not a readable .keras model file"
    if case == "zip without a model":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
        return path, "not a readable .keras model file"
    if case == "control characters":
        path = folder / f"{NASTY}.keras"
        path.write_bytes(b"PK\x03\x04 not really a zip")
        return path, "not a readable .keras model file"
    return special(folder, path.name, case), SPECIAL_KINDS[case]


MODEL_CASES = ["empty", "not a zip", "truncated zip", "zip without a model", "control characters", *SPECIAL_KINDS]
