"""``tui-cnn serve`` in a real headless Chromium: the page loads, shows conv1's maps, and a key changes the layer.

The browser is driven over the Chrome DevTools Protocol (a websocket, spoken here with aiohttp,
which textual-serve needs anyway). What the page shows is read two ways: the terminal output the
page receives on its websocket (``Network.webSocketFrameReceived``: the text xterm.js draws) and a
screenshot of the page, which must be in colour (the heatmaps). Only loopback addresses are used.
Without Chromium the test is skipped and says why.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import aiohttp
import numpy as np
import pytest
from PIL import Image

from tui_cnn.serve import is_loopback, url

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _browser() -> str:
    for name in BROWSERS:
        if found := shutil.which(name):
            return found
    pytest.skip("no Chromium to test `tui-cnn serve` in (install Debian's chromium package: apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited: {process.stdout.read()}"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


def _devtools_url(browser: subprocess.Popen, timeout: float = 60) -> str:
    """Chromium says where its DevTools websocket listens on stderr, once it is up."""
    deadline = time.monotonic() + timeout
    for line in browser.stderr:
        if match := re.search(r"DevTools listening on (ws://\S+)", line):
            return match.group(1)
        assert time.monotonic() < deadline, "Chromium did not start its DevTools server"
    raise AssertionError("Chromium exited before its DevTools server started")


class DevTools:
    """Just enough of the Chrome DevTools Protocol: calls, and events kept as they arrive."""

    def __init__(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        self.socket, self.ids, self.events = socket_, itertools.count(1), []
        self.terminal = ""  # what the page's websocket brought, ANSI codes removed

    async def call(self, method: str, session: str | None = None, **params) -> dict:
        number = next(self.ids)
        message = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.socket.send_json(message)
        while True:
            reply = await self._receive(30)
            if reply.get("id") == number:
                assert "error" not in reply, reply["error"]
                return reply.get("result", {})

    async def until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            assert left > 0, f"the page never showed {what}; it showed:\n{self.terminal[-2000:]}"
            try:
                await self._receive(left)
            except asyncio.TimeoutError:
                pass

    async def _receive(self, timeout: float) -> dict:
        message = await self.socket.receive_json(timeout=timeout)
        if message.get("method") == "Network.webSocketFrameReceived":
            response = message["params"]["response"]
            data = response["payloadData"]
            raw = base64.b64decode(data) if response.get("opcode") == 2 else data.encode()
            self.terminal += ANSI.sub("", raw.decode("utf-8", "replace"))
        return message


async def _press(tools: DevTools, session: str, key: str) -> None:
    for kind in ("keyDown", "keyUp"):
        await tools.call("Input.dispatchKeyEvent", session, type=kind, key=key, text=key if kind == "keyDown" else "",
                         code=f"Digit{key}", windowsVirtualKeyCode=ord(key))


def test_only_loopback_is_called_local():
    assert all(is_loopback(h) for h in ("localhost", "127.0.0.1", "::1", "127.3.4.5"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "example.org", "::"))
    assert url("::1", 8000) == "http://[::1]:8000"


def test_a_port_in_use_is_one_line(run_cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_cli("serve", "--host", "127.0.0.1", "--port", busy.getsockname()[1])
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "cannot listen on 127.0.0.1 port" in result.stderr and "--port" in result.stderr


@pytest.mark.slow  # a browser and a server: ten seconds or so
async def test_the_explorer_in_headless_chromium(tmp_path, official_dir):
    chromium = _browser()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TUI_CNN_DATA_DIR")}
    env.update(TUI_CNN_DATA_DIR=str(official_dir), TUI_CNN_HOME=str(tmp_path / "home"),
               KERAS_HOME=str(tmp_path / "keras"))
    server = subprocess.Popen([sys.executable, "-m", "tui_cnn", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    browser = None
    try:
        first = server.stdout.readline()
        assert first.startswith(f"tui-cnn: open http://127.0.0.1:{port} in a web browser"), first
        _wait_for_port(port, server)
        browser = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                    f"--user-data-dir={tmp_path / 'profile'}", "--remote-debugging-address=127.0.0.1",
                                    "--remote-debugging-port=0", "--window-size=1280,860", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        async with aiohttp.ClientSession() as http, http.ws_connect(_devtools_url(browser), max_msg_size=0) as ws:
            tools = DevTools(ws)
            target = await tools.call("Target.createTarget", url="about:blank")
            session = (await tools.call("Target.attachToTarget", targetId=target["targetId"], flatten=True))["sessionId"]
            await tools.call("Network.enable", session)
            await tools.call("Page.enable", session)
            await tools.call("Page.navigate", session, url=f"http://127.0.0.1:{port}/")
            # The explorer opens on conv1 with its maps as heatmaps (half blocks).
            await tools.until(lambda: "1 conv1 · Conv2D" in tools.terminal and tools.terminal.count("\u2580") > 500,
                              90, "conv1's maps")
            assert "Traceback" not in tools.terminal
            await asyncio.sleep(0.5)  # let xterm.js paint what arrived
            shot = await tools.call("Page.captureScreenshot", session, format="png")
            pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB"))
            colours = np.unique(pixels.reshape(-1, 3), axis=0)
            assert len(colours) > 50, "the page is not showing coloured heatmaps"
            focused = await tools.call("Runtime.evaluate", session, returnByValue=True, expression=(
                "(() => { const t = document.querySelector('.xterm-helper-textarea');"
                " if (t) { t.focus(); } return !!t; })()"))
            assert focused["result"]["value"], "no xterm.js terminal on the page"
            before = len(tools.terminal)
            await _press(tools, session, "2")  # the second layer
            # The header names the layer shown (the layer list names them all, so it is not enough).
            await tools.until(lambda: "2 pool1 · MaxPooling2D" in tools.terminal[before:], 30, "pool1 after pressing 2")
            assert tools.terminal[before:].count("\u2580") > 500  # and its maps
    finally:
        for process in (browser, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
