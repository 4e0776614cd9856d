"""Errors a user can cause and fix: each carries a message that names the file, line or
word at fault and says what to do. The command line and the debugger show the message
alone, never a traceback."""


def shown(value: object, limit: int = 60) -> str:
    """`value` quoted for a message, cut to `limit` characters: a message names what is
    wrong, it does not repeat a 100 KB entry."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MicrogptError(Exception):
    """Something about the user's input that stops the work, explained."""


class CorpusError(MicrogptError):
    """The corpus file cannot be used for training."""


class ModelFileError(MicrogptError):
    """A model file cannot be read, or does not fit the corpus."""


class ConfigError(MicrogptError):
    """A model configuration that cannot be built or does not fit the data."""


class UnknownWordError(MicrogptError):
    """A word the tokenizer's vocabulary does not contain."""

    def __init__(self, word: str, sentence: str) -> None:
        super().__init__(
            f"the word '{word}' is not in the vocabulary (in \"{sentence}\"); "
            "use only words that occur in the training corpus"
        )
        self.word = word


class ParameterNameError(MicrogptError):
    """A parameter name that does not name a parameter of this model."""


class NonFiniteError(MicrogptError):
    """Training produced NaN or infinity; the update was not applied."""
