"""Runs that are kept: each training run in its own folder, resumable after a stop, a crash or a restart.

A run's folder, under ``<user data folder>/runs/<id>/``, holds:

- ``run.json``: the design (``core.design``), the settings and the seed, written once (atomically,
  and again only when the learner asks for more epochs);
- ``log.jsonl``: the training log in ``core.runlog``'s format, every batch and every epoch;
- ``model.keras``: the model after the last finished epoch (saved atomically);
- ``checkpoint.json`` and the ``checkpoint-E-B.npz`` it names: weights and optimizer state after
  batch B of epoch E (``Checkpoint``), with the epoch's running sums, written every
  ``checkpoint_every`` batches, at a stop and at the end of each epoch. The file is complete before ``checkpoint.json`` (renamed into place) points at
  it, and the old one is removed only after, so a kill at any moment leaves a checkpoint that
  loads. A crash loses at most ``checkpoint_every`` batches; a stop loses none.

Every epoch's order of images comes from the run's seed, so a run resumed mid-epoch trains on
exactly the batches it had not seen yet, and its curves continue where they were (``runlog.replay``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tui_cnn.core import data, datasets, paths, runlog
from tui_cnn.core.design import Design, DesignError, build_model
from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.model import ModelFileError, Weights
from tui_cnn.core.training import (BatchEvent, DoneEvent, EpochEvent, Position, TrainConfig, TrainingEvent,
                                   WeightsEvent, train)

if TYPE_CHECKING:  # pragma: no cover
    import keras

RUN_FILE = "run.json"
LOG_FILE = "log.jsonl"
MODEL_FILE = "model.keras"
CHECKPOINT_FILE = "checkpoint.json"
CHECKPOINT_EVERY = 200  # batches: a crash loses at most this many (about 5 s of the lesson's training)
_TEMP = re.compile(r"\..+-[a-z0-9_]{8}\.(keras|json|npz)")  # what an interrupted atomic write leaves


@dataclass(frozen=True)
class Checkpoint:
    """A copy of a model's variables and its optimizer's (Adam's moments, its step count), as numpy arrays.

    Written as ``.npz``: a few milliseconds between two batches, ten times quicker than a ``.keras``
    file, and exactly what resuming needs (the design is in ``run.json``).
    """

    weights: tuple[np.ndarray, ...]
    optimizer: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, model: keras.Model) -> Checkpoint:
        return cls(tuple(v.numpy().copy() for v in model.weights),
                   tuple(v.numpy().copy() for v in model.optimizer.variables))

    def named(self) -> dict[str, np.ndarray]:
        return {**{f"weight_{i}": a for i, a in enumerate(self.weights)},
                **{f"optimizer_{i}": a for i, a in enumerate(self.optimizer)}}

    @classmethod
    def from_named(cls, arrays: dict[str, np.ndarray]) -> Checkpoint:
        def series(prefix: str) -> tuple[np.ndarray, ...]:
            return tuple(arrays[f"{prefix}_{i}"] for i in range(sum(k.startswith(prefix) for k in arrays)))

        return cls(series("weight"), series("optimizer"))

    def restore(self, model: keras.Model, source: str) -> None:
        """Put the arrays back into ``model``, built from the same design (its optimizer built too)."""
        for mine, theirs, what in ((self.weights, model.weights, "weights"),
                                   (self.optimizer, model.optimizer.variables, "optimizer variables")):
            shapes = [tuple(a.shape) for a in mine]
            if shapes != [tuple(v.shape) for v in theirs]:
                raise RunError(f"{source}: its {what} do not fit the run's design; the run folder was changed")
            for variable, value in zip(theirs, mine):
                variable.assign(value)


class ModelPool:
    """One compiled Keras model per design, reused run after run with each run's own weights put in.

    Keras traces a model's training step the first time it trains (a second or more on a small
    CPU); a model kept here and given new weights and a fresh optimizer state trains at once.
    ``warm`` does that first trace ahead of time, on a batch of zeros.
    """

    def __init__(self) -> None:
        self._models: dict[Design, keras.Model] = {}
        self._lock = threading.Lock()

    def model(self, design: Design, state: Checkpoint, source: str = "") -> keras.Model:
        """The design's model holding ``state`` (a fresh model's, or a checkpoint's)."""
        with self._lock:
            model = self._models.get(design)
            if model is None:
                model = build_model(design)
                model.optimizer.build(model.trainable_variables)
                self._models[design] = model
            state.restore(model, source or design.describe())
            return model

    def has(self, design: Design) -> bool:
        """Whether the pool holds (and so has traced, or is tracing) a model of ``design``."""
        with self._lock:
            return design in self._models

    def warm(self, design: Design, batch_size: int = 32) -> None:
        """Trace ``design``'s training step now (the weights it leaves are replaced at the next use)."""
        from tui_cnn.core.data import to_model_input

        with self._lock:
            known = design in self._models
        if known:
            return
        model = self.model(design, _fresh(design, 0))
        images = np.zeros((batch_size, 28, 28), np.uint8)
        model.fit(to_model_input(images), np.zeros(batch_size, np.int64), batch_size=batch_size, epochs=1, verbose=0)


