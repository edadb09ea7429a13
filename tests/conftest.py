"""Shared fixtures for the core, renderer and command-line tests.

Nothing here touches the network or copies Fashion-MNIST into the project: datasets are small
synthetic IDX files written to temporary folders, the 900-image sample in ``shared/`` is read in
place, and tests that need the complete dataset (marked ``full_data``, or using ``full_data_dir`` or
``test_split``) are deselected unless it is on this machine.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from core_helpers import (SAMPLE_DIR, SAMPLE_IMAGES, SAMPLE_LABELS, console_script, find_full_data, write_idx,
                          write_official_dir)
from tui_cnn.core.data import DATA_DIR_ENV, SPLIT_FILES


@pytest.fixture(name="write_idx")
def write_idx_fixture() -> Callable[..., Path]:
    return write_idx


@pytest.fixture(scope="session")
def official_dir(tmp_path_factory) -> Path:
    """Read-only synthetic dataset under the four official names (120 train, 40 test images)."""
    return write_official_dir(tmp_path_factory.mktemp("official"))


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not (SAMPLE_IMAGES.is_file() and SAMPLE_LABELS.is_file()):
        pytest.skip(f"the Fashion-MNIST sample is not in {SAMPLE_DIR}")
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_as_test_dir(sample_dir, tmp_path_factory) -> Path:
    """The 900 sample images as the test split: symlinks under the official names, nothing copied."""
    folder = tmp_path_factory.mktemp("sample-as-test")
    images_stem, labels_stem = SPLIT_FILES["test"]
    (folder / f"{images_stem}.gz").symlink_to(SAMPLE_IMAGES)
    (folder / f"{labels_stem}.gz").symlink_to(SAMPLE_LABELS)
    return folder


# --- the complete dataset: tests that need it are left out without it ---------------------------

FULL_DATA_FIXTURES = {"full_data_dir", "test_split"}


def _needs_full_data(item: pytest.Item) -> bool:
    return item.get_closest_marker("full_data") is not None or bool(
        FULL_DATA_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)  # after syrupy has seen every collected test (see below)
def pytest_collection_modifyitems(config, items):
    """Without the complete dataset, deselect the tests that need it rather than skip them.

    syrupy 4.8 counts the snapshot of a skipped test as unused when it is the only snapshot in its
    file (every SVG is), so a skipped snapshot test made the run exit 1, and ``--snapshot-update``
    deleted its snapshot. Deselected tests are treated as not chosen, and their snapshots are kept.
    """
    if find_full_data() is not None:
        return
    left_out = [item for item in items if _needs_full_data(item)]
    if left_out:
        items[:] = [item for item in items if not _needs_full_data(item)]
        config.hook.pytest_deselected(items=left_out)
        config.stash[_LEFT_OUT] = len(left_out)


_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, config):
    left_out = config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} tests need the complete Fashion-MNIST and were not run (set {DATA_DIR_ENV})", yellow=True)


@pytest.fixture(scope="session")
def full_data_dir() -> Path:
    folder = find_full_data()
    if folder is None:
        pytest.skip(f"complete Fashion-MNIST not found (set {DATA_DIR_ENV})")
    return folder


# --- data sets and models that are not touched by the tests that use them --------------------------


@pytest.fixture
def isolated_env(monkeypatch, tmp_path_factory):
    """Hide CI's TUI_CNN_DATA_DIR, the user's Keras cache and the user's trained model.

    Not autouse, so that tests/ui decides for itself; modules here use it through ``pytestmark``.
    """
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path_factory.getbasetemp() / "empty-keras-home"))
    monkeypatch.setenv("TUI_CNN_HOME", str(tmp_path_factory.getbasetemp() / "empty-tui-cnn-home"))


@pytest.fixture(scope="session")
def keras_model():
    """The lesson's model in Keras, seeded, with random (not zero) biases so they are tested too.

    Shared by every test in the session: do not train or change it.
    """
    from tui_cnn.core.model import build_model

    model = build_model(seed=1234)
    rng = np.random.default_rng(1234)
    for layer in model.layers:
        params = layer.get_weights()
        if params:
            kernel, bias = params
            layer.set_weights([kernel, rng.normal(0, 0.1, bias.shape).astype(np.float32)])
    return model


@pytest.fixture(scope="session")
def keras_model_file(keras_model, tmp_path_factory) -> Path:
    from tui_cnn.core.model import save_model_atomic

    return save_model_atomic(keras_model, tmp_path_factory.mktemp("model") / "seeded.keras")


# --- the console script ------------------------------------------------------------------------------


@pytest.fixture
def run_cli(tmp_path) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``tui-cnn ARGS`` in a subprocess, with no dataset, model or Keras cache from the user."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        ambient = (DATA_DIR_ENV, "TUI_CNN_MNIST_DIR", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
        full_env = {k: v for k, v in os.environ.items() if k not in ambient}
        full_env.update({"TUI_CNN_HOME": str(tmp_path / "tui-cnn-home"), "KERAS_HOME": str(tmp_path / "keras-home"),
                         "COLUMNS": "80", "LINES": "40"})
        full_env.update(env or {})
        return subprocess.run([console_script(), *map(str, args)], capture_output=True, text=True,
                              env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)

    return run


# --- the zoo of Keras models (tests/zoo.py): built once per session, on first use ---------------------


@pytest.fixture(scope="session")
def zoo(tmp_path_factory):
    """``zoo(name)`` -> (the Keras model, its saved file); each model is built and saved once per session."""
    import zoo as zoo_module

    folder = tmp_path_factory.mktemp("zoo")
    built: dict[str, tuple[object, Path]] = {}

    def get(name: str):
        if name not in built:
            model = zoo_module.build(name)
            built[name] = (model, zoo_module.save(model, folder, name))
        return built[name]

    return get
