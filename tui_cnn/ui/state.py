"""ExploreState: what the user is exploring, in one plain object that the app owns.

Every screen and widget shows a view of this state; none keeps its own copy of the layer, the
channel, the mode or the colour map.

The API:

- ``ExploreState`` (a dataclass, no Textual) holds the model (``network``, any supported Keras
  model as a chain of ``core.layers`` objects, and ``model_label``; ``layers`` is the chain the
  explorer steps through and ``weights`` the lesson's ``Weights`` when the model is the lesson's,
  for the views only it has), the data set (``dataset``, for its class names), the image set (``images``, with
  ``predictions`` for all of it once computed), the ``picture`` on show (``index`` is its place in
  the set), and the look: ``layer`` and ``channel`` (indices into ``layers`` and the layer's
  channels), ``mode`` (heatmap or ascii), ``cmap``, ``scale`` (map or layer) and ``zoom`` (fit,
  half or full). ``acts`` and ``output`` are derived: every layer's output for the picture under
  the weights (from a small cache) and the current layer's.
- ``state.update(**changes)`` is the only way to change it. It keeps the state consistent (a new
  model or image set drops the predictions, the channel stays within the layer) and returns the
  names of the fields that really changed.
- The app (``TuiCnnApp``) owns the one state as ``app.state`` and changes it with
  ``app.update_state(**changes)``, which publishes the changed names on the Textual signal
  ``app.state_changed`` (a ``Change``). Screens and widgets subscribe in ``on_mount``
  (``self.tui.state_changed.subscribe(self, callback)``) and redraw from the state.
- ``AppAccess`` gives screens and widgets ``self.tui``, the app typed as ``TuiCnnApp``, and
  ``self.state``; nothing reaches into another screen.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, cast

import numpy as np

from tui_cnn.core import datasets
from tui_cnn.core.activations import Activations, LayerOutput
from tui_cnn.core.data import Split
from tui_cnn.core.layers import Layer
from tui_cnn.core.model import Weights
from tui_cnn.core.network import Network
from tui_cnn.core.samples import SOURCE as SAMPLES_SOURCE
from tui_cnn.ui.picture import Picture

if TYPE_CHECKING:  # pragma: no cover
    from tui_cnn.ui.app import TuiCnnApp

from tui_cnn.render import CMAP_NAMES, MODES, SCALES

ZOOMS = ("fit", "half", "full")  # every map shrunk to fit the page; half size (2x2 means); full size
CACHED_IMAGES = 32


class ActivationCache:
    """Every layer's outputs for the last few (picture, network) pairs: stepping back is free."""

    def __init__(self, size: int = CACHED_IMAGES) -> None:
        self.size = size
        self._acts: OrderedDict[tuple, Activations] = OrderedDict()

    def get(self, network: Network, picture: Picture) -> Activations:
        key = (picture.key, id(network))
        acts = self._acts.get(key)
        if acts is None:
            acts = network.activations(picture.image)
            self._acts[key] = acts
            while len(self._acts) > self.size:
                self._acts.popitem(last=False)
        else:
            self._acts.move_to_end(key)
        return acts

    def clear(self) -> None:
        self._acts.clear()


@dataclass(frozen=True)
class Change:
    """What ``app.state_changed`` publishes: the names of the fields that changed."""

    names: frozenset[str]

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def touches(self, *names: str) -> bool:
        return not self.names.isdisjoint(names)


