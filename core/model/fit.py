"""One definition of "this model fits this corpus", used by every command: the model's
token ids must mean the corpus's words. Its vocabulary (when the file carries one) must
be the corpus's, word for word; without one (the tutorial's files), its size must be."""

from __future__ import annotations

from core.errors import ModelFileError
from core.model.gpt import Model
from core.model.tokenizer import Tokenizer


def misfit(model: Model, tokenizer: Tokenizer, corpus_name: str) -> str | None:
    """Why the model does not fit the corpus's vocabulary, or None when it does."""
    if model.words is not None and model.words != tokenizer.words:
        ours, theirs = set(model.words), set(tokenizer.words)
        extra = sorted(theirs - ours)
        detail = f" ({corpus_name} has words it lacks, e.g. {extra[0]!r})" if extra else ""
        return f"it was trained on a different vocabulary than {corpus_name}'s{detail}"
    if model.config.vocab_size != tokenizer.vocab_size:
        return (
            f"its vocabulary has {model.config.vocab_size:,} tokens, but {corpus_name} "
            f"gives {tokenizer.vocab_size:,}"
        )
    return None


def check_fits(model: Model, model_name: str, tokenizer: Tokenizer, corpus_name: str) -> None:
    reason = misfit(model, tokenizer, corpus_name)
    if reason is not None:
        raise ModelFileError(
            f"{model_name} does not fit {corpus_name}: {reason}; give the corpus it was trained on"
        )
