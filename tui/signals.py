"""How the debugger ends: `q`, which asks first when steps would be lost, and SIGTERM and
SIGHUP, which end it the way `q` does, so that the terminal is given back as it was (their
default action kills the process with the terminal still raw)."""

from __future__ import annotations

import asyncio
import signal

from textual.app import App

from core.debugging.session import Session
from tui.training import TrainingRunner

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class ExitOnSignals(App[None]):
    """Mixed into the app, which provides these attributes."""

    session: Session
    runner: TrainingRunner
    _quit_asked: bool  # q was pressed with unsaved steps (a training key forgets it)
    _signal_loop: asyncio.AbstractEventLoop | None = None

    async def action_quit(self) -> None:
        """Quit, unless that would lose steps: then ask first (q again, or y, confirms)."""
        session = self.session
        if session.unsaved and not self._quit_asked:
            self._quit_asked = True
            self.notify(
                f"the run is at step {session.steps_done:,}, saved at step {session.saved_at:,}"
                ": q again (or y) quits without saving; s saves",
                title="unsaved steps",
                severity="warning",
                timeout=10,
            )
            return
        self.quit_with(0)

    async def action_confirm_quit(self) -> None:
        if self._quit_asked:
            self.quit_with(0)

    def quit_with(self, return_code: int) -> None:
        self.session.stop()
        self.runner.shutdown()
        self.exit(return_code=return_code)

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
