"""``tui-cnn serve``: the explorer in a web browser, through textual-serve.

textual-serve runs the app as a child process for each browser tab that connects (its
``Server(command, host, port, title)``) and relays the screen and the keys over a websocket, so
the browser needs nothing installed and the app is the same one the terminal runs. It listens on
localhost unless told otherwise: whoever reaches the address can use the app, and the app opens
files on this machine.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from pathlib import Path

from tui_cnn.core.errors import UsageError


def app_command(data_dir: str | None, model: Path | None, dataset: str | None = None) -> str:
    """The shell command textual-serve runs for each browser tab: this Python, this package, the options."""
    words = [sys.executable, "-m", "tui_cnn"]
    if dataset:
        words += ["--dataset", dataset]
    if data_dir:
        words += ["--data-dir", str(Path(data_dir).resolve())]
    if model:
        words += ["--model", str(Path(model).resolve())]
    return shlex.join(words)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine (localhost, 127.x.x.x, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail in one line before textual-serve prints its banner, if the address cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host}: not an address this machine knows ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror or exc}; "
                             "choose another with --port") from None


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(host: str, port: int, data_dir: str | None, model: Path | None, dataset: str | None = None) -> int:
    from textual_serve.server import Server

    check_port_free(host, port)
    print(f"tui-cnn: open {url(host, port)} in a web browser (ctrl+c stops the server)", flush=True)
    if not is_loopback(host):
        print(f"tui-cnn: warning: {host} is reachable from other machines; anyone who reaches it can use "
              "the app and open files on this one", flush=True)
    Server(app_command(data_dir, model, dataset), host=host, port=port, title="tui-cnn",
           public_url=url(host, port)).serve()
    return 0
