"""ExploreState on its own: what ``update`` changes, reports and keeps consistent (no terminal)."""

from __future__ import annotations

import numpy as np
import pytest

from tui_cnn.core import activations
from tui_cnn.core.network import network_from_weights
from tui_cnn.ui.state import ExploreState


def test_update_reports_only_what_changed(shipped_weights, samples):
    state = ExploreState()
    assert state.update(network=network_from_weights(shipped_weights), images=samples) == {"network", "images"}
    assert state.update(mode="heatmap", layer=0) == frozenset()  # already so
    assert state.update(mode="ascii", cmap="gray", zoom="half", scale="layer") == {"mode", "cmap", "zoom", "scale"}


def test_a_new_model_or_image_set_drops_the_predictions(shipped_weights, samples):
    state = ExploreState(network=network_from_weights(shipped_weights), images=samples)
    state.update(predictions=np.zeros(len(samples), int))
    assert state.update(images=samples) == frozenset()  # the same set: predictions stay
    assert state.predictions is not None
    assert state.update(network=network_from_weights(shipped_weights)) == {"network", "predictions"}
    assert state.predictions is None


def test_the_channel_stays_within_a_spatial_layer_and_survives_a_vector_one(shipped_weights, samples):
    state = ExploreState(network=network_from_weights(shipped_weights), images=samples)
    state.update(channel=63)
    assert state.update(layer=5) == {"layer"} and state.channel == 63  # dense: kept for later
    assert state.update(layer=0) == {"layer"} and state.channel == 63
    assert state.update(channel=500) == {"channel"} and state.channel == 63
    assert state.update(channel=-4) == {"channel"} and state.channel == 0


def test_acts_are_the_pictures_under_the_weights(shipped_weights, samples):
    state = ExploreState(network=network_from_weights(shipped_weights), images=samples)
    assert state.acts is None
    state.update(picture=state.picture_at(3), layer=2)
    want = activations.compute(shipped_weights, samples.images[3])
    # The same arithmetic; only BLAS's summation order may differ (one thread for one image).
    np.testing.assert_allclose(state.output.values, want.layers[2].values, rtol=1e-6, atol=1e-6)
    assert state.acts is state.acts  # cached


@pytest.mark.parametrize("change", [{"mode": "colour"}, {"zoom": "huge"}, {"colour": "red"}])
def test_nonsense_is_a_bug_not_a_state(change):
    with pytest.raises(ValueError):
        ExploreState().update(**change)
