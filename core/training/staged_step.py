"""One training step on the scalar engine, a stage at a time: the tutorial's five stages
(see core.training.stages), the forward pass one position per call. `Trainer.step` runs
it to the end in one go, so a step taken stage by stage gives the very trace of a step
taken whole: it is the same code, stopped in between.

Nothing changes the run's state before the update: until then `abandon()` leaves the
trainer exactly as it was (the gradients zeroed again), so going back from any stage is
free."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from core.autograd.engine import BackwardPass
from core.model.graph_size import reference_node_count
from core.model.loss import SentenceForward, SentenceLoss
from core.training.attention import AttentionWeights
from core.training.stages import Stage, StepProgress
from core.training.trace import PositionTrace, StepTrace, Timings
from core.training.tracing import GradientReport, moved_rows, position_trace, row_states

if TYPE_CHECKING:
    from core.training.trainer import Trainer


@contextmanager
def collector_paused() -> Iterator[None]:
    """A step allocates a graph of ~20,000 acyclic objects, freed by reference counting;
    letting the cyclic collector scan them makes the step several times slower."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class StagedStep:
    """The next step of a trainer, begun (stage 1 done: the sentence is picked and
    encoded). Each `advance()` does one stage more; `finish()` does the rest."""

    def __init__(
        self, trainer: Trainer, watch: Sequence[int] = (), sentence: str | None = None
    ) -> None:
        """The trainer's next step, on its next sentence, or (a what-if) on `sentence`."""
        self.trainer = trainer
        self.watch = list(watch)
        """The parameters the update reports (read when the update stage comes)."""
        self.step = trainer.step_index
        self.what_if = sentence is not None
        if sentence is None:
            self.sentence_index, self.sentence = trainer.sentence_at(self.step)
        else:
            self.sentence_index, self.sentence = -1, sentence
        self.tokens = trainer.tokenizer.encode(self.sentence)
        self.words = tuple(trainer.tokenizer.label(t) for t in self.tokens)
        self.stage = Stage.TOKENIZE
        self.forward = SentenceForward(trainer.model, self.tokens)
        self.positions: list[PositionTrace] = []
        self.result: SentenceLoss | None = None
        self.run: BackwardPass | None = None
        self.gradients: GradientReport | None = None
        self.gradient_count: int | None = None
        self.trace: StepTrace | None = None
        self._ms = {"forward": 0.0, "backward": 0.0, "update": 0.0, "original": 0.0}
        self._held_out_ms = 0.0

    @property
    def n(self) -> int:
        return self.forward.n

    @property
    def done(self) -> bool:
        return self.trace is not None

    def advance(self) -> Stage:
        """Do the next stage (or the next position of the forward pass); the stage done.
        NaN or infinity after the backward pass raises a NonFiniteError (see Trainer.step),
        the gradients zeroed: nothing was updated."""
        if self.trace is not None:
            raise RuntimeError(f"step {self.step + 1} is done")
        # Overflow is reported by the NaN and infinity checks, not by numpy's warnings.
        with collector_paused(), np.errstate(all="ignore"):
            self._advance()
        return self.stage

    def _advance(self) -> None:
        if self.stage is Stage.TOKENIZE or (
            self.stage is Stage.FORWARD and self.forward.fed < self.n
        ):
            self._feed()
        elif self.stage is Stage.FORWARD:
            self._loss()
        elif self.stage is Stage.LOSS:
            self._backward()
        else:
            self._update()

    def finish(self) -> StepTrace:
        """Every stage left; the step's trace."""
        with collector_paused():
            while self.trace is None:
                self.advance()
        return self.trace

    def abandon(self) -> None:
        """Drop the step before its update: the trainer is as it was before it began."""
        if self.trace is None:
            self.trainer.model.params.grad[:] = 0.0

    # --- the stages ---

    def _feed(self) -> None:
        t0 = time.perf_counter()
        forward = self.forward
        forward.feed()
        pos = forward.fed - 1
        self.positions.append(
            position_trace(
                pos,
                self.tokens,
                self.words,
                forward.probs[pos],
                forward.losses[pos],
                self.trainer.tokenizer,
            )
        )
        self.stage = Stage.FORWARD
        self._ms["forward"] += _ms_since(t0)

    def _loss(self) -> None:
        t0 = time.perf_counter()
        self.result = self.forward.loss()
        self.stage = Stage.LOSS
        self._ms["forward"] += _ms_since(t0)

    def _backward(self) -> None:
        assert self.result is not None
        trainer, params = self.trainer, self.trainer.model.params
        t0 = time.perf_counter()
        self.run = self.result.loss.backward()
        self._ms["backward"] += _ms_since(t0)
        # On NaN or infinity nothing is updated: the error says where (gradients zeroed).
        trainer.check_finite(self.step, self.result.loss.data, self.tokens)
        self.gradients = GradientReport.read(params, trainer.tokenizer)
        self.gradient_count = int(np.count_nonzero(params.grad))
        self.stage = Stage.BACKWARD

    def _update(self) -> None:
        assert self.gradients is not None
        trainer, params = self.trainer, self.trainer.model.params
        before = trainer.before_update(self.watch)
        t0 = time.perf_counter()
        update = trainer.adam.update(params.data, params.grad, self.step)
        self._ms["update"] += _ms_since(t0)
        trainer.step_index += 1
        t0 = time.perf_counter()
        original = trainer.measure_forgetting()
        self._ms["original"] += _ms_since(t0)
        t0 = time.perf_counter()
        held_out = trainer.measure_held_out()
        self._held_out_ms += _ms_since(t0)
        self.stage = Stage.UPDATE
        self.trace = self._trace(update, before, original, held_out)

    def _trace(
        self,
        update: np.ndarray,
        before: dict[int, tuple[float, float, float, float]],
        original: tuple[float, float] | None,
        held_out: float | None,
    ) -> StepTrace:
        trainer = self.trainer
        grads, result, run = self.gradients, self.result, self.run
        assert grads is not None and result is not None and run is not None
        params = trainer.model.params
        moved = moved_rows(update, params["token_embedding"].spec)
        hits = trainer.token_row_hits
        hits[[r.row for r in grads.token_rows]] += 1
        n = self.n
        ms = self._ms
        return StepTrace(
            step=self.step,
            num_steps=trainer.num_steps,
            sentence_index=self.sentence_index,
            sentence=self.sentence,
            tokens=tuple(self.tokens),
            words=self.words,
            n=n,
            truncated=len(self.tokens) - 1 > n,
            positions=tuple(self.positions),
            loss_sum=result.total.data,
            loss=result.loss.data,
            lr=trainer.adam.config.lr_at(self.step),
            token_rows=grads.token_rows,
            position_rows=grads.position_rows,
            token_rows_moved=moved,
            token_row_hits=tuple(hits.tolist()),
            token_row_states=row_states(hits, moved, grads.token_rows, trainer.corpus_rows),
            matrix_grad_norms=grads.matrix_norms,
            gradient_count=self.gradient_count or 0,
            attention=self._attention(),
            watched=trainer.watched_after(self.step, before),
            nodes=run.nodes,
            reference_nodes=reference_node_count(
                trainer.model.config, n, len(set(self.tokens[:n]))
            ),
            original_loss=None if original is None else original[0],
            original_rise=None if original is None else original[1],
            held_out_loss=held_out,
            what_if=self.what_if,
            timings=Timings(
                ms["forward"], ms["backward"], ms["update"], ms["original"], self._held_out_ms
            ),
        )

    def _attention(self) -> AttentionWeights:
        config = self.trainer.model.config
        return AttentionWeights.record(config.n_layer, config.n_head, self.forward.attention)

    # --- what a debugger shows between stages ---

    def progress(self) -> StepProgress:
        """The step as far as it has got."""
        trainer = self.trainer
        config = trainer.adam.config
        hits = trainer.token_row_hits
        grads = self.gradients
        token_rows = grads.token_rows if grads is not None else ()
        if self.trace is not None:
            states, hit_counts = self.trace.token_row_states, self.trace.token_row_hits
        else:
            counted = hits.copy()
            counted[[r.row for r in token_rows]] += 1
            states = row_states(counted, (), token_rows, trainer.corpus_rows)
            hit_counts = tuple(counted.tolist())
        result, trace = self.result, self.trace
        return StepProgress(
            stage=self.stage,
            step=self.step,
            num_steps=trainer.num_steps,
            sentence_index=self.sentence_index,
            num_sentences=len(trainer.sentences),
            sentence=self.sentence,
            tokens=tuple(self.tokens),
            words=self.words,
            n=self.n,
            block_size=trainer.model.config.block_size,
            truncated=len(self.tokens) - 1 > self.n,
            lr=config.lr_at(self.step),
            bias_corrections=config.bias_corrections(self.step),
            positions=tuple(self.positions),
            attention=trace.attention if trace is not None else self._attention(),
            loss_sum=result.total.data if result is not None else None,
            loss=result.loss.data if result is not None else None,
            parameter_count=trainer.model.params.count,
            gradient_count=self.gradient_count,
            token_rows=token_rows,
            position_rows=grads.position_rows if grads is not None else (),
            token_row_hits=hit_counts,
            token_row_states=states,
            trace=trace,
            token_rows_moved=trace.token_rows_moved if trace is not None else (),
        )


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1e3
