"""Training, one sentence per step, exactly as the tutorial's loop: corpus, seeded shuffle,
tokenizer, model; then per step the reference's five stages (pick a sentence, forward
each position, mean cross-entropy, backward, Adam). `step()` returns a `StepTrace`.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from core.autograd.engine import BackwardPass, Value, vsum
from core.autograd.primitives import Softmax, scale_down, softmax
from core.errors import NonFiniteError
from core.model.fit import check_fits
from core.model.gpt import GPTConfig, KVCache, Model, gpt
from core.model.graph_size import reference_node_count
from core.model.tokenizer import Tokenizer
from core.reference.rng import Mulberry32
from core.training.corpus import Corpus
from core.training.optimizer import Adam, AdamConfig
from core.training.state import TrainerState, frozen
from core.training.trace import StepTrace, Timings, WatchedParameter
from core.training.tracing import GradientReport, moved_rows, position_traces, row_states

DEFAULT_SEED = 42


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


class Trainer:
    """A training run: the shuffled sentences, tokenizer, model and Adam state."""

    def __init__(
        self,
        corpus: Corpus,
        seed: int = DEFAULT_SEED,
        adam: AdamConfig | None = None,
        model: Model | None = None,
    ) -> None:
        self.corpus = corpus
        self.seed = seed
        self.rng = Mulberry32(seed)
        sentences = list(corpus.sentences)
        self.rng.shuffle(sentences)  # the reference shuffles before building anything
        self.sentences = tuple(sentences)
        self.tokenizer = Tokenizer.from_sentences(sentences)
        if model is None:
            config = GPTConfig(vocab_size=self.tokenizer.vocab_size)
            model = Model.initialised(config, self.rng, self.tokenizer.words)
        else:
            model = _adopt(model, self.tokenizer, corpus.path)
        config = model.config
        self.model = model
        self.adam = Adam(model.params.count, adam or AdamConfig())
        self.step_index = 0  # the next step to run (0-based)
        self.token_row_hits = np.zeros(config.vocab_size, dtype=np.int64)

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
            # The graph lives and dies inside _step: it is freed by reference counting
            # before the collector comes back, so the collector never scans it.
            return self._step(watch)

    def _step(self, watch: Sequence[int]) -> StepTrace:
        step = self.step_index
        sentence_index, sentence = self.sentence_at(step)
        tokens = self.tokenizer.encode(sentence)
        params = self.model.params
        t0 = time.perf_counter()
        loss, total, probs, losses = self._forward(tokens)
        t1 = time.perf_counter()
        run = loss.backward()
        t2 = time.perf_counter()
        self._check_finite(step, loss, tokens)
        before = {
            i: (
                float(params.data[i]),
                float(params.grad[i]),
                float(self.adam.m[i]),
                float(self.adam.v[i]),
            )
            for i in watch
        }
        gradients = GradientReport.read(params, self.tokenizer)
        t3 = time.perf_counter()
        update = self.adam.update(params.data, params.grad, step)
        t4 = time.perf_counter()
        self.step_index += 1
        timings = Timings((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t4 - t3) * 1e3)
        return self._trace(
            step,
            sentence_index,
            sentence,
            tokens,
            loss,
            total.data,
            probs,
            losses,
            run,
            gradients,
            update,
            before,
            timings,
        )

    def _forward(self, tokens: list[int]) -> tuple[Value, Value, list[Softmax], list[Value]]:
        """The mean loss, the sum it divides, and each position's distribution and loss."""
        n = min(self.model.config.block_size, len(tokens) - 1)
        cache = KVCache.empty(self.model.config)
        probs, losses = [], []
        for pos in range(n):
            p = softmax(gpt(self.model, tokens[pos], pos, cache))
            probs.append(p)
            losses.append(p[tokens[pos + 1]].log().neg())
        total = vsum(losses)
        return scale_down(total, n), total, probs, losses

    def _check_finite(self, step: int, loss: Value, tokens: list[int]) -> None:
        params = self.model.params
        if (
            np.isfinite(params.data).all()
            and math.isfinite(loss.data)
            and np.isfinite(params.grad).all()
        ):
            return  # the usual case: one pass over each array, no search
        where = self._where_non_finite(loss)
        params.grad[:] = 0.0
        raise NonFiniteError(
            f"step {step + 1}: {where}; the update was not applied "
            f'(sentence: "{self.tokenizer.decode(tokens[1:-1])}")'
        )

    def _where_non_finite(self, loss: Value) -> str:
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
        if not math.isfinite(loss.data):
            return f"the loss is {loss.data}"
        for spec in params.specs:
            if not np.isfinite(params.grad[spec.offset : spec.offset + spec.size]).all():
                return f"the gradient of {spec.name} is not finite"
        return "a value is not finite"

    def _trace(
        self,
        step: int,
        sentence_index: int,
        sentence: str,
        tokens: list[int],
        loss: Value,
        loss_sum: float,
        probs: list[Softmax],
        losses: list[Value],
        run: BackwardPass,
        grads: GradientReport,
        update: np.ndarray,
        before: dict[int, tuple[float, float, float, float]],
        timings: Timings,
    ) -> StepTrace:
        model, params = self.model, self.model.params
        n = len(probs)
        words = tuple(self.tokenizer.label(t) for t in tokens)
        moved = moved_rows(update, params["token_embedding"].spec)
        hits = self.token_row_hits
        hits[[r.row for r in grads.token_rows]] += 1
        watched = tuple(
            WatchedParameter(
                i, params.name_of(i), self.adam.entry(i, step, before[i], float(params.data[i]))
            )
            for i in before
        )
        return StepTrace(
            step=step,
            num_steps=self.num_steps,
            sentence_index=sentence_index,
            sentence=sentence,
            tokens=tuple(tokens),
            words=words,
            n=n,
            truncated=len(tokens) - 1 > n,
            positions=position_traces(tokens, words, probs, losses, self.tokenizer),
            loss_sum=loss_sum,
            loss=loss.data,
            lr=self.adam.config.lr_at(step),
            token_rows=grads.token_rows,
            position_rows=grads.position_rows,
            token_rows_moved=moved,
            token_row_hits=tuple(hits.tolist()),
            token_row_states=row_states(hits, moved, grads.token_rows),
            matrix_grad_norms=grads.matrix_norms,
            watched=watched,
            nodes=run.nodes,
            reference_nodes=reference_node_count(model.config, n, len(set(tokens[:n]))),
            timings=timings,
        )


def _adopt(model: Model, tokenizer: Tokenizer, corpus_path: str) -> Model:
    """A loaded model, checked against the corpus's vocabulary and given its words."""
    check_fits(model, "the model", tokenizer, corpus_path)
    adopted = Model(model.config, tokenizer.words)
    adopted.params.data[:] = model.params.data
    return adopted
