"""Deterministic generator of our three corpora: data/sentences.txt, the default training
corpus, data/questions.txt, our own fine-tuning corpus, and data/heldout.txt, the sentences
whose loss shows whether training generalises.

sentences.txt: 30,000 grade-1 English sentences (lowercase, no punctuation, at most 15
words) using exactly 596 distinct words: the key figures of the tutorial corpus ("LLMs,
the Hard Way"), but built from our own word lists and sentence patterns.

questions.txt: 150 distinct grade-1 questions about the same world ("can the owl fly",
"what does the cow eat"), 3 to 8 words, no "?", every word a word of sentences.txt, each
starting with a question word. Drawn from its own seed, so it never changes the sentences.

heldout.txt: 200 distinct sentences made by the same patterns with the same weights as
sentences.txt, from a seed of their own, none of them a sentence of sentences.txt and every
word one of its words: never trained on, so their loss measures what the model learnt of
the language rather than of its corpus.

    python data/make_corpus.py           # (re)write the three files
    python data/make_corpus.py --check   # verify the three committed files; exit 1 if bad

Determinism: the only source of randomness is random.Random(seed).random(),
whose sequence Python guarantees across versions (choice, shuffle and the like
carry no such promise, so they are not used). Every choice is derived from it
with integer weights and one exact float multiply-and-compare (no pow or log,
whose last bit may vary by platform); nothing iterates a set, reads the clock or
the environment. So the output is byte-identical everywhere.
"""

import argparse
import os
import random
import re
import sys
from collections import Counter

SEED = 596
N_SENTENCES = 30_000
VOCAB_SIZE = 596
MIN_WORDS, MAX_WORDS = 2, 15
MIN_COUNT = 5  # every word occurs at least this often
REQUIRED = "the cat eats a muffin"
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sentences.txt")

# ---- word lists; order = how common a word is within its list ----------------
# fmt: off
NAMES = ["ben", "mia", "max", "lily", "sam", "zoe", "leo", "ava", "jack", "emma"]
FAMILY = ["mom", "dad", "grandma", "grandpa"]  # used without "the": "mom reads"
PEOPLE = ["boy", "girl", "baby", "friend", "kid", "teacher", "sister", "brother", "man",
          "woman", "child", "farmer"]
ANIMALS = ["cat", "dog", "bird", "duck", "fish", "cow", "pig", "hen", "frog", "bear", "fox",
           "horse", "puppy", "kitten", "bunny", "goat", "owl", "mouse", "bee", "bug", "lion",
           "monkey", "turtle", "snake", "pony", "sheep", "elephant"]
FOODS = ["apple", "cake", "cookie", "egg", "muffin", "banana", "pie", "sandwich", "carrot",
         "pear", "grape", "nut", "peach", "berry", "pizza"]
FOOD_MASS = ["bread", "soup", "rice", "cheese", "corn", "jam", "honey", "toast", "salad"]
DRINKS = ["milk", "juice", "water", "tea"]
MEALS = ["lunch", "breakfast", "dinner", "snack"]
THINGS = ["ball", "book", "toy", "box", "hat", "kite", "doll", "car", "bike", "cup", "bag",
          "boat", "shoe", "sock", "coat", "drum", "key", "rock", "stick", "flower", "leaf",
          "shell", "spoon", "bowl", "train", "truck", "bus", "sled", "robot", "card",
          "gift", "letter", "picture", "balloon", "bone", "story", "song"]
# Objects that suit a verb (singular only; plurals come from THINGS and FOODS).
OBJECTS = {"toy": ["ball", "doll", "kite", "toy", "car", "robot", "drum", "balloon", "truck",
                   "boat", "train"],
           "ride": ["bike", "horse", "bus", "train", "pony", "boat", "sled"],
           "read": ["book", "story", "letter", "card"],
           "draw": ["picture", "cat", "dog", "house", "tree", "flower", "sun", "star", "fish",
                    "car", "boat", "rainbow", "card"],
           "make": ["cake", "pie", "sandwich", "picture", "kite", "hat", "card", "cookie",
                    "muffin"],
           "open": ["box", "door", "window", "bag", "book", "gift", "card"],
           "wash": ["cup", "car", "dog", "bowl", "spoon", "sock", "baby", "bike"],
           "pick": ["flower", "apple", "berry", "pear", "leaf", "shell"],
           "ball": ["ball"], "kite": ["kite"], "song": ["song"]}
# Where something can be, with the prepositions that make sense there.
SPOTS = {"box": "in on under behind", "bed": "on under in", "table": "on under",
         "chair": "on under", "tree": "in under", "car": "in under", "bag": "in",
         "basket": "in", "mat": "on", "sofa": "on under", "nest": "in",
         "fence": "on behind", "door": "at by"}
SPOT_NAMES = list(SPOTS)
# Places to go to, with the preposition for being there.
PLACES = {"park": "in", "yard": "in", "school": "at", "zoo": "at", "farm": "on",
          "store": "at", "pond": "by", "beach": "at", "garden": "in", "lake": "by",
          "hill": "on", "barn": "in", "woods": "in", "kitchen": "in", "library": "at",
          "pool": "in", "town": "in", "sea": "by", "playground": "on"}
PLACE_NAMES = list(PLACES)
NATURE = {"sun": "hot big warm yellow", "sky": "blue gray", "moon": "big white",
          "snow": "cold white soft", "rain": "cold wet", "grass": "green wet soft",
          "sea": "blue big cold", "cloud": "white gray big", "rainbow": "pretty big"}
NATURE_NAMES = list(NATURE)
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
COLOURS = ["red", "blue", "green", "yellow", "black", "white", "brown", "pink", "orange",
           "purple", "gray"]
SIZES = ["big", "little", "small", "old", "new", "long", "tall", "tiny"]
FEELINGS = ["happy", "sad", "hungry", "tired", "sleepy", "good", "kind", "silly", "shy",
            "busy", "sick", "brave", "funny", "quiet"]
QUALITIES = ["nice", "fun", "soft", "wet", "clean", "dirty", "hot", "cold", "pretty", "loud",
             "fast"]
TASTES = ["good", "hot", "warm", "sweet", "yummy", "cold", "big", "little"]
WEATHER = ["sunny", "hot", "cold", "rainy", "windy", "warm", "snowy", "cloudy", "nice", "cool"]
PERSON_ADJS = ["little", "big", "happy", "tall", "sad", "old", "kind", "funny", "sleepy",
               "new", "shy", "hungry", "busy", "brave"]
ANIMAL_ADJS = ["big", "little", "brown", "black", "white", "small", "happy", "red", "old",
               "hungry", "sleepy", "gray", "tiny", "yellow", "silly"]
THING_ADJS = COLOURS + SIZES + QUALITIES
ADVERBS = ["fast", "too", "again", "slowly", "a lot", "all day", "very fast", "now", "here",
           "there", "outside", "inside", "together"]
