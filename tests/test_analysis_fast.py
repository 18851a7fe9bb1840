"""The analyzer's fast paths give exactly what the plain definitions give."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis import _APOSTROPHES, _TOKEN_RE, Analyzer, Token, fold

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
