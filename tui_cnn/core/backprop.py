"""Gradients through the numpy layers of any explorable network, for saliency maps.

``backward(layer, x, grad)`` turns the gradient at a layer's output into the gradient at its input
``x`` (a batch), for every layer kind ``layers`` computes: convolutions with any kernel, stride and
padding, max and average pooling (global too), dense, flatten and reshape, batch normalization at
inference, rescaling, the training-only layers, and every activation the explorer knows.
``input_gradient`` chains them from a class score back to the pixels.
"""

from __future__ import annotations

import math

import numpy as np

from tui_cnn.core import arithmetic

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def activation_backward(activation, z: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """The gradient at an activation's input ``z`` from the gradient at its output."""
    name = activation.name
    if name == "linear":
        return grad
    if name == "relu":
        slope = np.where(z > activation.threshold, 1.0, activation.negative_slope)
        if activation.max_value is not None:
            slope = np.where(z >= activation.max_value, 0.0, slope)
        return grad * slope
    if name == "relu6":
        return grad * ((z > 0) & (z < 6))
    if name == "leaky_relu":
        return grad * np.where(z > 0, 1.0, activation.negative_slope)
    if name == "sigmoid":
        s = activation(z)
        return grad * s * (1.0 - s)
    if name == "tanh":
        return grad * (1.0 - np.tanh(z) ** 2)
    if name == "softmax":
        s = activation(z)
        return s * (grad - (grad * s).sum(axis=-1, keepdims=True))
    if name == "elu":
        return grad * np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))
    if name == "selu":
        return grad * arithmetic.SELU_SCALE * np.where(z > 0, 1.0, arithmetic.SELU_ALPHA * np.exp(np.minimum(z, 0)))
    if name == "gelu":  # exact gelu: 0.5 (1 + erf(z / sqrt 2)) + z * phi(z)
        z64 = z.astype(np.float64)
        return grad * (0.5 * (1.0 + arithmetic.erf(z64 * _SQRT_HALF)) + z64 * _INV_SQRT_2PI * np.exp(-0.5 * z64 * z64))
    raise ValueError(f"no gradient for the activation {name!r}")


def _conv_input_grad(layer, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Spread each output pixel's gradient back over the (padded) patch it read."""
    kh, kw, _, _ = layer.kernel.shape
    sh, sw = layer.strides
    padded, (top, left) = arithmetic.pad_hw(x, (kh, kw), layer.strides, layer.padding)
    out = np.zeros(padded.shape, np.float64)
    oh, ow = grad.shape[1:3]
    for i in range(kh):
        for j in range(kw):
            out[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :] += grad @ layer.kernel[i, j].T
    return out[:, top : top + x.shape[1], left : left + x.shape[2]]


def _pool_input_grad(layer, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Max: each window's gradient goes to its first largest pixel. Average: shared by the real pixels."""
    ph, pw = layer.pool_size
    sh, sw = layer.strides
    fill = -np.inf if layer.mode == "max" else 0.0
    padded, (top, left) = arithmetic.pad_hw(x, layer.pool_size, layer.strides, layer.padding, value=fill)
    oh, ow = grad.shape[1:3]
    out = np.zeros(padded.shape, np.float64)

    def at(i: int, j: int) -> tuple[slice, ...]:
        return (slice(None), slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw))

    if layer.mode == "max":
        best = layer.forward(x)
        taken = np.zeros(grad.shape, bool)
        for i in range(ph):
            for j in range(pw):
                wins = (padded[at(i, j)] == best) & ~taken
                out[at(i, j)] += np.where(wins, grad, 0.0)
                taken |= wins
    else:
        real, _ = arithmetic.pad_hw(np.ones((1, *x.shape[1:3], 1), np.float32), layer.pool_size, layer.strides,
                                    layer.padding)
        counts = sum(real[at(i, j)] for i in range(ph) for j in range(pw))
        for i in range(ph):
            for j in range(pw):
                out[at(i, j)] += grad / counts * real[at(i, j)]
    return out[:, top : top + x.shape[1], left : left + x.shape[2]]


def _global_pool_input_grad(layer, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    grad = grad.reshape(n, 1, 1, c)
    if layer.mode == "max":
        flat = x.reshape(n, h * w, c)
        first = (np.arange(h * w)[None, :, None] == flat.argmax(axis=1)[:, None, :]).reshape(x.shape)
        return first * grad
    return np.broadcast_to(grad / (h * w), x.shape)


def backward(layer, x: np.ndarray, grad: np.ndarray, through_activation: bool = True) -> np.ndarray:
    """The gradient at ``layer``'s input ``x`` from ``grad`` at its output.

    With ``through_activation=False`` the gradient is taken at a Conv2D's or Dense's sums before
    its activation (the class score before a softmax).
    """
    kind = layer.kind if layer.kind != "output" else _kind_of(layer)
    if kind in ("conv", "dense"):
        if through_activation:
            grad = activation_backward(layer.activation, layer.pre_activation(x), grad)
        return _conv_input_grad(layer, x, grad) if kind == "conv" else grad @ layer.kernel.T
    if kind == "pool":
        return _pool_input_grad(layer, x, grad)
    if kind == "global_pool":
        return _global_pool_input_grad(layer, x, grad)
    if kind in ("flatten", "reshape"):
        return grad.reshape(x.shape)
    if kind == "norm":
        scale, _ = layer._scale_shift()
        return grad * scale
    if kind == "activation":
        return activation_backward(layer.activation, x, grad) if through_activation else grad
    if kind == "rescaling":
        return grad * layer.scale
    if kind == "identity":
        return grad
    raise ValueError(f"no gradient for the layer {layer.name} ({layer.keras_class})")


def _kind_of(layer) -> str:
    """The kind of the last layer, which ``Network`` relabels ``output``."""
    return {"Conv2D": "conv", "Dense": "dense"}.get(layer.keras_class, "activation")


def input_gradient(network, image: np.ndarray, target: int) -> np.ndarray:
    """d score[target] / d pixel of ``image`` (pixels in [0, 1]), the score taken before the last activation.

    The class score is the last layer's sum before its softmax (or sigmoid): the logit Simonyan et al.
    differentiate, so a confident answer does not flatten the gradient to nothing.
    """
    layers = network.layers
    x = network.prepare(np.asarray(image)[None]).astype(np.float64)
    inputs = []
    for layer in layers:
        inputs.append(x)
        x = layer.forward(x)
    grad = np.zeros(x.shape, np.float64)
    grad.reshape(len(grad), -1)[0, target] = 1.0
    for position in range(len(layers) - 1, -1, -1):
        last = position == len(layers) - 1
        grad = backward(layers[position], inputs[position], grad, through_activation=not last)
    return (grad[0] * network.pixel_scale).reshape(network.image_shape)
