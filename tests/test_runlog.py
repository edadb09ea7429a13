"""The JSON-lines training log: written whole, read as it grows, garbled lines skipped with a note."""

from __future__ import annotations

import json

import numpy as np

from tui_cnn.core.runlog import LogReader, LogWriter, make_event, open_reader, read_events, replay


def test_written_events_read_back(tmp_path):
    path = tmp_path / "run" / "log.jsonl"
    with LogWriter(path) as log:
        log.write("start", epochs=2, steps=3)
        log.write("batch", epoch=1, batch=1, loss=np.float32(2.25), accuracy=0.5)
        log.write("epoch", epoch=1, loss=float("nan"), val_accuracy=0.75)
        log.write("end", reason="finished")
    events, notes = read_events(path)
    assert [e["event"] for e in events] == ["start", "batch", "epoch", "end"]
    assert events[1]["loss"] == 2.25 and isinstance(events[1]["loss"], float)
    assert events[2]["loss"] is None  # NaN is not JSON
    assert notes == []


def test_reader_waits_for_a_line_to_finish(tmp_path):
    path = tmp_path / "log.jsonl"
    line = json.dumps(make_event("batch", epoch=1, batch=1, loss=1.0))
    path.write_text(line[:10])
    reader = LogReader(path)
    assert reader.poll() == []
    with open(path, "a") as handle:
        handle.write(line[10:] + "\n")
    assert [e["batch"] for e in reader.poll()] == [1]
    assert reader.poll() == []


def test_garbled_lines_are_skipped_with_a_note(tmp_path):
    path = tmp_path / "log.jsonl"
    good = json.dumps(make_event("epoch", epoch=1, loss=0.5))
    path.write_text("{not json\n" + '{"event": "mystery"}\n' + "[1, 2]\n" + good + "\n")
    events, notes = read_events(path)
    assert [e["epoch"] for e in events] == [1]
    assert notes == ["line 1: not a JSON object, skipped", "line 2: no known event, skipped",
                     "line 3: no known event, skipped"]


def test_a_missing_file_is_not_yet_written(tmp_path):
    assert LogReader(tmp_path / "later.jsonl").poll() == []


def test_a_writer_ends_a_line_a_killed_writer_left_half_written(tmp_path):
    path = tmp_path / "log.jsonl"
    whole = json.dumps(make_event("batch", epoch=1, batch=1, loss=1.0))
    path.write_text(whole + "\n" + whole[:17])  # killed in the middle of the second line
    with LogWriter(path) as log:
        log.write("start", resumed_from={"epoch": 1, "batch": 1})
    events, notes = read_events(path)
    assert [e["event"] for e in events] == ["batch", "start"]
    assert notes == ["line 2: not a JSON object, skipped"]


def test_replay_drops_what_a_resume_trained_again():
    def batch(epoch, number):
        return {"event": "batch", "epoch": epoch, "batch": number}

    log = [{"event": "start"}, batch(1, 1), batch(1, 2), {"event": "epoch", "epoch": 1}, batch(2, 1), batch(2, 2),
           batch(2, 3), {"event": "start", "resumed_from": {"epoch": 2, "batch": 1}}, batch(2, 2),
           {"event": "epoch", "epoch": 2}, {"event": "start", "resumed_from": {"epoch": 2, "batch": 0}}, batch(2, 1)]
    kept = replay(log)
    assert [(e["event"], e.get("epoch"), e.get("batch")) for e in kept] == [
        ("start", None, None), ("batch", 1, 1), ("batch", 1, 2), ("epoch", 1, None), ("start", None, None),
        ("start", None, None), ("batch", 2, 1)]


def test_a_keras_csvlogger_file_reads_as_epoch_events(tmp_path):
    path = tmp_path / "training.csv"
    path.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.75,0.7,0.8,0.55\n1,0.85,0.4,NaN,\n")
    events, notes = read_events(path)
    assert notes == []
    assert [(e["event"], e["epoch"], e["loss"], e["val_loss"]) for e in events] == [
        ("epoch", 1, 0.7, 0.55), ("epoch", 2, 0.4, None)]
    assert events[1]["val_accuracy"] is None  # NaN is not JSON


def test_csv_rows_follow_the_file_and_bad_rows_get_a_note(tmp_path):
    path = tmp_path / "training.csv"
    path.write_text("epoch,loss\n0,1.5\n")
    reader = open_reader(path)
    assert [e["loss"] for e in reader.poll()] == [1.5]
    with open(path, "a") as handle:
        handle.write("1,oops\n2,0.5,9\n3,0.25")  # a bad value, a row too long, a row still being written
    assert reader.poll() == []
    assert reader.notes == ["line 3: not a row of numbers under the header, skipped",
                            "line 4: not a row of numbers under the header, skipped"]
    with open(path, "a") as handle:
        handle.write("\n")
    assert [(e["epoch"], e["loss"]) for e in reader.poll()] == [(4, 0.25)]
    assert isinstance(open_reader(tmp_path / "run.jsonl"), LogReader)
