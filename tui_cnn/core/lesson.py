"""The lesson's model summary, explained: why each output shape and parameter count is what it is.

``summary(weights)`` gives what Keras' ``model.summary()`` prints (layer, type, output shape,
parameters, total) and, for every layer, the lesson's explanation in words: 28 -> 26 because a
3x3 filter needs all eight neighbours of a pixel; 11 -> 5 because pooling drops the odd last row
and column; 3x3x1x64 + 64 = 640 parameters. Every number is computed from the weights' shapes
and the pooling size, never written into the text, so the explanation stays true to the model.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from tui_cnn.core import wording
from typing import TYPE_CHECKING

from tui_cnn.core.model import INPUT_SHAPE, LAYERS, LayerSpec, Weights

if TYPE_CHECKING:  # pragma: no cover
    from tui_cnn.core.network import Network

POOL = 2  # MaxPooling2D(2, 2): the weights say nothing about it; arithmetic.max_pool2d uses the same
KERAS_CLASSES = {"conv": "Conv2D", "pool": "MaxPooling2D", "flatten": "Flatten", "dense": "Dense",
                 "output": "Dense"}
_ORDINALS = ("first", "second", "third", "fourth")
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve")


@dataclass(frozen=True)
class LayerLesson:
    """One row of the summary: what Keras shows and why."""

    name: str
    keras_class: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    formula: str  # "3x3x1x64 + 64 = 640", or "" for a layer with nothing to learn
    shape_note: str  # why the output has this shape
    params_note: str  # how the parameter count comes about

    @property
    def keras_shape(self) -> str:
        return keras_shape(self.output_shape)

    @property
    def sum_text(self) -> str:
        """The left side of the formula, ``3x3x1x64 + 64``, or "" for a layer with nothing to learn."""
        return self.formula.rpartition(" = ")[0]

    @property
    def label(self) -> str:
        """``conv1 (Conv2D)``, as Keras' "Layer (type)" column shows it."""
        return f"{self.name} ({self.keras_class})"


@dataclass(frozen=True)
class Summary:
    """The whole table: the input, one LayerLesson per layer, and the totals."""

    input_shape: tuple[int, ...]
    layers: tuple[LayerLesson, ...]
    bytes_per_param: int
    optimizer_params: int = 0  # the optimizer's state saved with the file, which Keras adds to its total
    trainable: int | None = None  # None: every parameter is trainable (the lesson's model)
    optimizer_bytes: int | None = None  # as Keras counts them (None: 4 bytes each)
    optimizer_in_file: int | None = None  # the values the file holds, if more than Keras restores (a .h5 file)

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def trainable_params(self) -> int:
        return self.total_params if self.trainable is None else self.trainable

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def total_bytes(self) -> int:
        return self.total_params * self.bytes_per_param

    def keras_totals(self) -> list[str]:
        """The totals as Keras' ``model.summary()`` prints them for the file, optimizer line included."""
        return keras_totals(self.trainable_params, self.non_trainable_params, self.optimizer_params,
                            self.bytes_per_param, self.optimizer_bytes)

    @property
    def optimizer_note(self) -> str:
        """Which total is the model and which includes the optimizer's saved state ("" if none is saved)."""
        if not self.optimizer_params:
            return ""
        model, state, trainable = self.total_params, self.optimizer_params, self.trainable_params
        in_file = self.optimizer_in_file or state
        how = ""
        if in_file == 2 * trainable + 2:  # Adam: two running averages per weight, its step count and learning rate
            how = (f" (Adam keeps two running averages per trainable weight, 2 x {trainable:,} = {2 * trainable:,}, "
                   "plus its step count and learning rate)")
        which = ("Trainable params, and " if model == trainable else "") + "what model.summary() prints"
        if in_file > state:  # a legacy .h5 file: Keras 3 restores only the step count and learning rate
            return (f"The model itself has {model:,} parameters: {which} for the model as built. This .h5 "
                    f"file also holds the optimizer's state saved to resume training, {in_file:,} values{how}, "
                    f"but Keras 3 restores only {state} of them from a .h5 file (the step count"
                    f"{' and learning rate' if state > 1 else ''}; it warns and starts the rest afresh), so "
                    f"model.summary() counts {state} optimizer params, for a total of {model + state:,}. "
                    "Saved as .keras, the whole state comes back. It plays no part in a prediction.")
        return (f"The model itself has {model:,} parameters: {which} for the model as built. "
                f"Loaded from this file, model.summary() also counts the optimizer's state saved with it to "
                f"resume training, {state:,} values{how}, for a total of {model + state:,}; that state plays no "
                "part in a prediction.")

    @property
    def input_note(self) -> str:
        if len(self.input_shape) != 3:
            return f"The input: {shape_text(self.input_shape)}, {math.prod(self.input_shape):,} values."
        h, w, c = self.input_shape
        colour = "grayscale" if c == 1 else ("colour (red, green, blue)" if c == 3 else f"{c} channels")
        return f"The image: {h}x{w} pixels, {colour}, {math.prod(self.input_shape):,} values."

    @property
    def total_note(self) -> str:
        weighted = [layer for layer in self.layers if layer.params]
        parts = " + ".join(f"{layer.params:,}" for layer in weighted)
        if not self.non_trainable_params:
            return f"{parts} = {self.total_params:,}, all trainable; 0 non-trainable."
        return (f"{parts} = {self.total_params:,}: {self.trainable_params:,} trainable, "
                f"{self.non_trainable_params:,} non-trainable (batch normalization's running statistics).")

    def layer(self, name: str) -> LayerLesson:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


