"""Keeping what is on screen: screenshots and figures go to a folder that exists, and the user is told where.

Textual saves the command palette's "Screenshot" to ``~/Downloads``, and fails ("Failed to save
screenshot") where there is no such folder. ``SavesToFiguresDir`` points it at ``paths.figures_dir()``
instead. ``save_view`` is the explorer's ``e`` key: the screen as SVG (Textual's screenshot) and
the current layer as a PNG figure (``tui_cnn.figure``), or its values as ``.npy`` for a layer that is
a vector. Run in a terminal, the files are written to that folder (the figure atomically); served to a
browser (``tui-cnn serve``), Textual hands them to the browser as downloads instead.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
from textual import events, on
from textual.app import App

from tui_cnn.core import paths
from tui_cnn.core.atomic import atomic_path


class SavesToFiguresDir(App):
    """An app whose screenshots and figures land in ``paths.figures_dir()`` unless told otherwise."""

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        return super().deliver_screenshot(filename, path or str(paths.figures_dir()), time_format)

    @on(events.DeliveryFailed)
    def _figure_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == "figure":
            self.notify("Could not save the layer's figure", title="Figure", severity="error")


def file_stem(layer: str, picture: str) -> str:
    """``tui-cnn-conv1-test-12-20261125-134502``: what, of which image, and when (no clashes, sorts by time)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in picture).strip("-")
    return f"tui-cnn-{layer}-{safe}-{time.strftime('%Y%m%d-%H%M%S')}"


def layer_file(values: np.ndarray, cmap: str, scale: str, title: str) -> tuple[bytes, str]:
    """The current layer as a file's bytes and suffix: a PNG grid of its maps, or the vector as .npy."""
    buffer = io.BytesIO()
    if values.ndim == 3:
        from tui_cnn.figure import maps_figure

        picture, _ = maps_figure(values, range(values.shape[2]), cmap, scale, title)
        picture.save(buffer, format="PNG")
        return buffer.getvalue(), ".png"
    np.save(buffer, np.asarray(values, dtype=np.float32))
    return buffer.getvalue(), ".npy"


def save_view(app: SavesToFiguresDir, values: np.ndarray, stem: str, cmap: str, scale: str, title: str) -> Path:
    """Save the screen (SVG) and the layer (PNG or .npy) side by side; returns the folder."""
    folder = paths.figures_dir()
    app.deliver_screenshot(f"{stem}.svg", str(folder))
    data, suffix = layer_file(values, cmap, scale, title)
    if app.is_web:  # the browser downloads it
        app.deliver_binary(io.BytesIO(data), save_filename=f"{stem}{suffix}", name="figure",
                           mime_type="image/png" if suffix == ".png" else "application/octet-stream")
        return folder
    target = folder / f"{stem}{suffix}"
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    app.notify(f"Saved the layer to {target}", title="Figure")
    return folder
