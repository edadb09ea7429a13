"""The tui-cnn console script, run as a user runs it: output, exit codes and one-line errors.

Most commands here need no TensorFlow and take a fraction of a second; the few that do (train,
evaluate) are kept to a handful.
"""

from __future__ import annotations

import os
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

from conftest import console_script
from core_helpers import write_official_dir
from tui_cnn.core.data import CLASS_NAMES

SHAPES = ["26x26x64", "13x13x64", "11x11x64", "5x5x64", "1600", "128", "10"]
LABEL = re.compile(r"#\d+")


def _label_rows(lines: list[str]) -> list[list[str]]:
    rows = [line.split() for line in lines]
    return [words for words in rows if words and all(LABEL.fullmatch(w) for w in words)]


def _one_line_error(result, code: int = 1) -> str:
    """The one error line; exit code 2 for a usage mistake, 1 for a file or data set that cannot be used."""
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tui-cnn: error: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


# --- commands that work ----------------------------------------------------------------------------


def test_summary_prints_the_lessons_shapes_and_parameters(run_cli):
    result = run_cli("summary")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for shape in SHAPES:
        assert re.search(rf"(?<![\dx]){shape}(?![\dx])", out), shape
    assert "243,786" in out
    for params in ("640", "36,928", "204,928", "1,290"):
        assert params in out
    assert out.index("26x26x64") < out.index("13x13x64") < out.index("11x11x64") < out.index("5x5x64")
    assert result.stderr == ""


def test_show_pool1_as_ascii_prints_64_labelled_13_row_maps(run_cli, official_dir):
    by_name = run_cli("show", "--index", "0", "--layer", "pool1", "--mode", "ascii", "--data-dir", official_dir)
    assert by_name.returncode == 0, by_name.stderr
    lines = by_name.stdout.splitlines()
    assert "13x13x64" in lines[1] and "channels 0-63 of 64" in lines[1]
    grid = lines[2:]
    label_rows = _label_rows(grid)
    assert [w for row in label_rows for w in row] == [f"#{ch}" for ch in range(64)]
    label_at = [i for i, line in enumerate(grid) if line.split() in label_rows]
    assert label_at == list(range(0, len(grid), 14)), "each row of maps is a label line and 13 map lines"
    assert len(grid) == 14 * len(label_rows)
    assert "\x1b" not in by_name.stdout and by_name.stdout.isascii()

    by_number = run_cli("show", "--layer", "2", "--mode", "ascii", "--data-dir", official_dir)
    assert by_number.returncode == 0 and by_number.stdout == by_name.stdout


