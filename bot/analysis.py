"""Turn passages and questions into index terms, and text into sentences.

One ``Analyzer`` serves both sides so that a question and a passage always agree on what a term is:
Unicode NFKC normalization, accent folding (Gutiérrez → gutierrez), case folding, word tokens that keep
numbers whole (48,000 → 48000), a stopword list that includes question words, and Snowball English
stemming (PyStemmer).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

# Numbers first, so that "48,000" and "3.5" stay one token; then words with inner apostrophes.
# Initialisms (U.S., u.k.) are one token; ordinals (4th, 21st) are their number.
_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?(?![^\W\d_])|\d+(?:[.,]\d+)*|(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:'[^\W\d_]+)*"
)
_ORDINAL_SUFFIX_RE = re.compile(r"(?<=\d)(?:st|nd|rd|th)$")
# Ways to name the United States, written as one term so that "U.S.", "US" and "USA" meet.
_USA = frozenset({"us", "usa"})
USA_TERM = "usa"
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})

# English function words plus the words a question is made of ("how many", "what does ... stand for").
# Kept here, not in a data file, because the analyzer's behaviour is part of the index's identity.
STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's
    her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it
    it's its itself let's me more most mustn't my myself no nor not of off on once only or other ought
    our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some such
    than that that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll we're we've
    were weren't what what's when when's where where's which while who who's whom why why's with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves many much whose whats
    tell say says said please us
    will shall may might must know anyone somebody someone thing things also just like get got s t
    """.split()
)


# Words the stemmer cannot bring to their base form: irregular verb and noun forms, and British spellings.
# "built" must meet "build" and "programme" meet "program" on both the passage's and the question's side.
_IRREGULAR = """
built:build sent:send paid:pay made:make bought:buy taught:teach children:child men:man women:woman
began:begin begun:begin rose:rise risen:rise won:win held:hold led:lead fell:fall fallen:fall spent:spend
met:meet wrote:write written:write took:take taken:take gave:give given:give went:go gone:go came:come
seen:see thought:think brought:bring kept:keep stood:stand ran:run sold:sell chose:choose chosen:choose
drove:drive driven:drive grew:grow grown:grow caught:catch fought:fight struck:strike beaten:beat
broke:break broken:break spoke:speak spoken:speak stole:steal stolen:steal threw:throw thrown:throw
flew:fly flown:fly froze:freeze frozen:freeze ate:eat eaten:eat fled:flee sought:seek sank:sink sunk:sink
swore:swear sworn:swear dug:dig hung:hang meant:mean slept:sleep wore:wear worn:wear sang:sing sung:sing
programme:program programmes:program harbour:harbor harbours:harbor centre:center centres:center
theatre:theater colour:color labour:labor neighbour:neighbor neighbours:neighbor favour:favor
honour:honor behaviour:behavior defence:defense offence:offense licence:license litre:liter
litres:liter metre:meter metres:meter maths:math grey:gray tyre:tire tyres:tire organise:organize
organised:organize criticise:criticize criticised:criticize recognise:recognize recognised:recognize
realise:realize realised:realize travelled:travel cancelled:cancel
"""
LEMMAS: dict[str, str] = dict(pair.split(":", 1) for pair in _IRREGULAR.split())


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: its index term and where it stands in the original string."""

    term: str
    start: int
    end: int


def _fold_char(ch: str) -> str:
    """Fold one character to one: NFKC, accents stripped, case folded (the first character if it expands)."""
    if ch.isascii():
        return ch.lower()
    base = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch))
    stripped = "".join(c for c in base if not unicodedata.combining(c)).casefold()
    return stripped[0] if len(stripped) == 1 else (stripped[:1] or " ")


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that folds each character once and remembers it."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code)).translate(_APOSTROPHES)
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Normalize, fold accents and case, and unify apostrophes, keeping the string's length.

    Length is kept (one output character per input character where possible) so that token offsets found in
    the folded text point into the original; characters that NFKC would expand are folded one by one.
    Each character folds on its own, so ASCII text takes ``str.lower`` and other text a cached table.
    """
    if text.isascii():
        return text.lower().translate(_APOSTROPHES)
    return text.translate(_FOLD_TABLE)


def _normalize_number(raw: str) -> str:
    """Drop thousands separators: 48,000 → 48000, while 3.5 stays 3.5."""
    return raw.replace(",", "") if _THOUSANDS_RE.match(raw) else raw


TOKEN_CACHE_TEXTS = 512


