"""What the debugger shows of its session, as the app's own attributes (tests and hosts
read these): every one is read from the `Session`, none is kept by the app."""

from __future__ import annotations

from core.debugging.session import Mode, Session
from core.training.trace import StepTrace


class SessionReadings:
    """Mixed into the app, which provides `session`."""

    session: Session

    @property
    def steps_done(self) -> int:
        return self.session.steps_done

    @property
    def trace(self) -> StepTrace | None:
        return self.session.trace

    @property
    def note(self) -> str:
        return self.session.state().reason

    @property
    def running(self) -> bool:
        return self.session.state().mode is Mode.RUNNING

    @property
    def queued(self) -> int:
        return self.session.state().queued

    @property
    def goal(self) -> int | None:
        return self.session.state().goal

    @property
    def replaying(self) -> bool:
        return self.session.state().mode is Mode.REWINDING
