"""An app factory for the UI tests: the shipped model and fixed images, so every run looks the same.

The drawn samples in ``assets/samples`` need no dataset at all; journeys that need the real test
set (image 23, class filters over 1,000 images) use it and are deselected without it.
"""

from __future__ import annotations

import pytest

from core_helpers import colour_pictures, find_full_data
from tui_cnn.core import data
from tui_cnn.core.data import Split
from tui_cnn.core.network import load_network
from tui_cnn.core.model import read_weights
from tui_cnn.core.paths import SHIPPED_MODEL
from tui_cnn.core.samples import load_samples
from tui_cnn.ui.app import TuiCnnApp


@pytest.fixture(scope="session")
def shipped_weights():
    return read_weights(SHIPPED_MODEL)


@pytest.fixture(scope="session")
def samples():
    return load_samples()


@pytest.fixture(scope="session")
def test_split():
    folder = find_full_data()  # tests using this fixture are deselected when it is None (tests/conftest.py)
    if folder is None:
        pytest.skip(f"needs the full Fashion-MNIST test set (set {data.DATA_DIR_ENV})")
    return data.load_split("test", folder)


@pytest.fixture
def make_app(shipped_weights, samples, monkeypatch, tmp_path):
    """Build the app with the shipped model and the drawn samples (or another image set)."""
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))  # never read the developer's own models

    def factory(images=None, start_index=0):
        return TuiCnnApp(weights=shipped_weights, images=images if images is not None else samples,
                         model_label="shipped", download=False, start_index=start_index)

    return factory


@pytest.fixture
def zoo_app(zoo, samples, monkeypatch, tmp_path):
    """``zoo_app(name)``: the app exploring zoo model ``name`` (tests/zoo.py) on the drawn samples, cut to its
    input size, or on ``colour`` seeded colour pictures (``images`` replaces either)."""
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path / "home"))

    def factory(name: str, images: Split | None = None, start_index: int = 5, colour: int = 6) -> TuiCnnApp:
        _, path = zoo(name)
        network = load_network(path)
        h, w, channels = network.image_shape
        if images is None:
            images = colour_pictures(colour) if channels == 3 else samples
        if channels != 3:
            images = Split(images.images[:, :h, :w], images.labels, images.source, images.class_names)
        return TuiCnnApp(weights=network, images=images, model_label=name, download=False, start_index=start_index)

    return factory
