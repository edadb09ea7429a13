"""Designed networks: the shapes and parameter counts worked out before TensorFlow equal what Keras builds."""

from __future__ import annotations

import pytest

from tui_cnn.core.design import LESSON, Block, Design, DesignError, build_model
from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.model import LAYERS

# The lab's experiments, and some odd corners: 5x5 kernels, no pooling, three blocks, dropout.
DESIGNS = [
    LESSON,
    Design((Block(16, 3, True),), dense=128),
    Design((Block(32, 3, True), Block(32, 3, True))),
    Design((Block(64, 3, True), Block(64, 3, True), Block(64, 3, False)), dense=64),
    Design((Block(64, 3, True), Block(64, 3, True), Block(64, 3, True))),  # pooled down to 1x1
    Design((Block(8, 5, False), Block(128, 5, True)), dense=32, dropout=0.2),
    Design((Block(16, 5, True), Block(16, 5, True)), dense=8, dataset="mnist"),
]


def _keras_rows(model) -> list[tuple[str, str, tuple[int, ...], int]]:
    """What model.summary() prints: name, class, output shape without the batch, parameters."""
    return [(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
            for layer in model.layers]


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: d.describe())
def test_shapes_and_parameters_equal_keras_summary(design):
    model = build_model(design, seed=0)
    ours = [(layer.name, layer.keras_class, layer.output_shape, layer.params) for layer in design.layers()]
    assert ours == _keras_rows(model)
    assert design.param_count == model.count_params()


def test_the_default_design_is_the_lessons_network():
    assert [(layer.name, layer.output_shape) for layer in LESSON.layers()] == [(s.name, s.output_shape) for s in LAYERS]
    assert LESSON.param_count == 243_786 and LESSON.is_lesson
    assert LESSON.describe() == "conv 64 pool, conv 64 pool, dense 128"
    assert not DESIGNS[1].is_lesson


@pytest.mark.parametrize("design, message", [
    (Design((Block(64, 5, True),) * 3), "block 3: block 2's output is only 4x4, smaller than its 5x5 kernel"),
    (Design((Block(64, 3, True), Block(64, 3, True), Block(64, 5, True))), "block 3: its 1x1 maps are too small"),
    (Design(()), "1 to 3 convolution blocks, not 0"),
    (Design((Block(4, 3, True),)), "block 1: 4 filters; choose 8 to 128"),
    (Design((Block(16, 4, True),)), "kernel 4x4; choose 3x3 or 5x5"),
    (Design(dropout=1.0), "dropout 1"),
    (Design(dataset="cifar10"), "unknown data set 'cifar10'"),
])
def test_impossible_designs_are_refused_in_one_line(design, message):
    with pytest.raises(DesignError) as caught:
        design.check()
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert isinstance(caught.value, TuiCnnError)
    with pytest.raises(DesignError):
        build_model(design)  # before TensorFlow is asked


def test_a_design_survives_json():
    for design in DESIGNS:
        assert Design.from_json(design.to_json()) == design
    with pytest.raises(DesignError, match="not a network design"):
        Design.from_json({"blocks": [{"filters": 16}]})


@pytest.mark.parametrize("design", DESIGNS[1::2], ids=lambda d: d.describe())
def test_a_saved_designed_model_reads_back_as_the_same_network(design, tmp_path):
    """What the designer shows is what the explorer will read from the run's model file."""
    from tui_cnn.core.model import save_model_atomic
    from tui_cnn.core.network import load_network

    path = save_model_atomic(build_model(design, seed=0), tmp_path / "designed.keras")
    assert load_network(path).summary_rows() == design.network().summary_rows()
