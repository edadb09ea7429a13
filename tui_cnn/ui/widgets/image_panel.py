"""ImagePanel: the chosen image, its true class and the model's prediction."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from tui_cnn import render
from tui_cnn.core import wording
from tui_cnn.core.data import CLASS_NAMES
from tui_cnn.ui.picture import Picture


class ImagePanel(Static):
    """The input image at full size (28 columns) or half size when space is short."""

    _shown: tuple | None = None
    _height: tuple | None = None  # the rows it took when last laid out

    def show(self, picture: Picture, probabilities: np.ndarray, mode: str, compact: bool = False,
             model_label: str = "", class_names: tuple[str, ...] = CLASS_NAMES) -> None:
        key = (picture.key, probabilities.tobytes(), mode, compact, model_label, class_names)
        if key == self._shown:
            return  # changing layer or channel must not redraw the image
        self._shown = key
        image = picture.image.astype(np.float32)
        colour = image.ndim == 3
        if compact:  # 2x2 averages: a 14x14 thumbnail for narrow terminals
            image = np.stack([render.shrink2(image[..., c]) for c in range(3)], axis=2) if colour else render.shrink2(image)
        if colour and mode != "ascii":
            body = render.ColourPicture(np.rint(image))
        elif colour or mode == "ascii":
            image = image.mean(axis=2) if colour else image  # ASCII has no colour: the picture's brightness
            # One text row per two pixel rows keeps the picture's shape in the sidebar.
            rows = image.shape[0] // 2 * 2
            image = image[:rows].reshape(rows // 2, 2, -1).mean(axis=1)
            body = render.AsciiMap(image, 0, 255)
        else:
            body = render.Heatmap(image, "gray", 0, 255)
        predicted = int(np.argmax(probabilities))
        verdict = Text()
        verdict.append(picture.title, "bold")
        verdict.append(f"\ntrue: {picture.label_name}")
        right = picture.label is None or picture.label == predicted
        verdict.append(f"\nmodel: {class_names[predicted]} {wording.probability(probabilities[predicted])}",
                       "green" if right else "bold red")
        if model_label:  # one line: a long file name is shortened in the middle rather than broken
            label = f"({model_label} model)"
            room = self.content_size.width or self.container_size.width or len(label)
            verdict.append("\n" + (label if len(label) <= room else wording.shortened(model_label, room)), "dim")
        # Another picture of the same size and the same lines of text needs no new layout of the
        # screen (a layout pass costs the frame several milliseconds); a different height does.
        width = self.content_size.width
        height = (body.height, len(verdict.wrap(self.app.console, width)), width) if width else None
        self.update(Group(body, verdict), layout=height is None or height != self._height)
        self._height = height
