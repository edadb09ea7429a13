"""The layers of any Keras image classifier tui-cnn can explore, computed in numpy.

Each layer is built from its Keras config and weights (``network.py`` reads them from the file)
and knows its place in the chain: ``input_shape`` and ``output_shape`` are one image's shapes,
without the batch dimension, as ``model.summary()`` prints them.

The layer API (every class below has it):

``forward(x) -> y``
    ``x`` is a float32 batch ``(N, *input_shape)``, ``y`` is ``(N, *output_shape)``; the inference
    computation, equal to Keras within float32 rounding.
``name``, ``keras_class``, ``kind``, ``title``
    The Keras layer name (``conv2d_1``), its class (``Conv2D``), a short kind the app switches on
    (``conv``, ``pool``, ``global_pool``, ``flatten``, ``dense``, ``norm``, ``activation``,
    ``rescaling``, ``reshape``, ``identity``; ``Network`` marks its last layer ``output``) and a
    one-line description (``Conv2D 64 filters 3x3, relu``).
``weights``
    The learned arrays by Keras' names, in Keras' order and layout: ``kernel`` (kh, kw, in, out)
    and ``bias`` for Conv2D, ``kernel`` (in, out) and ``bias`` for Dense, ``gamma``, ``beta``,
    ``moving_mean``, ``moving_variance`` for BatchNormalization. Empty for the others. Settings are
    plain attributes (``kernel_size``, ``strides``, ``padding``, ``activation``, ``pool_size``...).
``params``, ``trainable_params``, ``params_formula``, ``params_note``
    The parameter count as Keras counts it, and how it comes about.
``shape_note``
    Why the output has its shape, from the general rule: valid floor((n - k) / s) + 1, same ceil(n / s).
``explain(x, index)``
    The arithmetic of one output value: ``x`` is this layer's input for one image (``input_shape``),
    ``index`` the output position (``(row, col, channel)`` or ``(unit,)``); returns a cell from
    ``explain`` (ConvCell, PoolCell, DenseCell, NormCell, ElementCell, CopyCell) whose ``value``
    is the layer's output there.

Layers whose activation is built in (Conv2D, Dense) expose ``pre_activation(x)`` (the batch's sums
before it) and ``activation`` (an ``arithmetic.Activation``), for gradients taken through them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from tui_cnn.core import arithmetic
from tui_cnn.core.arithmetic import LINEAR, Activation
from tui_cnn.core.explain import ConvCell, ConvTerm, CopyCell, DenseCell, ElementCell, NormCell, PoolCell


class LayerConfigError(ValueError):
    """A layer setting tui-cnn cannot compute (``network`` turns it into a one-line ModelFileError)."""


@dataclass
class Layer:
    """What every layer has; subclasses add their settings and weights and implement ``forward``."""

    keras_class: ClassVar[str] = ""
    kind: str = field(init=False, default="identity")
    name: str
    input_shape: tuple[int, ...]
    source: str = field(default="input", kw_only=True)  # the name of what it reads

    def __post_init__(self) -> None:
        self.kind = type(self).kind_default

    kind_default: ClassVar[str] = "identity"

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.input_shape

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return {}

    @property
    def params(self) -> int:
        return sum(int(w.size) for w in self.weights.values())

    @property
    def trainable_params(self) -> int:
        return self.params

    @property
    def title(self) -> str:
        return self.keras_class

    @property
    def params_formula(self) -> str:
        return ""

    @property
    def params_note(self) -> str:
        return "Nothing to learn: 0 parameters."

    @property
    def shape_note(self) -> str:
        return f"{dims(self.input_shape)} -> {dims(self.output_shape)}: the shape does not change."

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> Any:
        index = tuple(int(i) for i in index)
        return CopyCell(self.name, index, self.source, index, float(np.asarray(x)[index]))


def dims(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[-1])
    return int(value), int(value)


def _rule(n: int, k: int, s: int, padding: str) -> str:
    """One axis's output size with its arithmetic: ``floor((28 - 3) / 1) + 1 = 26`` or ``ceil(28 / 2) = 14``."""
    out = arithmetic.output_size(n, k, s, padding)
    return f"ceil({n} / {s}) = {out}" if padding == "same" else f"floor(({n} - {k}) / {s}) + 1 = {out}"


