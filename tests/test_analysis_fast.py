"""The analyzer's fast paths give exactly what the plain definitions give."""

from __future__ import annotations

import re
import unicodedata
from re import _parser  # type: ignore[attr-defined]

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis import (
    _ABBREVIATION_RE,
    _APOSTROPHES,
    _SENTENCE_END_RE,
    _STARTER_AFTER_RE,
    _TOKEN_RE,
    ABBREVIATION_CHARS,
    Analyzer,
    Token,
    fold,
    sentence_spans,
)

ANALYZER = Analyzer()
# Words, numbers with separators, apostrophes of every kind, accents, odd whitespace, expanding characters.
PIECES = ["The", "prison's", "48,000", "3.5", "Gutiérrez", "ÉCOLE", "don’t", "`quoted`", "ﬁnance", "ß", "İstanbul",
          "²", "½", "-", ".", ",", "a", "I", "x'y", "\u00a0", "\t", "\n", "\u2028", " ", "  ", "…", "naïve", "Ωmega",
          "U.S.", "US", "us", "USA", "4th", "21st", "children", "e.g."]
text_st = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=25).map(" ".join),
    st.text(max_size=60),
)


def reference_fold(text: str) -> str:
    """The original character-by-character definition of ``fold``."""
    out: list[str] = []
    for ch in text:
        if ch.isascii():
            out.append(ch.lower())
            continue
        base = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch))
        stripped = "".join(c for c in base if not unicodedata.combining(c)).casefold()
        out.append(stripped[0] if len(stripped) == 1 else (stripped[:1] or " "))
    return "".join(out).translate(_APOSTROPHES)


@settings(max_examples=120, deadline=None)
@given(text=text_st)
def test_fold_is_the_character_by_character_definition(text):
    assert fold(text) == reference_fold(text)
    assert len(fold(text)) == len(text)


@settings(max_examples=120, deadline=None)
@given(texts=st.lists(text_st, max_size=6))
def test_terms_and_terms_many_are_the_tokens_terms(texts):
    expected = [[t.term for t in ANALYZER.tokens(text)] for text in texts]
    assert [ANALYZER.terms(text) for text in texts] == expected
    assert ANALYZER.terms_many(texts) == expected
    assert ANALYZER.terms_many(iter(texts)) == expected


def reference_tokens(analyzer: Analyzer, text: str) -> list[Token]:
    """The plain definition of ``tokens``: the token pattern over the whole folded text."""
    out: list[Token] = []
    for match in _TOKEN_RE.finditer(fold(text)):
        term = analyzer._term(match.group(), text[match.start() : match.end()])
        if term is not None:
            out.append(Token(term, match.start(), match.end()))
    return out


@settings(max_examples=200, deadline=None)
@given(text=text_st)
def test_tokens_read_chunk_by_chunk_are_the_plain_definitions(text):
    analyzer = Analyzer()  # a fresh token cache: the chunks are analyzed here
    assert analyzer.tokens(text) == reference_tokens(analyzer, text)
    assert ANALYZER.tokens(text) == reference_tokens(ANALYZER, text)  # chunks seen in earlier texts


def test_a_full_chunk_table_starts_afresh(monkeypatch):
    monkeypatch.setattr("bot.analysis.TOKEN_CACHE_CHUNKS", 3)
    analyzer = Analyzer()
    text = "one two three four five six, seven eight"
    assert analyzer.tokens(text) == reference_tokens(analyzer, text)
    assert analyzer.tokens(text + " nine") == reference_tokens(analyzer, text + " nine")
    assert len(analyzer._chunk_tokens) <= 3 + 9


# Chunks the plain-word count reads without analyzing: words, numbers, a punctuation mark after, stopwords, capitals.
PLAIN_PIECES = [*PIECES, "word.", "Word,", "1,234.", "12th", "1.5.", "a.", "I.", "US.", "us,", "Us", "the", "The!",
                "x?", "3", "40s", "it;", "7:", "abc123", "12ab", "1,2,3"]
chunks_st = st.one_of(st.sampled_from(PLAIN_PIECES), st.text(max_size=8).filter(lambda c: c and not any(
    ch.isspace() for ch in c)), st.from_regex(r"[A-Za-z0-9]{1,6}[.,;:!?]{0,2}", fullmatch=True))


