"""Property-based tests of every reader and parser of user input: whatever the bytes or
the text, the only errors that come out are the project's own (MicrogptError), soon, and
without building what a hostile file asks for. Any other exception fails the test."""

from __future__ import annotations

import copy
import json
import math
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.debugging.conditions import parse_condition
from core.debugging.param_search import search_parameters
from core.debugging.runfile import load_run, save_run
from core.debugging.step_target import parse_step_target
from core.errors import MicrogptError
from core.model.gpt import GPTConfig, Model
from core.model.modelfile import check_vocabulary, load_model, model_to_json
from core.model.tokenizer import Tokenizer, js_order
from core.reference.rng import Mulberry32
from core.training.corpus import load_corpus
from core.training.trainer import Trainer

T = TypeVar("T")
MB = 1 << 20
SOON = 2.0  # seconds: every input here is read in milliseconds; a hang is a defect
SMALL = GPTConfig(n_layer=1, n_embd=4, block_size=4, n_head=2, head_dim=2, vocab_size=4)
CORPUS = "the cat eats\na dog runs to the park\nwe eat\nthe sun is hot\n"
WATCH = ["token_embedding[cat][0]"]
CONDITIONS = ["loss > 4", "grad cat", "p(dog) < 1%", "m flips token_embedding[cat][0]"]


def refused_or(read: Callable[..., T], *args: Any) -> T | None:
    """What `read` returns, or None when it refused with one of our errors, soon."""
    start = time.perf_counter()
    try:
        return read(*args)
    except MicrogptError as err:
        assert str(err), "an error with no message"
        return None
    finally:
        assert time.perf_counter() - start < SOON, "the reader took too long"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# ---- hostile pieces of input ----

# The places a text file can go wrong: whitespace of every kind, case, punctuation that
# sits inside words or beside them, NUL, combining marks, astral characters.
AWKWARD_CHARS = [
    *"aZ9 \t\n\r\v\f.,;:!?'’-_\"()[]{}<>/\\@#$%^&*+=~`|",
    *"\x00\x01\x1b\x7f\u00a0\u1680\u2000\u2028\u2029\u202f\u3000\ufeff\u200b\u0085",
    *"İıßẞΣσςǅÅé\u0301\u0307日本٣²Ⅻ😀\U0001d400",
]
any_char = st.characters(codec="utf-8")  # every character UTF-8 can write (no lone surrogates)
text_ish = st.text(st.one_of(st.sampled_from(AWKWARD_CHARS), any_char), max_size=200)
file_bytes = st.one_of(
    st.binary(max_size=300),
    text_ish.map(lambda t: t.encode("utf-8")),
    st.tuples(text_ish, st.binary(max_size=4), text_ish).map(
        lambda p: p[0].encode() + p[1] + p[2].encode()
    ),
)

# JSON values as text, including what json.dumps never writes.
HOSTILE_JSON = [
    "1e400",
    "-1e400",
    "1e-400",
    "1" + "0" * 400,
    "9" * 5000,
    "-" + "9" * 5000,
    "0." + "1" * 5000,
    "9999999999999999999",
    "-9999999999999999999",
    "NaN",
    "Infinity",
    "-Infinity",
    "[" * 100_000,
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 5000 + "1" + "}" * 5000,
    "4000000",
    "10000000",
    "0",
    "-1",
    "-0",
    "1.5",
    "4.0",
    "true",
    "false",
    "null",
    '""',
    "[]",
    "{}",
    '"BOS"',
    '"a b"',
    '"\\ud800"',
    '"\\u0000"',
    json.dumps("x" * 100_000),
]
python_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
nested = st.integers(1, 1200).map(lambda depth: "[" * depth + "1" + "]" * depth)
words = st.one_of(
    st.sampled_from(["x", "y", "z", "BOS", "bos", "", "a b", "X", "é", "don't", "-x", "a.b"]),
    st.text(max_size=5),
    python_values,
)
vocabularies = st.one_of(
    st.lists(words, max_size=5),
    st.lists(st.text(min_size=1, max_size=4), min_size=3, max_size=3).map(
        lambda ws: sorted(ws, key=js_order)
    ),
)
json_text = st.one_of(
    st.sampled_from(HOSTILE_JSON),
    nested,
    st.integers(-(10**30), 10**30).map(str),
    python_values.map(json.dumps),
    vocabularies.map(json.dumps),
)