def keras_shape(shape: tuple[int, ...]) -> str:
    """``(None, 26, 26, 64)``: the batch dimension first, as Keras prints it."""
    return "(" + ", ".join(["None", *(str(d) for d in shape)]) + ")"


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def keras_totals(trainable: int, non_trainable: int, optimizer: int, bytes_per_param: int = 4,
                 optimizer_bytes: int | None = None) -> list[str]:
    """Keras' closing lines of ``model.summary()``: total, trainable, non-trainable and, for a file
    saved with its optimizer's state, that state too (Keras counts it in the total). ``optimizer_bytes``
    is the state's size when it is not 4 bytes a value (the step count is an int64)."""
    model = trainable + non_trainable
    lines = [f"Trainable params: {trainable:,} ({human_bytes(trainable * bytes_per_param)})",
             f"Non-trainable params: {non_trainable:,} ({human_bytes(non_trainable * bytes_per_param)})"]
    if not optimizer:
        return [f"Total params: {model:,} ({human_bytes(model * bytes_per_param)})", *lines]
    state_bytes = optimizer * bytes_per_param if optimizer_bytes is None else optimizer_bytes
    everything = model + optimizer
    return [f"Total params: {everything:,} ({human_bytes(model * bytes_per_param + state_bytes)})", *lines,
            f"Optimizer params: {optimizer:,} ({human_bytes(state_bytes)})"]


def human_bytes(n: int) -> str:
    """Keras' way: ``952.29 KB`` (1 KB = 1024 bytes), ``0.00 B``."""
    if n < 1024:
        return f"{n:.2f} B"
    size = float(n)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.2f} {unit}"


def summary(weights: Weights) -> Summary:
    """Each layer of the lesson's model, with its shape and parameters taken from ``weights``."""
    rows = []
    shape: tuple[int, ...] = INPUT_SHAPE
    total = weights.param_count()
    previous = "the image"
    for spec in LAYERS:
        row = _EXPLAINERS[spec.kind](spec, shape, weights, previous, total)
        rows.append(row)
        shape, previous = row.output_shape, spec.name
    return Summary(INPUT_SHAPE, tuple(rows), weights.conv1_kernel.dtype.itemsize, weights.optimizer_params)


def summary_of(network: Network) -> Summary:
    """Any model's summary: the lesson's words for the lesson's model, the general rule for every other layer.

    The shapes come from each layer's own arithmetic (valid: floor((n - k) / s) + 1; same: ceil(n / s))
    and the parameters from its weights, so the table is what ``model.summary()`` prints.
    """
    weights = network.lesson_weights()
    saved = {"optimizer_params": network.optimizer_params, "optimizer_bytes": network.optimizer_bytes or None,
             "optimizer_in_file": network.optimizer_in_file or None}
    if weights is not None:
        return dataclasses.replace(summary(weights), **saved)
    rows = tuple(LayerLesson(layer.name, layer.keras_class, layer.input_shape, layer.output_shape, layer.params,
                             layer.params_formula, layer.shape_note, layer.params_note) for layer in network.layers)
    return Summary(network.input_shape, rows, 4, trainable=network.trainable_params, **saved)


