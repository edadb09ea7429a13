"""Import hygiene, checked in fresh interpreters: the core needs no UI, and the quick commands no TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("tensorflow", "keras")
UI = ("textual", "rich")


def _python(code: str, **env: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    full_env = {k: v for k, v in os.environ.items() if k != "TUI_CNN_DATA_DIR"}
    full_env.update(env)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_core_modules_import_neither_ui_nor_tensorflow():
    found = _python(
        "import importlib, json, pkgutil, sys\n"
        "import tui_cnn.core as core\n"
        "names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, 'tui_cnn.core.'))\n"
        "for name in names: importlib.import_module(name)\n"
        f"print(json.dumps({{'modules': names, 'loaded': sorted(m for m in {UI + HEAVY!r} if m in sys.modules)}}))\n"
    )
    expected = {f"tui_cnn.core.{name}" for name in ("activations", "arithmetic", "data", "images", "model",
                                                     "paths", "training")}
    assert expected <= set(found["modules"])
    assert found["loaded"] == []


def _main_script(argvs: list[list[str]]) -> str:
    """Code that calls cli.main for each argv in turn, then reports exit codes, output and heavy imports."""
    return (
        "import contextlib, io, json, sys\n"
        "from tui_cnn import cli\n"
        "out = io.StringIO()\n"
        "codes = []\n"
        f"for argv in {argvs!r}:\n"
        "    with contextlib.redirect_stdout(out):\n"
        "        try:\n"
        "            codes.append(cli.main(argv))\n"
        "        except SystemExit as exc:\n"
        "            codes.append(exc.code)\n"
        f"loaded = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(json.dumps({'codes': codes, 'out': out.getvalue(), 'loaded': loaded}))\n"
    )


def test_help_does_not_import_tensorflow():
    found = _python(_main_script([["--help"], ["show", "--help"]]))
    assert found["codes"] == [0, 0]
    assert "usage: tui-cnn" in found["out"] and "--layer" in found["out"]
    assert found["loaded"] == []


def test_summary_and_show_do_not_import_tensorflow(official_dir, tmp_path):
    argvs = [["summary"], ["show", "--data-dir", str(official_dir), "--layer", "pool2", "--mode", "ascii"]]
    found = _python(_main_script(argvs), TUI_CNN_HOME=str(tmp_path))
    assert found["codes"] == [0, 0], found["out"]
    assert "243,786" in found["out"] and "#63" in found["out"]
    assert found["loaded"] == []


@pytest.mark.parametrize("command", [["--help"]])
def test_python_dash_m_runs_the_same_command_line(command):
    result = subprocess.run([sys.executable, "-m", "tui_cnn", *command], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("usage: tui-cnn")


def test_two_threads_importing_keras_at_once_both_get_the_whole_module():
    """The app imports TensorFlow in the background while a start (s or r) may ask for it too: the
    second caller must wait for the whole module, not take it halfway ('no attribute Input')."""
    found = _python(
        "import json, threading\n"
        "from tui_cnn.core.model import import_keras, keras_imported\n"
        "got, errors = [], []\n"
        "def load():\n"
        "    try:\n"
        "        got.append(import_keras().Input.__name__)\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=load) for _ in range(2)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print(json.dumps({'got': got, 'errors': errors, 'imported': keras_imported()}))\n"
    )
    assert found == {"got": ["Input", "Input"], "errors": [], "imported": True}