def _fresh(design: Design, seed: int) -> Checkpoint:
    """The weights a new model of ``design`` starts from with ``seed``, and Adam's empty state."""
    model = build_model(design, seed=seed)
    model.optimizer.build(model.trainable_variables)
    return Checkpoint.of(model)


def _initial(run: Run) -> Checkpoint:
    """Where a new run starts: fresh weights from its seed, or the model file it was told to start from."""
    if not run.settings.start_from:
        return _fresh(run.design, run.seed)
    model = load_model(Path(run.settings.start_from))
    model.optimizer.build(model.trainable_variables)
    fresh = _fresh(run.design, run.seed)
    return Checkpoint(Checkpoint.of(model).weights, fresh.optimizer)  # its weights, a new optimizer's state


class RunError(TuiCnnError):
    """A run folder that is missing, unreadable, or cannot be resumed."""


@dataclass(frozen=True)
class RunSettings:
    """How a run trains; ``limit`` trains on the first N training images only (quick experiments)."""

    epochs: int = 5
    batch_size: int = 32
    target_accuracy: float | None = None
    checkpoint_every: int = CHECKPOINT_EVERY
    limit: int | None = None
    start_from: str | None = None  # a .keras file to start from instead of fresh weights (same design)


def runs_dir() -> Path:
    return paths.user_data_dir() / "runs"


