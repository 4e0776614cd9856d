"""`microgpt serve`: the debugger in a web browser, with textual-serve. Each browser tab
starts its own debugger (this Python running `-m tui` with the options given here), so
each student trains a model of their own; the files are checked here first, so that a bad
one gets its message in the terminal rather than in every browser."""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import logging
import shlex
import socket
import sys
from collections.abc import Mapping

from aiohttp import web
from rich.console import Console
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from core.debugging.runfile import load_run
from core.errors import MicrogptError
from tui.commands.start import start_run
from tui.console import print_warnings, say, warm_up_twin

LOOPBACK = "127.0.0.1"
WILDCARDS = ("0.0.0.0", "::")  # every address of the machine
TITLE = "microgpt debugger"


def run_serve(args: argparse.Namespace, out: Console, err: Console) -> int:
    _probe(args.host, args.port)  # a port in use is said at once, before any URL is shown
    _check_files(args, err)
    url = args.public_url or public_url(args.host, args.port)
    if not is_loopback(args.host):
        say(err, exposed_warning(args.host, url), "warning:", "bold yellow")
    if args.host in WILDCARDS and not args.public_url:
        say(
            err,
            f"browsers are sent to {url}; if that name does not reach this machine from "
            "theirs, give its address with --public-url http://ADDRESS:PORT",
        )
    server = _Server(child_command(args.debugger_options), args.host, args.port, url, err)
    try:
        server.serve()
    except OSError as error:  # the port was taken between the probe and the server
        raise MicrogptError(_cannot_listen(args.host, args.port, error)) from None
    say(err, "stopped serving")
    return 0


def child_command(options: Mapping[str, object]) -> str:
    """The shell command textual-serve runs for each browser tab: the debugger, given the
    options `serve` was given, each quoted for the shell."""
    argv = [sys.executable, "-m", "tui"]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:  # a switch (--fine-tune)
            argv.append(flag)
        elif value is not False and value is not None:
            argv += [flag, str(value)]  # str(float) reads back as the same float
    return shlex.join(argv)


def public_url(host: str, port: int) -> str:
    """The address browsers are sent to; for every address of the machine, its name (a
    browser cannot connect to 0.0.0.0)."""
    name = socket.gethostname() if host in WILDCARDS else host
    if ":" in name:  # an IPv6 address, bracketed in a URL
        name = f"[{name}]"
    return f"http://{name}:{port}"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any address
        return False


def exposed_warning(host: str, url: str) -> str:
    return (
        f"serving on {host}, not only this machine: anyone who can reach {url} can drive "
        "the training (there is no password), and each browser tab is one training "
        "process, about a core each while it trains"
    )


class _Tab(AppService):
    """One browser tab's debugger process, waited for when it stops (textual-serve leaves
    it to the garbage collector, which complains once the event loop has closed)."""

    async def stop(self) -> None:
        await super().stop()
        if self._process is not None:
            await self._process.wait()


class _Server(Server):
    """textual-serve's server, speaking on stderr (its logo and log go to stdout otherwise),
    without a line for every request, and ending every tab's debugger when it stops."""

    def __init__(self, command: str, host: str, port: int, url: str, err: Console) -> None:
        super().__init__(command, host=host, port=port, title=TITLE, public_url=url)
        self.err = err
        self.console = Console(stderr=True, highlight=False)  # for the log: it pads to width
        self.tabs: set[_Tab] = set()

    async def on_shutdown(self, app: web.Application) -> None:
        # Without this, an open tab keeps the server waiting a minute before it stops.
        await asyncio.gather(*(tab.stop() for tab in list(self.tabs)))

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's own, with a `_Tab` kept in `tabs` while the browser is there."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        tab: _Tab | None = None

        async def close() -> None:
            await websocket.close()

        try:
            await websocket.prepare(request)
            tab = _Tab(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.tabs.add(tab)
            await tab.start(width, height)
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            logging.getLogger("textual-serve").exception(error)
        finally:
            if tab is not None:
                await tab.stop()
                self.tabs.discard(tab)
        return websocket

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        say(self.err, f"open {self.public_url} in a browser; each tab is a debugger of its own")
        say(self.err, "Ctrl-C stops the server (and every tab's debugger)", style="dim")


def _check_files(args: argparse.Namespace, err: Console) -> None:
    """Read the files as the debugger will, so that their mistakes end here (and the twin's
    kernels are compiled once, before the first tab needs them)."""
    if args.resume:
        warm_up_twin(err)
        run = load_run(args.resume, args.data)
        print_warnings(err, [*run.trainer.corpus.warnings, *run.warnings])
    else:
        start_run(args, err)


def _probe(host: str, port: int) -> None:
    """Bind every address of `host` for a moment, as the server will (as asyncio does: an
    address family the machine lacks is skipped, addresses are reused, IPv6 sockets are
    IPv6 only), to say what stops it in plain words before the URL is shown."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, proto, _, address in set(infos):
            try:
                probe = socket.socket(family, kind, proto)
            except OSError:
                continue
            with probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
    except OSError as error:
        raise MicrogptError(_cannot_listen(host, port, error)) from None


def _cannot_listen(host: str, port: int, error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return f"cannot find the host {host!r}: give an address such as {LOOPBACK} or 0.0.0.0"
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use on {host} (another server is listening there): "
            "choose another with --port"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: give one of its own, or 0.0.0.0"
    if error.errno == errno.EACCES:
        return (
            f"not allowed to listen on port {port} (ports below 1024 need root): choose "
            "another with --port"
        )
    return f"cannot listen on {host} port {port}: {error.strerror or error}"
