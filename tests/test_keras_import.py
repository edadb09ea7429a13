"""Keras imported from two threads at once (the training screen prepares it in the background while
the learner presses start): the second thread must wait for the first, never see half a module."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import threading, time
from tui_cnn.core.model import import_keras
seen = []
def use(delay):
    time.sleep(delay)
    keras = import_keras()
    seen.append((keras.utils.set_random_seed is not None, keras.layers.Dense is not None))
first = threading.Thread(target=use, args=(0,))
second = threading.Thread(target=use, args=(0.2,))  # while the first is still importing (seconds)
first.start(); second.start(); first.join(); second.join()
print(seen)
"""


def test_two_threads_importing_keras_both_get_the_whole_module():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[(True, True), (True, True)]", done.stderr[-2000:]
