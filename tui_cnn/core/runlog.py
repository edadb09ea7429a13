"""The training log: one JSON object a line, appended as training goes, read back as it grows.

Every training run tui-cnn knows about speaks this format: the runs the app and ``tui-cnn train``
make, and a ``model.fit`` anywhere else that logs through the package's Keras callback. Other
tools read it too (``jq``, ``pandas.read_json(lines=True)``).

Each line is an object with an ``"event"`` and a ``"time"`` (Unix seconds):

- ``start``: a run began or resumed. Optional keys: ``epochs``, ``steps`` (batches per epoch),
  ``batch_size``, ``seed``, ``dataset``, ``design`` (any JSON), ``resumed_from`` ({epoch, batch}).
  A resume from ``{epoch: e, batch: b}`` replaces whatever the log holds after batch ``b`` of
  epoch ``e`` (batches trained after the last checkpoint by a process that then died): readers
  that draw curves drop those lines (``replay``).
- ``batch``: ``epoch`` (counts from 1), ``batch`` (counts from 1 within the epoch), ``steps`` if
  known, ``images_seen`` (images of the epoch so far) if known, and the metrics Keras reports
  (``loss``, ``accuracy``, ...) as numbers: running means over the epoch so far.
- ``epoch``: ``epoch`` (from 1) and its metrics, including ``val_loss``/``val_accuracy`` when
  there was validation data, and ``seconds``.
- ``end``: ``reason`` is ``finished``, ``stopped``, ``target`` (the accuracy target was reached)
  or ``error``; ``message`` may say more.

A writer appends a whole line with one ``write`` and flushes it, so a reader sees complete lines,
apart from a last line still being written, which ``LogReader`` keeps until its newline arrives.

A Keras ``CSVLogger`` file (a header such as ``epoch,accuracy,loss,val_accuracy,val_loss``, then a
row per epoch, epochs counted from 0) is read by ``CsvLogReader`` as the same ``epoch`` events;
``open_reader`` picks the reader by the file's suffix (``.csv``).
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVENTS = ("start", "batch", "epoch", "end")
END_REASONS = ("finished", "stopped", "target", "error")


def make_event(event: str, **fields: Any) -> dict[str, Any]:
    """An event object with its time; non-finite numbers become None (JSON has no NaN)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    record: dict[str, Any] = {"event": event, "time": round(time.time(), 3)}
    for key, value in fields.items():
        record[key] = _plain(value)
    return record


def _plain(value: Any) -> Any:
    """numpy scalars to Python numbers, NaN and infinities to None, so the line is valid JSON."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class LogWriter:
    """Appends events to a log file, one flushed line each; the file is opened once."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+b")
        if _ends_mid_line(self._file):
            # A process killed mid-write left half a line: end it, so that the next event is a line of
            # its own (readers skip the broken one) instead of being glued to it.
            self._file.write(b"\n")

    def write(self, event: str, **fields: Any) -> dict[str, Any]:
        record = make_event(event, **fields)
        self._file.write((json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8"))
        self._file.flush()
        return record

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ends_mid_line(handle: Any) -> bool:
    handle.seek(0, os.SEEK_END)
    if handle.tell() == 0:
        return False
    handle.seek(-1, os.SEEK_END)
    return handle.read(1) != b"\n"


@dataclass
class LogReader:
    """Reads a log as it grows: each ``poll`` returns the events completed since the last one.

    A line that is not a JSON object with a known ``event`` is skipped and described in ``notes``
    (one line each), so a truncated or garbled line never stops a reader.
    """

    path: Path
    offset: int = 0
    line_number: int = 0
    notes: list[str] = field(default_factory=list)
    _partial: bytes = b""

    def poll(self, max_bytes: int = 8 * 1024 * 1024) -> list[dict[str, Any]]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read(max_bytes)
        except FileNotFoundError:
            return []
        self.offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()  # an unfinished last line waits for its newline
        return [event for line in lines if (event := self._parse(line)) is not None]

    def _parse(self, line: bytes) -> dict[str, Any] | None:
        self.line_number += 1
        if not line.strip():
            return None
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            self.notes.append(f"line {self.line_number}: not a JSON object, skipped")
            return None
        if not isinstance(record, dict) or record.get("event") not in EVENTS:
            self.notes.append(f"line {self.line_number}: no known event, skipped")
            return None
        return record


@dataclass
class CsvLogReader(LogReader):
    """Reads a Keras ``CSVLogger`` file as it grows: each row becomes an ``epoch`` event.

    Rows carry no time, so an event's ``time`` is when this reader saw it. A row that does not
    match the header is skipped with a note, like a garbled JSON line.
    """

    columns: list[str] | None = None

    def _parse(self, line: bytes) -> dict[str, Any] | None:
        self.line_number += 1
        try:
            cells = next(csv.reader([line.decode("utf-8").strip()]), [])
        except (UnicodeDecodeError, csv.Error):
            cells = None
        if cells == []:
            return None
        if cells is not None and self.columns is None:
            if "epoch" not in cells:
                self.notes.append(f"line {self.line_number}: not a Keras CSVLogger header (no epoch column)")
                return None
            self.columns = cells
            return None
        try:
            if cells is None or self.columns is None or len(cells) != len(self.columns):
                raise ValueError
            row = {name: float(cell) if cell else None for name, cell in zip(self.columns, cells)}
        except ValueError:
            self.notes.append(f"line {self.line_number}: not a row of numbers under the header, skipped")
            return None
        epoch = int(row.pop("epoch")) + 1  # CSVLogger counts epochs from 0
        return make_event("epoch", epoch=epoch, **row)


def open_reader(path: str | os.PathLike[str]) -> LogReader:
    """The reader for a log file: a Keras CSVLogger file if it is named ``.csv``, else JSON lines."""
    path = Path(path)
    return CsvLogReader(path) if path.suffix.lower() == ".csv" else LogReader(path)


def read_events(path: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every complete event in a log file, and a note for each line that was skipped."""
    reader = open_reader(path)
    events: list[dict[str, Any]] = []
    while True:
        before = reader.offset
        events.extend(reader.poll())
        if reader.offset == before:
            return events, reader.notes


def replay(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events of a log as one continuous run: a resume drops the lines it supersedes.

    A ``start`` with ``resumed_from`` ``{epoch: e, batch: b}`` continues from the checkpoint after
    batch ``b`` of epoch ``e``; batches logged after that point (by a process that died before its
    next checkpoint) and the report of epoch ``e`` or later were trained again, so they go.
    """
    kept: list[dict[str, Any]] = []
    for record in events:
        resumed = record.get("resumed_from") if record["event"] == "start" else None
        if isinstance(resumed, dict):
            where = (int(resumed.get("epoch", 1)), int(resumed.get("batch", 0)))
            kept = [k for k in kept if not _superseded(k, where)]
        kept.append(record)
    return kept


def _superseded(record: dict[str, Any], where: tuple[int, int]) -> bool:
    if record["event"] == "batch":
        return (record.get("epoch") or 0, record.get("batch") or 0) > where
    if record["event"] == "epoch":
        return (record.get("epoch") or 0) >= where[0]
    return False
