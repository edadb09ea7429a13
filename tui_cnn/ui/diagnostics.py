"""DiagnosticsCache: results that take seconds (confusion matrix, top images) kept per model and image set.

Computed once in a worker and reused when a screen is opened again. Entries hold the network and
images they were computed from, so an ``id`` in a key can never be reused by a newer object while
its entry lives; a different model or image set simply misses.
"""

from __future__ import annotations

from typing import Any

from tui_cnn.core.confusion import Confusion
from tui_cnn.core.top_images import TopImages

Key = tuple[int, int]


class DiagnosticsCache:
    """Confusion matrices and top images for the last few (network, images) pairs."""

    KEEP = 4  # pairs kept: the shipped model, a trained one, and their image sets

    def __init__(self) -> None:
        self._entries: dict[Key, dict[str, Any]] = {}

    def _entry(self, network: object, images: object) -> dict[str, Any]:
        key = (id(network), id(images))
        if key not in self._entries:
            while len(self._entries) >= self.KEEP:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = {"owners": (network, images), "top": {}}
        return self._entries[key]

    def _get(self, network: object, images: object) -> dict[str, Any]:
        return self._entries.get((id(network), id(images)), {})

    def confusion(self, network: object, images: object) -> Confusion | None:
        return self._get(network, images).get("confusion")

    def store_confusion(self, network: object, images: object, result: Confusion) -> None:
        self._entry(network, images)["confusion"] = result

    def top_images(self, network: object, images: object, layer: int) -> TopImages | None:
        return self._get(network, images).get("top", {}).get(layer)

    def store_top_images(self, network: object, images: object, result: TopImages) -> None:
        self._entry(network, images)["top"][result.layer] = result
