"""Train the lesson's model in this process until killed: the load of a training run, for figures
measured "with training running" (``predict_10k_training_s``).

Run by ``benchmarks/run.py`` as ``python background_training.py DATA_DIR``. It trains through
``tui_cnn.core.training.train``, as the app's training screen does, on the full training set, and
prints ``training`` once the first batch is done, so the caller starts timing under real load.
"""

from __future__ import annotations

import sys

from tui_cnn.core.data import load_split
from tui_cnn.core.model import build_model
from tui_cnn.core.training import BatchEvent, TrainConfig, train


def main(data_dir: str | None) -> None:
    split = load_split("train", data_dir or None, download=False)
    announced = False

    def emit(event: object) -> None:
        nonlocal announced
        if isinstance(event, BatchEvent) and not announced:
            announced = True
            print("training", flush=True)

    train(build_model(seed=0), split, None, TrainConfig(epochs=50), emit)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