@dataclass(frozen=True)
class Run:
    """A kept run: its folder and what it was asked to train."""

    folder: Path
    design: Design
    settings: RunSettings
    seed: int
    created: float

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_FILE

    @property
    def model_path(self) -> Path:
        return self.folder / MODEL_FILE

    # -- making and reading ------------------------------------------------------------------

    @classmethod
    def create(cls, design: Design, settings: RunSettings, seed: int = 42, root: Path | None = None,
               name: str | None = None) -> Run:
        """A new, empty run folder named ``name`` or after the time it was made (``20261125-134501``)."""
        design.check()
        root = root or runs_dir()
        root.mkdir(parents=True, exist_ok=True)
        stamp = name or time.strftime("%Y%m%d-%H%M%S")
        for n in range(1000):
            folder = root / (stamp if n == 0 else f"{stamp}-{n + 1}")
            try:
                folder.mkdir()
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover - a thousand runs in one second
            raise RunError(f"{root}: cannot make a new run folder")
        run = cls(folder, design, settings, seed, time.time())
        run.write()
        return run

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> Run:
        folder = Path(folder)
        try:
            record = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
            settings = RunSettings(**record["settings"])
            return cls(folder, Design.from_json(record["design"]), settings, int(record["seed"]),
                       float(record["created"]))
        except FileNotFoundError:
            raise RunError(f"{folder}: not a tui-cnn run (no {RUN_FILE})") from None
        except (OSError, ValueError, KeyError, TypeError, DesignError) as exc:
            raise RunError(f"{folder / RUN_FILE}: cannot be read ({exc})") from None

    def write(self) -> None:
        record = {"design": self.design.to_json(), "settings": asdict(self.settings), "seed": self.seed,
                  "created": self.created}
        write_json_atomic(self.folder / RUN_FILE, record)

    def with_epochs(self, epochs: int) -> Run:
        """This run asked to train up to ``epochs`` (to go on after it finished), saved."""
        return self.with_settings(epochs=epochs)

    def with_settings(self, **changes: Any) -> Run:
        """This run with some settings changed (more epochs, another target), saved."""
        run = replace(self, settings=replace(self.settings, **changes))
        run.write()
        return run

    # -- checkpoints -------------------------------------------------------------------------

    def checkpoint(self) -> tuple[Position, Path] | None:
        """The last checkpoint's position and model file, or None if there is none (yet)."""
        try:
            record = json.loads((self.folder / CHECKPOINT_FILE).read_text(encoding="utf-8"))
            return Position(**record["position"]), self.folder / record["file"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RunError(f"{self.folder / CHECKPOINT_FILE}: cannot be read ({exc})") from None

    def save_checkpoint(self, arrays: Checkpoint, position: Position) -> None:
        """Keep ``arrays`` at ``position``: the file first, then the pointer to it, then drop the old one."""
        name = f"checkpoint-{position.epoch}-{position.batch}.npz"
        target = self.folder / name
        write_npz_atomic(target, arrays.named())
        previous = self.checkpoint()
        write_json_atomic(self.folder / CHECKPOINT_FILE, {"file": name, "position": asdict(position)})
        if previous is not None and previous[1] != target:
            previous[1].unlink(missing_ok=True)

    def load_checkpoint(self, pool: ModelPool | None = None) -> tuple[keras.Model, Position]:
        """The model at the last checkpoint, Adam's state included, and where it was."""
        found = self.checkpoint()
        if found is None:
            raise RunError(f"run {self.id} has no checkpoint to resume from")
        position, path = found
        try:
            with np.load(path) as archive:
                arrays = Checkpoint.from_named(dict(archive))
        except (OSError, ValueError, KeyError) as exc:
            raise RunError(f"{path}: not a readable checkpoint ({exc})") from None
        return (pool or ModelPool()).model(self.design, arrays, str(path)), position

    def clean_temporaries(self) -> list[Path]:
        """Remove the temporary files of atomic writes a killed process never renamed."""
        removed = [path for path in self.folder.iterdir() if _TEMP.fullmatch(path.name)]
        for path in removed:
            path.unlink(missing_ok=True)
        return removed

    # -- what the log says -------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """The log's events as one continuous run (lines superseded by a resume left out)."""
        events, _ = runlog.read_events(self.log_path)
        return runlog.replay(events)

    def delete(self) -> None:
        shutil.rmtree(self.folder)


@dataclass(frozen=True)
class RunSummary:
    """One run as the runs screen lists it."""

    run: Run
    epochs_done: int
    best_val_accuracy: float | None
    test_accuracy: float | None  # the kept model's (the last finished epoch's) accuracy on the test set
    seconds_per_epoch: float | None
    status: str  # "finished", "target", "stopped", "interrupted" (killed), "error", "new"
    position: Position | None

    @property
    def resumable(self) -> bool:
        return self.position is not None and self.status != "running" and (
            self.position.epoch <= self.run.settings.epochs and self.status not in ("finished", "target"))

    @property
    def status_text(self) -> str:
        if self.status in ("stopped", "interrupted") and self.position is not None:
            return f"{self.status} at {self.position.where()}"
        return {"target": "reached target", "new": "not started"}.get(self.status, self.status)

    @property
    def short_status(self) -> str:
        """``stopped in epoch 3`` rather than the exact batch, for a table cell."""
        if self.status in ("stopped", "interrupted") and self.position is not None:
            if self.position.batch == 0:
                return f"{self.status} after epoch {self.position.epochs_completed}"
            return f"{self.status} in epoch {self.position.epoch}"
        return self.status_text


def summarize(run: Run, events: list[dict[str, Any]] | None = None) -> RunSummary:
    """What ``run``'s log says about it (``events``: the log's, if already read)."""
    events = run.events() if events is None else events
    epochs = [e for e in events if e["event"] == "epoch"]
    val = [e["val_accuracy"] for e in epochs if e.get("val_accuracy") is not None]
    seconds = [e["seconds"] for e in epochs if e.get("seconds") is not None]
    last = next((e for e in reversed(events) if e["event"] in ("start", "end")), None)
    if last is None:
        status = "new"
    elif last["event"] == "start":
        status = "interrupted"  # started and never ended: killed (or training right now elsewhere)
    else:
        status = last.get("reason") or "stopped"
    try:
        found = run.checkpoint()
    except RunError:
        found = None
    return RunSummary(run, epochs[-1]["epoch"] if epochs else 0, max(val) if val else None,
                      val[-1] if val else None, sum(seconds) / len(seconds) if seconds else None, status,
                      found[0] if found else None)


def find_run(name: str, root: Path | None = None) -> Run:
    """A run by its id (its folder's name), or ``latest`` for the newest."""
    root = root or runs_dir()
    if name == "latest":
        folders = sorted(f for f in root.iterdir() if (f / RUN_FILE).is_file()) if root.is_dir() else []
        if not folders:
            raise RunError(f"no runs yet in {root}")
        return Run.open(folders[-1])
    if "/" in name or name in (".", "..") or not (root / name).is_dir():
        raise RunError(f"no run {name!r} in {root}; `tui-cnn runs` lists them")
    return Run.open(root / name)


SUMMARY_COLUMNS = ("run", "params", "epochs", "best val", "test acc", "s/epoch", "status", "design")


def summary_cells(row: RunSummary) -> tuple[str, ...]:
    """A run as a row of text under ``SUMMARY_COLUMNS``: the design last, as the one cell that may be cut."""
    design = row.run.design
    words = design.describe() + ("" if design.dataset == "fashion_mnist" else f" on {describe_dataset(design.dataset)}")
    return (row.run.id, f"{design.param_count:,}", f"{row.epochs_done}/{row.run.settings.epochs}",
            _percent(row.best_val_accuracy), _percent(row.test_accuracy),
            "-" if row.seconds_per_epoch is None else f"{row.seconds_per_epoch:.1f}", row.short_status, words)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def list_runs(root: Path | None = None) -> list[RunSummary]:
    """Every readable run, oldest first; folders that are not runs are left out."""
    root = root or runs_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if (folder / RUN_FILE).is_file():
            try:
                found.append(summarize(Run.open(folder)))
            except RunError:
                continue
    return found


# -- training a run ----------------------------------------------------------------------------


def load_data(run: Run, data_dir: str | None = None, download: bool = False) -> tuple[data.Split, data.Split]:
    """The run's training images (its first ``limit``, if set) and the test set it is validated on."""
    train_split = datasets.load_split("train", data_dir, run.design.dataset, download)
    if run.settings.limit:
        n = run.settings.limit
        train_split = replace(train_split, images=train_split.images[:n], labels=train_split.labels[:n])
    return train_split, datasets.load_split("test", data_dir, run.design.dataset, download)


def train_run(run: Run, train_split: data.Split, val_split: data.Split | None,
              emit: Callable[[TrainingEvent], None], stop: threading.Event | None = None, *,
              resume: bool = False, weights_every: int = 0, pool: ModelPool | None = None) -> DoneEvent:
    """Train ``run`` from its start, or (``resume``) from its last checkpoint, logging every event.

    ``pool`` keeps one model per design from run to run, so that Keras traces its training step
    once (a second or more) rather than at every start.

    A run killed before its first checkpoint starts again from the beginning. A failure while
    training is logged as an ``end`` event with reason ``error`` before it propagates.
    """
    steps = -(-len(train_split) // run.settings.batch_size)
    position = None
    found = run.checkpoint() if resume else None
    if resume:
        run.clean_temporaries()
    if found is not None:
        position = found[0]
        if position.epoch > run.settings.epochs:
            raise RunError(f"run {run.id} has done its {run.settings.epochs} epoch(s); ask for more to go on")
        if position.steps and position.steps != steps:
            raise RunError(f"run {run.id} has {position.steps} batches an epoch, but these data make {steps}")
        model, position = run.load_checkpoint(pool)
    else:
        model = (pool or ModelPool()).model(run.design, _initial(run), run.id)
        run.save_checkpoint(Checkpoint.of(model), Position(1, 0, steps))  # a model to load from the very start
    if weights_every:
        emit(WeightsEvent(position.epochs_completed if position else 0, 0, Weights.from_keras(model)))
    with runlog.LogWriter(run.log_path) as log:
        start: dict[str, Any] = {"epochs": run.settings.epochs, "steps": steps, "batch_size": run.settings.batch_size,
                                 "seed": run.seed, "dataset": run.design.dataset, "design": run.design.to_json(),
                                 "images": len(train_split)}
        if position is not None:
            start["resumed_from"] = {"epoch": position.epoch, "batch": position.batch}
        log.write("start", **start)
        config = TrainConfig(epochs=run.settings.epochs, batch_size=run.settings.batch_size,
                             target_accuracy=run.settings.target_accuracy, weights_every=weights_every,
                             save_to=run.model_path, dataset=run.design.dataset, shuffle_seed=run.seed, resume_at=position,
                             checkpoint_every=run.settings.checkpoint_every)

        def logged(event: TrainingEvent) -> None:
            _log_event(log, event)
            emit(event)

        try:
            return train(model, train_split, val_split, config, logged, stop,
                         checkpoint=lambda model, position: run.save_checkpoint(Checkpoint.of(model), position))
        except BaseException as exc:
            log.write("end", reason="error", message=f"{type(exc).__name__}: {exc}".splitlines()[0])
            raise


def _log_event(log: runlog.LogWriter, event: TrainingEvent) -> None:
    if isinstance(event, BatchEvent):
        log.write("batch", epoch=event.epoch, batch=event.step,
                  steps=event.steps, images_seen=event.images_seen, loss=event.loss, accuracy=event.accuracy)
    elif isinstance(event, EpochEvent):
        log.write("epoch", epoch=event.epoch, loss=event.loss, accuracy=event.accuracy, val_loss=event.val_loss,
                  val_accuracy=event.val_accuracy, seconds=round(event.seconds, 3))
    elif isinstance(event, DoneEvent):
        log.write("end", reason=event.reason, epochs_completed=event.epochs_completed)


def load_model(path: Path) -> keras.Model:
    """A checkpoint or a run's model, with its optimizer state, as Keras saved it."""
    from tui_cnn.core.model import import_keras

    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    keras = import_keras()
    try:
        return keras.models.load_model(path)
    except Exception as exc:  # Keras raises many kinds; all mean the same to the user
        raise ModelFileError(f"{path}: Keras could not load the model ({exc})".splitlines()[0]) from exc


# -- atomic files ------------------------------------------------------------------------------


def write_npz_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` so that ``path`` is always the old file or the complete new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:  # atomic against a killed process; no fsync, it costs a batch
            np.savez(handle, **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json_atomic(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON so that ``path`` is always the old file or the complete new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def copy_atomic(source: Path, target: Path) -> None:
    """``target`` becomes the same file as ``source`` (a hard link, else a copy), atomically.

    A hard link is safe because tui-cnn never writes a model in place: every save renames a new file
    over the old name, which leaves the other name holding the old model.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".keras", dir=target.parent)
    os.close(fd)
    try:
        os.unlink(tmp)
        try:
            os.link(source, tmp)
        except OSError:  # a file system without hard links
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def describe_dataset(dataset: str) -> str:
    known = datasets.DATASETS.get(dataset)
    return known.title if known else dataset
