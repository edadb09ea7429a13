"""The built-in sample images: drawn by the project, stored as PNGs, loadable, and recognisable."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tui_cnn.core import activations
from tui_cnn.core.data import CLASS_NAMES, DataError
from tui_cnn.core.model import read_weights
from tui_cnn.core.paths import SAMPLES_DIR, SHIPPED_MODEL
from tui_cnn.core.samples import SOURCE, draw_samples, load_samples, write_samples


@pytest.fixture(scope="module")
def drawn() -> dict[str, tuple[int, np.ndarray]]:
    return draw_samples()


def test_one_drawing_per_class_light_on_black(drawn):
    assert sorted(label for label, _ in drawn.values()) == list(range(len(CLASS_NAMES)))
    for name, (label, image) in drawn.items():
        assert name.startswith(f"{label}-") and name.endswith(".png")
        assert image.shape == (28, 28) and image.dtype == np.uint8
        assert image.max() == 255
        border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
        assert np.median(border) == 0 and image[0, 0] == image[0, -1] == 0  # on black
        assert (image > 0).mean() > 0.2, f"{name}: the item should fill much of the frame"


def test_pngs_on_disk_equal_the_drawings(drawn):
    on_disk = sorted(path.name for path in SAMPLES_DIR.glob("*.png"))
    assert on_disk == sorted(drawn), "assets/samples/ is out of date: run python -m tui_cnn.core.samples"
    for name, (_, image) in drawn.items():
        with Image.open(SAMPLES_DIR / name) as img:
            stored = np.asarray(img.convert("L"))
        assert np.array_equal(stored, image), f"{name} differs from draw_samples(): run python -m tui_cnn.core.samples"


def test_load_samples_returns_a_split_sorted_by_label(drawn):
    split = load_samples()
    assert split.images.shape == (len(drawn), 28, 28)
    assert split.images.dtype == np.uint8 and split.labels.dtype == np.uint8
    assert split.source == SOURCE == "built-in samples"
    assert list(split.labels) == sorted(split.labels)
    by_label = {label: image for label, image in drawn.values()}
    for image, label in zip(split.images, split.labels):
        assert np.array_equal(image, by_label[int(label)])


def test_load_samples_takes_labels_from_file_names(tmp_path):
    image = np.zeros((28, 28), np.uint8)
    for name, value in (("9-boot.png", 90), ("3-dress.png", 30), ("3-another-dress.png", 31)):
        image[10:18, 10:18] = value
        Image.fromarray(image).save(tmp_path / name)
    (tmp_path / "README.md").write_text("not an image")
    (tmp_path / "notes.png").write_bytes(b"ignored: no label in the name")
    split = load_samples(tmp_path)
    assert list(split.labels) == [3, 3, 9]
    assert [int(img[12, 12]) for img in split.images] == [31, 30, 90]  # by label, then by name


def test_write_then_load_round_trips(tmp_path, drawn):
    write_samples(tmp_path)
    split = load_samples(tmp_path)
    assert np.array_equal(split.images, np.stack([image for _, image in drawn.values()]))


def test_missing_folder_is_one_line_data_error(tmp_path):
    with pytest.raises(DataError) as info:
        load_samples(tmp_path / "nowhere")
    message = str(info.value)
    assert "nowhere" in message and "\n" not in message


def test_empty_folder_is_one_line_data_error(tmp_path):
    with pytest.raises(DataError) as info:
        load_samples(tmp_path)
    assert "no sample images" in str(info.value) and "\n" not in str(info.value)


def test_broken_or_wrong_size_png_is_data_error(tmp_path):
    (tmp_path / "1-trouser.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(DataError, match="1-trouser.png"):
        load_samples(tmp_path)
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "1-trouser.png")
    with pytest.raises(DataError, match="32x32, expected 28x28"):
        load_samples(tmp_path)


def test_shipped_model_recognises_most_samples():
    weights = read_weights(SHIPPED_MODEL)
    split = load_samples()
    predicted = [activations.compute(weights, image).predicted for image in split.images]
    wrong = [
        f"{CLASS_NAMES[label]} seen as {CLASS_NAMES[guess]}"
        for label, guess in zip(split.labels, predicted)
        if label != guess
    ]
    assert len(split) - len(wrong) >= 8, "; ".join(wrong)


def test_samples_module_needs_no_ui_or_tensorflow():
    code = (
        "import sys, tui_cnn.core.samples as s; s.load_samples(); "
        "print(sorted(m for m in ('textual', 'rich', 'tensorflow', 'keras') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