# Text as a learner might type it into a prompt, or a hostile file might hold.
MATRICES = ["token_embedding", "wte", "layer0.attn_wq", "layers.0.mlp.hidden", "output", "x"]
INDICES = ["0", "3", "cat", "bos", "BOS", "٣", "²", "１", "9" * 5000, "0" * 50, "", " 1 ", "-1"]
PIECES = [*MATRICES, *INDICES, "[", "]", "][", ".", "loss", ">", "<", " ", "x", "mean", "p("]
PIECES += [")", "%", "grad", "m flips", "e", "1.5", ".5", "2x", "*"]
names = st.builds(
    "{}[{}][{}]{}".format,
    st.sampled_from(MATRICES),
    st.sampled_from(INDICES) | st.text(max_size=4),
    st.sampled_from(INDICES) | st.text(max_size=4),
    st.sampled_from(["", "]", "[", " "]),
)
typed = st.one_of(
    st.text(max_size=300),
    st.text(st.sampled_from(AWKWARD_CHARS), max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    names,
    names.map("m flips {}".format),
    st.tuples(
        st.sampled_from(["loss > ", "loss < .", "p(cat) < ", "m flips wte[", "wte[", ""]),
        st.integers(0, 10**5),
        st.sampled_from(["", "x", "x mean", "%", "]", "][0]", "e"]),
    ).map(lambda p: p[0] + "1" * p[1] + p[2]),
)


HOLE = "@@the mutated value@@"


def paths_in(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (of a long list, its first two entries and its last)."""
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(obj, list):
        for i in sorted({0, 1, len(obj) - 1} & set(range(len(obj)))):
            found += paths_in(obj[i], (*prefix, i))
    return found


@st.composite
def mutated_json(draw: st.DrawFn, obj: Any, values: st.SearchStrategy[str] = json_text) -> bytes:
    """`obj` with one or two places changed: replaced by a hostile value (JSON text from
    `values`) or by typed text, removed, or (a list) made shorter or longer."""
    obj, raw = copy.deepcopy(obj), []
    for _ in range(draw(st.integers(1, 2))):
        paths = paths_in(obj)  # of a big document, mostly its weights: favour the rest
        path = draw(st.sampled_from([p for p in paths if len(p) <= 2]) | st.sampled_from(paths))
        if not path:
            obj = HOLE
            raw.append(draw(values))
            continue
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        how = draw(st.sampled_from(["replace", "text", "remove", "shorten", "lengthen"]))
        target = parent[key]
        if how == "remove":
            del parent[key]
        elif how in ("shorten", "lengthen") and isinstance(target, list) and target:
            target[:] = target[:-1] if how == "shorten" else [*target, target[-1]]
        elif how == "text":  # a name, a word or a condition as anyone might type it
            parent[key] = draw(typed)
        else:
            parent[key] = HOLE
            raw.append(draw(values))
    text = json.dumps(obj)
    for value in raw:
        text = text.replace(json.dumps(HOLE), value, 1)
    return text.encode()


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few bytes flipped, inserted or deleted, or cut short."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if how == "flip" and at < len(data):
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif how == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif how == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 16)) :]
        else:
            data = data[:at]
    return data


# ---- the corpus reader ----


@settings(max_examples=2000, deadline=None)
@given(data=file_bytes)
def test_a_corpus_file_of_any_bytes_is_read_or_refused_with_our_error(folder, data):
    path = folder / "corpus.txt"
    path.write_bytes(data)
    corpus = refused_or(load_corpus, path)
    if corpus is None:
        return
    assert corpus.sentences and len(corpus.line_numbers) == len(corpus.sentences)
    assert list(corpus.line_numbers) == sorted(set(corpus.line_numbers))
    for sentence in corpus.sentences:
        assert sentence == sentence.lower()
        assert all(w and not any(c.isspace() for c in w) for w in sentence.split(" "))
    # What the corpus reader makes, the model-file reader must take back.
    check_vocabulary(list(Tokenizer.from_sentences(corpus.sentences).words), "vocab")


# ---- the model-file reader ----

MODEL = model_to_json(Model.initialised(SMALL, Mulberry32(1), ["x", "y", "z"]))
MODEL_BYTES = json.dumps(MODEL).encode()


def load_model_bytes(folder: Path, data: bytes) -> Model | None:
    path = folder / "model.json"
    path.write_bytes(data)
    model = refused_or(load_model, path)
    if model is not None:
        assert model.params.count == model.config.parameter_count
    return model


def test_the_small_model_file_loads(folder):
    assert load_model_bytes(folder, MODEL_BYTES) is not None


@settings(max_examples=1000, deadline=None)
@given(data=damaged_bytes(MODEL_BYTES))
def test_a_damaged_model_file_is_read_or_refused_with_our_error(folder, data):
    load_model_bytes(folder, data)


@settings(max_examples=1200, deadline=None)
@given(data=mutated_json(MODEL))
def test_a_model_file_with_hostile_values_is_read_or_refused_with_our_error(folder, data):
    load_model_bytes(folder, data)


sizes = st.one_of(st.integers(-3, 10**12), st.sampled_from([4_000_000, 10**7, 4097, 65, 1_000_001]))


@st.composite
def huge_configs(draw: st.DrawFn) -> dict[str, int]:
    """Configs asking for far more than the file holds; often consistent (nHead x headDim
    = nEmbd), so that only their size is wrong."""
    config = {key: draw(sizes) for key in GPTConfig._REFERENCE_KEYS}
    if draw(st.booleans()):
        config["nEmbd"] = config["nHead"] * config["headDim"]
    config[draw(st.sampled_from(GPTConfig._REFERENCE_KEYS))] = draw(st.integers(1_000, 10**9))
    return config


@settings(max_examples=200, deadline=None)
@given(config=huge_configs())
def test_a_config_asking_for_a_huge_model_is_refused_without_allocating_it(folder, config):
    path = folder / "huge.json"
    path.write_text(json.dumps({"config": config, "weights": [0.5] * 16}))
    tracemalloc.start()
    try:
        assert refused_or(load_model, path) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB  # reading takes a 4 MB buffer; 500,000 weights and grads take 8


# ---- the run-file reader ----


@pytest.fixture(scope="module")
def run_file(folder: Path) -> tuple[Path, dict[str, Any]]:
    """A valid run of two steps of a small model on a tiny corpus, and its parsed JSON."""
    corpus_path = folder / "run-corpus.txt"
    corpus_path.write_text(CORPUS)
    corpus = load_corpus(corpus_path)
    words = Tokenizer.from_sentences(corpus.sentences).words
    config = GPTConfig(
        n_layer=1, n_embd=4, block_size=4, n_head=2, head_dim=2, vocab_size=len(words) + 1
    )
    model = Model.initialised(config, Mulberry32(3), words)
    trainer = Trainer(corpus, seed=3, model=model)
    losses = [trainer.step().loss for _ in range(2)]
    path = folder / "run.json"
    save_run(path, trainer, WATCH, CONDITIONS, losses)
    assert load_run(path).trainer.step_index == 2
    return path, json.loads(path.read_text())


def load_run_bytes(folder: Path, data: bytes) -> None:
    path = folder / "mutated-run.json"
    path.write_bytes(data)
    run = refused_or(load_run, path)
    if run is not None:
        assert run.trainer.step_index == len(run.losses) <= run.trainer.num_steps


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_a_damaged_run_file_is_read_or_refused_with_our_error(folder, run_file, data):
    path, _ = run_file
    load_run_bytes(folder, data.draw(damaged_bytes(path.read_bytes())))


@settings(max_examples=800, deadline=None)
@given(data=st.data())
def test_a_run_file_with_hostile_json_is_read_or_refused_with_our_error(folder, run_file, data):
    _, obj = run_file
    load_run_bytes(folder, data.draw(mutated_json(obj)))


# Each field of a run file, with values wrong in the ways that matter for it.
numbers = st.one_of(
    st.sampled_from([-1, 0, 1, 2, 3, 4, 2**32 - 1, 2**32, 10**9, 10**9 + 1, True, False, None]),
    st.integers(-(2**64), 2**64),
    st.floats(),  # NaN and infinity are written as JSON does not allow
)
PATHS = ["", "\u0000", "a\u0000b", "\ud800", "/dev/null", "/", "nope.txt", "x" * 5000, "."]
RUN_FIELDS: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
    ("corpus", "path"): st.sampled_from(PATHS) | st.text(),
    ("corpus", "sha256"): st.text(max_size=70) | numbers,
    ("format",): st.sampled_from(["microgpt-run", "microgpt-model", ""]) | numbers,
    ("version",): numbers,
    ("seed",): numbers,
    ("schedule",): numbers,
    ("step",): numbers,
    ("rng_state",): numbers,
    ("adam", "m", 0): numbers,
    ("adam", "v", 0): numbers,
    ("model", "weights", 0): numbers,
    ("token_row_hits", 0): numbers,
    ("losses", 0): numbers,
    ("model", "vocabulary"): vocabularies,
    ("watch",): st.lists(typed, max_size=3),
    ("conditions",): st.lists(typed, max_size=3),
}


@settings(max_examples=1200, deadline=None)
@given(data=st.data())
def test_a_run_file_with_a_wrong_field_is_read_or_refused_with_our_error(folder, run_file, data):
    obj = copy.deepcopy(run_file[1])
    for _ in range(data.draw(st.integers(1, 2))):
        *path, key = data.draw(st.sampled_from(list(RUN_FIELDS)))
        parent = obj
        for step in path:
            parent = parent[step]
        parent[key] = data.draw(RUN_FIELDS[(*path, key)])
    load_run_bytes(folder, json.dumps(obj).encode())


not_whole = (
    st.booleans() | st.floats() | st.none() | st.text() | st.lists(st.integers(), max_size=2)
)
not_uint32 = not_whole | st.integers(max_value=-1) | st.integers(min_value=2**32)
not_number = st.booleans() | st.none() | st.text() | st.lists(st.floats(), max_size=2)
no_name = st.text(st.characters(codec="utf-8", exclude_characters="[]"), max_size=20)
IMPOSSIBLE: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
    ("seed",): not_uint32,
    ("rng_state",): not_uint32,
    ("schedule",): not_whole | st.integers(max_value=1) | st.integers(min_value=10**9 + 1),
    ("step",): not_whole | st.integers().filter(lambda n: n != 2),  # 2 steps were saved
    ("adam", "v", 0): not_number | st.floats(max_value=-1e-300),  # v averages squares
    ("adam", "m", 1): not_number | st.sampled_from([math.nan, math.inf, -math.inf]),
    ("token_row_hits", 0): not_whole | st.integers(max_value=-1) | st.integers(min_value=3),
    ("losses",): st.lists(st.floats(0, 10), max_size=5).filter(lambda ls: len(ls) != 2),
    ("corpus", "sha256"): st.text(max_size=64),
    ("watch",): st.lists(no_name, min_size=1, max_size=2),  # no name without brackets
    ("conditions",): st.lists(no_name.filter(lambda t: " " not in t.strip()), min_size=1),
}


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_run_file_with_an_impossible_field_is_refused_naming_it(folder, run_file, data):
    obj = copy.deepcopy(run_file[1])
    *where, key = data.draw(st.sampled_from(list(IMPOSSIBLE)))
    parent = obj
    for step in where:
        parent = parent[step]
    parent[key] = data.draw(IMPOSSIBLE[(*where, key)].filter(lambda v: v != parent[key]))
    damaged = folder / "impossible-run.json"
    damaged.write_text(json.dumps(obj))
    with pytest.raises(MicrogptError, match=r"impossible-run\.json"):
        load_run(damaged)


# ---- the parsers of typed text ----


@pytest.fixture(scope="module")
def trainer(run_file: tuple[Path, dict[str, Any]]) -> Trainer:
    return load_run(run_file[0]).trainer


@settings(max_examples=2000, deadline=None)
@given(text=typed)
def test_a_typed_condition_is_read_or_refused_with_our_error(trainer, text):
    refused_or(parse_condition, text, trainer.tokenizer, trainer.model.params)


@settings(max_examples=2000, deadline=None)
@given(text=typed)
def test_a_typed_parameter_name_is_read_or_refused_with_our_error(trainer, text):
    params = trainer.model.params
    index = refused_or(params.index_of, text)
    if index is not None:
        assert 0 <= index < params.count


@settings(max_examples=2000, deadline=None)
@given(text=typed)
def test_searching_for_any_text_never_fails(trainer, text):
    start = time.perf_counter()
    for match in search_parameters(trainer.model.params, text):
        assert match.index is None or 0 <= match.index < trainer.model.params.count
    assert time.perf_counter() - start < SOON


@settings(max_examples=1500, deadline=None)
@given(text=typed, num_steps=st.integers(1, 10**9))
def test_a_typed_step_is_read_or_refused_with_our_error(text, num_steps):
    step = refused_or(parse_step_target, text, num_steps)
    assert step is None or 0 <= step <= num_steps


@settings(max_examples=300, deadline=None)
@given(data=st.data(), num_steps=st.integers(0, 10**9))
def test_a_step_written_as_the_screen_writes_it_reads_back(data, num_steps):
    step = data.draw(st.integers(0, num_steps))
    written = data.draw(st.sampled_from([f"{step}", f"{step:,}", f"{step:_}", f" {step:,}\t"]))
    assert parse_step_target(written, num_steps) == step