VERY = ["so", "very", "not", "too", "really"]
TIMES = {"now": ["today", "now", "on DAY", "every day", "in the morning", "at night",
                 "after school", "on the weekend", "after lunch", "in the summer",
                 "every morning", "in the winter", "at noon", "in the spring"],
         "past": ["yesterday", "on DAY", "last night", "this morning", "last week",
                  "after school", "after lunch", "at night", "in the summer"],
         "future": ["tomorrow", "on DAY", "soon", "next week", "later", "tonight",
                    "after school", "in the summer"]}
# Verbs are (base, past, who[, object kind]); who "a" = animals too, "p" = people only.
INTRANSITIVE = [
    ("play", "played", "a"), ("run", "ran", "a"), ("jump", "jumped", "a"),
    ("sleep", "slept", "a"), ("sit", "sat", "a"), ("walk", "walked", "a"),
    ("swim", "swam", "a"), ("sing", "sang", "p"), ("hop", "hopped", "a"),
    ("dance", "danced", "p"), ("read", "read", "p"), ("nap", "napped", "a"),
    ("hide", "hid", "a"), ("laugh", "laughed", "p"), ("dig", "dug", "a"),
    ("climb", "climbed", "a"), ("smile", "smiled", "p"), ("clap", "clapped", "p"),
    ("cry", "cried", "a"), ("skip", "skipped", "p"), ("wait", "waited", "a"),
    ("draw", "drew", "p"), ("cook", "cooked", "p"), ("stop", "stopped", "a"),
    ("write", "wrote", "p")]
MOTION = [  # these take "to the park"
    ("go", "went", "a"), ("run", "ran", "a"), ("walk", "walked", "a"), ("come", "came", "a"),
    ("hop", "hopped", "a"), ("swim", "swam", "a"), ("skip", "skipped", "p"),
    ("ride", "rode", "p")]
TRANSITIVE = [
    ("eat", "ate", "a", "food"), ("like", "liked", "a", "any"), ("have", "had", "a", "thing"),
    ("see", "saw", "a", "any"), ("want", "wanted", "a", "any"), ("love", "loved", "a", "any"),
    ("read", "read", "p", "read"), ("drink", "drank", "a", "drink"),
    ("make", "made", "p", "make"), ("find", "found", "a", "thing"),
    ("get", "got", "a", "thing"), ("play", "played", "a", "with"),
    ("draw", "drew", "p", "draw"), ("hug", "hugged", "p", "creature"),
    ("help", "helped", "a", "person"), ("ride", "rode", "p", "ride"),
    ("kick", "kicked", "a", "ball"), ("throw", "threw", "p", "ball"),
    ("catch", "caught", "a", "ball"), ("feed", "fed", "p", "animal"),
    ("take", "took", "p", "thing"), ("buy", "bought", "p", "thing"),
    ("open", "opened", "p", "open"), ("wash", "washed", "p", "wash"),
    ("cook", "cooked", "p", "food"), ("write", "wrote", "p", "read"),
    ("need", "needed", "a", "thing"), ("fly", "flew", "p", "kite"),
    ("pick", "picked", "p", "pick"), ("sing", "sang", "p", "song")]
SOUNDS = [("bark", "dog"), ("meow", "cat"), ("quack", "duck"), ("moo", "cow"),
          ("oink", "pig"), ("hoot", "owl"), ("buzz", "bee"), ("roar", "lion"),
          ("chirp", "bird")]
SUBJECT_PRONOUNS = ["i", "we", "you", "he", "she", "they"]
OBJECT_PRONOUNS = ["me", "you", "him", "her", "us", "them"]
SINGULAR_DETS = ["a", "my", "this", "your", "her", "his", "that", "our", "one", "their"]
PLURAL_DETS = ["two", "some", "my", "three", "many", "four", "these", "your", "five",
               "all the", "six", "his", "her", "our", "those", "seven", "their", "ten"]
# Words that only occur as literals inside the sentence patterns below.
GLUE = ["the", "an", "and", "but", "so", "because", "then", "is", "are", "am", "was", "were", "it",
        "to", "with", "of", "for", "at", "in", "on", "can", "will", "not", "do", "does", "did",
        "where", "what", "who", "how", "many", "old", "years", "say", "says", "said", "let", "us",
        "please", "come", "give", "put", "sit", "down", "be", "here", "there", "look", "name",
        "time", "bed", "home", "cup", "glass", "really", "when", "today", "yesterday", "eat",
        "eats", "has", "have", "make", "makes", "near", "by"]
IRREGULAR = {"man": "men", "woman": "women", "child": "children", "mouse": "mice",
             "fish": "fish", "sheep": "sheep", "leaf": "leaves", "have": "has", "moo": "moos"}
# Fixed phrases that the sentence patterns choose from.
POSSESSIVES = ["my", "your", "his", "her", "our"]
PAIRS = ["mom and dad", "grandma and grandpa", "mom and i", "dad and i", "my friend and i",
         "my sister and i", "my brother and i"]
FOOD_DETS = ["some", "the", "my", "hot", "warm"]
DRINK_DETS = ["some", "the", "my", "a cup of", "a glass of", "cold", "warm", "hot"]
MODALS = ["can", "will", "can not", "will not"]
WANTS = ["like", "want", "love", "need"]
CONJUNCTIONS = ["and", "but", "because", "so", "and then", "when"]
SOUND_ENDS = ["at night", "all day", "a lot", "in the barn", "at me", "again", "too",
              "in the morning"]
COME_ENDS = ["and play", "here", "with me", "home", "and see", "inside", "outside", "to bed",
             "and eat"]
PLEASE_ENDS = ["sit down", "come here", "help me", "be quiet", "stop", "wait for me",
               "look at me", "be kind", "come with me"]
SHORT_QUESTIONS = ["how old are you", "what is your name", "how are you", "who is that"]
AGE_SUBJECTS = ["i", "NAME", "my sister", "my brother", "my friend", "the baby", "you", "he",
                "she"]
# fmt: on
KINDS = {  # noun list and the adjectives that suit it
    "animal": (ANIMALS, ANIMAL_ADJS),
    "thing": (THINGS, THING_ADJS),
    "food": (FOODS, TASTES),
    "person": (PEOPLE, PERSON_ADJS),
}


