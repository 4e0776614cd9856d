"""AskScreen: ask the model something without training it. "Generate" samples sentences
as `microgpt generate` does (temperature, top-k, top-p, seed) and shows, for each word
drawn, the filtered distribution it came from; "Your sentence" shows what the model
predicts at each position of a sentence you type, and t trains one what-if step on it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TabbedContent, TabPane

from core.errors import MicrogptError
from core.model.draws import Sample
from core.model.generation import SamplingOptions, read_count, read_options, read_seed
from tui.format import internal_error
from tui.screens.asked import AskModel, Generated, ModelAt, Probed, describe_options
from tui.widgets.draw_chart import DrawChart
from tui.widgets.key_bar import KeyBar
from tui.widgets.probe_table import ProbeTable

DEFAULT_SEED = 1  # shown in its field: the same sentences every time, until changed
DEFAULT_COUNT = 5
MOST_SENTENCES = 50  # each takes up to a block of forward passes on the training thread
GENERATE, SENTENCE = "generate", "sentence"  # the tabs' ids
NO_WORDS = "(BOS first: the model ended the sentence at once)"  # an empty sentence's line
FIELDS = (  # (id, label, default, width)
    ("temperature", "temperature", "0.8", 6),
    ("top-k", "top-k", "0", 5),
    ("top-p", "top-p", "1.0", 6),
    ("seed", "seed", str(DEFAULT_SEED), 12),
    ("num", "sentences", str(DEFAULT_COUNT), 4),
)


class SentenceList(OptionList):
    """The generated sentences; ↑ ↓ choose one, ← → a word of it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "screen.select_word(-1)", "Previous word", show=False),
        Binding("right", "screen.select_word(1)", "Word", key_display="← →"),
    ]


