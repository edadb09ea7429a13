"""The explained model summary: every number in it must be what the model and its weights give."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from core_helpers import random_weights
from tui_cnn.core import activations, arithmetic, lesson
from tui_cnn.core.model import INPUT_SHAPE, LAYERS, Weights, read_weights
from tui_cnn.core.paths import SHIPPED_MODEL

FORMULA = re.compile(r"^(\d+(?:x\d+)+) \+ (\d+) = ([\d,]+)$")


@pytest.fixture(scope="module")
def weights():
    return read_weights(SHIPPED_MODEL)


@pytest.fixture(scope="module")
def table(weights):
    return lesson.summary(weights)


def test_rows_are_the_models_layers_with_keras_shapes_and_classes(table, weights):
    acts = activations.compute(weights, np.zeros((28, 28), np.uint8))
    assert [row.name for row in table.layers] == [spec.name for spec in LAYERS]
    for row, spec, output in zip(table.layers, LAYERS, acts.layers):
        assert row.output_shape == spec.output_shape == output.shape, row.name
        assert row.keras_shape == "(None, " + ", ".join(map(str, output.shape)) + ")"
    assert table.layer("conv1").keras_shape == "(None, 26, 26, 64)"
    assert table.layer("flatten").keras_shape == "(None, 1600)"
    assert [row.keras_class for row in table.layers] == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D",
                                                         "Flatten", "Dense", "Dense"]
    assert table.layer("conv2").label == "conv2 (Conv2D)"
    # Each layer's input is the previous layer's output, starting from the 28x28x1 image.
    assert table.input_shape == INPUT_SHAPE
    assert [row.input_shape for row in table.layers] == [INPUT_SHAPE] + [r.output_shape for r in table.layers[:-1]]


def test_parameter_counts_and_formulas_equal_the_weights(table, weights):
    for row in table.layers:
        if row.name in Weights.EXPECTED:
            kernel, bias = weights.kernel(row.name), weights.bias(row.name)
            assert row.params == kernel.size + bias.size
            factors, added, result = FORMULA.match(row.formula).groups()
            assert tuple(int(f) for f in factors.split("x")) == kernel.shape
            assert int(added) == bias.size
            assert int(result.replace(",", "")) == math.prod(kernel.shape) + bias.size == row.params
            assert row.formula in row.params_note
        else:
            assert row.params == 0 and row.formula == "" and "0 parameters" in row.params_note
    assert [row.formula for row in table.layers if row.formula] == [
        "3x3x1x64 + 64 = 640", "3x3x64x64 + 64 = 36,928", "1600x128 + 128 = 204,928", "128x10 + 10 = 1,290"]
    assert table.total_params == weights.param_count() == 243_786
    assert table.total_note.startswith("640 + 36,928 + 204,928 + 1,290 = 243,786")
    assert table.total_bytes == sum(weights.kernel(n).nbytes + weights.bias(n).nbytes for n in Weights.EXPECTED)
    assert lesson.human_bytes(table.total_bytes) == "952.29 KB"  # what Keras prints for this model


def test_the_lessons_explanations(table):
    conv1, pool1, conv2, pool2, flatten, dense, output = (row.shape_note for row in table.layers)
    assert conv1.startswith("28 -> 26:")
    assert "all eight neighbours" in conv1 and "one pixel is lost on each border (28 - 2 = 26)" in conv1
    assert "A 5x5 filter would lose two" in conv1
    assert pool1.startswith("26 -> 13:") and "halved" in pool1 and "quarter" in pool1
    assert "676 -> 169" in pool1 and "rounded" not in pool1  # 26 is even: nothing dropped
    assert conv2.startswith("13 -> 11:") and "second 3x3 convolution" in conv2 and "(13 - 2 = 11)" in conv2
    assert "all 64 maps of pool1" in conv2
    assert pool2.startswith("11 -> 5:") and "11 / 2 = 5.5 becomes 5, not 6" in pool2
    assert "The last row and column fit in no 2x2 block and are dropped" in pool2
    assert "10x10 = 100 pixels become 25, a quarter of them (121 -> 25 in all)" in pool2
    assert "a quarter of the pixels" not in pool2  # 25 is not a quarter of 121
    assert flatten.startswith("5x5x64 = 1,600 values") and "784" in flatten
    assert dense.startswith("1,600 -> 128") and output.startswith("128 -> 10") and "softmax" in output
    assert "84%" in table.layer("dense").params_note  # 204,928 of 243,786
    assert table.input_note == "The image: 28x28 pixels, grayscale, 784 values."


def test_shapes_follow_the_arithmetic_the_app_runs(table):
    """The shape rules in the text (k - 1 lost, halved and rounded down) are what conv2d and max_pool2d do."""
    x = np.zeros(INPUT_SHAPE, np.float32)
    for row in table.layers:
        if row.keras_class == "Conv2D":
            k = int(row.formula.split("x")[0])
            x = arithmetic.conv2d(x, np.zeros((k, k, x.shape[2], row.output_shape[2]), np.float32),
                                  np.zeros(row.output_shape[2], np.float32))
        elif row.keras_class == "MaxPooling2D":
            x = arithmetic.max_pool2d(x, lesson.POOL)
        else:
            break
        assert x.shape == row.output_shape, row.name


def test_numbers_come_from_the_weights_not_the_text():
    """A 5x5 first convolution: every shape, count and sentence after it changes with it."""
    base = random_weights(seed=1)
    rng = np.random.default_rng(0)
    odd = Weights(
        conv1_kernel=rng.normal(size=(5, 5, 1, 32)).astype(np.float32), conv1_bias=np.zeros(32, np.float32),
        conv2_kernel=rng.normal(size=(3, 3, 32, 16)).astype(np.float32), conv2_bias=np.zeros(16, np.float32),
        dense_kernel=rng.normal(size=(400, 128)).astype(np.float32), dense_bias=base.dense_bias,
        output_kernel=base.output_kernel, output_bias=base.output_bias)
    table = lesson.summary(odd)
    shapes = [row.output_shape for row in table.layers]
    # 28 -5+1-> 24 -/2-> 12 -3+1-> 10 -/2-> 5: 5x5x16 = 400
    assert shapes == [(24, 24, 32), (12, 12, 32), (10, 10, 16), (5, 5, 16), (400,), (128,), (10,)]
    conv1, pool1, conv2, pool2, flatten = (row.shape_note for row in table.layers[:5])
    assert conv1.startswith("28 -> 24:") and "all 24 neighbours" in conv1
    assert "two pixels are lost on each border (28 - 4 = 24)" in conv1 and "A 7x7 filter would lose three" in conv1
    assert table.layer("conv1").formula == "5x5x1x32 + 32 = 832"
    assert pool1.startswith("24 -> 12:") and "rounded" not in pool1
    assert conv2.startswith("12 -> 10:") and "all 32 maps of pool1" in conv2
    assert pool2.startswith("10 -> 5:") and "rounded" not in pool2  # 10 is even
    assert flatten.startswith("5x5x16 = 400 values") and "fewer than" in flatten
    assert table.layer("dense").formula == "400x128 + 128 = 51,328"
    assert table.total_params == odd.param_count()


@pytest.mark.parametrize(("n", "text"), [(0, "0.00 B"), (1023, "1023.00 B"), (1024, "1.00 KB"),
                                          (975_144, "952.29 KB"), (3 * 1024**2, "3.00 MB")])
def test_human_bytes(n, text):
    assert lesson.human_bytes(n) == text


def test_sum_text_is_the_formulas_left_side(table):
    assert table.layer("conv2").sum_text == "3x3x64x64 + 64"
    assert table.layer("pool1").sum_text == ""


def test_totals_say_which_figure_includes_the_saved_optimizer_state(table):
    """Keras' model.summary() of the shipped file: Total 731,360 = 243,786 trainable + 487,574 optimizer."""
    import keras

    from tui_cnn.core.model import load_keras_model

    model = load_keras_model(SHIPPED_MODEL)
    optimizer = sum(int(np.prod(v.shape)) for v in model.optimizer.variables)
    assert table.optimizer_params == optimizer == 487_574
    assert table.total_params == model.count_params() == 243_786
    assert table.keras_totals() == [
        "Total params: 731,360 (2.79 MB)",
        "Trainable params: 243,786 (952.29 KB)",
        "Non-trainable params: 0 (0.00 B)",
        "Optimizer params: 487,574 (1.86 MB)",
    ]
    note = table.optimizer_note
    assert "243,786" in note and "487,574" in note and "731,360" in note and "Adam" in note
    assert isinstance(model.optimizer, keras.optimizers.Adam)