class Analyzer:
    """Tokenize, fold, drop stopwords and stem: the one road from text to index terms."""

    def __init__(self, *, stopwords: Iterable[str] = STOPWORDS, language: str = "english") -> None:
        self.stopwords = frozenset(stopwords)
        self.language = language
        self._stemmer = Stemmer.Stemmer(language)
        # A bounded cache: stems repeat heavily across passages, and stemming dominates analysis time.
        self._stem = lru_cache(maxsize=200_000)(self._stemmer.stemWord)
        # A question's candidate passages are read by several steps (terms, cues, proximity, highlight).
        self._tokens = lru_cache(maxsize=TOKEN_CACHE_TEXTS)(self._tokens_of)

    def _term(self, raw: str, original: str) -> str | None:
        """Return the index term of one word matched in folded text, or None for a stopword or lone letter.

        ``original`` is the same word before folding: only its case tells "US" (the country) from "us".
        """
        if raw[0].isdigit():
            return _normalize_number(_ORDINAL_SUFFIX_RE.sub("", raw))
        if raw.endswith("."):  # an initialism: U.S. → us
            raw = raw.replace(".", "")
            if raw in _USA:
                return USA_TERM
        elif raw in _USA and original.isupper():  # "US", "USA", not "us"
            return USA_TERM
        if raw.endswith("'s"):
            raw = raw[:-2]
        if raw in self.stopwords or (len(raw) < 2 and not raw.isdigit()):
            return None
        word = raw.replace("'", "")
        term: str = self._stem(LEMMAS.get(word, word))
        return term

    def tokens(self, text: str) -> list[Token]:
        """Return every content token of ``text`` with its offsets into ``text``."""
        return list(self._tokens(text))

    def _tokens_of(self, text: str) -> tuple[Token, ...]:
        out: list[Token] = []
        folded = fold(text)
        for match in _TOKEN_RE.finditer(folded):
            term = self._term(match.group(), text[match.start() : match.end()])
            if term is not None:
                out.append(Token(term, match.start(), match.end()))
        return tuple(out)

    def terms(self, text: str) -> list[str]:
        """Return the index terms of ``text`` in order, repeats kept."""
        folded = fold(text)
        out: list[str] = []
        for match in _TOKEN_RE.finditer(folded):
            term = self._term(match.group(), text[match.start() : match.end()])
            if term is not None:
                out.append(term)
        return out

    def terms_many(self, texts: Iterable[str]) -> list[list[str]]:
        """Return the index terms of each text, as ``terms`` would, fast on many texts.

        No token spans whitespace, so a text's terms are those of its whitespace-separated chunks in order;
        chunks ("prison," "the") recur across passages and are analyzed once per call. Chunks are keyed
        before folding, because case decides some terms ("US").
        """
        table = _ChunkTerms(self._term)
        get = table.__getitem__
        chain = itertools.chain.from_iterable
        return [list(chain(map(get, text.split()))) for text in texts]


class _ChunkTerms(dict[str, tuple[str, ...]]):
    """The terms of each whitespace-free chunk of folded text, computed on first lookup."""

    def __init__(self, term_of: Callable[[str, str], str | None]) -> None:
        super().__init__()
        self._term_of = term_of

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        term_of = self._term_of
        found = (term_of(m.group(), chunk[m.start() : m.end()]) for m in _TOKEN_RE.finditer(fold(chunk)))
        terms = tuple(t for t in found if t is not None)
        self[chunk] = terms
        return terms


# Sentence ends: terminal punctuation, optional closing quotes or brackets, then space and a likely start.
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9À-Ý¿¡@#])")
_ABBREVIATION_RE = re.compile(
    r"(?:\b(?:[A-Za-z]\.){1,4}|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|Lt|Col|Capt|Sgt|Rev|Hon|"
    r"Inc|Ltd|Co|Corp|No|vs|etc|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|approx|est)\.)$"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their (start, end) offsets, surrounding space excluded.

    A rule-based splitter: it does not split after initialisms (U.S.), common abbreviations (Mr., Dr.) or
    inside numbers and domain names (48.5, pic.twitter.com), which is what news prose needs.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end()
        head = text[start : match.start() + 1]
        if _ABBREVIATION_RE.search(head):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    trimmed: list[tuple[int, int]] = []
    for first, last in spans:
        lo, hi = first, last
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        if lo < hi:
            trimmed.append((lo, hi))
    return trimmed


def sentences(text: str) -> list[str]:
    """Return the sentences of ``text``."""
    return [text[s:e] for s, e in sentence_spans(text)]
