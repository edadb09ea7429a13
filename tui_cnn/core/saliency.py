"""Where the model looked, by calculus: the gradient of a class score with respect to each pixel.

Simonyan et al.'s saliency map: run the image forward keeping every layer's input, then send the
derivative of the class's score (its logit, before the softmax) back through the layers with the
chain rule (``backprop``). The result says how much a small brightening of each pixel would raise
the score; a colour image's map takes, per pixel, the largest over its channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_cnn.core import backprop, batch
from tui_cnn.core.model import Weights
from tui_cnn.core.network import Network


@dataclass(frozen=True)
class SaliencyMap:
    """d score[target] / d pixel for one image (pixels scaled to [0, 1])."""

    target: int
    gradient: np.ndarray  # the image's shape: (H, W) grayscale, (H, W, C) colour; signed

    @property
    def magnitude(self) -> np.ndarray:
        """(H, W): the gradient's size, the largest over a colour pixel's channels."""
        g = np.abs(self.gradient)
        return g.max(axis=2) if g.ndim == 3 else g

    @property
    def how(self) -> str:
        colour = "; a colour pixel shows its largest channel" if self.gradient.ndim == 3 and self.gradient.shape[2] > 1 else ""
        return ("Saliency: the gradient of the class's score with respect to each pixel, by backpropagation; "
                f"bright = a small change there moves the score most{colour}.")


def compute(model: Network | Weights, image: np.ndarray, target: int | None = None) -> SaliencyMap:
    """The saliency map of ``image`` for class ``target`` (default: the predicted class)."""
    net = batch.as_network(model)
    image = np.asarray(image)
    with batch.blas_threads(1):
        if target is None:
            target = int(net.forward(net.prepare(image[None]))[-1].reshape(-1).argmax())
        gradient = backprop.input_gradient(net, image, target)
    if image.ndim == 2:
        gradient = gradient.reshape(image.shape)
    return SaliencyMap(target, gradient.astype(np.float32))
