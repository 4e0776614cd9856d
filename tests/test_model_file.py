"""Model files: the reference's format both ways, and bad files."""

import json
import os

import pytest

from core.errors import ModelFileError
from core.model.gpt import GPTConfig, Model
from core.model.modelfile import load_model, save_model
from core.reference.rng import Mulberry32

CONFIG = GPTConfig(vocab_size=3)


@pytest.fixture
def model():
    return Model.initialised(CONFIG, Mulberry32(1), ["a", "b"])


def test_save_then_load_gives_the_same_weights_and_vocabulary(tmp_path, model):
    save_model(model, tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    assert loaded.params.data.tolist() == model.params.data.tolist()
    assert loaded.words == ("a", "b") and loaded.config == CONFIG


def test_the_file_uses_the_reference_keys(tmp_path, model):
    save_model(model, tmp_path / "m.json")
    obj = json.loads((tmp_path / "m.json").read_text())
    assert set(obj) == {"config", "weights", "vocabulary"}
    assert obj["config"] == {
        "nLayer": 2,
        "nEmbd": 32,
        "blockSize": 16,
        "nHead": 4,
        "headDim": 8,
        "vocabSize": 3,
    }


def test_a_reference_file_loads_without_a_vocabulary(reference_dir):
    model = load_model(reference_dir / "model_seed42_after30.json")
    assert model.params.count == 63_296 and model.words is None


@pytest.mark.parametrize(
    "content, says",
    [
        ("not json", "not JSON"),
        ('{"config": {}}', 'needs "config" and "weights"'),
        ('{"config": {"nLayer": 2}, "weights": []}', "lacks nEmbd"),
        (
            '{"config": {"nLayer": 2, "nEmbd": 32, "blockSize": 16, "nHead": 4, "headDim": 8, '
            '"vocabSize": 3}, "weights": [0.5, 0.25]}',
            "has 2 weights",
        ),
    ],
)
def test_bad_model_files_say_what_is_wrong(tmp_path, content, says):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ModelFileError, match=says):
        load_model(path)


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, model, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text('{"previous": true}')

    def crash(*args):
        raise KeyboardInterrupt  # killed between writing and renaming

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, path)
    assert path.read_text() == '{"previous": true}'
    assert os.listdir(tmp_path) == ["m.json"]  # no temporary file left behind
