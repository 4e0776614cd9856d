"""Training, one sentence per step, exactly as the tutorial's loop: corpus, seeded shuffle,
tokenizer, model; then per step the reference's five stages (pick a sentence, forward
each position, mean cross-entropy, backward, Adam). `step()` returns a `StepTrace`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.errors import NonFiniteError
from core.model.fit import check_fits
from core.model.gpt import GPTConfig, Model
from core.model.tokenizer import Tokenizer
from core.reference.rng import Mulberry32
from core.training.corpus import Corpus, check_covered
from core.training.forgetting import Forgetting, OriginalSample
from core.training.heldout import HELD_OUT_EVERY, HeldOut, due
from core.training.optimizer import Adam, AdamConfig
from core.training.staged_step import StagedStep, collector_paused
from core.training.state import TrainerState, frozen
from core.training.trace import LightTrace, StepTrace, WatchedParameter
from core.training.tracing import candidate_row_gradients

if TYPE_CHECKING:
    from core.model.twin import Twin  # imported on first use: it loads numba

DEFAULT_SEED = 42


class Trainer:
    """A training run: the shuffled sentences, tokenizer, model and Adam state."""

    def __init__(
        self,
        corpus: Corpus,
        seed: int = DEFAULT_SEED,
        adam: AdamConfig | None = None,
        model: Model | None = None,
        *,
        fine_tune: bool = False,
        model_name: str = "the model",
        original: OriginalSample | None = None,
        baseline: float | None = None,
        held_out: HeldOut | None = None,
        held_out_every: int = HELD_OUT_EVERY,
        held_out_baseline: float | None = None,
    ) -> None:
        """From scratch (no model), or from `model`'s weights: with `fine_tune`, as the
        tutorial's fine-tuning script starts from a loaded model (the model must carry its
        vocabulary: see core.training.finetune; `model_name` names it when a word of the
        corpus is not in it); without it, a run of this corpus resumed from its own weights.
        `original`: the sample whose loss shows what fine-tuning forgets, and `baseline` its
        loss before the first step (measured when not given). `held_out`: sentences never
        trained on (read with this run's tokenizer), whose loss is measured every
        `held_out_every` steps and after the last, and `held_out_baseline` its loss before
        the first step (measured when not given)."""
        self.corpus = corpus
        self.seed = seed
        self.rng = Mulberry32(seed)
        self.fine_tuning = fine_tune
        sentences = list(corpus.sentences)
        if fine_tune:
            if model is None or model.words is None:
                raise ValueError("fine-tuning needs a model that carries its vocabulary")
            # The reference's loadModel first builds a fresh model, drawing a whole weight
            # initialisation from the generator, and only then overwrites the weights: the
            # shuffle of the new corpus comes after those draws.
            Model.initialised(model.config, self.rng)
            self.rng.shuffle(sentences)
            self.tokenizer = Tokenizer(model.words)
            check_covered(self.tokenizer, corpus, model_name)
            model = model.copy()
        else:
            self.rng.shuffle(sentences)  # the reference shuffles before building anything
            self.tokenizer = Tokenizer.from_sentences(sentences)
            if model is None:
                config = GPTConfig(vocab_size=self.tokenizer.vocab_size)
                model = Model.initialised(config, self.rng, self.tokenizer.words)
            else:
                model = _adopt(model, self.tokenizer, corpus.path)
        self.sentences = tuple(sentences)
        config = model.config
        self.model = model
        self.adam = Adam(model.params.count, adam or AdamConfig())
        self.step_index = 0  # the next step to run (0-based)
        self._twin_engine: Twin | None = None
        self.token_row_hits = np.zeros(config.vocab_size, dtype=np.int64)
        # Only fine-tuning can leave rows outside the corpus: its vocabulary is another's.
        self.corpus_rows = _corpus_rows(self.tokenizer, sentences) if fine_tune else None
        self.forgetting: Forgetting | None = None
        if original is not None:
            if baseline is None:
                baseline = self._original_loss(original)
            self.forgetting = Forgetting(original, baseline)
        if held_out is not None and held_out.words != self.tokenizer.words:
            raise ValueError(f"{held_out.path} was encoded with another vocabulary")
        if held_out_every < 1:
            raise ValueError(f"held_out_every must be 1 or more, not {held_out_every}")
        self.held_out = held_out
        self.held_out_every = held_out_every
        self.held_out_baseline: float | None = None
        """The held-out loss before the first step (None without a held-out set)."""
        if held_out is not None:
            self.held_out_baseline = (
                self.measure_held_out() if held_out_baseline is None else held_out_baseline
            )

    @property
    def num_steps(self) -> int:
        return self.adam.config.num_steps

    def snapshot(self) -> TrainerState:
        """Everything that changes as training runs, copied: restoring it and stepping
        again reproduces the same traces bit for bit."""
        params = self.model.params
        return TrainerState(
            step_index=self.step_index,
            data=frozen(params.data),
            m=frozen(self.adam.m),
            v=frozen(self.adam.v),
            token_row_hits=frozen(self.token_row_hits),
            rng_state=self.rng.state,
        )

    def restore(self, state: TrainerState) -> None:
        self.step_index = state.step_index
        self.model.params.data[:] = state.data
        self.model.params.grad[:] = 0.0
        self.adam.m[:] = state.m
        self.adam.v[:] = state.v
        self.token_row_hits[:] = state.token_row_hits
        self.rng.state = state.rng_state

    def sentence_at(self, step: int) -> tuple[int, str]:
        index = step % len(self.sentences)
        return index, self.sentences[index]

    def step(self, watch: Sequence[int] = ()) -> StepTrace:
        """Train on the next sentence. On NaN or infinity nothing is updated and a
        NonFiniteError says where it appeared."""
        # Overflow is reported by the NaN and infinity checks, naming where it happened,
        # not by numpy's warnings on stderr.
        with collector_paused(), np.errstate(all="ignore"):
            # The graph lives and dies in here: it is freed by reference counting before
            # the collector comes back, so the collector never scans it.
            return StagedStep(self, watch).finish()

    def what_if(self, sentence: str, watch: Sequence[int] = ()) -> tuple[StepTrace, Trainer]:
        """The next step as it would be on `sentence` (a normalised sentence of this
        vocabulary) instead of the corpus's, taken whole on a scratch copy of the run, so
        that nothing of this one changes: its trace (marked `what_if`; the held-out and
        original-corpus losses are not measured for it), and the copy after its update."""
        self.tokenizer.encode(sentence)  # an unknown word: an error naming it, before work
        scratch = self._scratch()
        with collector_paused(), np.errstate(all="ignore"):
            return StagedStep(scratch, watch, sentence).finish(), scratch

    def _scratch(self) -> Trainer:
        """A copy to try a step on: its own weights, Adam buffers, hit counts and
        generator; the corpus, tokenizer and schedule shared (a step only reads them)."""
        scratch = Trainer.__new__(Trainer)
        scratch.__dict__.update(self.__dict__)
        # Arrays of its own, then this run's state in them: what a snapshot holds is what
        # a step changes, so nothing the step writes is shared.
        scratch.model = Model(self.model.config, self.model.words)
        scratch.adam = Adam(self.model.params.count, self.adam.config)
        scratch.token_row_hits = np.zeros_like(self.token_row_hits)
        scratch.rng = Mulberry32(0)
        scratch.restore(self.snapshot())
        scratch._twin_engine, scratch.forgetting, scratch.held_out = None, None, None
        return scratch

    def begin_step(self, watch: Sequence[int] = ()) -> StagedStep:
        """The next step, to be taken a stage at a time (`StagedStep.advance`): the same
        trace as `step` in the end, and nothing changed before its update."""
        return StagedStep(self, watch)

    def light_step(self, watch: Sequence[int] = ()) -> LightTrace:
        """The same step on the twin engine (core.model.twin): the same floats in the
        model, m, v and the rows' hit counts, so that full steps can follow light ones;
        its trace is the light one fast-forward needs. NaN or infinity as in `step`."""
        with collector_paused(), np.errstate(all="ignore"):
            step = self.step_index
            sentence_index, sentence = self.sentence_at(step)
            tokens = self.tokenizer.encode(sentence)
            params = self.model.params
            result = self.twin().gradients(tokens)
            if not (math.isfinite(result.loss) and result.finite):
                self.check_finite(step, result.loss, tokens)  # says where, and raises
            before = self.before_update(watch)
            token_rows = candidate_row_gradients(
                params["token_embedding"].grad_rows, tokens[: result.n], self.tokenizer.label
            )
            self.adam.apply(params.data, params.grad, step)
            self.step_index += 1
            self.token_row_hits[[r.row for r in token_rows]] += 1
            original = self.measure_forgetting()
            held_out = self.measure_held_out()
            return LightTrace(
                step=step,
                sentence_index=sentence_index,
                tokens=tuple(tokens),
                n=result.n,
                loss=result.loss,
                lr=self.adam.config.lr_at(step),
                target_probs=tuple(result.probs.tolist()),
                token_rows=token_rows,
                watched=self.watched_after(step, before),
                original_loss=None if original is None else original[0],
                original_rise=None if original is None else original[1],
                held_out_loss=held_out,
            )

    def twin(self) -> Twin:
        """The twin engine of this run's model, made on first use (it loads numba, and
        the first use of a fresh install compiles its kernels: a few seconds, once)."""
        if self._twin_engine is None:
            from core.model.twin import Twin

            self._twin_engine = Twin(self.model)
        return self._twin_engine

    def before_update(self, watch: Sequence[int]) -> dict[int, tuple[float, float, float, float]]:
        """Data, grad, m and v of the watched parameters, before Adam moves them."""
        params = self.model.params
        return {
            i: (
                float(params.data[i]),
                float(params.grad[i]),
                float(self.adam.m[i]),
                float(self.adam.v[i]),
            )
            for i in watch
        }

    def watched_after(
        self, step: int, before: dict[int, tuple[float, float, float, float]]
    ) -> tuple[WatchedParameter, ...]:
        params = self.model.params
        return tuple(
            WatchedParameter(
                i, params.name_of(i), self.adam.entry(i, step, before[i], float(params.data[i]))
            )
            for i in before
        )

    def measure_forgetting(self) -> tuple[float, float] | None:
        """The original-corpus loss after this step and its rise since the start, when one
        is due (called with the collector paused, after the update)."""
        watch = self.forgetting
        if watch is None or not watch.sample.due(self.step_index, self.num_steps):
            return None
        loss = watch.sample.loss(self.model, self.tokenizer)
        return loss, loss - watch.baseline

    def measure_held_out(self) -> float | None:
        """The held-out loss of the model as it is now, when one is due once
        `self.step_index` steps are done (always at 0: the baseline), else None."""
        held_out = self.held_out
        if held_out is None or not due(self.step_index, self.num_steps, self.held_out_every):
            return None
        with collector_paused(), np.errstate(all="ignore"):
            return held_out.loss(self.model)

    def _original_loss(self, sample: OriginalSample) -> float:
        with collector_paused(), np.errstate(all="ignore"):
            return sample.loss(self.model, self.tokenizer)

    def check_finite(self, step: int, loss: float, tokens: list[int]) -> None:
        params = self.model.params
        if (
            np.isfinite(params.data).all()
            and math.isfinite(loss)
            and np.isfinite(params.grad).all()
        ):
            return  # the usual case: one pass over each array, no search
        where = self._where_non_finite(loss)
        params.grad[:] = 0.0
        raise NonFiniteError(
            f"step {step + 1}: {where}; the update was not applied "
            f'(sentence: "{self.tokenizer.decode(tokens[1:-1])}")'
        )

    def _where_non_finite(self, loss: float) -> str:
        """Where a NaN or infinity appeared: a weight first (it poisons everything after
        it), else the loss, else a matrix's gradient."""
        params = self.model.params
        for spec in params.specs:
            block = params.data[spec.offset : spec.offset + spec.size]
            bad = np.flatnonzero(~np.isfinite(block))
            if bad.size:
                first = params.name_of(spec.offset + int(bad[0]))
                return (
                    f"{spec.name} holds {bad.size} non-finite weight(s), first "
                    f"{first} = {block[bad[0]]}"
                )
        if not math.isfinite(loss):
            return f"the loss is {loss}"
        for spec in params.specs:
            if not np.isfinite(params.grad[spec.offset : spec.offset + spec.size]).all():
                return f"the gradient of {spec.name} is not finite"
        return "a value is not finite"


def _corpus_rows(tokenizer: Tokenizer, sentences: Sequence[str]) -> np.ndarray:
    """Which token-embedding rows the corpus can give a gradient: its words' and BOS's."""
    rows = np.zeros(tokenizer.vocab_size, dtype=bool)
    words = {w for s in sentences for w in s.split(" ")}
    rows[tokenizer.encode(" ".join(words))] = True  # BOS, and every word's id
    return rows


def _adopt(model: Model, tokenizer: Tokenizer, corpus_path: str) -> Model:
    """A loaded model, checked against the corpus's vocabulary and given its words."""
    check_fits(model, "the model", tokenizer, corpus_path)
    return model.copy(tokenizer.words)
