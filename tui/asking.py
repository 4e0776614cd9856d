"""The debugger's "Ask the model" key (i): generate from the current weights, or probe a
sentence you type, each on the training thread between two steps, so that the UI never
waits and no step changes the weights mid-read. Generation draws from a generator made
from the seed typed, never the run's; a probe never runs backward; a what-if step is the
session's, on a copy of the run."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App

from core.debugging.session import Session
from core.model.generation import SamplingOptions, samples
from core.reference.rng import Mulberry32
from core.training.probe import probe
from core.training.staged_step import collector_paused
from tui.screens.ask import AskScreen
from tui.screens.asked import AskModel, Generated, ModelAt, Probed
from tui.training import TrainingRunner


class Asking(App[None]):
    """Mixed into the app, which provides these attributes."""

    session: Session
    runner: TrainingRunner
    render_all: Callable[[], None]

    def action_ask(self) -> None:
        ask = AskModel(self._generate, self._probe, self._what_if)
        self.push_screen(AskScreen(ask, self._model_at()))

    def _model_at(self) -> ModelAt:
        return ModelAt(self.session.steps_done, self.session.num_steps)

    async def _generate(self, options: SamplingOptions, seed: int, count: int) -> Generated:
        trainer = self.session.trainer

        def generate() -> Generated:
            with collector_paused():  # a forward graph per word, freed by reference counting
                drawn = samples(trainer.model, trainer.tokenizer, Mulberry32(seed), count, options)
                return Generated(self._model_at(), options, seed, tuple(drawn))

        return await self.runner.call(generate)

    async def _probe(self, text: str) -> Probed:
        trainer = self.session.trainer

        def asked() -> Probed:
            return Probed(self._model_at(), probe(trainer.model, trainer.tokenizer, text))

        return await self.runner.call(asked)

    async def _what_if(self, sentence: str) -> None:
        await self.runner.call(lambda: self.session.what_if(sentence))
        self.render_all()
