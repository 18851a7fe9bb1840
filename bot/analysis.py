"""Turn passages and questions into index terms, and text into sentences.

One ``Analyzer`` serves both sides so that a question and a passage always agree on what a term is:
Unicode NFKC normalization, accent folding (Gutiérrez → gutierrez), case folding, word tokens that keep
numbers whole (48,000 → 48000), a stopword list that includes question words, and Snowball English
stemming (PyStemmer).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import Stemmer

from bot.wordlists import alternation, lines, words

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

# The analyzer's word lists, in bot/data. They are part of the index's identity: bot.index_store's cache key
# hashes these files as it hashes this module's source.
STOPWORDS_FILE = "stopwords.txt"
LEMMAS_FILE = "lemmas.txt"
SENTENCE_ABBREVIATIONS_FILE = "sentence_abbreviations.txt"
SENTENCE_STARTERS_FILE = "sentence_starters.txt"
DATA_FILES = (STOPWORDS_FILE, LEMMAS_FILE, SENTENCE_ABBREVIATIONS_FILE, SENTENCE_STARTERS_FILE)

# English function words plus the words a question is made of ("how many", "what does ... stand for").
STOPWORDS: frozenset[str] = words(STOPWORDS_FILE)


# Words the stemmer cannot bring to their base form: irregular verb and noun forms, and British spellings.
# "built" must meet "build" and "programme" meet "program" on both the passage's and the question's side.
LEMMAS: dict[str, str] = dict(line.split(maxsplit=1) for line in lines(LEMMAS_FILE))


class Token(NamedTuple):
    """One word of a text: its index term and where it stands in the original string."""

    # A named tuple, not a frozen dataclass: a question makes one per word of each passage it reads, and a frozen
    # dataclass's constructor takes about twice as long (0.66 against 0.35 us; a passage's tokens 88 -> 73 us).
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
SENTENCE_CACHE_TEXTS = 1024
# Whitespace-free chunks ("prison," "the") whose tokens (and token counts) are kept; each table starts afresh
# when full.
TOKEN_CACHE_CHUNKS = 200_000


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
        self._chunk_tokens = _ChunkTokens(self._term)
        self._chunk_counts = _ChunkCounts(self._chunk_tokens, self._plain_word_kept)

    def _plain_word_kept(self, word: str) -> bool:
        """Return True when ``_term`` keeps a word of ASCII letters alone: not a stopword, nor a lone letter.

        "US" and "USA" in capitals are kept (the country) whatever the stopwords say.
        """
        raw = word.lower()
        return (raw in _USA and word.isupper()) or (raw not in self.stopwords and len(raw) >= 2)

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
        """Return the tokens of ``text`` from those of its whitespace-separated chunks, each analyzed once.

        No token spans whitespace, so a text's tokens are its chunks' tokens, shifted to where each chunk
        starts; the candidate passages of a question share most of their chunks with passages read before.
        """
        table = self._chunk_tokens
        out: list[Token] = []
        append, find = out.append, text.find
        at = 0
        for chunk in text.split():
            at = find(chunk, at)  # the chunk's own start: it begins at the first non-space from ``at``
            for term, start, end in table[chunk]:
                append(Token(term, at + start, at + end))
            at += len(chunk)
        return tuple(out)

    def tokens_at(self, text: str, terms: Sequence[str | None]) -> list[Token] | None:
        """Return the tokens of ``text`` where ``terms`` names one, as ``tokens`` gives them; skip the others.

        ``terms`` holds one entry per token of ``text`` in order (the forward index): its term where the caller
        wants the token, else None. Skipped words are only counted, a plain word without analyzing it, so this
        costs a fraction of ``tokens`` on passages read for the first time. None when ``text`` does not have
        one token per entry or a wanted token's term differs (the caller then reads ``tokens``).
        """
        table, counts = self._chunk_tokens, self._chunk_counts
        chunks = text.split()
        # Tokens up to and including each chunk: the token at index j is in the first chunk whose count passes j.
        through = list(itertools.accumulate(map(counts.__getitem__, chunks)))
        if (through[-1] if through else 0) != len(terms):
            return None
        wanted = [j for j, term in enumerate(terms) if term is not None]
        if not wanted:
            return []
        if " ".join(chunks) == text:  # words one space apart (most passages): a chunk starts after those before
            ends, starts = list(itertools.accumulate(map(len, chunks))), None
        else:
            ends, starts = [], [m.start() for m in _CHUNK_RE.finditer(text)]
        out: list[Token] = []
        for j in wanted:
            at = bisect_right(through, j)
            held, k = table[chunks[at]], j - (through[at - 1] if at else 0)
            if k >= len(held) or held[k][0] != terms[j]:
                return None
            term, start, end = held[k]
            first = starts[at] if starts is not None else (ends[at - 1] + at if at else 0)
            out.append(Token(term, first + start, first + end))
        return out

    def tokens_between(self, text: str, start: int, end: int) -> list[Token]:
        """Return the tokens of ``text`` that start in ``[start, end)``, as ``tokens`` would, reading only those."""
        table = self._chunk_tokens
        at = max(0, min(start, len(text)))
        while at > 0 and not text[at - 1].isspace():  # back to the start of the word holding ``start``
            at -= 1
        out: list[Token] = []
        for chunk in _CHUNK_RE.finditer(text, at):
            if chunk.start() >= end:
                break
            out.extend(Token(term, chunk.start() + s, chunk.start() + e) for term, s, e in table[chunk.group()]
                       if start <= chunk.start() + s < end)
        return out

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


class _ChunkTokens(dict[str, tuple[tuple[str, int, int], ...]]):
    """The tokens of each whitespace-free chunk of text (term, start, end within the chunk), made on first lookup."""

    def __init__(self, term_of: Callable[[str, str], str | None]) -> None:
        super().__init__()
        self._term_of = term_of

    def __missing__(self, chunk: str) -> tuple[tuple[str, int, int], ...]:
        term_of = self._term_of
        found = ((term_of(m.group(), chunk[m.start() : m.end()]), m.start(), m.end())
                 for m in _TOKEN_RE.finditer(fold(chunk)))
        tokens = tuple((t, start, end) for t, start, end in found if t is not None)
        if len(self) >= TOKEN_CACHE_CHUNKS:
            self.clear()
        self[chunk] = tokens
        return tokens


# A whitespace-free chunk that is one word of ASCII letters or one number, with at most one punctuation mark
# after it: a number is one token, a word one (the word) or none (a stopword, a lone letter), which ``_term``'s
# first tests decide without stemming.
_CHUNK_RE = re.compile(r"\S+")
_PLAIN_CHUNK_RE = re.compile(r"(?:([A-Za-z]+)|\d+(?:[.,]\d+)*)[.,;:!?]?")


class _ChunkCounts(dict[str, int]):
    """How many tokens each whitespace-free chunk holds, made on first lookup; a plain word is not analyzed."""

    def __init__(self, tokens: _ChunkTokens, plain_word_kept: Callable[[str], bool]) -> None:
        super().__init__()
        self._tokens = tokens
        self._plain_word_kept = plain_word_kept

    def __missing__(self, chunk: str) -> int:
        plain = _PLAIN_CHUNK_RE.fullmatch(chunk)
        if plain is None:
            count = len(self._tokens[chunk])
        else:
            word = plain.group(1)
            count = 1 if word is None else int(self._plain_word_kept(word))
        if len(self) >= TOKEN_CACHE_CHUNKS:
            self.clear()
        self[chunk] = count
        return count


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
# Initials ("U.S.", "e.g.") and the listed abbreviations ("Mr.", "Op.") end no sentence.
_ABBREVIATIONS = words(SENTENCE_ABBREVIATIONS_FILE)
_ABBREVIATION_RE = re.compile(
    r"(?:\b(?P<initials>(?:[A-Za-z]\.){1,4})|\b(?:" + alternation(_ABBREVIATIONS) + r")\.)$"
)
# After initials, a capitalised word that starts sentences does end it: "… in Washington, D.C. The following …".
_STARTER_AFTER_RE = re.compile(
    r"\s+[\"“‘'(\[]?(?:" + alternation(words(SENTENCE_STARTERS_FILE)) + r")\b"
)
# The longest text ``_ABBREVIATION_RE`` matches: four initials ("U.S.A.") or the longest listed word and its stop.
ABBREVIATION_CHARS = max(8, max(map(len, _ABBREVIATIONS)) + 1)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their (start, end) offsets, surrounding space excluded.

    A rule-based splitter: it does not split after initialisms (U.S.), common abbreviations (Mr., Dr.) or
    inside numbers and domain names (48.5, pic.twitter.com), which is what news prose needs.
    """
    return list(_sentence_spans(text))


