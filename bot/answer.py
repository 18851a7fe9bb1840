"""Turn ranked passages into an answer: the highlight, the citation, and the decision to decline.

The highlight is the sentence of the passage that best matches the question (the sum of the collection
IDF of the distinct question terms it holds); for quantity questions ("how many", "how much") it is the
number in that sentence nearest the question's words, weighted by their IDF. A question is declined when
the top passage holds too small a share of the question's terms (``coverage``) or scores too little of
what a passage holding every term once would (``relative score``): both are scale-free, unlike a raw
BM25 score, and their thresholds are calibrated on the eval set (see README).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.analysis import Analyzer, Token, fold, sentence_spans
from bot.corpus import Article, Passage

CITATION_SEPARATOR = " · "
_QUANTITY_RE = re.compile(
    r"\bhow\s+(?:many|much|long|old|big|large|far|often)\b|\bwhat\s+(?:number|percentage|share|proportion)\b"
    r"|\bnumber\s+of\b|\bcount\b"
)
NUMBER_WORDS = frozenset(
    """
    one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds
    thousand thousands million millions billion billions dozen dozens half
    """.split()
)
_NUMBER_SPAN_RE = re.compile(
    r"(?<![\w.])(?:[$€£]\s?)?\d+(?:[.,]\d+)*(?:\s?(?:%|percent|per cent))?"
    r"|\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


class QuestionKind(StrEnum):
    """What a question asks for, as far as the highlight is concerned."""

    QUANTITY = "quantity"
    OTHER = "other"


class HighlightKind(StrEnum):
    """Whether the highlight is a whole sentence or a number in it."""

    SENTENCE = "sentence"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class Highlight:
    """A span of a passage's text to show in bold."""

    start: int
    end: int
    kind: HighlightKind


@dataclass(frozen=True, slots=True)
class Result:
    """One ranked passage with its article, highlight and citation."""

    rank: int
    article: Article
    passage: Passage
    score: float
    highlight: Highlight | None
    citation: str

    @property
    def highlight_text(self) -> str | None:
        """Return the highlighted words, or None."""
        if self.highlight is None:
            return None
        return self.passage.text[self.highlight.start : self.highlight.end]


@dataclass(frozen=True, slots=True)
class Answer:
    """What askbot answers to one question: ranked results, or a decline with its reason."""

    question: str
    answered: bool
    reason: str
    results: tuple[Result, ...]
    terms: tuple[str, ...] = ()
    coverage: float = 0.0
    relative_score: float = 0.0
    closest: Article | None = None

    @property
    def best(self) -> Result | None:
        """Return the top result, or None when declined."""
        return self.results[0] if self.results else None


@dataclass(frozen=True, slots=True)
class DeclinePolicy:
    """Thresholds below which a question is declined."""

    min_coverage: float = 0.5
    min_relative_score: float = 0.3


def question_kind(question: str) -> QuestionKind:
    """Classify a question by the kind of answer it wants."""
    return QuestionKind.QUANTITY if _QUANTITY_RE.search(fold(question)) else QuestionKind.OTHER


def citation(article: Article, passage: Passage) -> str:
    """Return ``“<title>” · <date> · ¶<n>``, with the URL last when the article has one."""
    parts = [f"“{article.title}”"]
    if article.date:
        parts.append(article.date)
    parts.append(f"¶{passage.paragraph}")
    if article.url:
        parts.append(article.url)
    return CITATION_SEPARATOR.join(parts)


def coverage(question_terms: Sequence[str], passage_terms: set[str]) -> float:
    """Return the share of the question's distinct terms that the passage holds."""
    distinct = set(question_terms)
    return len(distinct & passage_terms) / len(distinct) if distinct else 0.0


def decline_reason(cov: float, relative: float, policy: DeclinePolicy) -> str | None:
    """Return why a question is declined, or None when the top passage answers it."""
    if cov <= 0.0:
        return "no passage shares the question's words"
    if cov < policy.min_coverage:
        return f"the best passage holds only {cov:.0%} of the question's words"
    if relative < policy.min_relative_score:
        return f"the best passage matches the question too weakly ({relative:.0%} of a full match)"
    return None


def _best_sentence(
    text: str, tokens: Sequence[Token], wanted: set[str], idf: Callable[[str], float]
) -> tuple[int, int]:
    spans = sentence_spans(text) or [(0, len(text))]
    best, best_score = spans[0], -1.0
    for start, end in spans:
        held = {t.term for t in tokens if start <= t.start < end and t.term in wanted}
        score = sum(idf(term) for term in held)
        if score > best_score:
            best, best_score = (start, end), score
    return best


def _best_number(
    text: str, sentence: tuple[int, int], tokens: Sequence[Token], wanted: set[str], idf: Callable[[str], float]
) -> tuple[int, int] | None:
    """Return the number span in the sentence nearest the question's words, weighted by their IDF."""
    start, end = sentence
    numbers = [m for m in _NUMBER_SPAN_RE.finditer(text, start, end)]
    if not numbers:
        return None
    # Word positions let distance be counted in words, not characters.
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]

    def word_index(offset: int) -> int:
        for i, (ws, we) in enumerate(words):
            if ws <= offset < we or offset < ws:
                return i
        return len(words)

    matched = [(word_index(t.start), idf(t.term)) for t in tokens if start <= t.start < end and t.term in wanted]
    best: tuple[int, int] | None = None
    best_score = -1.0
    for m in numbers:
        at = word_index(m.start())
        score = sum(weight / (1 + abs(at - pos)) for pos, weight in matched)
        if score > best_score:
            best, best_score = (m.start(), m.end()), score
    return best


def choose_highlight(
    passage: Passage,
    question_terms: Sequence[str],
    kind: QuestionKind,
    analyzer: Analyzer,
    idf: Callable[[str], float],
) -> Highlight | None:
    """Return the span of the passage that answers best: a number for quantity questions, else a sentence."""
    text = passage.text
    tokens = analyzer.tokens(text)
    wanted = set(question_terms)
    sentence = _best_sentence(text, tokens, wanted, idf)
    if kind is QuestionKind.QUANTITY:
        number = _best_number(text, sentence, tokens, wanted, idf)
        if number is not None:
            return Highlight(number[0], number[1], HighlightKind.NUMBER)
    return Highlight(sentence[0], sentence[1], HighlightKind.SENTENCE)
