"""Where the model goes wrong: the confusion matrix, per-class precision and recall, the worst pairs.

Row ``t``, column ``p`` of the matrix counts the images of true class ``t`` that the model called
``p``; the diagonal is what it got right. Recall of a class is its diagonal over its row (how many
of the real shirts it found), precision is the diagonal over its column (how many of its "shirt"
answers were shirts).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tui_cnn.core import batch
from tui_cnn.core.model import Weights
from tui_cnn.core.network import Network


@dataclass(frozen=True)
class ConfusedPair:
    """``count`` images of class ``true`` that the model took for class ``predicted``."""

    true: int
    predicted: int
    count: int

    def describe(self, names: tuple[str, ...]) -> str:
        return f"{names[self.true]} taken for {names[self.predicted]}: {self.count:,}"


@dataclass(frozen=True)
class Confusion:
    """The confusion matrix of one model on a set of labelled images, and each image's answer."""

    matrix: np.ndarray  # (classes, classes) int64: rows are true classes, columns predictions
    labels: np.ndarray  # (N,) the true class of each image
    predicted: np.ndarray  # (N,) the model's answer for each image

    @property
    def total(self) -> int:
        return int(self.matrix.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.matrix) / max(self.total, 1))

    @property
    def recall(self) -> np.ndarray:
        """Per true class: the share of its images the model got right (NaN for a class with none)."""
        return _ratio(np.diag(self.matrix), self.matrix.sum(axis=1))

    @property
    def precision(self) -> np.ndarray:
        """Per predicted class: the share of the model's answers that were right (NaN if never said)."""
        return _ratio(np.diag(self.matrix), self.matrix.sum(axis=0))

    def worst_pairs(self, n: int = 5) -> list[ConfusedPair]:
        """The ``n`` largest off-diagonal counts, largest first (ties by true, then predicted class)."""
        off = self.matrix.copy()
        np.fill_diagonal(off, 0)
        order = np.lexsort((np.arange(off.size), -off.ravel()))[:n]
        pairs = [ConfusedPair(int(i // off.shape[1]), int(i % off.shape[1]), int(off.flat[i])) for i in order]
        return [pair for pair in pairs if pair.count]

    def images(self, true: int, predicted: int) -> np.ndarray:
        """Indices of the images of class ``true`` that the model called ``predicted``."""
        return np.flatnonzero((self.labels == true) & (self.predicted == predicted))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)


def from_predictions(labels: np.ndarray, predicted: np.ndarray, classes: int) -> Confusion:
    """Count (true, predicted) pairs into a ``classes`` x ``classes`` matrix."""
    labels, predicted = np.asarray(labels, np.int64), np.asarray(predicted, np.int64)
    matrix = np.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)
    return Confusion(matrix, labels, predicted)


def compute(model: Network | Weights, images: np.ndarray, labels: np.ndarray, progress: batch.Progress | None = None,
            cancel: threading.Event | None = None) -> Confusion:
    """Run every image through the numpy model and count its answers against the labels."""
    probs = batch.probabilities(model, images, progress, cancel)
    return from_predictions(labels, probs.argmax(axis=1), probs.shape[1])