def window_rule(input_shape: tuple[int, ...], window: tuple[int, int], strides: tuple[int, int],
                padding: str) -> str:
    """Both axes' rule, once when they are the same."""
    (h, w), (kh, kw), (sh, sw) = input_shape[:2], window, strides
    rows, cols = _rule(h, kh, sh, padding), _rule(w, kw, sw, padding)
    general = "ceil(n / s)" if padding == "same" else "floor((n - k) / s) + 1"
    if rows == cols:
        return f"{padding} padding gives {general}: {rows} on each side"
    return f"{padding} padding gives {general}: rows {rows}, columns {cols}"


def _check_window(name: str, input_shape: tuple[int, ...], window: tuple[int, int], strides: tuple[int, int],
                  padding: str) -> tuple[int, int]:
    if len(input_shape) != 3:
        raise LayerConfigError(f"needs an image input (height x width x channels), gets {dims(input_shape)}")
    if padding not in ("valid", "same"):
        raise LayerConfigError(f"padding {padding!r} is not supported (only valid and same)")
    out = tuple(arithmetic.output_size(n, k, s, padding) for n, k, s in zip(input_shape[:2], window, strides))
    if min(out) < 1:
        raise LayerConfigError(f"a {dims(window)} window does not fit its {dims(input_shape[:2])} input")
    return out  # type: ignore[return-value]