@settings(max_examples=300, deadline=None)
@given(chunk=chunks_st)
def test_chunk_counts_are_the_chunks_token_counts(chunk):
    analyzer = Analyzer()
    assert analyzer._chunk_counts[chunk] == len(reference_tokens(analyzer, chunk))


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(text_st, st.lists(chunks_st, max_size=20).map(" ".join)), data=st.data())
def test_tokens_at_are_the_tokens_the_terms_name(text, data):
    analyzer = Analyzer()
    tokens = reference_tokens(analyzer, text)
    keep = data.draw(st.lists(st.booleans(), min_size=len(tokens), max_size=len(tokens)))
    terms = [t.term if k else None for t, k in zip(tokens, keep, strict=True)]
    assert analyzer.tokens_at(text, terms) == [t for t, k in zip(tokens, keep, strict=True) if k]
    assert ANALYZER.tokens_at(text, terms) == [t for t, k in zip(tokens, keep, strict=True) if k]  # chunks seen before
    assert analyzer.tokens_at(text, [*terms, None]) is None  # one entry too many: not the forward index of this text
    if tokens:
        assert analyzer.tokens_at(text, ["?", *terms[1:]]) is None  # a wanted term the text does not have there


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(text_st, st.lists(chunks_st, max_size=20).map(" ".join)), data=st.data())
def test_tokens_between_are_the_tokens_starting_there(text, data):
    start = data.draw(st.integers(min_value=0, max_value=len(text) + 1))
    end = data.draw(st.integers(min_value=0, max_value=len(text) + 2))
    expected = [t for t in reference_tokens(ANALYZER, text) if start <= t.start < end]
    assert ANALYZER.tokens_between(text, start, end) == expected
    assert Analyzer().tokens_between(text, start, end) == expected


def reference_sentence_spans(text: str) -> list[tuple[int, int]]:
    """The plain definition of ``sentence_spans``: each possible end checked against the whole sentence so far."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        abbreviation = _ABBREVIATION_RE.search(text[start : match.start() + 1])
        if abbreviation and not (abbreviation.group("initials") and _STARTER_AFTER_RE.match(text, match.end())):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for first, last in spans:
        piece = text[first:last]
        lo = first + len(piece) - len(piece.lstrip())
        hi = last - (len(piece) - len(piece.rstrip()))
        if lo < hi:
            out.append((lo, hi))
    return out


SENTENCE_PIECES = ["Mr.", "Dr. Smith", "U.S.", "U.S.A.", "e.g.", "approx.", "Sept.", "He left.", "It rose 4.5%.",
                   "\"Yes.\"", "(No.)", "Why?", "Wow!", "Then…", "a.b.c.d.e.", "St.", "Ltd.", "x", "The", "1990.",
                   " ", "  ", "\n", "“Quoted.”", "Inc.", "No. 5", "see pic.twitter.com", "Op. 10", "Mt. Everest",
                   "pp.", "Nos.", "p.m.", "In", "D.C. The", "U.S. President"]


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.lists(st.sampled_from(SENTENCE_PIECES), max_size=14).map(" ".join),
                      st.lists(st.sampled_from(SENTENCE_PIECES), max_size=14).map("".join), text_st))
def test_sentence_spans_read_only_the_end_for_abbreviations(text):
    assert sentence_spans(text) == reference_sentence_spans(text)


def test_no_abbreviation_is_longer_than_the_end_read() -> None:
    assert _parser.parse(_ABBREVIATION_RE.pattern).getwidth()[1] <= ABBREVIATION_CHARS


def test_sentence_spans_of_every_eval_passage_are_the_plain_ones() -> None:
    from bot.corpus import load_corpus
    from tests.conftest import DATA_DIR

    for name in ("multi", "fresh", "fresh2", "fresh3", "news1", "news2", "news3"):
        for passage in load_corpus(DATA_DIR / name / "corpus").passages:
            assert sentence_spans(passage.text) == reference_sentence_spans(passage.text)


def test_the_sentence_identity_follows_the_patterns(monkeypatch) -> None:
    from bot import analysis

    base = analysis.sentence_identity()
    monkeypatch.setattr(analysis, "_ABBREVIATION_RE", re.compile(r"(?:\bMr\.)$"))
    assert analysis.sentence_identity() != base


def test_the_sentence_identity_is_the_same_in_every_process() -> None:
    import subprocess
    import sys

    code = "from bot.analysis import sentence_identity; print(sentence_identity())"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
                           env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2)}
    assert len(seen) == 1  # word lists are sets: their order must not leak into the patterns