class AskScreen(ModalScreen[None]):
    """Generate, or probe your own sentence; esc closes. Nothing here changes the run,
    except t, which shows a what-if step that b undoes."""

    DEFAULT_CSS = """
    AskScreen {
        background: $surface;
        & #ask-title { height: 1; padding: 0 1; text-style: bold; }
        & #ask-tabs { height: 1fr; }
        & TabPane { padding: 0 1; }
        & #ask-options { height: 1; margin-bottom: 1; }
        & #ask-options Label { padding: 0 1 0 0; }
        & #ask-options Input { margin-right: 2; }
        & .ask-error { color: $error; width: 100%; height: auto; display: none; }
        & .ask-error.-shown { display: block; }
        & .ask-about { color: $text-muted; width: 100%; height: auto; }
        & #ask-sentences { height: auto; max-height: 8; }
        & #ask-draw-box { height: 1fr; margin-top: 1; }
        & #ask-sentence { margin-bottom: 1; }
        & #ask-probe-box { height: 1fr; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        # F2, not a letter (the fields take letters) nor ctrl+n or ctrl+t (a browser's own)
        Binding("f2", "switch_tab", "Other tab", tooltip="Generate ↔ Your sentence"),
        Binding("t", "what_if", "Train one step on it (what-if)"),
    ]
    AUTO_FOCUS = "#ask-temperature"

    def __init__(self, ask: AskModel, now: ModelAt, tab: str = GENERATE) -> None:
        super().__init__()
        self.ask = ask
        self.now = now
        self.tab = tab
        self.generated: Generated | None = None
        self.word = 0  # the draw shown, in the selected sentence
        self.probed: Probed | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            f"Ask the model: {self.now.describe()} · nothing here changes the run",
            id="ask-title",
            markup=False,
        )
        with TabbedContent(id="ask-tabs", initial=self.tab):
            with TabPane("Generate", id=GENERATE):
                with Horizontal(id="ask-options"):
                    for key, label, default, width in FIELDS:
                        yield Label(label)
                        field = Input(default, id=f"ask-{key}", compact=True)
                        field.styles.width = width
                        yield field
                yield Label("", id="ask-generate-error", classes="ask-error", markup=False)
                yield Static(
                    "enter generates, from a generator of its own (the run's is never used)",
                    id="ask-generated-about",
                    classes="ask-about",
                    markup=False,
                )
                yield SentenceList(id="ask-sentences", markup=False)
                with VerticalScroll(id="ask-draw-box"):
                    yield DrawChart(id="ask-draw")
            with TabPane("Your sentence", id=SENTENCE):
                yield Input(
                    placeholder="a sentence of the vocabulary, then enter", id="ask-sentence"
                )
                yield Label("", id="ask-sentence-error", classes="ask-error", markup=False)
                yield Static(
                    "enter shows what the model predicts at each position (nothing is trained)",
                    id="ask-probed-about",
                    classes="ask-about",
                    markup=False,
                )
                with VerticalScroll(id="ask-probe-box"):
                    yield ProbeTable(id="ask-probe")
        yield KeyBar(show_palette=False)

    def on_mount(self) -> None:
        self.query_one(SentenceList).display = False
        if self.tab == SENTENCE:
            self.query_one("#ask-sentence", Input).focus()

    # --- keys ---

    def action_close(self) -> None:
        self.dismiss(None)

    def action_switch_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = SENTENCE if tabs.active == GENERATE else GENERATE

    def action_select_word(self, delta: int) -> None:
        sample = self.selected_sample
        if sample is not None and sample.draws:
            self.word = max(0, min(len(sample.draws) - 1, self.word + delta))
            self._show_draw()

    def action_what_if(self) -> None:
        if self.probed is not None:
            sentence = self.probed.probe.sentence
            self.run_worker(
                self._what_if(sentence), group="ask", exclusive=True, exit_on_error=False
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.query_one(TabbedContent).active if self.is_mounted else self.tab
        if action == "what_if":  # dimmed until a sentence is probed, hidden elsewhere
            return False if tab != SENTENCE else (True if self.probed is not None else None)
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        if event.pane.id == SENTENCE:  # ready to type
            self.query_one("#ask-sentence", Input).focus()
        elif self.generated is None:
            self.query_one("#ask-temperature", Input).focus()

    # --- generating ---

    @on(Input.Submitted, "#ask-options Input")
    def _generate_asked(self) -> None:
        value = {key: self.query_one(f"#ask-{key}", Input).value for key, *_ in FIELDS}
        try:
            options = read_options(value["temperature"], value["top-k"], value["top-p"])
            seed, count = read_seed(value["seed"]), read_count(value["num"], MOST_SENTENCES)
        except MicrogptError as err:
            self._say("#ask-generate-error", f"✗ {err}")
            return
        self._say("#ask-generate-error", "")
        about = self.query_one("#ask-generated-about", Static)
        about.update(f"generating {count} sentence{'s' if count > 1 else ''}…")
        self.run_worker(
            self._generate(options, seed, count), group="ask", exclusive=True, exit_on_error=False
        )

    async def _generate(self, options: SamplingOptions, seed: int, count: int) -> None:
        try:
            generated = await self.ask.generate(options, seed, count)
        except Exception as err:  # a model that overflows says so; a defect too
            self._failed("#ask-generate-error", err)
            self.query_one("#ask-generated-about", Static).update("")
            return
        self.show_generated(generated)

    def show_generated(self, generated: Generated) -> None:
        self.generated, self.word = generated, 0
        count = len(generated.samples)
        self.query_one("#ask-generated-about", Static).update(
            f"{count} sentence{'s' if count > 1 else ''} from {generated.model.describe()} "
            f"· {describe_options(generated.options, generated.seed)}"
        )
        sentences = self.query_one(SentenceList)
        sentences.clear_options()
        sentences.add_options([Text(s.text or NO_WORDS) for s in generated.samples])
        sentences.display = True
        sentences.highlighted = 0
        sentences.focus()
        self._show_draw()

    @on(OptionList.OptionHighlighted, "#ask-sentences")
    def _sentence_highlighted(self) -> None:
        self.word = 0
        self._show_draw()

    @property
    def selected_sample(self) -> Sample | None:
        index = self.query_one(SentenceList).highlighted
        if self.generated is None or index is None or index >= len(self.generated.samples):
            return None
        return self.generated.samples[index]

    def _show_draw(self) -> None:
        self.query_one(DrawChart).show(self.selected_sample, self.word)

    # --- your sentence ---

    @on(Input.Submitted, "#ask-sentence")
    def _probe_asked(self, event: Input.Submitted) -> None:
        self.query_one("#ask-probed-about", Static).update("asking…")
        self.run_worker(self._probe(event.value), group="ask", exclusive=True, exit_on_error=False)

    async def _probe(self, text: str) -> None:
        try:
            probed = await self.ask.probe(text)
        except Exception as err:  # unknown words: named, with the closest known ones
            self.probed = None
            self._failed("#ask-sentence-error", err)
            self.query_one("#ask-probed-about", Static).update("")
            self.query_one(ProbeTable).show(None)
            self.refresh_bindings()
            return
        self.show_probed(probed)

    def show_probed(self, probed: Probed) -> None:
        self.probed = probed
        self._say("#ask-sentence-error", "")
        about = Text(f"{probed.model.describe()} on “")
        about.append(probed.probe.sentence)
        about.append("”, without training · t: train one step on it (a what-if; b undoes it)")
        self.query_one("#ask-probed-about", Static).update(about)
        self.query_one(ProbeTable).show(probed.probe)
        self.query_one("#ask-probe-box").focus()  # so that t is a key, not a letter
        self.refresh_bindings()

    async def _what_if(self, sentence: str) -> None:
        try:
            await self.ask.what_if(sentence)
        except Exception as err:  # e.g. running: pause first
            self._failed("#ask-sentence-error", err)
            return
        self.dismiss(None)

    def _failed(self, where: str, err: Exception) -> None:
        message = str(err) if isinstance(err, MicrogptError) else internal_error(err)
        self._say(where, f"✗ {message}")

    def _say(self, where: str, message: str) -> None:
        """An error under the field (literally: it may quote what was typed), or none."""
        label = self.query_one(where, Label)
        label.update(message)
        label.set_class(bool(message), "-shown")