def test_show_on_the_real_sample_images(run_cli, sample_as_test_dir):
    result = run_cli("show", "--index", "5", "--layer", "conv1", "--channels", "0-3", "--mode", "ascii",
                     "--data-dir", sample_as_test_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("test image 5 (")
    grid = result.stdout.splitlines()[2:]
    assert _label_rows(grid)[0] == ["#0", "#1", "#2"] and len(grid) % 27 == 0
    assert any(set(line) - set(" #0123456789") for line in grid), "every map is blank"


def test_show_heatmap_through_a_pipe_falls_back_to_plain_ascii(run_cli, official_dir):
    result = run_cli("show", "--layer", "pool2", "--channels", "0-1", "--data-dir", official_dir)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u2580" not in result.stdout
    assert len(result.stdout.splitlines()) == 2 + 1 + 5


def test_show_heatmap_in_colour_when_asked(run_cli, official_dir):
    result = run_cli("show", "--layer", "pool2", "--channels", "0-1", "--color", "always", "--data-dir", official_dir,
                     env={"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    assert result.returncode == 0, result.stderr
    assert "\u2580" in result.stdout and "\x1b[" in result.stdout
    assert len(result.stdout.splitlines()) == 2 + 1 + 3  # 5 pixel rows in 3 text rows


def test_show_output_layer_and_vector_layers(run_cli, official_dir):
    output = run_cli("show", "--layer", "output", "--mode", "ascii", "--data-dir", official_dir)
    assert output.returncode == 0, output.stderr
    for name in CLASS_NAMES:
        assert name in output.stdout
    assert "%" in output.stdout and output.stdout.isascii()
    flatten = run_cli("show", "--layer", "flatten", "--mode", "ascii", "--data-dir", official_dir)
    assert flatten.returncode == 0 and "output 1600" in flatten.stdout
    assert len(flatten.stdout.splitlines()) == 2 + 1600 // 64


def test_show_own_image(run_cli, tmp_path):
    pixels = np.full((60, 40, 3), 230, np.uint8)
    pixels[5:55, 12:28] = (40, 40, 160)
    path = tmp_path / "a[" / "b]" / "[red]shoe.png"  # brackets in a path are not Rich markup
    path.parent.mkdir(parents=True)
    Image.fromarray(pixels).save(path)
    result = run_cli("show", "--image", path, "--layer", "conv2", "--channels", "7", "--mode", "ascii",
                     env={"COLUMNS": "250"})  # the long temporary path on one line
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{path}: predicted ")
    assert _label_rows(result.stdout.splitlines()) == [["#7"]]


def test_help(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("train", "evaluate", "summary", "show", "explain"):
        assert command in result.stdout


# --- bad input: one line on stderr, exit code 1 (a file or data set) or 2 (a usage mistake) ----------------

USAGE_MISTAKES = ("unknown layer", "must lie within", "use a number, a range", "does not exist", "unknown class",
                  "unknown colour map", "invalid choice", "invalid int value", "not allowed with argument",
                  "must be at least", "must be at most", "must be from", "must be a whole number", "unknown data set")


@pytest.fixture
def broken_data_dir(tmp_path):
    folder = write_official_dir(tmp_path / "broken", n_train=10, n_test=10)
    path = folder / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-30])
    return folder


@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "corrupt.keras").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "notes.png").write_text("not an image\n")
    return tmp_path