def _es(word):
    """Plural of a noun or he/she form of a verb: the same spelling rule."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh", "o", "z")):
        return word + "es"
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _forms(item):
    """Words a list entry can put in a sentence (a verb tuple: base, -s form, past)."""
    return (item[0], _es(item[0]), item[1]) if isinstance(item, tuple) else item.split()


def verb(agr, base):
    return _es(base) if agr == "3s" else base


def be(agr, past=False):
    if past:
        return "were" if agr == "pl" else "was"
    return {"i": "am", "3s": "is"}.get(agr, "are")


class Writer:
    """Makes every random decision from self.rng.random() alone.

    For the covering pass, self.force names a word: the next pick() from a list
    that can produce it returns it (once), so a rare word lands in a sentence."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.force = None

    def chance(self, p):
        return self.rng.random() < p

    def index(self, weights):
        """Weighted choice of an index; integer weights keep the sums exact."""
        x, acc = self.rng.random() * sum(weights), 0
        for i, w in enumerate(weights):
            acc += w
            if x < acc:
                return i
        return len(weights) - 1

    def among(self, weights, options):
        return options[self.index(weights)]

    def wants(self, items):
        return self.force is not None and any(self.force in _forms(x) for x in items)

    def pick(self, items):
        """An entry of items; earlier entries are more common (Zipf-like)."""
        if self.wants(items):
            item = next(x for x in items if self.force in _forms(x))
            self.force = None
            return item
        return items[self.index([1000 // (rank + 2) for rank in range(len(items))])]

    def maybe(self, p, items):
        """With probability p (or when forced) the words of one entry, else []."""
        return self.pick(items).split() if self.wants(items) or self.chance(p) else []

    def opt(self, p, make, *args, **kw):
        """With probability p the phrase make(self, ...), else []."""
        return make(self, *args, **kw) if self.chance(p) else []


# ---- phrases: each returns a list of words -------------------------------------
def np(g, nouns, plural_p=0.0, adjs=(), adj_p=0.2, indef=False):
    """Noun phrase: 'the cat', 'a big red ball', 'three ducks' -> (words, plural)."""
    plurals = [_es(n) for n in nouns] if plural_p else []
    if g.force in nouns or g.force in plurals:
        plural = g.force not in nouns
    else:
        plural = plural_p > 0 and g.chance(plural_p)
    noun = g.pick(plurals if plural else nouns)
    adj = g.maybe(adj_p, list(adjs)) if adjs else []
    if plural and indef:
        det = g.pick([*NUMBERS, "some", "many"]).split()
    elif plural:  # "cats", "the cats", "my three cats"
        det = [] if g.chance(0.1) else ["the"] if g.chance(0.4) else g.pick(PLURAL_DETS).split()
    elif indef or g.chance(0.2):
        det = ["a"]
    else:
        det = ["the"] if g.chance(0.7) else [g.pick(SINGULAR_DETS)]
    if det == ["a"] and [*adj, noun][0][0] in "aeiou":
        det = ["an"]
    return [*det, *adj, noun], plural


def family(g):
    return [*g.maybe(0.3, POSSESSIVES), g.pick(FAMILY)]


def person(g):
    k = g.index([25, 20, 30, 25])
    if k == 0:
        return [g.pick(OBJECT_PRONOUNS)]
    if k == 1:
        return [g.pick(NAMES)]
    return family(g) if k == 2 else np(g, PEOPLE, 0.25, PERSON_ADJS)[0]


def subject(g, who="a"):
    """(words, agreement), agreement 'i', '3s' or 'pl'; who='p': people only."""
    animals = who == "a"
    k = g.index([32, 12, 10, 12, 5, 20 * animals, 6 * animals, 5])
    if k == 0:
        w = g.pick(SUBJECT_PRONOUNS)
        return [w], {"i": "i", "he": "3s", "she": "3s"}.get(w, "pl")
    if k == 1:
        return [g.pick(NAMES)], "3s"
    if k == 2:
        return family(g), "3s"
    if k <= 6:
        nouns, adjs = KINDS["person" if k <= 4 else "animal"]
        words, plural = np(g, nouns, float(k in (4, 6)), adjs)
        return words, "pl" if plural else "3s"
    j = g.index([3, 3, 2, 2 * animals])  # two subjects joined by "and"
    if j == 0:
        return g.pick(PAIRS).split(), "pl"
    if j == 3:
        return ["the", g.pick(ANIMALS), "and", "the", g.pick(ANIMALS[::-1])], "pl"
    return [g.pick(NAMES), "and", "i" if j == 1 else g.pick(FAMILY)], "pl"


def obj(g, kind):
    """An object that suits the verb's object kind."""
    if kind == "any":
        kind = g.among([40, 25, 20, 15], ["thing", "animal", "food", "person"])
    elif kind == "creature":
        kind = g.among([50, 50], ["animal", "person"])
    if kind == "person":
        return person(g)
    if kind == "with":
        return ["with", *obj(g, g.among([50, 30, 20], ["toy", "person", "animal"]))]
    if kind == "food" and (g.wants(FOOD_MASS) or g.chance(0.3)):
        return [*g.maybe(0.5, FOOD_DETS), g.pick(FOOD_MASS)]
    if kind == "drink":
        return [*g.maybe(0.5, DRINK_DETS), g.pick(DRINKS)]
    if kind in KINDS:
        nouns, adjs = KINDS[kind]
        return np(g, nouns, 0.3, adjs)[0]
    # Only these may be plural: their plurals are all in THINGS or FOODS already.
    plural_p = 0.2 if kind in ("ball", "kite", "song", "pick") else 0.0
    adjs = COLOURS + SIZES[:4] if kind in ("toy", "ball", "kite", "ride") else ()
    return np(g, OBJECTS[kind], plural_p, adjs)[0]


def place(g, motion=False):
    if motion and g.chance(0.1):
        return ["home"]
    name = g.pick(PLACE_NAMES)
    prep = "to" if motion else g.pick(["near", "by"]) if g.chance(0.15) else PLACES[name]
    return [prep, "the", name]


def spot(g):
    name = g.pick(SPOT_NAMES)
    return [g.pick(SPOTS[name].split()), "the", name]


def when(g, tense="now"):
    return [g.pick(DAYS) if w == "DAY" else w for w in g.pick(TIMES[tense]).split()]


def tail(g, tense="now", adverb=True):
    """Optional ending: an adverb, a place, a time, or place and time."""
    k = g.index([35, 12 * adverb, 25, 15, 13])
    if k == 1:
        return g.pick(ADVERBS).split()
    return (place(g) if k in (2, 4) else []) + (when(g, tense) if k >= 3 else [])


def vp(g, action=True):
    """Verb phrase with the bare verb ('swim', 'eat a cake') -> (who, words).
    action: no like/love/want/need, which read badly after "can" or "likes to"."""
    if not g.wants(TRANSITIVE) and (g.wants(INTRANSITIVE) or g.chance(0.45)):
        base, _, who = g.pick(INTRANSITIVE)
        return who, [base]
    base, _, who, kind = g.pick(TRANSITIVE)
    if action and base in WANTS:
        base = "see"
    return who, [base, *obj(g, kind)]


# ---- sentence patterns ----------------------------------------------------------
def t_does(g):  # the cat eats a muffin / we read a book in the library
    base, _, who, kind = g.pick(TRANSITIVE)
    s, agr = subject(g, who)
    return [*s, verb(agr, base), *obj(g, kind), *g.opt(0.4, tail, adverb=False)]


def t_acts(g):  # the dog runs fast / we play in the yard on monday
    base, _, who = g.pick(INTRANSITIVE)
    s, agr = subject(g, who)
    return [*s, verb(agr, base), *tail(g)]


def t_goes(g):  # the big dog runs to the park / we go to school with mom
    base, _, who = g.pick(MOTION)
    s, agr = subject(g, who)
    company = ["with", *person(g)] if g.chance(0.2) else []
    return [*s, verb(agr, base), *place(g, True), *company, *g.opt(0.3, when)]


def t_can(g):  # i can swim / we will go to the zoo tomorrow
    who, words = vp(g)
    s, _ = subject(g, who)
    modal = g.pick(MODALS).split()
    end = when(g, "future") if modal[0] == "will" and g.chance(0.4) else []
    return s + modal + words + (end or g.opt(0.25, place))


def t_likes_to(g):  # mom and dad like to read
    who, words = vp(g)
    s, agr = subject(g, who)
    return [*s, verb(agr, g.pick(WANTS)), "to", *words, *g.opt(0.25, place)]


def t_counts(g):  # i can see three red birds
    s, agr = subject(g)
    v = g.pick(["can see", "see", "have", "want", "need", "find"]).split()
    nouns, adjs = KINDS[g.among([45, 35, 20], ["animal", "thing", "food"])]
    many = [g.pick(NUMBERS), *g.maybe(0.4, adjs), g.pick([_es(n) for n in nouns])]
    return s + (v if len(v) == 2 else [verb(agr, v[0])]) + many + g.opt(0.3, place)


def t_feels(g):  # i am so happy today
    s, agr = subject(g)
    return [*s, be(agr), *g.maybe(0.3, VERY), g.pick(FEELINGS), *g.opt(0.25, when)]


def t_is(g):  # my hat is red / the cake is sweet and yummy
    k = g.index([40, 30, 15, 15])
    if k < 3:
        nouns, adjs = KINDS[["thing", "animal", "food"][k]]
        adjs = adjs + FEELINGS if k == 1 else adjs
        n, plural = np(g, nouns, 0.25)
    else:
        n, plural = [g.pick(["the", "my", "this", "your"]), g.pick(FOOD_MASS + DRINKS)], False
        adjs = TASTES[:6]  # not "the milk is big"
    a = [g.pick(adjs)]
    if g.chance(0.15):
        b = g.pick(adjs)
        a += ["and", b] if b != a[0] else []
    return [*n, be("pl" if plural else "3s"), *g.maybe(0.2, VERY), *a]


def t_weather(g):  # it is sunny today / the sun is hot / today is monday
    k = g.index([40, 30, 15, 15])
    if k == 0:
        return ["it", "is", g.pick(WEATHER), *g.opt(0.6, when)]
    if k == 1:
        name = g.pick(NATURE_NAMES)
        adj = [*g.maybe(0.15, VERY[:2]), g.pick(NATURE[name].split())]
        return ["the", name, "is", *adj, *g.maybe(0.4, ["today", "now"])]
    if k == 2:
        return ["it", "was", g.pick(WEATHER), *when(g, "past")]
    return [*g.pick(["today is", "tomorrow is", "it is", "yesterday was"]).split(), g.pick(DAYS)]


def t_there(g):  # there is a cat on the bed / there are two dogs in the yard
    nouns, adjs = KINDS[g.among([45, 40, 15], ["animal", "thing", "person"])]
    n, plural = np(g, nouns, 0.4, adjs, 0.25, indef=True)
    return ["there", "are" if plural else "is", *n, *(spot(g) if g.chance(0.6) else place(g))]


def t_this(g):  # this is my red ball / look at the big bus
    nouns, adjs = KINDS[g.among([50, 35, 15], ["thing", "animal", "food"])]
    n, plural = np(g, nouns, 0.25, adjs, 0.4)
    k = g.index([50, 20, 30])
    if k == 2:
        return ["look", "at", *n]
    first = g.pick(["these", "those"] if plural else ["this", "that"]) if k == 0 else "here"
    return [first, "are" if plural else "is", *n]


def t_where(g):  # the cat is under the table / mom is in the kitchen
    if g.chance(0.55):
        n, plural = np(g, ANIMALS if g.chance(0.6) else THINGS, 0.25, ANIMAL_ADJS[:6])
        return [*n, be("pl" if plural else "3s"), *spot(g)]
    s, agr = subject(g, "p")
    where = ["at", "home"] if g.chance(0.08) else place(g)
    return [*s, be(agr), *where, *g.opt(0.3, when)]


def t_asks(g):  # is the cat in the box / do you like cake / where is my hat
    k = g.index([20, 14, 18, 14, 8, 7, 6, 7, 6])
    if k == 0:
        n, plural = np(g, ANIMALS if g.chance(0.6) else THINGS, 0.25)
        return [be("pl" if plural else "3s"), *n, *spot(g)]
    if k == 1:
        who, words = vp(g)
        return ["can", *subject(g, who)[0], *words]
    if k == 2:  # do you like cake / did the dog find a bone
        base, _, who, kind = g.pick(TRANSITIVE)
        s, agr = subject(g, who)
        aux = "did" if g.chance(0.25) else "does" if agr == "3s" else "do"
        return [aux, *s, base, *obj(g, kind)]
    if k == 3:
        j = g.index([40, 30, 30])
        n, plural = (family(g), False) if j == 2 else np(g, [THINGS, ANIMALS][j], 0.3)
        return ["where", "are" if plural else "is", *n]
    if k == 4:
        return [g.pick(["what", "who"]), "is", *spot(g)]
    if k == 5:
        who, words = vp(g)
        return ["who", *g.pick(["can", "wants to", "likes to", "will"]).split(), *words]
    if k == 6:
        return ["is", "it", g.pick(WEATHER), *g.maybe(0.5, ["today", "now", "outside"])]
    if g.chance(0.3):
        return g.pick(SHORT_QUESTIONS).split()
    s, agr = subject(g)
    aux = "does" if agr == "3s" else "do"
    if k == 7:  # how many cats do you see
        many = g.pick([_es(n) for n in (ANIMALS if g.chance(0.5) else THINGS)])
        return ["how", "many", many, aux, *s, g.pick(["see", "have", "want", "need"])]
    return ["what", aux, *s, g.pick(["see", "like", "want", "eat", "have", "need", "find"])]


def t_did(g):  # yesterday we went to the zoo / the cat ate a muffin
    k = g.index([35, 25, 25, 15])
    if k == 0:
        _, past, who, kind = g.pick(TRANSITIVE)
        words = [*subject(g, who)[0], past, *obj(g, kind)]
    elif k == 1:
        _, past, who = g.pick(MOTION)
        words = [*subject(g, who)[0], past, *place(g, True)]
    elif k == 2:
        _, past, who = g.pick(INTRANSITIVE)
        words = [*subject(g, who)[0], past, *g.opt(0.4, place)]
    else:
        s, agr = subject(g)
        words = [*s, be(agr, past=True), *g.maybe(0.3, VERY), g.pick(FEELINGS)]
    time = when(g, "past") if g.chance(0.6) else []
    return time + words if g.chance(0.4) else words + time


def t_sound(g):  # the dog barks at night / the cow says moo / what does the cow say
    sound, animal = g.pick(SOUNDS)
    plural = g.chance(0.25)
    s, agr = ["the", _es(animal) if plural else animal], "pl" if plural else "3s"
    k = g.index([55, 25, 20])
    if k == 0:
        return [*s, verb(agr, sound), *g.maybe(0.5, SOUND_ENDS)]
    if k == 1:
        return [*s, verb(agr, "say"), sound]
    return ["what", "does" if agr == "3s" else "do", *s, "say"]


def t_says(g):  # mom says we can go to the park
    k = g.index([40, 45, 15])
    speaker = [g.pick(NAMES)] if k == 0 else family(g) if k == 1 else ["the", "teacher"]
    inner = g.among([30, 25, 20, 15, 10], [t_can, t_goes, t_feels, t_acts, t_is])
    return [*speaker, g.pick(["says", "said"]), *inner(g)]


def t_age(g):  # i am six / my sister is five years old / my name is ben
    if g.chance(0.25):
        return ["my", "name", "is", g.pick(NAMES)]
    s = g.pick(AGE_SUBJECTS)
    s = [g.pick(NAMES)] if s == "NAME" else s.split()
    agr = {"i": "i", "you": "pl"}.get(s[0], "3s")
    return [*s, be(agr), g.pick(NUMBERS), *g.maybe(0.4, ["years old"])]


def t_meal(g):  # we eat lunch at school / it is time for bed
    k = g.index([45, 25, 30])
    if k == 1:
        return ["it", "is", "time", "for", *g.pick([*MEALS, "bed", "school", "a nap"]).split()]
    s, agr = subject(g, "p")
    if k == 0:
        meal = [verb(agr, g.pick(["eat", "have", "make", "cook"])), g.pick(MEALS)]
        return [*s, *meal, *g.opt(0.3, place)]
    food = obj(g, "food" if g.chance(0.6) else "drink")
    return [*s, verb(agr, g.pick(["have", "eat"])), *food, "for", g.pick(MEALS)]


def t_tells(g):  # put the hat on the bed / come and play / let us go to the park
    k = g.index([20, 12, 15, 15, 15, 12, 11])
    if k == 0:
        return ["put", *np(g, THINGS, 0.2, THING_ADJS)[0], *spot(g)]
    if k == 1:
        return ["give", *np(g, THINGS, 0.2, THING_ADJS)[0], "to", *person(g)]
    if k == 2:
        return ["come", *g.pick(COME_ENDS).split()]
    if k == 3:
        return ["please", *g.pick(PLEASE_ENDS).split()]
    if k == 4:
        return ["let", "us", *vp(g)[1], *g.opt(0.3, place)]
    return (["do", "not"] if k == 5 else g.maybe(0.3, ["please"])) + vp(g)[1]


def t_joins(g):  # the dog runs and the cat sleeps / i am sad because it is cold
    first = g.among([25, 20, 20, 15, 10, 10], [t_acts, t_does, t_feels, t_goes, t_is, t_where])
    then = g.among([25, 20, 15, 15, 15, 10], [t_acts, t_does, t_goes, t_can, t_feels, t_weather])
    return first(g) + g.pick(CONJUNCTIONS).split() + then(g)


# (weight, pattern): how often each pattern is used in the random part.
TEMPLATES = [
    (22, t_does), (14, t_acts), (8, t_goes), (8, t_can), (6, t_likes_to), (5, t_counts),
    (6, t_feels), (7, t_is), (4, t_weather), (5, t_there), (6, t_this), (6, t_where),
    (8, t_asks), (10, t_did), (3, t_sound), (2, t_says), (2, t_age), (3, t_meal),
    (5, t_tells), (5, t_joins),
]  # fmt: skip
WEIGHTS = [w for w, _ in TEMPLATES]


# ---- the corpus -------------------------------------------------------------------
def vocabulary():
    """Every word the lists and patterns can produce, in a fixed order (596 of them)."""
    nouns = PEOPLE + ANIMALS + FOODS + THINGS
    verbs = INTRANSITIVE + MOTION + TRANSITIVE + SOUNDS
    parts = [
        GLUE, SUBJECT_PRONOUNS, OBJECT_PRONOUNS, SINGULAR_DETS, PLURAL_DETS, NAMES, FAMILY,
        nouns, [_es(n) for n in nouns], FOOD_MASS, DRINKS, MEALS, *OBJECTS.values(),
        SPOT_NAMES, SPOTS.values(), PLACE_NAMES, PLACES.values(), NATURE_NAMES, NATURE.values(),
        DAYS, NUMBERS, COLOURS, SIZES, FEELINGS, QUALITIES, TASTES, WEATHER, PERSON_ADJS,
        ANIMAL_ADJS, ADVERBS, VERY, *TIMES.values(), *map(_forms, verbs), POSSESSIVES, PAIRS,
        FOOD_DETS, DRINK_DETS, MODALS, WANTS, CONJUNCTIONS, SOUND_ENDS, COME_ENDS, PLEASE_ENDS,
        SHORT_QUESTIONS, AGE_SUBJECTS,
    ]  # fmt: skip
    seen = {}  # a dict keeps first-seen order (a set would not)
    for part in parts:
        for entry in part:
            for word in entry.split():
                if word not in ("DAY", "NAME"):  # placeholders
                    seen.setdefault(word)
    return list(seen)


NOUNS = frozenset(
    NAMES + FAMILY + PEOPLE + ANIMALS + FOODS + THINGS + FOOD_MASS + DRINKS + SPOT_NAMES
)  # fmt: skip
NOUNS |= frozenset(PLACE_NAMES + NATURE_NAMES + [_es(n) for n in ANIMALS + THINGS])


def acceptable(words):
    """Length limits, and no noun twice (not "there is a box in the box")."""
    nouns = [w for w in words if w in NOUNS]
    return MIN_WORDS <= len(words) <= MAX_WORDS and len(nouns) == len(frozenset(nouns))


def generate(seed=SEED, n=N_SENTENCES):
    """The whole corpus as one string. Pure: the same arguments give the same text."""
    g = Writer(seed)
    lines, counts = [REQUIRED], Counter(REQUIRED.split())
    # Covering pass: force each word into random patterns until it occurs MIN_COUNT times.
    for word in vocabulary():
        for _ in range(100_000):
            if counts[word] >= MIN_COUNT:
                break
            g.force = word
            words = TEMPLATES[int(g.rng.random() * len(TEMPLATES))][1](g)
            g.force = None
            if word in words and acceptable(words):
                lines.append(" ".join(words))
                counts.update(words)
        else:
            raise RuntimeError(f"no pattern produces the word {word!r}")
    while len(lines) < n:
        words = TEMPLATES[g.index(WEIGHTS)][1](g)
        if acceptable(words):
            lines.append(" ".join(words))
    # Shuffle (Fisher-Yates with our own draws) to spread the covering sentences out.
    for i in range(len(lines) - 1, 0, -1):
        j = int(g.rng.random() * (i + 1))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n"


def problems(text):
    """The constraints a corpus text breaks (an empty list: none)."""
    errors = []
    if not text.endswith("\n"):
        errors.append("the file does not end with a newline")
    lines = text.split("\n")[:-1]
    if len(lines) != N_SENTENCES:
        errors.append(f"{len(lines)} sentences, expected {N_SENTENCES}")
    line = re.compile(rf"[a-z]+( [a-z]+){{{MIN_WORDS - 1},{MAX_WORDS - 1}}}")
    bad = [i + 1 for i, s in enumerate(lines) if not line.fullmatch(s)]
    if bad:
        errors.append(
            f"{len(bad)} lines are not {MIN_WORDS} to {MAX_WORDS} lowercase words "
            f"separated by single spaces (first: line {bad[0]})"
        )
    counts = Counter(text.split())
    if len(counts) != VOCAB_SIZE:
        errors.append(f"{len(counts)} distinct words, expected {VOCAB_SIZE}")
    vocab = vocabulary()
    if sorted(vocab) != sorted(counts):
        extra, missing = sorted(set(counts) - set(vocab)), sorted(set(vocab) - set(counts))
        errors.append(f"words not in the word lists: {extra[:10]}; never used: {missing[:10]}")
    rare = sorted(w for w, c in counts.items() if c < MIN_COUNT)
    if rare:
        errors.append(f"{len(rare)} words occur fewer than {MIN_COUNT} times: {rare[:10]}")
    if REQUIRED not in lines:
        errors.append(f"the sentence {REQUIRED!r} is missing")
    return errors


def summary(text):
    lines = text.splitlines()
    lengths = Counter(len(s.split()) for s in lines)
    unique = len(set(lines))
    out = [
        f"sentences: {len(lines)}  distinct words: {len(set(text.split()))}  "
        f"unique sentences: {unique} ({100 * unique / len(lines):.1f}%)"
    ]
    for k in sorted(lengths):
        out.append(f"  {k:2d} words: {lengths[k]:5d} {'#' * (lengths[k] * 60 // len(lines))}")
    return "\n".join(out)


# ---- the questions: our fine-tuning corpus ------------------------------------------
# Facts about the corpus's animals, so that a question makes sense ("can the owl fly").
# fmt: off
CAN_DO = {"cat": "climb jump hide", "dog": "swim run dig", "bird": "fly sing", "duck": "swim fly",
          "fish": "swim", "frog": "jump hop swim", "bunny": "hop dig", "monkey": "climb jump",
          "horse": "run jump", "owl": "fly", "bee": "fly", "turtle": "swim hide",
          "bear": "climb swim", "kitten": "climb jump", "puppy": "run dig", "mouse": "run hide",
          "fox": "run dig", "goat": "climb jump", "pony": "run jump", "elephant": "swim walk"}
EATS = {"cow": "grass corn", "horse": "apples carrots grass", "bunny": "carrots",
        "monkey": "bananas", "mouse": "cheese nuts", "bear": "honey fish berries", "dog": "bones",
        "cat": "fish", "duck": "bread", "bird": "bugs", "frog": "bugs", "pig": "corn apples",
        "goat": "grass", "hen": "corn", "sheep": "grass", "elephant": "grass bananas"}
ANIMAL_DRINKS = {"cat": "milk", "kitten": "milk", "puppy": "milk water", "dog": "water",
                 "horse": "water", "cow": "water"}
HOMES = {"bird": "in the nest|in the tree", "owl": "in the tree", "cow": "in the barn|on the farm",
         "horse": "in the barn", "pig": "on the farm|in the barn", "hen": "in the barn",
         "duck": "on the pond", "fish": "in the pond|in the lake|in the sea", "frog": "by the pond",
         "lion": "at the zoo", "elephant": "at the zoo", "monkey": "in the tree|at the zoo",
         "bear": "in the woods", "fox": "in the woods", "dog": "in the yard",
         "bunny": "in the garden", "bee": "on the flower", "turtle": "by the lake"}
PETS = ["cat", "dog", "puppy", "kitten", "bunny", "horse", "pony", "duck", "cow", "pig", "goat"]
ANIMAL_MOODS = ["hungry", "sleepy", "tired", "happy", "sad"]
PERSON_MOODS = ["happy", "sad", "hungry", "tired", "sleepy", "sick", "busy"]
# People asked about: "you" apart, as it takes "do" and "are".
ASKED = [*NAMES[:6], "mom", "dad", "grandma", "grandpa", "your sister", "your brother",
         "your friend", "the teacher"]
SKILLS = ["swim", "skip", "dance", "sing", "read", "draw", "cook", "ride a bike", "read a book",
          "fly a kite", "draw a picture", "make a cake", "sing a song", "catch the ball",
          "kick the ball", "write a letter", "climb the tree", "ride a pony"]
GO_PLACES = ["park", "zoo", "farm", "store", "beach", "lake", "pool", "library", "playground"]
PLAY_PLACES = ["park", "yard", "garden", "beach", "pool", "playground"]
WHEREABOUTS = ["at home", "at school", "in the kitchen", "in the garden", "in the yard",
               "at the store", "in the park", "at the library", "at the farm"]
HANDY = ["ball", "book", "toy", "hat", "doll", "kite", "cup", "bag", "shoe", "sock", "coat",
         "key", "spoon", "drum", "robot", "card", "gift"]
PUT_SPOTS = ["on the table", "under the table", "on the bed", "under the bed", "in the box",
             "on the chair", "under the sofa", "in the basket"]
SNACKS = ["an apple", "a cookie", "a muffin", "a banana", "a pear", "a peach", "a sandwich",
          "an egg", "some soup", "some rice", "some cheese", "some juice", "some milk",
          "some water", "some tea", "some bread", "some jam", "some toast"]
LIKED = ["pizza", "cake", "pie", *FOOD_MASS, "apples", "bananas", "carrots", "cookies", "grapes",
         "pears", "peaches", "berries", "eggs", "muffins", "nuts", "sandwiches"]
FOOD_TASTES = {"soup": "hot warm", "cake": "sweet good", "pie": "sweet warm", "milk": "cold warm",
               "tea": "hot", "pizza": "hot good", "cookie": "sweet", "honey": "sweet",
               "toast": "warm", "juice": "cold sweet"}
ASKS = ["will you play with me", "will you read me a story", "will you help me",
        "will you come with me", "what is your name", "how are you today", "how old are you",
        "who is at the door", "what day is it today", "what can you see"]
# fmt: on
QUESTIONS_SEED = 150  # its own seed: the training corpus does not change with the questions
N_QUESTIONS = 150
MIN_QUESTIONS, MAX_QUESTIONS = 140, 160
MIN_QUESTION_WORDS, MAX_QUESTION_WORDS = 3, 8
QUESTION_WORDS = ["can", "is", "are", "do", "does", "where", "what", "who", "will", "how"]
MAX_FIRST_WORD_SHARE = 35  # percent of the lines that one first word may start
QUESTIONS_OUTPUT = os.path.join(os.path.dirname(OUTPUT), "questions.txt")


def one(g, items):
    """An entry of items, all equally likely (picks in 150 lines should not pile on 'cat')."""
    return items[int(g.rng.random() * len(items))]


def fact(g, table, sep=" "):
    """A key of table and one of its facts: ("cow", "grass")."""
    key = one(g, list(table))
    return key, one(g, table[key].split(sep))


def q_can(g):  # can the owl fly / can mia ride a bike / can i have a cookie
    k = g.index([45, 25, 15, 15])
    if k == 0:
        animal, skill = fact(g, CAN_DO)
        return f"can the {animal} {skill}" if g.chance(0.7) else f"can {_es(animal)} {skill}"
    if k == 1:
        return f"can {one(g, ['you', *ASKED])} {one(g, SKILLS)}"
    if k == 2:
        return f"can i have {one(g, SNACKS)}"
    if g.chance(0.5):
        return f"can we go to the {one(g, GO_PLACES)}"
    name = one(g, PLAY_PLACES)
    return f"can we play {PLACES[name]} the {name}"


def q_is(g):  # is the cow in the barn / is the ball red / is it sunny today
    k = g.index([20, 15, 15, 15, 10, 10, 10, 5])
    if k == 0:
        return "is the {} {}".format(*fact(g, HOMES, "|"))
    if k == 1:
        return f"is the {one(g, PETS)} {one(g, ANIMAL_MOODS)}"
    if k == 2:
        return f"is the {one(g, HANDY)} {one(g, PUT_SPOTS)}"
    if k == 3:
        return f"is {one(g, ['the', 'your', 'this'])} {one(g, HANDY)} {one(g, COLOURS + SIZES[:5])}"
    if k == 4:
        return "is the {} {}".format(*fact(g, FOOD_TASTES))
    if k == 5:
        return f"is {one(g, ASKED)} {one(g, WHEREABOUTS + PERSON_MOODS)}"
    if k == 6:
        return f"is it {one(g, WEATHER[:8])} {one(g, ['today', 'outside', 'now'])}"
    return "is the {} {}".format(*fact(g, NATURE))


def q_are(g):  # are the cows in the barn / are there fish in the pond / are you hungry
    animal, home = fact(g, HOMES, "|")
    k = g.index([35, 35, 30])
    if k == 0:
        return f"are the {_es(animal)} {home}"
    if k == 1:
        return f"are there {_es(animal)} {home}"
    return f"are you {one(g, PERSON_MOODS)}" + (" today" if g.chance(0.5) else "")


def q_do(g):  # do cows eat grass / do you like pizza / do you want some juice
    k = g.index([30, 30, 20, 20])
    if k == 0:
        animal, food = fact(g, EATS)
        return f"do {_es(animal)} eat {food}"
    if k == 1:
        return f"do you like {one(g, LIKED)}"
    if k == 2:
        return f"do you want {one(g, SNACKS)}"
    return f"do you like to {one(g, SKILLS)}"


def q_does(g):  # does the cat like milk / does the dog bark / does mom like tea
    k = g.index([35, 15, 20, 15, 15])
    if k == 0:
        animal, food = fact(g, EATS)
        return f"does the {animal} {one(g, ['eat', 'like'])} {food}"
    if k == 1:
        return "does the {} drink {}".format(*fact(g, ANIMAL_DRINKS))
    if k == 2:
        sound, animal = one(g, SOUNDS)
        return f"does the {animal} {sound}"
    if k == 3:
        return f"does {one(g, ASKED)} like {one(g, LIKED)}"
    return f"does {one(g, ASKED)} like to {one(g, SKILLS)}"


def q_where(g):  # where is the red ball / where is mom / where did the dog go
    k = g.index([25, 20, 15, 15, 15, 10])
    if k == 0:
        return f"where is the {one(g, COLOURS)} {one(g, HANDY)}"
    if k == 1:
        return f"where is {one(g, ['my', 'your', 'his', 'her'])} {one(g, HANDY)}"
    if k == 2:
        return f"where is {one(g, ASKED)}"
    if k == 3:
        return f"where are the {_es(one(g, ANIMALS))}"
    if k == 4:
        return f"where did the {one(g, ANIMALS)} go"
    return f"where does the {one(g, ANIMALS)} sleep"


def q_what(g):  # what does the cow eat / what does the duck say / what is in the box
    k = g.index([25, 20, 15, 15, 15, 10])
    if k == 0:
        animal = one(g, list(EATS))
        return f"what does the {animal} eat" if g.chance(0.7) else f"what do {_es(animal)} eat"
    if k == 1:
        return f"what does the {one(g, SOUNDS)[1]} say"
    if k == 2:
        return f"what can the {one(g, list(CAN_DO))} do"
    if k == 3:
        return f"what is in the {one(g, ['box', 'bag', 'basket', 'nest', 'cup'])}"
    if k == 4:
        meal = one(g, MEALS)
        return one(g, [f"what do you want for {meal}", f"what did you eat for {meal}"])
    return one(g, ASKS[4:])


def q_who(g):  # who says moo / who can ride a bike / who ate the cake
    k = g.index([20, 25, 20, 15, 20])
    if k == 0:
        return f"who says {one(g, SOUNDS)[0]}"
    if k == 1:
        return f"who {one(g, ['can', 'wants to', 'likes to'])} {one(g, SKILLS)}"
    if k == 2:
        return f"who ate the {one(g, ['cake', 'pie', 'cookie', 'muffin', 'pizza', 'sandwich'])}"
    if k == 3:
        return f"who is {one(g, WHEREABOUTS[1:])}"
    return f"who has my {one(g, HANDY)}"


def q_will(g):  # will you play with me / will we go to the zoo tomorrow
    k = g.index([30, 30, 20, 20])
    if k == 0:
        return one(g, ASKS[:4])
    if k == 1:
        return f"will we go to the {one(g, GO_PLACES)} {one(g, ['tomorrow', 'soon'])}"
    if k == 2:
        return f"will it be {one(g, WEATHER[:8])} tomorrow"
    return f"will {one(g, ASKED)} {one(g, [s for s in SKILLS if ' ' in s])}"  # not "will ben swim"


def q_how(g):  # how many cows are in the barn / how old is ben
    k = g.index([40, 30, 30])
    if k == 0:
        animal, home = fact(g, HOMES, "|")
        return f"how many {_es(animal)} are {home}"
    if k == 1:
        return f"how many {_es(one(g, HANDY + FOODS[:6]))} do you have"
    return f"how old is {one(g, ASKED[:-1])}"  # not the teacher


# (first word's pattern, how many lines start with it): 150 lines in all.
QUESTION_MIX = [
    (q_can, 28), (q_is, 26), (q_are, 10), (q_do, 14), (q_does, 18), (q_where, 16),
    (q_what, 16), (q_who, 10), (q_will, 6), (q_how, 6),
]  # fmt: skip


def generate_questions(seed=QUESTIONS_SEED):
    """The fine-tuning corpus as one string: N_QUESTIONS distinct questions. Pure."""
    g = Writer(seed)
    lines = {}  # a dict keeps insertion order and drops repeats
    for pattern, count in QUESTION_MIX:
        wanted = len(lines) + count
        for _ in range(10_000):
            if len(lines) == wanted:
                break
            words = pattern(g).split()
            if MIN_QUESTION_WORDS <= len(words) <= MAX_QUESTION_WORDS and acceptable(words):
                lines.setdefault(" ".join(words))
        else:
            raise RuntimeError(f"{pattern.__name__} gives fewer than {count} distinct questions")
    out = list(lines)
    for i in range(len(out) - 1, 0, -1):  # mix the first words (Fisher-Yates, as above)
        j = int(g.rng.random() * (i + 1))
        out[i], out[j] = out[j], out[i]
    return "\n".join(out) + "\n"


def question_problems(text, corpus_words):
    """The constraints a questions text breaks, given the words of the training corpus."""
    errors = []
    if not text.endswith("\n"):
        errors.append("the file does not end with a newline")
    lines = text.split("\n")[:-1]
    if not MIN_QUESTIONS <= len(lines) <= MAX_QUESTIONS:
        errors.append(f"{len(lines)} questions, expected {MIN_QUESTIONS} to {MAX_QUESTIONS}")
    if len(set(lines)) != len(lines):
        errors.append(f"{len(lines) - len(set(lines))} repeated questions")
    low, high = MIN_QUESTION_WORDS - 1, MAX_QUESTION_WORDS - 1
    line = re.compile(rf"[a-z]+( [a-z]+){{{low},{high}}}")
    bad = [i + 1 for i, s in enumerate(lines) if not line.fullmatch(s)]
    if bad:
        errors.append(
            f"{len(bad)} lines are not {MIN_QUESTION_WORDS} to {MAX_QUESTION_WORDS} lowercase "
            f"words separated by single spaces (first: line {bad[0]})"
        )
    unknown = sorted(frozenset(text.split()) - frozenset(corpus_words))
    if unknown:
        errors.append(f"{len(unknown)} words not in the training corpus: {unknown[:10]}")
    firsts = Counter(s.split(" ")[0] for s in lines)
    odd = [i + 1 for i, s in enumerate(lines) if s.split(" ")[0] not in QUESTION_WORDS]
    if odd:
        errors.append(f"{len(odd)} lines do not start with a question word (first: line {odd[0]})")
    top, n = firsts.most_common(1)[0] if firsts else ("", 0)
    if 100 * n > MAX_FIRST_WORD_SHARE * len(lines):
        errors.append(f"{n} of {len(lines)} lines start with {top!r}, over {MAX_FIRST_WORD_SHARE}%")
    return errors


def question_summary(text):
    lines = text.splitlines()
    firsts = Counter(s.split(" ")[0] for s in lines)
    mix = ", ".join(f"{w} {firsts[w]}" for w in QUESTION_WORDS if firsts[w])
    return f"questions: {len(lines)}  distinct words: {len(set(text.split()))}  first words: {mix}"


# ---- the held-out sentences: a measure of generalisation -------------------------------
HELD_OUT_SEED = 200  # its own seed: the training corpus does not change with the held-out set
N_HELD_OUT = 200
HELD_OUT_OUTPUT = os.path.join(os.path.dirname(OUTPUT), "heldout.txt")


def generate_held_out(corpus_text, seed=HELD_OUT_SEED, n=N_HELD_OUT):
    """The held-out set as one string: n distinct sentences of the training corpus's kind
    (the same patterns and weights), none of them a sentence of corpus_text, every word one
    of its words. In the order drawn. Pure."""
    g = Writer(seed)
    corpus_lines = frozenset(corpus_text.split("\n"))
    corpus_words = frozenset(corpus_text.split())
    lines = {}  # a dict keeps insertion order and drops repeats
    for _ in range(100 * n):
        if len(lines) == n:
            break
        words = TEMPLATES[g.index(WEIGHTS)][1](g)
        sentence = " ".join(words)
        if acceptable(words) and sentence not in corpus_lines and corpus_words.issuperset(words):
            lines.setdefault(sentence)
    else:
        raise RuntimeError(f"fewer than {n} new sentences in {100 * n} draws")
    return "\n".join(lines) + "\n"


def held_out_problems(text, corpus_text):
    """The constraints a held-out text breaks, given the training corpus's text."""
    errors = []
    if not text.endswith("\n"):
        errors.append("the file does not end with a newline")
    lines = text.split("\n")[:-1]
    if len(lines) != N_HELD_OUT:
        errors.append(f"{len(lines)} sentences, expected {N_HELD_OUT}")
    if len(set(lines)) != len(lines):
        errors.append(f"{len(lines) - len(set(lines))} repeated sentences")
    line = re.compile(rf"[a-z]+( [a-z]+){{{MIN_WORDS - 1},{MAX_WORDS - 1}}}")
    bad = [i + 1 for i, s in enumerate(lines) if not line.fullmatch(s)]
    if bad:
        errors.append(
            f"{len(bad)} lines are not {MIN_WORDS} to {MAX_WORDS} lowercase words "
            f"separated by single spaces (first: line {bad[0]})"
        )
    seen = frozenset(corpus_text.split("\n"))
    trained = [i + 1 for i, s in enumerate(lines) if s in seen]
    if trained:
        more = f", and {len(trained) - 1} more lines" if len(trained) > 1 else ""
        errors.append(f"line {trained[0]} is a sentence of the training corpus{more}")
    unknown = sorted(frozenset(text.split()) - frozenset(corpus_text.split()))
    if unknown:
        errors.append(f"{len(unknown)} words not in the training corpus: {unknown[:10]}")
    return errors


def held_out_summary(text):
    lines = text.splitlines()
    mean = sum(len(s.split()) for s in lines) / max(1, len(lines))
    words = len(set(text.split()))
    return f"held-out: {len(lines)}  distinct words: {words}  mean words: {mean:.1f}"


def check(path, text, validate):
    """What is wrong with the committed file at path: its own problems, and any difference
    from text, the generator's output."""
    if not os.path.exists(path):
        return [f"{path} does not exist; run: python data/make_corpus.py"]
    with open(path, "rb") as f:
        committed = f.read()
    errors = [f"{path}: " + e for e in validate(committed.decode("utf-8", "replace"))]
    if committed != text.encode("ascii"):
        errors.append(f"{path} differs from the generator's output; regenerate it")
    return errors


def write(path, text):
    tmp = f"{path}.{os.getpid()}.tmp"  # same directory, so os.replace is atomic
    with open(tmp, "wb") as f:
        f.write(text.encode("ascii"))
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write or check data/sentences.txt, data/questions.txt and data/heldout.txt."
    )
    parser.add_argument(
        "--check", action="store_true", help="fail if a committed file is not the output"
    )
    args = parser.parse_args(argv)
    text, questions = generate(), generate_questions()
    held_out = generate_held_out(text)
    print(summary(text), file=sys.stderr)
    print(question_summary(questions), file=sys.stderr)
    print(held_out_summary(held_out), file=sys.stderr)
    corpus_words = frozenset(text.split())
    outputs = [
        (OUTPUT, text, problems),
        (QUESTIONS_OUTPUT, questions, lambda t: question_problems(t, corpus_words)),
        (HELD_OUT_OUTPUT, held_out, lambda t: held_out_problems(t, text)),
    ]
    errors = []
    for path, out, validate in outputs:
        errors += [f"generator of {os.path.basename(path)}: " + e for e in validate(out)]
        if args.check:
            errors += check(path, out, validate)
    if errors:
        print("\n".join("error: " + e for e in errors), file=sys.stderr)
        return 1
    for path, out, _ in outputs:
        if args.check:
            print(f"ok: {path} is up to date", file=sys.stderr)
        else:
            write(path, out)
            print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
