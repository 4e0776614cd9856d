"""The benchmark behind `microgpt bench`: time real training steps and measure memory.

Speed is measured here, never asserted in tests: timings on a shared machine are noisy,
so compare medians taken in one run.
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass

from core.model.loss import SentenceForward
from core.model.naive import NaiveGPT
from core.training.corpus import Corpus
from core.training.optimizer import AdamConfig
from core.training.staged_step import collector_paused
from core.training.trace import StepTrace
from core.training.trainer import Trainer
from core.training.update_effect import measure_effect

ENGINES = ("scalar", "twin", "naive")
"""scalar: the graph engine, which every full step (and the debugger) uses; twin: its
array twin (core.model.twin), which fast-forward and `train` use; naive: one node per
primitive op, as the tutorial builds the graph."""
ALIASES = {"fused": "scalar"}  # the scalar engine's name before the twin existed


@dataclass(frozen=True)
class BenchResult:
    """What a benchmark run measured."""

    engine: str
    """One of ENGINES."""
    corpus: str
    seed: int
    steps: int
    """Steps timed (after one untimed warm-up step)."""
    median_ms: float
    min_ms: float
    max_ms: float
    forward_ms: float
    """Median of the forward stage (scalar engine only; 0 for the others)."""
    backward_ms: float
    update_ms: float
    nodes: int
    """Median graph nodes per step."""
    reference_nodes: int
    """Median nodes of the reference's one-op-per-node graph for the same steps."""
    rss_before_mb: float
    """Resident memory of the process before the timed steps."""
    peak_rss_mb: float
    """Peak resident memory of the process, timed steps included."""
    step_alloc_peak_mb: float
    """Peak of memory allocated during one more step, traced with tracemalloc."""
    attention_ms: float = 0.0
    """Median time recording the attention weights adds to a step's forward pass (scalar
    engine only: a forward pass with the recording, less one without, on the same
    sentence)."""
    after_pass_ms: float = 0.0
    """Median time of the before → after view's pass after a step (scalar engine only:
    the step's sentence forward again on the twin, with the updated weights)."""

    @property
    def steps_per_second(self) -> float:
        return 1e3 / self.median_ms if self.median_ms > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "steps_per_second": self.steps_per_second}


def run_benchmark(
    corpus: Corpus, seed: int, steps: int, engine: str = "scalar", num_steps: int = 5000
) -> BenchResult:
    """Train `steps` steps from the start of the schedule and time each one."""
    engine = ALIASES.get(engine, engine)
    trainer = Trainer(corpus, seed, AdamConfig(num_steps=num_steps))
    gc.collect()
    gc.freeze()  # as the applications do: the long-lived model is never scanned again
    steppers: dict[str, Callable[[], object]] = {
        "scalar": trainer.step,
        "twin": trainer.light_step,
        "naive": _naive_step(trainer),
    }
    step = steppers[engine]
    step()  # warm-up: first-touch allocations and caches (and the twin's compiled kernels)
    rss_before = _rss_mb()
    traces: list[object] = []
    times: list[float] = []
    for _ in range(steps):
        start = time.perf_counter()
        trace = step()
        times.append((time.perf_counter() - start) * 1e3)
        traces.append(trace)
    peak_rss = _peak_rss_mb()
    tracemalloc.start()
    last = step()
    _, alloc_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # After the memory figures: the before → after pass loads the twin (numba).
    attention = _attention_costs(trainer, steps) if engine == "scalar" else []
    after = _after_pass_times(trainer, last, steps) if isinstance(last, StepTrace) else []

    def median(values: list[float]) -> float:
        return float(statistics.median(values)) if values else 0.0

    fused = [t for t in traces if isinstance(t, StepTrace)]
    return BenchResult(
        engine=engine,
        corpus=corpus.path,
        seed=seed,
        steps=steps,
        median_ms=median(times),
        min_ms=min(times),
        max_ms=max(times),
        forward_ms=median([t.timings.forward_ms for t in fused]),
        backward_ms=median([t.timings.backward_ms for t in fused]),
        update_ms=median([t.timings.update_ms for t in fused]),
        nodes=int(median([t.nodes for t in fused])),
        reference_nodes=int(median([t.reference_nodes for t in fused])),
        rss_before_mb=rss_before,
        peak_rss_mb=peak_rss,
        step_alloc_peak_mb=alloc_peak / 2**20,
        attention_ms=median(attention),
        after_pass_ms=median(after),
    )


def _after_pass_times(trainer: Trainer, trace: StepTrace, count: int) -> list[float]:
    """The before → after pass of the last step, `count` times, in milliseconds."""
    measure_effect(trainer, trace)  # the twin's kernels loaded first
    times = []
    for _ in range(count):
        start = time.perf_counter()
        measure_effect(trainer, trace)
        times.append((time.perf_counter() - start) * 1e3)
    return times


def _attention_costs(trainer: Trainer, count: int, repeats: int = 3) -> list[float]:
    """What recording the attention costs a forward pass, in milliseconds, on the next
    `count` sentences: the fastest of `repeats` passes with it, less the fastest without
    (taken in turn, so that neither always runs on a warm cache; the cost is small next to
    a pass, so the fastest of a few is what keeps the noise below it)."""
    costs = []
    for k in range(count):
        _, sentence = trainer.sentence_at(trainer.step_index + k)
        tokens = trainer.tokenizer.encode(sentence)
        ms: dict[bool, float] = {True: float("inf"), False: float("inf")}
        for r in range(2 * repeats):
            record = (r + k) % 2 == 0
            ms[record] = min(ms[record], _forward_ms(trainer, tokens, record))
        costs.append(ms[True] - ms[False])
    return costs


def _forward_ms(trainer: Trainer, tokens: list[int], record: bool) -> float:
    with collector_paused():
        start = time.perf_counter()
        forward = SentenceForward(trainer.model, tokens, record)
        while forward.fed < forward.n:
            forward.feed()
        forward.loss()
        elapsed = (time.perf_counter() - start) * 1e3
        del forward  # freed here, with the collector still paused
    return elapsed


def _naive_step(trainer: Trainer) -> Callable[[], None]:
    """A training step with the straightforward port instead of the fused engine: same
    loss, same gradients, same update, one Python object per primitive operation, and the
    cyclic garbage collector left on, as a straightforward port would leave it."""

    def step() -> None:
        _, sentence = trainer.sentence_at(trainer.step_index)
        naive = NaiveGPT(trainer.model)
        naive.loss(trainer.tokenizer.encode(sentence)).backward()
        params = trainer.model.params
        params.grad[:] = naive.gradients()
        trainer.adam.update(params.data, params.grad, trainer.step_index)
        trainer.step_index += 1

    return step


def _rss_mb() -> float:
    """Current resident memory, from /proc where there is one (else the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return _peak_rss_mb()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB
