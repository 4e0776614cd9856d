"""The narration: one sentence per stage, step and mode, in the tutorial's words, with the
numbers of the trace it narrates (written as the panels write them), and a short form that
fits one line of an 80-column screen."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.debugging.narration import Narration, narrate, percent
from core.debugging.session_state import Mode, SessionState
from core.training.corpus import Corpus, load_corpus
from core.training.stages import Stage, StepProgress
from core.training.stats import recent_mean
from core.training.trace import RowState, StepTrace
from core.training.trainer import Trainer
from tui.format import percent as panel_percent

SENTENCES = ["the old hen sits on the nest", "a dog runs to the park", "we eat", "the sun is hot"]
LONG = " ".join(["the", "dog", "runs", "to", "the", "park"] * 3)  # 18 words: past the block
SHORT_WIDTH = 76  # an 80-column line, less the line's padding and the narration's mark


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    path = tmp_path_factory.mktemp("narration") / "corpus.txt"
    path.write_text("\n".join([*SENTENCES, LONG]) + "\n")
    return load_corpus(path)


def idle(step: int, num_steps: int = 5000) -> SessionState:
    return SessionState(Mode.IDLE, step, num_steps, 0, None, "", False)


def walk(trainer: Trainer) -> list[StepProgress]:
    """A step walked stage by stage: what the session shows after each stage."""
    staged = trainer.begin_step()
    shown = [staged.progress()]
    while not staged.done:
        staged.advance()
        shown.append(staged.progress())
    return shown


@pytest.fixture(scope="module")
def walked(corpus: Corpus) -> list[StepProgress]:
    """The fourth step (three taken whole first), walked stage by stage."""
    trainer = Trainer(corpus, seed=1)
    for _ in range(3):
        trainer.step()
    return walk(trainer)


def fits(n: Narration) -> bool:
    return len(n.short) <= SHORT_WIDTH and len(n.short) <= len(n.text)


def test_nothing_trained_yet_says_which_key_trains():
    n = narrate(None, idle(0))
    assert n.short == "Press space to train on the first sentence"
    assert n.text.startswith(n.short)


def test_a_resumed_run_with_no_step_shown_says_where_it_stands():
    n = narrate(None, idle(1204))
    assert n.short == "1,204 of 5,000 steps done: space trains step 1,205"


def test_after_tokenizing_the_tokens_and_positions_are_counted(walked):
    p = walked[0]
    assert p.stage is Stage.TOKENIZE
    n = narrate(p, idle(3))
    tokens = len(p.tokens)
    assert n.short == (
        f"Step 4: {tokens} tokens, BOS at both ends: {tokens - 1} positions to predict"
    )
    assert f"sentence {p.sentence_index + 1} of {p.num_sentences}" in n.text
    assert fits(n)


def test_a_sentence_past_the_block_says_how_many_positions_fit(corpus):
    trainer = Trainer(corpus, seed=1)
    while not trainer.sentence_at(trainer.step_index)[1].startswith("the dog runs"):
        trainer.step()
    p = walk(trainer)[0]
    assert p.truncated
    n = narrate(p, idle(trainer.step_index))
    assert f"{p.n} of {len(p.tokens) - 1} positions fit" in n.short
    assert f"the first {p.n} fit the block" in n.text


def test_a_position_fed_names_its_context_target_probability_and_loss(walked):
    p = next(q for q in walked if q.stage is Stage.FORWARD and q.fed == 4)
    last = p.positions[-1]
    n = narrate(p, idle(3))
    context = " ".join(p.words[:4])  # position 3 reads tokens 0..3
    assert n.text == (
        f"Step 4, position 3: the model reads “{context}” and gives “{last.target_word}” "
        f"p = {panel_percent(last.prob)} (rank {last.rank:,}, loss {last.loss:.2f})"
    )
    assert n.short.startswith(f"Step 4, position 3: “… {' '.join(p.words[2:4])}” gives")
    assert fits(n)


def test_the_loss_is_said_as_the_mean_the_training_loop_computes(walked):
    p = next(q for q in walked if q.stage is Stage.LOSS)
    assert p.loss_sum is not None and p.loss is not None
    n = narrate(p, idle(3))
    assert n.short == (
        f"Step 4: loss = the mean of {p.n} position losses = "
        f"{p.loss_sum:.4f} / {p.n} = {p.loss:.4f}"
    )
    assert f"the loss is the mean of {p.n} position losses" in n.text
    assert fits(n)


def test_backward_counts_the_parameters_that_got_a_gradient(walked):
    p = next(q for q in walked if q.stage is Stage.BACKWARD)
    n = narrate(p, idle(3))
    assert f"{p.gradient_count:,} of {p.parameter_count:,} parameters" in n.short
    assert f"{len(p.token_rows)} token rows" in n.text
    assert fits(n)


def test_the_update_says_the_learning_rate_and_the_rows_moved(walked):
    p = walked[-1]
    assert p.stage is Stage.UPDATE and p.trace is not None
    n = narrate(p, idle(4))
    gradient, momentum = p.trace.rows_in(RowState.GRADIENT), p.trace.rows_in(RowState.MOMENTUM)
    assert f"lr_t = {p.trace.lr:.6g}" in n.text
    assert f"lr_t {p.trace.lr:.6g}, {gradient} rows by gradient, {momentum} by momentum" in n.short
    assert fits(n)


def test_a_whole_step_gives_its_loss_and_its_worst_position(walked):
    trace = walked[-1].trace
    assert isinstance(trace, StepTrace)
    n = narrate(trace, idle(4))
    worst = trace.positions[trace.worst_position]
    assert n.short == (
        f"Step 4: loss {trace.loss:.4f} over {trace.n} positions; worst: position "
        f"{worst.position}, p = {panel_percent(worst.prob)}"
    )
    assert fits(n)


def test_every_stage_has_a_short_form_that_fits_80_columns(walked):
    for p in walked:
        assert fits(narrate(p, idle(3))), p.stage


def test_running_gives_the_step_and_the_running_mean():
    losses = [6.0 - k / 1000 for k in range(1204)]
    state = SessionState(Mode.RUNNING, 1204, 5000, 0, None, "", False)
    n = narrate(None, state, losses)
    mean = recent_mean(losses)
    assert mean is not None
    assert (
        n.text
        == f"Running: step 1,204 of 5,000, mean loss {mean.value:.4f} over the last 100 steps"
    )
    assert fits(n)


def test_going_and_rewinding_name_the_step_they_head_for():
    going = narrate(None, SessionState(Mode.GOING, 120, 5000, 0, 400, "", False))
    back = narrate(None, SessionState(Mode.REWINDING, 120, 5000, 0, 12, "", False))
    assert going.short == "Going to step 400: 120 of 5,000 done"
    assert back.short.startswith("Going back to step 12")
    assert "replayed" in back.text


def test_percentages_are_written_as_the_panels_write_them():
    for p in (0.0, 1e-9, 0.000612, 0.00128, 0.0839, 0.1, 0.5, 1.0):
        for digits in (2, 3):
            assert percent(p, digits) == panel_percent(p, digits)


def test_the_bundled_corpus_step_stays_on_one_line_at_80_columns():
    trainer = Trainer(load_corpus(), seed=42)
    for p in walk(trainer):
        assert fits(narrate(p, idle(0))), p.stage


def test_late_steps_of_a_full_block_still_fit_80_columns(corpus):
    """The widest numbers a run has: step 4,999 of 5,000, every position of the block, and
    every token row moved by momentum."""
    trainer = Trainer(corpus, seed=1)
    while not trainer.sentence_at(trainer.step_index)[1].startswith("the dog runs"):
        trainer.step()
    for p in walk(trainer):
        trace = p.trace
        if trace is not None:
            states = (RowState.MOMENTUM,) * 596 + (RowState.GRADIENT,) * 16
            trace = replace(trace, step=4998, token_row_states=states)
        late = replace(p, step=4998, trace=trace)
        n = narrate(late, idle(4998))
        assert n.short.startswith("Step 4,999"), n.short
        assert fits(n), n.short
    assert fits(narrate(trace, idle(4999)))
