"""NetworkDesigner: edit a network design and see every layer's shape and parameters as you go.

One row per choice: how many convolution blocks, each block's filters, kernel and pooling, the
dense layer, dropout and the data set. Beside them, the layers the design makes with their output
shapes and parameter counts, worked out the way ``model.summary()`` reports them, before any
TensorFlow; an impossible design shows one red line instead, saying what to change. Every edit
posts ``NetworkDesigner.Changed`` with the design, or None while it cannot be built.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Checkbox, Label, Select, Static

from tui_cnn.core.datasets import DATASETS
from tui_cnn.core.design import LESSON, MAX_BLOCKS, Block, Design, DesignError, shape_text

FILTERS = (8, 16, 32, 64, 128)
KERNELS = (3, 5)
DENSE_UNITS = (16, 32, 64, 128, 256, 512)
DROPOUTS = (0.0, 0.2, 0.5)


def shapes_table(design: Design) -> Table | Text:
    """The design's layers as ``model.summary()`` lists them, or the line that says why it cannot be built."""
    try:
        layers = design.layers()
    except DesignError as exc:
        return Text(str(exc), style="bold red")
    table = Table(box=None, pad_edge=False, padding=(0, 1), show_footer=True, header_style="bold")
    table.add_column("layer", footer="total", no_wrap=True)
    table.add_column("output", footer="")
    table.add_column("params", justify="right", footer=f"{sum(layer.params for layer in layers):,}")
    table.add_row("input", shape_text((28, 28, 1)), "", style="dim")
    for layer in layers:
        table.add_row(layer.name, shape_text(layer.output_shape), f"{layer.params:,}")
    return table


class NetworkDesigner(Horizontal):
    """The choices on the left, the layers they make on the right."""

    class Changed(Message):
        """The design changed; ``design`` is None while it cannot be built (``problem`` says why)."""

        def __init__(self, designer: NetworkDesigner, design: Design | None, problem: str | None) -> None:
            super().__init__()
            self.designer, self.design, self.problem = designer, design, problem

        @property
        def control(self) -> NetworkDesigner:
            return self.designer

    def __init__(self, design: Design = LESSON, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = design

    def compose(self) -> ComposeResult:
        design = self._initial
        with Vertical(id="design-form"):
            with Horizontal(classes="design-row"):
                yield Label("Blocks", classes="design-name")
                yield _select("design-blocks", [(str(n), n) for n in range(1, MAX_BLOCKS + 1)], len(design.blocks))
            for number in range(1, MAX_BLOCKS + 1):
                block = design.blocks[number - 1] if number <= len(design.blocks) else Block()
                with Horizontal(classes="design-row design-block", id=f"design-block-{number}"):
                    yield Label(f"Block {number}", classes="design-name")
                    yield _select(f"design-filters-{number}", [(f"{n} filters", n) for n in FILTERS], block.filters)
                    yield _select(f"design-kernel-{number}", [(f"{k}x{k}", k) for k in KERNELS], block.kernel,
                                  "design-kernel")
                    yield Checkbox("pool", block.pool, compact=True, id=f"design-pool-{number}")
            with Horizontal(classes="design-row"):
                yield Label("Dense", classes="design-name")
                yield _select("design-dense", [(f"{n} units", n) for n in DENSE_UNITS], design.dense)
                yield _select("design-dropout", [("no dropout", 0.0)] + [(f"dropout {d:g}", d) for d in DROPOUTS[1:]],
                              design.dropout)
            with Horizontal(classes="design-row"):
                yield Label("Data", classes="design-name")
                yield _select("design-dataset", [(dataset.title, key) for key, dataset in DATASETS.items()], design.dataset)
        yield Static(id="design-shapes")

    def on_mount(self) -> None:
        self._show_blocks(len(self._initial.blocks))
        self.query_one("#design-shapes", Static).update(shapes_table(self._initial))

    @property
    def design(self) -> Design:
        """The design the controls show (it may be impossible: ``check`` it)."""
        count = int(self.query_one("#design-blocks", Select).value)
        blocks = tuple(Block(int(self.query_one(f"#design-filters-{n}", Select).value),
                             int(self.query_one(f"#design-kernel-{n}", Select).value),
                             self.query_one(f"#design-pool-{n}", Checkbox).value) for n in range(1, count + 1))
        return Design(blocks, int(self.query_one("#design-dense", Select).value),
                      float(self.query_one("#design-dropout", Select).value),
                      str(self.query_one("#design-dataset", Select).value))

    def set_design(self, design: Design) -> None:
        """Show ``design`` (a run's, or the lesson's again); each control that changes posts its own Changed."""
        self.query_one("#design-blocks", Select).value = len(design.blocks)
        for number, block in enumerate(design.blocks, start=1):
            self.query_one(f"#design-filters-{number}", Select).value = block.filters
            self.query_one(f"#design-kernel-{number}", Select).value = block.kernel
            self.query_one(f"#design-pool-{number}", Checkbox).value = block.pool
        self.query_one("#design-dense", Select).value = design.dense
        self.query_one("#design-dropout", Select).value = design.dropout
        self.query_one("#design-dataset", Select).value = design.dataset
        self._refresh()

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Message) -> None:
        event.stop()
        self._refresh()

    def _refresh(self) -> None:
        design = self.design
        self._show_blocks(len(design.blocks))
        self.query_one("#design-shapes", Static).update(shapes_table(design))
        try:
            design.check()
        except DesignError as exc:
            self.post_message(self.Changed(self, None, str(exc)))
            return
        self.post_message(self.Changed(self, design, None))

    def _show_blocks(self, count: int) -> None:
        for number in range(1, MAX_BLOCKS + 1):
            self.query_one(f"#design-block-{number}").display = number <= count


def _select(id: str, options: list[tuple[str, object]], value: object, classes: str = "") -> Select:
    return Select(options, value=value, allow_blank=False, compact=True, id=id, classes=classes)
