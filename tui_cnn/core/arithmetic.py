"""A CNN's arithmetic in plain numpy: convolution, max and average pooling, dense layers, activations.

These functions compute exactly what the Keras layers compute (channels last, float32), fast enough
to run on every key press: the lesson's whole model takes well under a millisecond. The first part
is the lesson's own case (one image, 3x3 "valid" convolution, 2x2 max pooling); the second works on
a batch with any kernel, stride and padding, and every Keras activation tui-cnn supports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, relu: bool = True) -> np.ndarray:
    """Valid 3x3 (or kxk) convolution of ``x`` (H, W, Cin) with ``kernel`` (k, k, Cin, Cout).

    Each output pixel is the sum of its neighbourhood times the weights, plus the bias: the
    border loses (k - 1) // 2 pixels on each side because the filter needs all its neighbours.
    """
    x = np.asarray(x, dtype=np.float32)
    kh, kw, cin, cout = kernel.shape
    if x.ndim != 3 or x.shape[2] != cin:
        raise ValueError(f"input {x.shape} does not match kernel {kernel.shape}")
    # (H', W', Cin, kh, kw) -> (H', W', kh, kw, Cin) so that it lines up with the kernel's layout.
    windows = sliding_window_view(x, (kh, kw), axis=(0, 1)).transpose(0, 1, 3, 4, 2)
    out_h, out_w = windows.shape[:2]
    patches = windows.reshape(out_h * out_w, kh * kw * cin)
    out = patches @ kernel.reshape(kh * kw * cin, cout).astype(np.float32) + bias.astype(np.float32)
    out = out.reshape(out_h, out_w, cout)
    return np.maximum(out, 0.0) if relu else out


def max_pool2d(x: np.ndarray, size: int = 2) -> np.ndarray:
    """Non-overlapping ``size`` x ``size`` max pooling of (H, W, C); odd edges are dropped (11 -> 5)."""
    h, w, c = x.shape
    oh, ow = h // size, w // size
    cropped = x[: oh * size, : ow * size]
    return cropped.reshape(oh, size, ow, size, c).max(axis=(1, 3))


def dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, relu: bool = True) -> np.ndarray:
    out = np.asarray(x, dtype=np.float32) @ kernel + bias
    return np.maximum(out, 0.0) if relu else out


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - np.max(logits))
    return shifted / shifted.sum()


# --- any Keras image classifier: activations, strided/padded convolution and pooling on a batch ---------

_SQRT_HALF = np.float32(np.sqrt(0.5))
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26: within 1.5e-7 of the error function (numpy has none, scipy is not a dependency)."""
    x = np.asarray(x, dtype=np.float64)
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def softmax_along(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


@dataclass(frozen=True)
class Activation:
    """A Keras activation as a function of numpy arrays, with the settings of Keras' ReLU/LeakyReLU layers.

    ``name`` is one of ``ACTIVATION_NAMES``. ``negative_slope``, ``max_value`` and ``threshold`` follow
    ``keras.activations.relu`` (the ReLU layer); ``leaky_relu`` uses ``negative_slope`` (0.2 as a
    function, 0.3 as the LeakyReLU layer). Softmax works along the last axis, as Keras' does.
    """

    name: str
    negative_slope: float = 0.0
    max_value: float | None = None
    threshold: float = 0.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        dtype = x.dtype if x.dtype.kind == "f" else np.float32
        return np.asarray(_ACTIVATION_FUNCTIONS[self.name](self, x), dtype=dtype)

    @property
    def text(self) -> str:
        """``relu``, ``leaky_relu(0.2)``, ``relu(max 6)``: how the app names it."""
        extras = []
        if self.name in ("relu", "leaky_relu") and self.negative_slope:
            extras.append(f"slope {self.negative_slope:g}" if self.name == "relu" else f"{self.negative_slope:g}")
        if self.max_value is not None:
            extras.append(f"max {self.max_value:g}")
        if self.threshold:
            extras.append(f"threshold {self.threshold:g}")
        return self.name + (f"({', '.join(extras)})" if extras else "")

    @property
    def formula(self) -> str:
        """What it does to one number, in words a learner can check by hand."""
        return _FORMULAS[self.name]

    @property
    def is_linear(self) -> bool:
        return self.name == "linear"


def _relu(act: Activation, x: np.ndarray) -> np.ndarray:
    # keras.activations.relu: x above the threshold, clipped at max_value, minus slope * (threshold - x) below.
    positive = np.where(x > act.threshold, x, 0) if act.threshold else np.maximum(x, 0)
    if act.max_value is not None:
        positive = np.clip(positive, 0, act.max_value)
    if act.negative_slope:
        positive = positive - act.negative_slope * np.maximum(act.threshold - x, 0)
    return positive


_ACTIVATION_FUNCTIONS = {
    "linear": lambda act, x: x,
    "relu": _relu,
    "relu6": lambda act, x: np.clip(x, 0, 6),
    "leaky_relu": lambda act, x: np.where(x >= 0, x, act.negative_slope * x),
    "sigmoid": lambda act, x: np.exp(-np.logaddexp(0, -x)),
    "tanh": lambda act, x: np.tanh(x),
    "softmax": lambda act, x: softmax_along(x, -1),
    "elu": lambda act, x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda act, x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "gelu": lambda act, x: 0.5 * x * (1.0 + erf(x * _SQRT_HALF)),
}
_FORMULAS = {
    "linear": "no activation: the sum is the output",
    "relu": "relu: negative sums become 0",
    "relu6": "relu6: negative sums become 0, sums above 6 become 6",
    "leaky_relu": "leaky relu: negative sums are multiplied by a small slope",
    "sigmoid": "sigmoid: 1 / (1 + e^-x), between 0 and 1",
    "tanh": "tanh: between -1 and 1",
    "softmax": "softmax: e^x divided by the sum of e^ over all units, so they add up to 1",
    "elu": "elu: negative sums become e^x - 1",
    "selu": f"selu: {SELU_SCALE:.4f} * x, or {SELU_SCALE:.4f} * {SELU_ALPHA:.4f} * (e^x - 1) below 0",
    "gelu": "gelu: x * P(a standard normal value < x)",
}
ACTIVATION_NAMES = tuple(_ACTIVATION_FUNCTIONS)
RELU = Activation("relu")
LINEAR = Activation("linear")


def same_padding(n: int, k: int, s: int) -> tuple[int, int]:
    """Keras' (TensorFlow's) 'same' padding of one axis: ceil(n / s) outputs, the odd pixel padded after."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def output_size(n: int, k: int, s: int, padding: str) -> int:
    """valid: floor((n - k) / s) + 1; same: ceil(n / s)."""
    return -(-n // s) if padding == "same" else (n - k) // s + 1


def pad_hw(x: np.ndarray, kernel: tuple[int, int], strides: tuple[int, int], padding: str,
           value: float = 0.0) -> tuple[np.ndarray, tuple[int, int]]:
    """Pad (N, H, W, C) for 'same' (nothing for 'valid'); returns the array and (top, left) padding."""
    if padding != "same":
        return x, (0, 0)
    (top, bottom), (left, right) = (same_padding(x.shape[1], kernel[0], strides[0]),
                                    same_padding(x.shape[2], kernel[1], strides[1]))
    if not (top or bottom or left or right):
        return x, (0, 0)
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value), (top, left)


def windows_hw(x: np.ndarray, window: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """(N, H', W', C, kh, kw) views of every window of a padded (N, H, W, C), one per output pixel."""
    views = sliding_window_view(x, window, axis=(1, 2))
    return views[:, :: strides[0], :: strides[1]]


def conv2d_batch(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, strides: tuple[int, int] = (1, 1),
                 padding: str = "valid") -> np.ndarray:
    """Convolution of (N, H, W, Cin) with a (kh, kw, Cin, Cout) kernel, before the activation."""
    kh, kw, cin, cout = kernel.shape
    padded, _ = pad_hw(np.asarray(x, dtype=np.float32), (kh, kw), strides, padding)
    win = windows_hw(padded, (kh, kw), strides)
    n, oh, ow = win.shape[:3]
    # (N, H', W', Cin, kh, kw) -> (N, H', W', kh, kw, Cin) so that it lines up with the kernel's layout.
    patches = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, kh * kw * cin)
    out = patches @ kernel.reshape(kh * kw * cin, cout)
    if bias is not None:
        out += bias
    return out.reshape(n, oh, ow, cout)


def pool2d_batch(x: np.ndarray, pool: tuple[int, int], strides: tuple[int, int], padding: str,
                 mode: str) -> np.ndarray:
    """Max or average pooling of (N, H, W, C); 'same' padding never wins a max and is not averaged in."""
    x = np.asarray(x, dtype=np.float32)
    n, h, w, c = x.shape
    if pool == strides and padding == "valid":  # the common case, without window views: blocks side by side
        oh, ow = h // pool[0], w // pool[1]
        blocks = x[:, : oh * pool[0], : ow * pool[1]].reshape(n, oh, pool[0], ow, pool[1], c)
        return blocks.max(axis=(2, 4)) if mode == "max" else blocks.mean(axis=(2, 4), dtype=np.float32)
    if mode == "max":
        padded, _ = pad_hw(x, pool, strides, padding, value=-np.inf)
        return windows_hw(padded, pool, strides).max(axis=(4, 5))
    padded, _ = pad_hw(x, pool, strides, padding)
    counts, _ = pad_hw(np.ones((1, h, w, 1), np.float32), pool, strides, padding)
    total = windows_hw(padded, pool, strides).sum(axis=(4, 5), dtype=np.float32)
    return total / windows_hw(counts, pool, strides).sum(axis=(4, 5))