@dataclass(eq=False)
class ExploreState:
    """The model, the images and the look of the explorer; change it only through ``update``."""

    network: Network | None = None
    model_label: str = ""
    dataset: datasets.Dataset = datasets.FASHION_MNIST
    images: Split | None = None
    predictions: np.ndarray | None = None  # the predicted class of every image in ``images``
    picture: Picture | None = None
    index: int = 0  # the place in ``images`` of the last picture taken from it
    layer: int = 0
    channel: int = 0
    mode: str = "heatmap"
    cmap: str = "inferno"
    scale: str = "map"
    zoom: str = "fit"
    cache: ActivationCache = field(default_factory=ActivationCache, repr=False)

    # -- derived -------------------------------------------------------------------------------

    @property
    def acts(self) -> Activations | None:
        """Every layer's output for the picture under the model (None until both are known)."""
        if self.network is None or self.picture is None:
            return None
        return self.cache.get(self.network, self.picture)

    @property
    def layers(self) -> tuple[Layer, ...]:
        return self.network.layers if self.network is not None else ()

    @property
    def weights(self) -> Weights | None:
        """The lesson's weights when the model is the lesson's (its training and filter views), else None."""
        return self.network.lesson_weights() if self.network is not None else None

    @property
    def class_names(self) -> tuple[str, ...]:
        """The image set's (else the data set's) class names if the model has that many outputs, else
        ``class 0``, ``class 1``..."""
        names = self.images.class_names if self.images is not None else self.dataset.class_names
        count = self.network.num_classes if self.network is not None else len(names)
        if count == len(names):
            return names
        return tuple(f"class {i}" for i in range(count))

    @property
    def spec(self) -> Layer:
        return self.layers[self.layer]

    @property
    def output(self) -> LayerOutput | None:
        acts = self.acts
        return None if acts is None else acts.layers[self.layer]

    @property
    def spatial(self) -> bool:
        """Whether the current layer's output is maps (H, W, C) rather than a vector."""
        return bool(self.layers) and len(self.spec.output_shape) == 3

    @property
    def channels(self) -> int:
        """How many channels the current layer has (1 for a vector)."""
        return self.spec.output_shape[-1] if self.spatial else 1

    @property
    def ready(self) -> bool:
        return self.network is not None and self.picture is not None

    def picture_at(self, index: int) -> Picture:
        """Image ``index`` of the image set (which must be loaded) as a Picture."""
        assert self.images is not None
        label = int(self.images.labels[index])
        return Picture(self.images.images[index], label, f"{self.set_name} #{index}", index, self.images.class_names)

    @property
    def set_name(self) -> str:
        return "sample" if self.images is not None and self.images.source == SAMPLES_SOURCE else "test"

    # -- changing ------------------------------------------------------------------------------

    def update(self, **changes: object) -> frozenset[str]:
        """Apply ``changes`` (field names to values); return the names of the fields that changed.

        Arrays and models compare by identity. Raises ValueError for an unknown field or a look
        that does not exist (a bug in the caller, not the user's doing).
        """
        known = {f.name for f in fields(self)} - {"cache"}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"ExploreState has no field {', '.join(sorted(unknown))}")
        for name, allowed in (("mode", MODES), ("cmap", CMAP_NAMES), ("scale", SCALES), ("zoom", ZOOMS)):
            if name in changes and changes[name] not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {changes[name]!r}")
        changed = set()
        for name, value in changes.items():
            if _differs(getattr(self, name), value):
                setattr(self, name, value)
                changed.add(name)
        if changed & {"network", "images"} and "predictions" not in changes:
            if self.predictions is not None:
                self.predictions = None
                changed.add("predictions")
        if "network" in changed:
            self.cache.clear()
        if changed & {"network", "layer"} and self.layers:
            self.layer = min(max(self.layer, 0), len(self.layers) - 1)
        top = self.channels - 1
        if self.spatial and not 0 <= self.channel <= top:  # a vector layer keeps the channel for later
            self.channel = min(max(self.channel, 0), top)
            changed.add("channel")
        return frozenset(changed)


def _differs(old: object, new: object) -> bool:
    """Plain values by value; models, image sets, pictures and arrays by identity."""
    if isinstance(new, (str, int, float, tuple)) and type(old) is type(new):
        return old != new
    return old is not new


class AppAccess:
    """For the app's screens and widgets: ``self.tui`` is the app, typed, and ``self.state`` its state."""

    @property
    def tui(self) -> TuiCnnApp:
        return cast("TuiCnnApp", self.app)  # type: ignore[attr-defined]  # mixed into a DOMNode

    @property
    def state(self) -> ExploreState:
        return self.tui.state