@pytest.mark.parametrize("args, needle", [
    (["show", "--data-dir", "{tmp}/no-such-folder"], "no-such-folder: data folder not found"),
    (["show", "--data-dir", "{broken}"], "t10k-images-idx3-ubyte.gz"),
    (["summary", "--model", "{tmp}/missing.keras"], "model file not found"),
    (["summary", "--model", "{tmp}/corrupt.keras"], "corrupt.keras: not a readable .keras model file"),
    (["show", "--model", "{tmp}/corrupt.keras", "--data-dir", "{data}"], "corrupt.keras"),
    (["evaluate", "--model", "{tmp}/corrupt.keras", "--data-dir", "{data}"], "corrupt.keras"),
    (["show", "--image", "{tmp}/notes.png"], "notes.png: not a readable image"),
    (["show", "--image", "{tmp}/missing.png"], "missing.png: no such file"),
    (["show", "--layer", "pool9", "--data-dir", "{data}"], "unknown layer 'pool9'"),
    (["show", "--layer", "8", "--data-dir", "{data}"], "unknown layer '8'"),
    (["show", "--channels", "60-70", "--data-dir", "{data}"], "must lie within 0-63"),
    (["show", "--layer", "pool2", "--channels", "9-3", "--data-dir", "{data}"], "must lie within 0-63"),
    (["show", "--channels", "a-b", "--data-dir", "{data}"], "use a number, a range"),
    (["show", "--index", "40", "--data-dir", "{data}"], "test image 40 does not exist; choose 0 to 39"),
    (["show", "--index", "-1", "--data-dir", "{data}"], "test image -1 does not exist"),
    (["show", "--cmap", "jet", "--data-dir", "{data}"], "unknown colour map 'jet'"),
    (["explain", "--class", "hat", "--data-dir", "{data}"], "unknown class 'hat'"),
    (["explain", "--index", "40", "--data-dir", "{data}"], "test image 40 does not exist"),
    (["train", "--data-dir", "{tmp}/no-such-folder"], "data folder not found"),
    (["train", "--data-dir", "{data}", "--output", "{tmp}/notes.png/model.keras"], "cannot save the model there"),
    (["train", "--data-dir", "{data}", "--output", "{tmp}"], "cannot save the model there"),
    (["evaluate", "--data-dir", "{broken}"], "t10k-images-idx3-ubyte.gz"),
    # Usage mistakes caught by argparse end the same way.
    (["show", "--mode", "braille"], "invalid choice: 'braille'"),
    (["show", "--index", "abc"], "invalid int value: 'abc'"),
    (["show", "--index", "1", "--image", "{tmp}/notes.png"], "not allowed with argument --index"),
    (["train", "--epochs", "0"], "must be at least 1, not 0"),
    (["train", "--epochs", "many"], "must be a whole number, not 'many'"),
    (["train", "--epochs", "99999999999999999999999"], "must be at most 200"),
    (["train", "--seed", "-1"], "must be from 0 to 4294967295, not -1"),
    # A bad model to resume fails before any line of progress (and before TensorFlow loads).
    (["train", "--resume", "--model", "{tmp}/corrupt.keras", "--data-dir", "{data}"], "corrupt.keras: not a readable"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["show", "--dataset", "cifar", "--data-dir", "{data}"], "unknown data set 'cifar'"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v)[:40])
def test_bad_input_is_one_line_and_its_exit_code(run_cli, bad_files, broken_data_dir, official_dir, args, needle):
    fill = {"tmp": bad_files, "broken": broken_data_dir, "data": official_dir}
    result = run_cli(*[arg.format(**fill) for arg in args])
    line = _one_line_error(result, 2 if any(mistake in needle for mistake in USAGE_MISTAKES) else 1)
    assert needle.format(**fill) in line
    assert result.stdout == ""


def test_a_reader_that_stops_early_is_not_an_error(tmp_path, official_dir):
    """``tui-cnn show | head -1``: the rest of the output has nowhere to go; exit quietly with 0."""
    env = {k: v for k, v in os.environ.items() if k != "TUI_CNN_DATA_DIR"}
    env["TUI_CNN_HOME"] = str(tmp_path)
    proc = subprocess.Popen([console_script(), "show", "--data-dir", official_dir, "--mode", "ascii"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    proc.stdout.close()  # as head does after one line
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and stderr == b"", stderr
    assert first.startswith(b"test image 0")


def test_data_dir_from_the_environment(run_cli, tmp_path):
    result = run_cli("show", env={"TUI_CNN_DATA_DIR": str(tmp_path / "gone")})
    assert "gone: data folder not found" in _one_line_error(result)


# --- commands that run TensorFlow --------------------------------------------------------------------------


@pytest.mark.slow  # two TensorFlow processes, about five seconds
def test_train_then_evaluate_a_tiny_model(run_cli, tmp_path):
    data_dir = write_official_dir(tmp_path / "data", n_train=96, n_test=30)
    model = tmp_path / "out" / "tiny.keras"
    trained = run_cli("train", "--data-dir", data_dir, "--epochs", "1", "--limit", "64", "--batch-size", "32",
                      "--output", model)
    assert trained.returncode == 0, trained.stderr
    assert "Training on 64 images" in trained.stderr
    assert "finished: 1 epoch(s) complete" in trained.stderr
    assert [p.name for p in model.parent.iterdir()] == ["tiny.keras"]

    evaluated = run_cli("evaluate", "--data-dir", data_dir, "--model", model)
    assert evaluated.returncode == 0, evaluated.stderr
    match = re.search(r"test accuracy: (\d\.\d{4}) \((\d+) of 30\)", evaluated.stdout)
    assert match, evaluated.stdout
    assert 0.0 <= float(match.group(1)) <= 1.0
    assert int(match.group(2)) == round(float(match.group(1)) * 30)
    assert "Confusion matrix" in evaluated.stdout
    rows = [line.split() for line in evaluated.stdout.splitlines() if re.match(r"\d \S", line)]
    counts = [[int(v) for v in row[-11:-1]] for row in rows if len(row) >= 12]  # the matrix's ten rows
    assert len(counts) == 10 and sum(map(sum, counts)) == 30
    assert sum(counts[i][i] for i in range(10)) == int(match.group(2))  # the diagonal is what it got right


@pytest.mark.full_data
@pytest.mark.slow
def test_shipped_model_scores_at_least_90_percent(run_cli, full_data_dir):
    result = run_cli("evaluate", "--data-dir", full_data_dir)
    assert result.returncode == 0, result.stderr
    match = re.search(r"test accuracy: (\d\.\d{4}) \(([\d,]+) of 10,000\)", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) >= 0.90
    for label, name in enumerate(CLASS_NAMES):
        assert f"{label} {name}" in result.stdout
    worst = result.stdout.split("Most confused")[1].splitlines()[1]
    assert re.fullmatch(r"[\w/ -]+ taken for [\w/ -]+: \d+", worst), worst


def test_explain_prints_occlusion_and_saliency_maps(run_cli, official_dir):
    result = run_cli("explain", "--index", "3", "--mode", "ascii", "--class", "coat", "--data-dir", official_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"test image 3 \(.+\): predicted .+; explaining Coat \(\d+\.\d%\)", lines[0]), lines[0]
    assert "Occlusion: a 6x6 black patch" in result.stdout and "Saliency: the gradient" in result.stdout
    titles = [i for i, line in enumerate(lines) if line.startswith(("occlusion", "saliency"))]
    assert len(titles) == 2
    for start in titles:
        maps = lines[start + 1 : start + 29]  # 28 rows of ASCII: the map, two spaces, the marked image
        assert all(len(row.rstrip()) <= 58 for row in maps) and any("o" in row[30:] for row in maps)


def test_explain_works_for_any_explorable_model(run_cli, official_dir, zoo):
    _, path = zoo("batchnorm")  # batch normalization, relu6, leaky relu, a Softmax layer at the end
    result = run_cli("explain", "--model", path, "--index", "2", "--mode", "ascii", "--data-dir", official_dir)
    assert result.returncode == 0, result.stderr
    assert "predicted" in result.stdout and "Saliency: the gradient" in result.stdout


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_evaluate_prints_the_confusion_matrix_keras_gives_for_any_model(run_cli, official_dir, zoo):
    from tui_cnn.core import data
    from tui_cnn.core.network import load_network

    model, path = zoo("global_max")
    result = run_cli("evaluate", "--model", path, "--data-dir", official_dir)
    assert result.returncode == 0, result.stderr
    test = data.load_split("test", official_dir)
    said = model.predict(load_network(path).prepare(test.images), verbose=0).argmax(axis=1)
    lines = result.stdout.split("Confusion matrix")[1].splitlines()
    for label, name in enumerate(CLASS_NAMES):
        row = next(line for line in lines if line.startswith(f"{label} {name} "))
        counts = [int(v.replace(",", "")) for v in row[len(f"{label} {name}") :].split()[:10]]
        assert counts == [int(np.sum((test.labels == label) & (said == p))) for p in range(10)], name


def test_explain_a_colour_model_on_a_colour_picture(run_cli, zoo, tmp_path):
    _, path = zoo("colour_32x32x3")
    picture = np.zeros((40, 40, 3), np.uint8)
    picture[8:30, 10:28] = (220, 40, 30)  # a red square on black
    Image.fromarray(picture).save(tmp_path / "red.png")
    result = run_cli("explain", "--model", path, "--image", tmp_path / "red.png", "--mode", "ascii", "--class", "3")
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())  # the long path may wrap the first line
    assert re.search(r"red\.png: predicted .+ \(\d+\.\d%\); explaining Dress \(", words), words[:200]
    assert "black patch (in all 3 colours)" in words and "largest channel" in words
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    refused = run_cli("explain", "--model", path, "--image", tmp_path / "red.png", "--class", "hat")
    assert refused.returncode == 2 and "unknown class 'hat'; choose one of 0=T-shirt/top" in refused.stderr
