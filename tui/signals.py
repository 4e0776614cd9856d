"""SIGTERM and SIGHUP end the debugger the way `q` does, so that the terminal is given
back as it was (their default action kills the process with the terminal still raw)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from textual.app import App

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class ExitOnSignals(App[None]):
    """Mixed into the app, which provides `quit_with`."""

    quit_with: Callable[[int], None]
    _signal_loop: asyncio.AbstractEventLoop | None = None

    def on_load(self) -> None:
        # On load, before the driver puts the terminal in raw mode (and removed on unmount,
        # just before it is restored): the default action would leave the terminal raw.
        try:
            loop = asyncio.get_running_loop()
            for signum in EXIT_SIGNALS:
                loop.add_signal_handler(signum, self._signalled, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no signal handlers here (not Unix, or not the main thread): defaults stay
        else:
            self._signal_loop = loop

    def on_unmount(self) -> None:
        # The loop may outlive the app (tests, an embedding program): give the signals back.
        if self._signal_loop is not None:
            for signum in EXIT_SIGNALS:
                self._signal_loop.remove_signal_handler(signum)
            self._signal_loop = None

    def _signalled(self, signum: int) -> None:
        """Quit as `q` does, with the status a shell gives a process the signal killed."""
        self.quit_with(128 + signum)