# A question's candidates are split by the cue check, the cue decline and the highlight, each on its own.
@lru_cache(maxsize=SENTENCE_CACHE_TEXTS)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Return ``sentence_spans``, kept for the texts split last."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end()
        # An abbreviation ends the sentence so far, and none is longer than ABBREVIATION_CHARS: only the end is read.
        # Searched within ``text`` from a later start, the pattern sees the same characters before each position.
        last = match.start() + 1
        abbreviation = _ABBREVIATION_RE.search(text, max(start, last - ABBREVIATION_CHARS), last)
        if abbreviation and not (abbreviation.group("initials") and _STARTER_AFTER_RE.match(text, end)):
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
    return tuple(trimmed)


def sentence_identity() -> str:
    """Return a digest of the patterns that decide ``sentence_spans``, the word lists within them.

    ``bot.corpus_store.parser_identity`` adds it to this module's code: saved corpora (windows of whole sentences)
    and saved sentence vectors carry that in their keys.
    """
    patterns = (_SENTENCE_END_RE, _ABBREVIATION_RE, _STARTER_AFTER_RE)
    return hashlib.sha256("\0".join(p.pattern for p in patterns).encode()).hexdigest()


def sentences(text: str) -> list[str]:
    """Return the sentences of ``text``."""
    return [text[s:e] for s, e in sentence_spans(text)]