def _conv(spec: LayerSpec, shape: tuple[int, ...], weights: Weights, previous: str, total: int) -> LayerLesson:
    name = spec.name
    kernel, bias = weights.kernel(name), weights.bias(name)
    kh, kw, cin, filters = kernel.shape
    h, w, _ = shape
    out = (h - kh + 1, w - kw + 1, filters)
    params = kernel.size + bias.size
    lost = (kh - 1) // 2
    number = [layer.name for layer in LAYERS if layer.kind == "conv"].index(name)
    ordinal = _ORDINALS[number] if number < len(_ORDINALS) else f"#{number + 1}"
    cut = f"({h} - {kh - 1} = {out[0]})"
    if kh != kw or kh % 2 == 0:
        why = f"a {kh}x{kw} filter only fits {out[0]}x{out[1]} times inside the {h}x{w} input {cut}."
    elif number == 0:
        bigger = kh + 2
        why = (f"a {kh}x{kw} filter needs all {_word(kh * kw - 1)} neighbours of a pixel, and a pixel on "
               f"the edge lacks some, so it gets no output: {_word(lost)} pixel{_s(lost)} {_is(lost)} lost "
               f"on each border {cut}. A {bigger}x{bigger} filter would lose {_word(bigger // 2)}.")
    else:
        why = (f"the {ordinal} {kh}x{kw} convolution again loses {_word(lost)} pixel{_s(lost)} on each "
               f"border {cut}.")
    reads = f"all {cin} maps of {previous}" if cin > 1 else previous
    shape_note = (f"{_dims(shape)} -> {_dims(out)}: {why} Each of its {filters} filters reads a {kh}x{kw} patch "
                  f"of {reads} and makes one feature map.")
    formula = f"{kh}x{kw}x{cin}x{filters} + {filters} = {params:,}"
    params_note = (f"Each of the {filters} filters has {kh}x{kw}x{cin} = {kh * kw * cin:,} weights "
                   f"and one bias: {formula}.")
    return LayerLesson(name, KERAS_CLASSES[spec.kind], shape, out, params, formula, shape_note, params_note)


def _pool(spec: LayerSpec, shape: tuple[int, ...], weights: Weights, previous: str, total: int) -> LayerLesson:
    h, w, c = shape
    out = (h // POOL, w // POOL, c)
    odd = bool(h % POOL or w % POOL)
    halved = "halved" if POOL == 2 else f"divided by {POOL}"
    why = f"{POOL}x{POOL} max pooling keeps the largest of each {POOL}x{POOL} block, so each side is {halved}"
    if odd:
        why += f" and rounded down: {h} / {POOL} = {h / POOL:g} becomes {out[0]}, not {-(-h // POOL)}."
    else:
        why += ":"
    how = wording.pool_shrink(h, w, POOL).partition(": ")[2]  # after its own "HxW -> hxw"
    why += " " + (how[0].upper() + how[1:] if odd else how)
    shape_note = f"{_dims(shape)} -> {_dims(out)}: {why} The {c} maps stay {c}."
    params_note = "Nothing to learn: pooling only compares numbers, so 0 parameters."
    return LayerLesson(spec.name, KERAS_CLASSES[spec.kind], shape, out, 0, "", shape_note, params_note)


def _flatten(spec: LayerSpec, shape: tuple[int, ...], weights: Weights, previous: str, total: int) -> LayerLesson:
    size = math.prod(shape)
    pixels = math.prod(INPUT_SHAPE)
    ih, iw = INPUT_SHAPE[:2]
    compare = "more than" if size > pixels else "fewer than"
    shape_note = (f"{shape_text(shape)} = {size:,} values in one row for the dense layers, against the "
                  f"{pixels:,} of the original image ({ih}x{iw} pixels): {compare} the image has, but each "
                  f"says how strongly a learned feature shows in one region, not how bright one pixel is.")
    params_note = "Flatten only lines the values up: 0 parameters."
    return LayerLesson(spec.name, KERAS_CLASSES[spec.kind], shape, (size,), 0, "", shape_note, params_note)


def _dense(spec: LayerSpec, shape: tuple[int, ...], weights: Weights, previous: str, total: int) -> LayerLesson:
    kernel, bias = weights.kernel(spec.name), weights.bias(spec.name)
    inputs, units = kernel.shape
    params = kernel.size + bias.size
    formula = f"{inputs}x{units} + {units} = {params:,}"
    if spec.kind == "output":
        shape_note = (f"{inputs:,} -> {units}: one neuron per class; softmax turns their scores into "
                      f"probabilities that add up to 1.")
    else:
        shape_note = f"{inputs:,} -> {units}: {units} neurons, each reading all {inputs:,} values of {previous}."
    share = f"; {params / total:.0%} of all the model's parameters" if params * 2 > total else ""
    params_note = (f"A weight from each of the {inputs:,} inputs to each of the {units} neurons, plus a bias "
                   f"each: {formula}{share}.")
    return LayerLesson(spec.name, KERAS_CLASSES[spec.kind], shape, (units,), params, formula, shape_note,
                       params_note)


_EXPLAINERS = {"conv": _conv, "pool": _pool, "flatten": _flatten, "dense": _dense, "output": _dense}


def _dims(shape: tuple[int, ...]) -> str:
    """The side of a square map (``26``), or its full size when not square."""
    h, w = shape[:2]
    return str(h) if h == w else f"{h}x{w}"


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _is(n: int) -> str:
    return "is" if n == 1 else "are"


def _word(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)
