"""KernelEditor: a 3x3 kernel and its weight, edited cell by cell from the keyboard.

Arrows move a cell cursor over the nine weights and the ``weight`` below them. Typing a number
edits the cell like a spreadsheet (Enter keeps it, Escape drops it, an arrow keeps it and moves);
Enter edits the current value; + and - add or take 1 (on the weight they double and halve it,
within 2**-20 .. 2**20, so - always undoes +).
Cells are coloured blue (negative) to red (positive), as the focus view draws learned kernels.
"""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from tui_cnn import render
from tui_cnn.core.filters import bound_weight

CELL = 7  # characters per cell: a sign, up to five characters of number, a space either side
WEIGHT_ROW = 3  # the cursor's row for the weight, under the kernel's three rows
MAX_TYPED = 8
TYPED = "0123456789."
CURSOR_STYLE = Style(bold=True)
EDIT_STYLE = Style(bold=True, color="black", bgcolor="bright_white", underline=True)


def format_value(value: float, width: int = CELL - 2) -> str:
    """As precise as fits in ``width`` characters: -2, 0.154, -0.21, 12.5, 1e+05, -1e4."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and len(str(int(value))) <= width:
        return str(int(value))
    for digits in (3, 2, 1):
        text = f"{value:.{digits}g}"
        if len(text) <= width:
            return text
    if abs(value) < 1:  # -0.006 -> -0.01
        return f"{value:.{max(width - 3, 0)}f}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"  # -12345.6 -> -1e4


class KernelEditor(Widget, can_focus=True):
    """Nine weights and a multiplier; posts ``Changed`` after every edit made with the keyboard."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Move in the kernel", key_display="arrows", show=False),
        Binding("down", "move(1, 0)", "Move in the kernel", show=False),
        Binding("left", "move(0, -1)", "Move in the kernel", show=False),
        Binding("right", "move(0, 1)", "Move in the kernel", show=False),
        *[Binding(d, f"type('{d}')", "Type a number", key_display="0-9 .", show=False) for d in "0123456789"],
        Binding("full_stop", "type('.')", "Type a number", show=False),
        Binding("enter", "edit", "Edit the cell", show=False),
        Binding("plus,equals_sign", "step(1)", "+1 (weight: double)", key_display="+", show=False),
        Binding("minus", "step(-1)", "-1 (weight: halve)", key_display="-", show=False),
        Binding("backspace,delete", "zero", "Set to 0 (weight: 1)", key_display="del", show=False),
    ]

    class Changed(Message):
        """The kernel or the weight was edited."""

        def __init__(self, editor: KernelEditor, kernel: np.ndarray, weight: float) -> None:
            super().__init__()
            self.editor, self.kernel, self.weight = editor, kernel, weight

    def __init__(self, kernel: np.ndarray, weight: float = 1.0, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kernel = np.array(kernel, dtype=np.float64)
        self.weight = float(weight)
        self.row, self.col = 1, 1
        self.typed: str | None = None  # the text being typed into the cell, None when not editing
        self.fresh = False  # the typed text is the old value: the first key replaces it

    # -- the model ---------------------------------------------------------------------------

    def load(self, kernel: np.ndarray, weight: float | None = None) -> None:
        """Show another kernel (a preset, a learned one); this posts no message."""
        self.kernel = np.array(kernel, dtype=np.float64)
        if weight is not None:
            self.weight = bound_weight(weight)
        self.typed = None
        self.refresh()

    @property
    def on_weight(self) -> bool:
        return self.row == WEIGHT_ROW

    def _value(self) -> float:
        return self.weight if self.on_weight else float(self.kernel[self.row, self.col])

    def _set_value(self, value: float) -> None:
        if self.on_weight:
            self.weight = bound_weight(value)  # + held down must not reach infinity
        else:
            self.kernel[self.row, self.col] = value
        self.refresh()
        self.post_message(self.Changed(self, self.kernel.copy(), self.weight))

    # -- keys --------------------------------------------------------------------------------

    def action_move(self, drow: int, dcol: int) -> None:
        self._commit()
        if self.on_weight:
            self.row = 2 if drow < 0 else WEIGHT_ROW
            self.col = 1 if drow < 0 else self.col
        else:
            self.row = min(max(self.row + drow, 0), WEIGHT_ROW)
            self.col = min(max(self.col + dcol, 0), 2)
        self.refresh()

    def action_type(self, character: str) -> None:
        self.typed, self.fresh = character, False
        self.refresh()

    def action_edit(self) -> None:
        self.typed, self.fresh = format_value(self._value()), True
        self.refresh()

    def edit_weight(self) -> None:
        """Put the cursor on the weight and start editing it."""
        self._commit()
        self.row = WEIGHT_ROW
        self.action_edit()

    def action_step(self, direction: int) -> None:
        value = self._value()
        if self.on_weight:
            self._set_value(value * 2.0 if direction > 0 else value / 2.0)
        else:
            self._set_value(round(value + direction, 9))  # no 0.30000000000000004

    def action_zero(self) -> None:
        self._set_value(1.0 if self.on_weight else 0.0)

    async def _on_key(self, event: events.Key) -> None:
        """While a number is being typed, the keys edit it; otherwise the bindings apply."""
        if self.typed is None:
            return
        key, char = event.key, event.character
        handled = True
        if char is not None and char in TYPED:
            text = "" if self.fresh else self.typed
            self.typed = (text + char)[:MAX_TYPED]
        elif key in ("minus", "plus") and self.fresh:  # a new number: "-" starts a negative one
            self.typed = "-" if key == "minus" else ""
        elif key in ("minus", "plus"):  # - flips the sign of what is typed, + makes it positive
            digits = self.typed.lstrip("-")
            self.typed = digits if key == "plus" or self.typed.startswith("-") else "-" + digits
        elif key == "backspace":
            self.typed = "" if self.fresh else self.typed[:-1]
        elif key == "enter":
            self._commit()
        elif key == "escape":
            self.typed = None
        elif key in ("up", "down", "left", "right", "tab"):
            handled = False  # commit and move (the bindings), or leave (tab)
            if not self._commit():
                handled = True
        else:
            handled = False
        if handled:
            self.fresh = False
            event.stop()
            event.prevent_default()
            self.refresh()

    def _commit(self) -> bool:
        """Keep the typed number; False (and a bell) if it is not one."""
        if self.typed is None:
            return True
        if self.fresh or self.typed in ("", "-"):  # nothing typed: keep the value as it was
            self.typed = None
            self.refresh()
            return True
        try:
            value = float(self.typed)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.app.bell()
            return False
        self.typed = None
        self._set_value(value)
        return True

    def on_blur(self) -> None:
        self._commit()
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------

    def hint(self) -> str:
        """What the keys do here, in the 15 columns after "kernel"."""
        if self.typed is not None:
            return "Enter or Esc"
        if self.on_weight:
            return "+/- \u00d72 \u00f72"
        return "type or +/- 1"

    def render(self) -> Text:
        limit = float(np.abs(self.kernel).max()) or 1.0
        lut = render.colormap("coolwarm")
        text = Text(no_wrap=True, overflow="crop")
        text.append("kernel", "bold")
        text.append(f"  {self.hint()}\n", "dim")
        for r in range(3):
            for c in range(3):
                value = float(self.kernel[r, c])
                level = round((min(max(value / limit, -1.0), 1.0) + 1) / 2 * 255)
                red, green, blue = (int(v) for v in lut[level])
                style = Style(color="black", bgcolor=f"rgb({red},{green},{blue})")
                text.append(self._cell(r, c, format_value(value)), self._cell_style(r, c, style))
            text.append("\n")
        text.append("times weight ", "bold")
        text.append(self._cell(WEIGHT_ROW, 0, format_value(self.weight)),
                    self._cell_style(WEIGHT_ROW, 0, Style(bgcolor="grey30")))
        return text

    def _is_cursor(self, row: int, col: int) -> bool:
        return row == self.row and (row == WEIGHT_ROW or col == self.col)

    def _cell(self, row: int, col: int, shown: str) -> str:
        if self.typed is not None and self._is_cursor(row, col):
            shown = (self.typed + "_")[-(CELL - 2):]  # the end, where the typing is
        elif self._is_cursor(row, col):
            return f"[{shown:>{CELL - 2}}]"
        return f" {shown:>{CELL - 2}} "

    def _cell_style(self, row: int, col: int, style: Style) -> Style:
        if not self._is_cursor(row, col):
            return style
        if self.typed is not None:
            return EDIT_STYLE
        return style + CURSOR_STYLE if self.has_focus else style