def _padded_patch(x: np.ndarray, top: int, left: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The (kh, kw, C) patch of (H, W, C) at (top, left), zeros where it hangs over the border, and that mask."""
    h, w = x.shape[:2]
    kh, kw = size
    patch = np.zeros((kh, kw, x.shape[2]), np.float64)
    padded = np.ones((kh, kw), bool)
    r0, r1 = max(top, 0), min(top + kh, h)
    c0, c1 = max(left, 0), min(left + kw, w)
    if r0 < r1 and c0 < c1:
        patch[r0 - top : r1 - top, c0 - left : c1 - left] = x[r0:r1, c0:c1]
        padded[r0 - top : r1 - top, c0 - left : c1 - left] = False
    return patch, padded


def _origin(layer: Conv2D | Pooling2D, row: int, col: int) -> tuple[int, int]:
    """Top-left input pixel of output (row, col)'s window; negative inside 'same' padding."""
    window = layer.kernel_size if isinstance(layer, Conv2D) else layer.pool_size
    pads = [arithmetic.same_padding(n, k, s)[0] if layer.padding == "same" else 0
            for n, k, s in zip(layer.input_shape[:2], window, layer.strides)]
    return row * layer.strides[0] - pads[0], col * layer.strides[1] - pads[1]


@dataclass
class Conv2D(Layer):
    keras_class: ClassVar[str] = "Conv2D"
    kind_default: ClassVar[str] = "conv"
    kernel: np.ndarray = field(kw_only=True)  # (kh, kw, in, out)
    bias: np.ndarray | None = field(kw_only=True)
    strides: tuple[int, int] = field(default=(1, 1), kw_only=True)
    padding: str = field(default="valid", kw_only=True)
    activation: Activation = field(default=LINEAR, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_window(self.name, self.input_shape, self.kernel_size, self.strides, self.padding)
        if self.kernel.shape[2] != self.input_shape[2]:
            raise LayerConfigError(f"its kernel reads {self.kernel.shape[2]} channels but gets {self.input_shape[2]}")

    @property
    def kernel_size(self) -> tuple[int, int]:
        return self.kernel.shape[0], self.kernel.shape[1]

    @property
    def filters(self) -> int:
        return self.kernel.shape[3]

    @property
    def output_shape(self) -> tuple[int, ...]:
        h, w = _check_window(self.name, self.input_shape, self.kernel_size, self.strides, self.padding)
        return h, w, self.filters

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return {"kernel": self.kernel} | ({"bias": self.bias} if self.bias is not None else {})

    @property
    def title(self) -> str:
        extras = [f"stride {dims(_squash(self.strides))}"] if self.strides != (1, 1) else []
        extras += ["same padding"] if self.padding == "same" else []
        extras += ["no bias"] if self.bias is None else []
        extras += [] if self.activation.is_linear else [self.activation.text]
        return f"Conv2D {self.filters} filters {dims(self.kernel_size)}" + "".join(f", {e}" for e in extras)

    @property
    def params_formula(self) -> str:
        kh, kw, cin, cout = self.kernel.shape
        bias = f" + {cout}" if self.bias is not None else ""
        return f"{kh}x{kw}x{cin}x{cout}{bias} = {self.params:,}"

    @property
    def params_note(self) -> str:
        kh, kw, cin, cout = self.kernel.shape
        each = "and one bias" if self.bias is not None else "and no bias"
        return f"Each of the {cout} filters has {kh}x{kw}x{cin} = {kh * kw * cin:,} weights {each}: {self.params_formula}."

    @property
    def shape_note(self) -> str:
        return (f"{dims(self.input_shape)} -> {dims(self.output_shape)}: "
                f"{window_rule(self.input_shape, self.kernel_size, self.strides, self.padding)}; "
                f"each of the {self.filters} filters makes one map.")

    def pre_activation(self, x: np.ndarray) -> np.ndarray:
        return arithmetic.conv2d_batch(x, self.kernel, self.bias, self.strides, self.padding)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.activation(self.pre_activation(x))

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> ConvCell:
        row, col, channel = (int(i) for i in index)
        top, left = _origin(self, row, col)
        patch, padded = _padded_patch(np.asarray(x), top, left, self.kernel_size)
        kernel = self.kernel[..., channel].astype(np.float64)
        terms = tuple(ConvTerm(c, patch[:, :, c], kernel[:, :, c], padded) for c in range(patch.shape[2]))
        bias = float(self.bias[channel]) if self.bias is not None else 0.0
        sums = None
        if self.activation.name == "softmax":
            sums = (np.einsum("hwc,hwco->o", patch, self.kernel.astype(np.float64))
                    + (self.bias if self.bias is not None else 0.0))
        return ConvCell(self.name, channel, row, col, self.source, terms, bias, self.activation, top, left, sums)


def _squash(pair: tuple[int, int]) -> tuple[int, ...]:
    return pair[:1] if pair[0] == pair[1] else pair


@dataclass
class Pooling2D(Layer):
    """MaxPooling2D and AveragePooling2D: ``mode`` is "max" or "average"."""

    kind_default: ClassVar[str] = "pool"
    pool_size: tuple[int, int] = field(default=(2, 2), kw_only=True)
    strides: tuple[int, int] = field(default=(2, 2), kw_only=True)
    padding: str = field(default="valid", kw_only=True)
    mode: str = field(default="max", kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_window(self.name, self.input_shape, self.pool_size, self.strides, self.padding)

    @property
    def keras_class(self) -> str:  # type: ignore[override]
        return "MaxPooling2D" if self.mode == "max" else "AveragePooling2D"

    @property
    def output_shape(self) -> tuple[int, ...]:
        h, w = _check_window(self.name, self.input_shape, self.pool_size, self.strides, self.padding)
        return h, w, self.input_shape[2]

    @property
    def title(self) -> str:
        extras = [f"stride {dims(_squash(self.strides))}"] if self.strides != self.pool_size else []
        extras += ["same padding"] if self.padding == "same" else []
        return f"{self.keras_class} {dims(self.pool_size)}" + "".join(f", {e}" for e in extras)

    @property
    def params_note(self) -> str:
        how = "only compares numbers" if self.mode == "max" else "only averages numbers"
        return f"Nothing to learn: pooling {how}, so 0 parameters."

    @property
    def shape_note(self) -> str:
        keeps = "the largest" if self.mode == "max" else "the average"
        return (f"{dims(self.input_shape)} -> {dims(self.output_shape)}: keeps {keeps} of each "
                f"{dims(self.pool_size)} window, {window_rule(self.input_shape, self.pool_size, self.strides, self.padding)}; "
                f"the {self.input_shape[2]} maps stay {self.input_shape[2]}.")

    def forward(self, x: np.ndarray) -> np.ndarray:
        return arithmetic.pool2d_batch(x, self.pool_size, self.strides, self.padding, self.mode)

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> PoolCell:
        row, col, channel = (int(i) for i in index)
        top, left = _origin(self, row, col)
        patch, padded = _padded_patch(np.asarray(x)[:, :, channel : channel + 1], top, left, self.pool_size)
        return PoolCell(self.name, channel, row, col, self.source, patch[:, :, 0], top, left, self.mode, padded)


@dataclass
class GlobalPooling2D(Layer):
    """GlobalMaxPooling2D and GlobalAveragePooling2D: one number per map."""

    kind_default: ClassVar[str] = "global_pool"
    mode: str = field(default="average", kw_only=True)
    keepdims: bool = field(default=False, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.input_shape) != 3:
            raise LayerConfigError(f"needs an image input (height x width x channels), gets {dims(self.input_shape)}")

    @property
    def keras_class(self) -> str:  # type: ignore[override]
        return "GlobalMaxPooling2D" if self.mode == "max" else "GlobalAveragePooling2D"

    @property
    def output_shape(self) -> tuple[int, ...]:
        c = self.input_shape[2]
        return (1, 1, c) if self.keepdims else (c,)

    @property
    def params_note(self) -> str:
        return "Nothing to learn: 0 parameters."

    @property
    def shape_note(self) -> str:
        h, w, c = self.input_shape
        what = "largest value" if self.mode == "max" else "average"
        return f"{dims(self.input_shape)} -> {dims(self.output_shape)}: each of the {c} {h}x{w} maps becomes its {what}."

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = x.max(axis=(1, 2)) if self.mode == "max" else x.mean(axis=(1, 2), dtype=np.float32)
        return out[:, None, None, :] if self.keepdims else out

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> PoolCell:
        channel = int(index[-1])
        window = np.asarray(x)[:, :, channel].astype(np.float64)
        return PoolCell(self.name, channel, 0, 0, self.source, window, 0, 0, self.mode)


@dataclass
class Flatten(Layer):
    keras_class: ClassVar[str] = "Flatten"
    kind_default: ClassVar[str] = "flatten"

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (math.prod(self.input_shape),)

    @property
    def params_note(self) -> str:
        return "Flatten only lines the values up: 0 parameters."

    @property
    def shape_note(self) -> str:
        return (f"{dims(self.input_shape)} = {math.prod(self.input_shape):,} values in one row; "
                "Keras flattens row by row, channels fastest.")

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), -1)

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> CopyCell:
        (unit,) = (int(i) for i in index)
        where = tuple(int(i) for i in np.unravel_index(unit, self.input_shape))
        return CopyCell(self.name, (unit,), self.source, where, float(np.asarray(x)[where]))


@dataclass
class Reshape(Layer):
    keras_class: ClassVar[str] = "Reshape"
    kind_default: ClassVar[str] = "reshape"
    target_shape: tuple[int, ...] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        shape = list(self.target_shape)
        if shape.count(-1) == 1:
            known = math.prod(d for d in shape if d != -1)
            shape[shape.index(-1)] = math.prod(self.input_shape) // max(known, 1)
        if math.prod(shape) != math.prod(self.input_shape):
            raise LayerConfigError(f"cannot reshape {dims(self.input_shape)} to {dims(tuple(shape))}")
        self.target_shape = tuple(shape)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.target_shape

    @property
    def params_note(self) -> str:
        return "Reshape only rearranges the values: 0 parameters."

    @property
    def shape_note(self) -> str:
        return f"{dims(self.input_shape)} -> {dims(self.output_shape)}: the same {math.prod(self.input_shape):,} values, rearranged."

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), *self.target_shape)

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> CopyCell:
        index = tuple(int(i) for i in index)
        flat = int(np.ravel_multi_index(index, self.target_shape))
        where = tuple(int(i) for i in np.unravel_index(flat, self.input_shape))
        return CopyCell(self.name, index, self.source, where, float(np.asarray(x)[where]))


@dataclass
class Dense(Layer):
    keras_class: ClassVar[str] = "Dense"
    kind_default: ClassVar[str] = "dense"
    kernel: np.ndarray = field(kw_only=True)  # (in, out)
    bias: np.ndarray | None = field(kw_only=True)
    activation: Activation = field(default=LINEAR, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.input_shape[-1] != self.kernel.shape[0]:
            raise LayerConfigError(f"its kernel reads {self.kernel.shape[0]} values but gets {self.input_shape[-1]}")

    @property
    def units(self) -> int:
        return self.kernel.shape[1]

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (*self.input_shape[:-1], self.units)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return {"kernel": self.kernel} | ({"bias": self.bias} if self.bias is not None else {})

    @property
    def title(self) -> str:
        extras = ["no bias"] if self.bias is None else []
        extras += [] if self.activation.is_linear else [self.activation.text]
        return f"Dense {self.units}" + "".join(f", {e}" for e in extras)

    @property
    def params_formula(self) -> str:
        n, units = self.kernel.shape
        return f"{n}x{units}{f' + {units}' if self.bias is not None else ''} = {self.params:,}"

    @property
    def params_note(self) -> str:
        n, units = self.kernel.shape
        bias = ", plus a bias each" if self.bias is not None else ""
        return f"A weight from each of the {n:,} inputs to each of the {units} neurons{bias}: {self.params_formula}."

    @property
    def shape_note(self) -> str:
        n = self.kernel.shape[0]
        what = (f"{self.units} neurons, each reading all {n:,} values" if len(self.input_shape) == 1 else
                f"{self.units} neurons at each position, each reading its {n} values")
        return f"{dims(self.input_shape)} -> {dims(self.output_shape)}: {what}."

    def pre_activation(self, x: np.ndarray) -> np.ndarray:
        out = np.asarray(x, np.float32) @ self.kernel
        return out + self.bias if self.bias is not None else out

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.activation(self.pre_activation(x))

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> DenseCell:
        if len(self.input_shape) != 1:
            raise LayerConfigError("the arithmetic is shown for a Dense layer on a flat input only")
        (unit,) = (int(i) for i in index)
        inputs = np.asarray(x, np.float64)
        bias = float(self.bias[unit]) if self.bias is not None else 0.0
        sums = self.pre_activation(inputs[None].astype(np.float32))[0].astype(np.float64) \
            if self.activation.name == "softmax" else None
        return DenseCell(self.name, unit, self.source, inputs, self.kernel[:, unit].astype(np.float64), bias,
                         self.activation, sums)


@dataclass
class BatchNormalization(Layer):
    """Inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta, per channel (last axis)."""

    keras_class: ClassVar[str] = "BatchNormalization"
    kind_default: ClassVar[str] = "norm"
    moving_mean: np.ndarray = field(kw_only=True)
    moving_variance: np.ndarray = field(kw_only=True)
    gamma: np.ndarray | None = field(default=None, kw_only=True)
    beta: np.ndarray | None = field(default=None, kw_only=True)
    epsilon: float = field(default=1e-3, kw_only=True)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        named = {"gamma": self.gamma, "beta": self.beta, "moving_mean": self.moving_mean,
                 "moving_variance": self.moving_variance}
        return {k: v for k, v in named.items() if v is not None}

    @property
    def trainable_params(self) -> int:
        return sum(int(v.size) for v in (self.gamma, self.beta) if v is not None)

    @property
    def params_formula(self) -> str:
        names = list(self.weights)
        return f"{len(names)}x{self.moving_mean.size} = {self.params:,}"

    @property
    def params_note(self) -> str:
        c = self.moving_mean.size
        learned = " and ".join(n for n in ("gamma", "beta") if self.weights.get(n) is not None) or "nothing"
        return (f"Per channel: {', '.join(self.weights)} ({self.params_formula}); it learns {learned} "
                f"({self.trainable_params:,} trainable), the running mean and variance ({2 * c:,}) are counted, not trained.")

    @property
    def shape_note(self) -> str:
        return (f"{dims(self.input_shape)} -> {dims(self.output_shape)}: each value is normalized with its "
                "channel's running mean and variance, then scaled and shifted; the shape does not change.")

    def _scale_shift(self) -> tuple[np.ndarray, np.ndarray]:
        # As Keras computes it: x * (gamma / sqrt(var + eps)) + (beta - mean * gamma / sqrt(var + eps)).
        inv = 1.0 / np.sqrt(self.moving_variance.astype(np.float32) + np.float32(self.epsilon))
        if self.gamma is not None:
            inv = inv * self.gamma
        shift = -self.moving_mean * inv + (self.beta if self.beta is not None else 0.0)
        return inv.astype(np.float32), shift.astype(np.float32)

    def forward(self, x: np.ndarray) -> np.ndarray:
        scale, shift = self._scale_shift()
        return x * scale + shift

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> NormCell:
        index = tuple(int(i) for i in index)
        c = index[-1]
        gamma = float(self.gamma[c]) if self.gamma is not None else 1.0
        beta = float(self.beta[c]) if self.beta is not None else 0.0
        return NormCell(self.name, index, self.source, float(np.asarray(x)[index]), float(self.moving_mean[c]),
                        float(self.moving_variance[c]), self.epsilon, gamma, beta)


@dataclass
class ActivationLayer(Layer):
    """Keras' Activation, ReLU, LeakyReLU and Softmax layers: a function applied to every value."""

    kind_default: ClassVar[str] = "activation"
    activation: Activation = field(default=LINEAR, kw_only=True)
    keras_name: str = field(default="Activation", kw_only=True)

    @property
    def keras_class(self) -> str:  # type: ignore[override]
        return self.keras_name

    @property
    def title(self) -> str:
        return f"{self.keras_name} {self.activation.text}"

    @property
    def shape_note(self) -> str:
        return f"{dims(self.input_shape)} -> {dims(self.output_shape)}: {self.activation.formula}, value by value."

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.activation(x)

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> ElementCell:
        index = tuple(int(i) for i in index)
        x = np.asarray(x)
        along = x[index[:-1]].astype(np.float64) if self.activation.name == "softmax" else None
        return ElementCell(self.name, index, self.source, float(x[index]), self.activation, neighbours=along)


@dataclass
class Rescaling(Layer):
    keras_class: ClassVar[str] = "Rescaling"
    kind_default: ClassVar[str] = "rescaling"
    scale: float = field(default=1.0, kw_only=True)
    offset: float = field(default=0.0, kw_only=True)

    @property
    def title(self) -> str:
        return f"Rescaling x{self.scale:.6g}" + (f" {self.offset:+g}" if self.offset else "")

    @property
    def shape_note(self) -> str:
        plus = f" + {self.offset:g}" if self.offset else ""
        return f"{dims(self.input_shape)} -> {dims(self.output_shape)}: every value times {self.scale:.6g}{plus}."

    def forward(self, x: np.ndarray) -> np.ndarray:
        return (x * np.float32(self.scale) + np.float32(self.offset)).astype(np.float32)

    def explain(self, x: np.ndarray, index: tuple[int, ...]) -> ElementCell:
        index = tuple(int(i) for i in index)
        return ElementCell(self.name, index, self.source, float(np.asarray(x)[index]), LINEAR, self.scale, self.offset)


@dataclass
class Identity(Layer):
    """Dropout, noise and augmentation layers: they only act while training, and pass values on at inference."""

    kind_default: ClassVar[str] = "identity"
    keras_name: str = field(default="Dropout", kw_only=True)

    @property
    def keras_class(self) -> str:  # type: ignore[override]
        return self.keras_name

    @property
    def shape_note(self) -> str:
        return (f"{dims(self.input_shape)} -> {dims(self.output_shape)}: {self.keras_name} only acts while "
                "training; here, as in model.predict, it passes every value on unchanged.")
