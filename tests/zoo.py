"""A zoo of small Keras image classifiers for the tests: the lab's exercises, the course's MNIST model and more.

Each builder returns an untrained, seeded model whose biases and batch-normalization statistics are
random (not Keras' zeros and ones), so that every number tui-cnn computes is really checked. The
names in ``SUPPORTED`` must explore; the ones in ``UNSUPPORTED`` must be refused with one line that
names the layer (the value: the Keras class the message must name).
"""

from __future__ import annotations

import numpy as np


def _layers():
    from tui_cnn.core.model import import_keras

    return import_keras().layers


def _lab(filters: int, convs: int, size: int = 3):
    """The lesson's model with the lab's changes: ``filters`` per convolution, ``convs`` convolutions."""
    layers = _layers()
    stack = [layers.Input((28, 28, 1))]
    for _ in range(convs):
        stack += [layers.Conv2D(filters, size, activation="relu"), layers.MaxPooling2D(2, 2)]
    return stack + [layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]


def _mnist():
    layers = _layers()
    return [layers.Input((28, 28, 1)), layers.Conv2D(32, (3, 3), activation="relu"), layers.MaxPooling2D(2, 2),
            layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]


def _same_stride():
    layers = _layers()
    return [layers.Input((27, 27, 1)), layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(3, strides=2, padding="same"),
            layers.Conv2D(12, (3, 2), strides=(2, 1), padding="same", activation="elu"),
            layers.Conv2D(6, 4, strides=2, activation="tanh", use_bias=False),
            layers.Flatten(), layers.Dense(10, activation="softmax")]


def _average():
    layers = _layers()
    return [layers.Input((28, 28, 1)), layers.Conv2D(8, 5, activation="selu"), layers.AveragePooling2D(2),
            layers.Conv2D(8, 3, activation="gelu"), layers.AveragePooling2D(3, strides=2, padding="same"),
            layers.Flatten(), layers.Dense(10, activation="sigmoid")]


def _batchnorm():
    layers = _layers()
    return [layers.Input((28, 28, 1)), layers.Conv2D(16, 3, use_bias=False), layers.BatchNormalization(),
            layers.ReLU(), layers.MaxPooling2D(), layers.Conv2D(16, 3), layers.BatchNormalization(center=False),
            layers.Activation("relu6"), layers.Flatten(), layers.Dense(32), layers.BatchNormalization(scale=False),
            layers.LeakyReLU(), layers.Dense(10), layers.Softmax()]


def _dropout():
    layers = _layers()
    return [layers.Input((28, 28, 1)), layers.RandomFlip(), layers.Conv2D(16, 3, activation="leaky_relu"),
            layers.SpatialDropout2D(0.2), layers.MaxPooling2D(), layers.Dropout(0.3), layers.Flatten(),
            layers.Dense(64, activation="relu"), layers.Dropout(0.5), layers.Dense(10, activation="softmax")]


def _global(kind: str):
    layers = _layers()
    pool = layers.GlobalAveragePooling2D() if kind == "average" else layers.GlobalMaxPooling2D()
    return [layers.Input((28, 28, 1)), layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"), pool, layers.Dense(10, activation="softmax")]


def _colour():
    layers = _layers()
    return [layers.Input((32, 32, 3)), layers.Rescaling(1.0 / 255), layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(), layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(128, 3, activation="relu"), layers.GlobalAveragePooling2D(),
            layers.Dense(10, activation="softmax")]


def _reshape():
    layers = _layers()
    return [layers.Input((784,)), layers.Reshape((28, 28, 1)), layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10), layers.Activation("softmax")]


def _relu_settings():
    layers = _layers()
    return [layers.Input((12, 12, 1)), layers.Conv2D(4, 3), layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.05),
            layers.Conv2D(4, 3), layers.LeakyReLU(negative_slope=0.25), layers.Flatten(), layers.Dense(3)]


SEQUENTIAL = {
    "lab_16": lambda: _lab(16, 2),
    "lab_32": lambda: _lab(32, 2),
    "lab_64": lambda: _lab(64, 2),
    "lab_128": lambda: _lab(128, 2),  # a 128-channel layer for the explorer's speed (benchmarks/run.py)
    "lab_one_conv": lambda: _lab(32, 1),
    "lab_three_convs": lambda: _lab(32, 3),
    "mnist": _mnist,
    "kernel_5x5": lambda: _lab(16, 2, size=5),
    "same_stride": _same_stride,
    "average_pool": _average,
    "batchnorm": _batchnorm,
    "dropout": _dropout,
    "global_average": lambda: _global("average"),
    "global_max": lambda: _global("max"),
    "colour_32x32x3": _colour,
    "reshape_input": _reshape,
    "relu_settings": _relu_settings,
}
# Saved differently: the MNIST model as a legacy .h5 file, the same-stride model built functionally.
SUPPORTED = (*SEQUENTIAL, "mnist_h5", "functional_chain")
UNSUPPORTED = {"lstm": "LSTM", "residual_add": "Add", "dilated": "Conv2D"}


def build(name: str):
    """The Keras model called ``name``, seeded, with random biases and statistics."""
    from tui_cnn.core.model import import_keras

    keras = import_keras()
    keras.backend.clear_session()  # layer names (conv2d, conv2d_1...) restart for every model: the same in any order
    keras.utils.set_random_seed(sum(map(ord, name)))
    if name in SEQUENTIAL:
        model = keras.Sequential(SEQUENTIAL[name](), name=name)
    elif name == "mnist_h5":
        model = keras.Sequential(_mnist(), name=name)
    elif name == "functional_chain":
        stack = _same_stride()
        x = stack[0]
        for layer in stack[1:]:
            x = layer(x)
        model = keras.Model(stack[0], x, name=name)
    else:
        model = _unsupported(keras, name)
    _randomize(model, np.random.default_rng(7))
    return model


def _unsupported(keras, name: str):
    layers = keras.layers
    if name == "lstm":
        return keras.Sequential([layers.Input((28, 28)), layers.LSTM(8), layers.Dense(10)], name=name)
    if name == "dilated":
        return keras.Sequential([layers.Input((28, 28, 1)), layers.Conv2D(4, 3, dilation_rate=2), layers.Flatten(),
                                 layers.Dense(10)], name=name)
    inputs = layers.Input((28, 28, 1))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    y = layers.Conv2D(8, 3, padding="same")(x)
    x = layers.Add()([x, y])
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(10)(x), name=name)


def _randomize(model, rng: np.random.Generator) -> None:
    """Non-zero biases, and batch-normalization statistics away from 0 and 1."""
    for layer in model.layers:
        arrays = layer.get_weights()
        if not arrays:
            continue
        names = [w.path.rsplit("/", 1)[-1] for w in layer.weights]
        new = []
        for var, array in zip(names, arrays):
            if var in ("bias", "beta", "moving_mean"):
                array = rng.normal(0, 0.2, array.shape)
            elif var in ("gamma", "moving_variance"):
                array = rng.uniform(0.5, 1.5, array.shape)
            new.append(np.asarray(array, np.float32))
        layer.set_weights(new)


def save(model, folder, name: str):
    """``model.save`` as the user would: ``.h5`` for the legacy file, ``.keras`` otherwise."""
    path = folder / f"{name}{'.h5' if name.endswith('_h5') else '.keras'}"
    model.save(path)
    return path