def test_a_model_without_saved_optimizer_state_has_one_total():
    bare = lesson.summary(random_weights(0))
    assert bare.optimizer_params == 0 and bare.optimizer_note == ""
    assert bare.keras_totals()[0] == f"Total params: {bare.total_params:,} ({lesson.human_bytes(bare.total_bytes)})"
    assert len(bare.keras_totals()) == 3


def _saved_model(folder, how: str):
    """A small model with a non-trainable part (batch normalization), saved the way ``how`` says."""
    import keras

    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    optimizers = {"adam": lambda: keras.optimizers.Adam(),
                  "sgd": lambda: keras.optimizers.SGD(),
                  "schedule": lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9))}
    kind = how.split(".")[0]
    if kind in optimizers:
        model.compile(optimizer=optimizers[kind](), loss="sparse_categorical_crossentropy")
        rng = np.random.default_rng(0)
        model.fit(rng.random((8, 12, 12, 1), np.float32), rng.integers(0, 10, 8), epochs=1, verbose=0)
    path = folder / how
    model.save(path)
    return path


def _keras_summary_totals(model) -> list[str]:
    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.extend(text.splitlines()))
    return [line.strip() for line in lines if re.match(r"\s*(Total|Trainable|Non-trainable|Optimizer) params:", line)]


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
@pytest.mark.parametrize("how", ["adam.h5", "sgd.h5", "schedule.h5", "uncompiled.h5", "adam.keras"])
def test_saved_optimizer_is_counted_as_keras_counts_it_after_loading_the_file(tmp_path, how):
    """Keras 3 restores only the step count and learning rate from a .h5 file (the rest of Adam's saved
    state is dropped with a warning), so its summary counts 2 optimizer params there: the app says the
    same, and that the file holds more."""
    import keras

    from tui_cnn.core.network import load_network

    path = _saved_model(tmp_path, how)
    summary = lesson.summary_of(load_network(path))
    loaded = keras.models.load_model(path)
    assert summary.keras_totals() == _keras_summary_totals(loaded)
    restored = loaded.optimizer.variables if getattr(loaded, "optimizer", None) is not None else []
    assert summary.optimizer_params == sum(int(np.prod(v.shape)) for v in restored)
    note = summary.optimizer_note
    trainable = summary.trainable_params
    if how == "uncompiled.h5":
        assert summary.optimizer_params == 0 and note == ""
    elif how == "adam.h5":
        assert summary.optimizer_params == 2 and summary.optimizer_in_file == 2 * trainable + 2
        assert f"{2 * trainable + 2:,} values" in note and "Keras 3 restores only 2 of them" in note
        assert "Adam keeps two running averages per trainable weight" in note
    elif how == "schedule.h5":  # a learning-rate schedule is no variable: the step count alone
        assert summary.optimizer_params == 1 and summary.optimizer_in_file > 1
        assert "Keras 3 restores only 1 of them from a .h5 file (the step count;" in note
    elif how == "adam.keras":
        assert summary.optimizer_params == 2 * trainable + 2 and ".h5" not in note
    else:  # nothing saved beyond what Keras restores: the plain note
        assert ".h5" not in note and f"{summary.optimizer_params} values" in note
