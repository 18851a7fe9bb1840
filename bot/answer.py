"""Turn ranked passages into an answer: the highlight, the citation, and the decision to decline.

Also what a question asks for: its kind (how many / how long / when / who / where), the words that only
frame it ("stand for", "how long"), the subject of a definition question, and the spans of a passage that
could answer it (numbers, durations, dates, names, places). The highlight is the sentence of the passage
that best matches the question (collection IDF of the question terms it holds, a sentence holding the kind
of span asked for preferred); for how-many / how-long questions it is the number in that sentence whose
clause holds the question's words. A question is declined when the top passage holds too small an
IDF-weighted share of the question's terms (``coverage``), scores too little of what a passage holding
every term once would (``relative score``), or, for how-many / how-long / when, offers no number, duration
or date near the question's words. Thresholds (0.3, 0.35) were chosen on all the eval sets in ``tests/data/`` (README).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from bot.analysis import STOPWORDS, Analyzer, Token, fold, sentence_spans
from bot.corpus import Article, Passage
from bot.wordlists import alternation, lines, named_lists, phrase_lists, words

CITATION_SEPARATOR = " · "
# Texts whose cue spans of one kind are kept (a question reads its ~10 candidates several times).
CUE_CACHE_TEXTS = 1024
# A sentence holding the kind of answer asked for is highlighted when it scores this share of the best.
SENTENCE_CUE_MARGIN = 0.6
# Or, chosen by the word-piece match, when its match is this close to the best (round 21, fold A of the dev set).
PIECE_CUE_MARGIN = 0.02
# Right after a number, an ordinal's suffix: "the 57th Grammy Awards" counts nothing.
_ORDINAL_SUFFIX_RE = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)
NUMBER_WORDS = words("number_words.txt")
_NUMBER_WORD_RE = alternation(NUMBER_WORDS)
_NUMBER_SPAN_RE = re.compile(
    r"(?<![\w.@/])(?:[$€£]\s?)?\d+(?:[.,]\d+)*(?:\s?(?:%|percent|per cent))?(?:\s(?:million|billion))?"
    # Number words run together into one number: "five million", "twenty-five", "one hundred thousand".
    r"|\b(?:" + _NUMBER_WORD_RE + r")(?:[\s-](?:" + _NUMBER_WORD_RE + r"))*\b",
    re.IGNORECASE,
)
# "10 of the 19 terrorists", "six of the top ten": the number after "of" is the whole the first is part of.
_PART_OF_RE = re.compile(r"\s+of\s+(?:the\s+)?(?:top\s+)?")
# "one of the most extensive systems" names a member of a group, not a count.
_ONE_OF_RE = re.compile(r"\s+of\b")
_CLAUSE_BREAK_RE = re.compile(r"(?<!\d),|,(?!\d)|[;:()—–]")
OTHER_CLAUSE_FACTOR = 0.25
_YEAR_RE = re.compile(r"^(?:1[89]|20)\d\d$")
ANSWER_WORDS_FILE = "answer_words.txt"
_ANSWER_WORDS = named_lists(ANSWER_WORDS_FILE)


def _listed(name: str) -> str:
    """Return one list of ``bot/data/answer_words.txt`` as a regex alternation."""
    return alternation(_ANSWER_WORDS[name])


_TIME_UNITS = r"(?:" + _listed("time_units") + r")s?"
# Abbreviated units, read only right after a number ("120 sec", "a 5 min walk"): "min" alone is in "minister".
_TIME_UNIT_ABBREVIATIONS = r"(?:" + _listed("time_unit_abbreviations") + r")"
# Months and their abbreviations, as an alternation (bot.question reads days with it too).
MONTHS = _listed("months")
# "a year", "per day", "each week": a number followed by one is a rate.
_PER_TIME = r"(?:a|an|per|each|every)\s+(?:" + _listed("time_units") + r")\b"
_RATE_AFTER_RE = re.compile(r"\s+" + _PER_TIME, re.IGNORECASE)
_RATE_ASKED_RE = re.compile(r"\b" + _PER_TIME + r"|\b(?:" + _listed("rate_adverbs") + r")\b", re.IGNORECASE)
# "27.4 points per game", "4.1 tonnes per hectare": a rate of anything but a hundred ("per cent") or a span of time
# (read as "a year" is, above), the number's own words (two at most) between; a question asks one with "per …" or
# an average (round 35).
_PER_THING = r"per\s+(?!cent\b|" + _TIME_UNITS + r"\b)[^\W\d]"
_OWN_WORDS = r"(?:\s+[^\W\d][\w'’-]*){0,2}\s+"  # a number's own words, two at most, before what follows it
_PER_THING_AFTER_RE = re.compile(_OWN_WORDS + _PER_THING, re.IGNORECASE)
# "31 marks a month", "1.3 million visits a year": a rate in time, the number's own words between, for the bold of a
# question asking one (round 42).
_PER_TIME_AFTER_RE = re.compile(_OWN_WORDS + _PER_TIME, re.IGNORECASE)
_PER_THING_ASKED_RE = re.compile(r"\b" + _PER_THING + r"|\b(?:" + _listed("rate_words") + r")\b", re.IGNORECASE)
# "two years", "two and a half years", "several months", "a decade", "over 30 years"; and how long something has
# lasted as the world often writes it, from when it began: "since 1908", "since March 2019", "since the 1960s".
_DURATION_RE = re.compile(
    r"(?<![\w.])(?:\d+(?:[.,]\d+)?|" + _NUMBER_WORD_RE + r"|a\s+couple\s+of|a|an|several|a\s+few|few|many)"
    r"(?:\s+and\s+a\s+half)?[\s-]+" + _TIME_UNITS + r"\b(?![\s-]+old\b)"  # "a seven-year-old son" is an age
    r"|\bsince\s+(?:(?:early|late|mid)[\s-]+)?(?:(?:" + MONTHS + r")\.?\s+(?:\d{1,2},?\s+)?)?"
    r"(?:the\s+)?(?:1\d{3}|20\d\d)s?\b"
    r"|(?<![\w.])\d+(?:[.,]\d+)?\s?" + _TIME_UNIT_ABBREVIATIONS + r"s?\b",
    re.IGNORECASE,
)
# "How long is the creek?" asks for a length as often as for a time: "a 3.5-mile creek", "14 miles (23 km)".
LENGTH_UNITS = words("length_units.txt")
_LENGTH_RE = re.compile(
    r"(?<![\w.])(?:\d+(?:[.,]\d+)*|" + _NUMBER_WORD_RE + r"|a)[\s-]+(?:"
    + alternation(LENGTH_UNITS) + r")\b",
    re.IGNORECASE,
)
_ORDINAL_WORDS = _listed("ordinals")
# Dates as the world writes them: years from 1000 ("1066", "in 821"), decades ("the 1960s", "the '60s"),
# centuries ("11th century", "the eleventh century"), eras ("500 BC"). The look-ahead before the six
# look-behinds only spares trying them where no three-digit number starts (1.6x faster, the same matches).
_HISTORIC_DATE_RE = re.compile(
    r"\b(?:1\d{3}|20\d\d)s?\b|(?=\d{3}\b)(?:(?<=\bin\s)|(?<=\bof\s)|(?<=\bby\s)|(?<=\bfrom\s)|(?<=\buntil\s)|(?<=\bsince\s))\d{3}\b"
    r"|(?:\b|')\d0s\b|\b(?:\d{1,2}(?:st|nd|rd|th)|" + _ORDINAL_WORDS + r")[\s-]+centur(?:y|ies)\b"
    r"|\b\d{1,4}\s*(?:bc|bce|ad|ce)\b",
    re.IGNORECASE,
)
_DATE_RE = re.compile(
    r"\b(?:(?:" + MONTHS + r")\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+(?:" + MONTHS + r")\b(?:\s+\d{4})?"
    r"|(?:" + MONTHS + r")\b|(?:1[89]|20)\d\d\b|(?:" + _listed("weekdays") + "|" + _listed("day_words") + r")"
    r"|(?:last|next|this)\s+(?:week|month|year|fall|" + _listed("seasons") + r")"
    r"|(?:" + _listed("seasons") + r")|\d{1,2}(?::\d\d)?\s?[ap]\.?m(?:\b|\.)|\d{1,2}:\d\d)\b",
    re.IGNORECASE,
)
# A day of a month: "March 31, 2007", "5 June": its number dates, it does not count.
_MONTH_DAY_RE = re.compile(
    r"\b(?:(?:" + MONTHS + r")\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+(?:" + MONTHS + r")\b(?:\s+\d{4})?)",
    re.IGNORECASE,
)
_CURRENCY = frozenset("$€£¥")
_NAME_WORD = r"[A-ZÀ-Þ][a-zß-ÿ'’\-]+"
# A capitalized word that starts a sentence or a clause is no name: "The Trump administration", "While Trump".
_NOT_A_NAME = r"(?!(?:" + _listed("not_name_starts") + r")\b)"
# Where a name can start: ``_PERSON_RE`` is tried only there (the same matches, 2-3x faster than trying it at
# every word of the text).
_CAPITAL_RE = re.compile(r"[A-ZÀ-Þ]")
_PERSON_RE = re.compile(
    r"\b" + _NOT_A_NAME + _NAME_WORD + r"(?:\s+(?:" + _listed("name_particles") + r")?\s*" + _NAME_WORD + r")+"
)
_CURRENCY_WORDS = r"(?:" + _listed("currencies") + r")"
_MONEY_SPAN_RE = re.compile(
    r"(?:[$€£¥]|\b(?:us|usd|eur|gbp)\s?\$?)\s?\d+(?:[.,]\d+)*(?:\s?(?:million|billion|trillion|thousand|bn|m|k)\b)?"
    r"|\b\d+(?:[.,]\d+)*(?:\s(?:million|billion|trillion|thousand))?\s" + _CURRENCY_WORDS + r"\b"
    r"|\b(?:tens|hundreds|thousands|millions|billions)\s+of\s+(?:(?:thousands|millions)\s+of\s+)?"
    + _CURRENCY_WORDS + r"\b",
    re.IGNORECASE,
)
_PLACE_RE = re.compile(r"\b(?:" + _listed("place_prepositions") + r")\s+(?:the\s+)?" + _NAME_WORD)
# A vote's tally: "voted 9 to 4", "by 1,068 votes to 142", "78% to 22%", "7-4", "seven votes to four", "12 in favour
# and 3 against"; not a range or a change ("from 612 to 540"), not a measure ("5 to 10 minutes"); or a vote without
# numbers ("unanimously").
_TALLY_SIDE = r"(?:\d[\d,]*(?:\.\d+)?%?|" + alternation(words("number_words.txt")) + r")"
_TALLY_RE = re.compile(
    r"(?<!\w)" + "".join(f"(?<!{re.escape(w)} )" for w in sorted(_ANSWER_WORDS["tally_not_after"]))
    + _TALLY_SIDE + r"\s*(?:votes?\s+)?(?:to|-|–)\s*" + _TALLY_SIDE
    + r"(?!\w)(?![\s-]*(?:" + _listed("tally_not_before") + r")\b)"
    r"|\b" + _TALLY_SIDE + r"\s+(?:votes?\s+)?in\s+favou?r\b[^.;]{0,30}?\b"
    + _TALLY_SIDE + r"\s+(?:votes?\s+)?against\b"
    r"|\b(?:" + _listed("tally_words") + r")\b",
    re.IGNORECASE,
)
_YEAR_RANGE_RE = re.compile(r"^(?:1\d|20)\d\d\s*(?:to|-|–)\s*(?:(?:1\d|20)?\d\d)$")


# Case-insensitive patterns are slow in ``re`` (no first-character skip over IGNORECASE alternatives); each has a
# case-sensitive twin for text lowered where lowering changes what no case-insensitive match could tell apart.
_CASELESS_PATTERNS = (
    _NUMBER_SPAN_RE, _DURATION_RE, _LENGTH_RE, _HISTORIC_DATE_RE, _DATE_RE, _MONTH_DAY_RE, _MONEY_SPAN_RE
)
_LOWERED_TWIN: dict[re.Pattern[str], re.Pattern[str]] = {
    p: re.compile(p.pattern, p.flags & ~re.IGNORECASE) for p in _CASELESS_PATTERNS
}
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _caseless(char: str) -> bool:
    """Return True for a character no case mapping touches (punctuation, symbols, scripts without case)."""
    return char.lower() == char == char.upper() == char.casefold()


def lowered(text: str) -> str | None:
    """Return ``text`` lowered, when a lowercase pattern matches it as its case-insensitive original matches ``text``.

    True of ASCII text (each letter lowers to the one letter IGNORECASE equates it with, and no character
    class changes) and of text whose other characters are all caseless; None otherwise (the originals run).
    """
    if text.isascii() or all(_caseless(c) for c in set(_NON_ASCII_RE.findall(text))):
        return text.lower()
    return None


@dataclass(frozen=True, slots=True)
class _Shortcut:
    """What a pattern's matches start with where the text holds none of its words.

    Every match of the pattern either holds one of the ``hint`` words or starts with a character of ``driver``
    (None: every match holds a hint word). Where no hint word is in the text, the pattern is tried only where
    ``driver`` finds a character: ``re`` skips to those in C, instead of trying every alternative at every
    position, and the matches are the same.
    """

    hint: re.Pattern[str]
    driver: re.Pattern[str] | None


def _words_re(*words: str) -> re.Pattern[str]:
    return re.compile(alternation(set(words)))


# Only where the hint is cheap to look for and often absent: hints of many common words (number words, months)
# cost more to seek than they spare (measured on the synthetic and SQuAD passages).
_SHORTCUTS: dict[re.Pattern[str], _Shortcut] = {
    # Years, decades ("'60s") and eras start with a digit or an apostrophe; only centuries may be written out.
    _HISTORIC_DATE_RE: _Shortcut(_words_re("centur"), re.compile(r"[\d']")),
    _DURATION_RE: _Shortcut(
        re.compile(alternation({*_ANSWER_WORDS["time_units"], "since"}) + r"|\d\s?" + _TIME_UNIT_ABBREVIATIONS), None
    ),
}


def _finditer(
    pattern: re.Pattern[str], text: str, low: str | None, pos: int = 0, endpos: int | None = None
) -> Iterator[re.Match[str]]:
    """Return ``pattern.finditer`` over ``text``, run by its lowercase twin over ``low`` when there is one."""
    end = len(text) if endpos is None else endpos
    if low is None:
        return pattern.finditer(text, pos, end)
    twin, shortcut = _LOWERED_TWIN[pattern], _SHORTCUTS.get(pattern)
    if shortcut is None or shortcut.hint.search(low, pos, end):
        return twin.finditer(low, pos, end)
    if shortcut.driver is None:
        return iter(())
    return _driven(twin, shortcut.driver, low, pos, end)


def _driven(
    pattern: re.Pattern[str], driver: re.Pattern[str], text: str, pos: int, end: int
) -> Iterator[re.Match[str]]:
    """Return ``pattern.finditer(text, pos, end)`` trying the pattern only where ``driver`` finds a character."""
    while (found := driver.search(text, pos, end)) is not None:
        at = found.start()
        match = pattern.match(text, at, end)
        if match is None:
            pos = at + 1
            continue
        yield match
        pos = match.end() if match.end() > at else at + 1


class QuestionKind(StrEnum):
    """What a question asks for: the kind of words the answer holds."""

    QUANTITY = "quantity"
    AGE = "age"  # how old: an age or the year something began ("founded in 1921")
    MONEY = "money"
    DURATION = "duration"
    DATE = "date"
    PERSON = "person"  # a name: who, or which company / team / party
    PLACE = "place"
    TALLY = "tally"  # what was the vote: "voted 9 to 4"
    OTHER = "other"


# The kinds answered by a number that is no amount of money: "$5" counts nothing and is nobody's age.
_COUNT_KINDS = frozenset({QuestionKind.QUANTITY, QuestionKind.AGE})
# The kinds answered by a number in bold (the others by a sentence).
NUMBER_KINDS = frozenset({QuestionKind.QUANTITY, QuestionKind.AGE, QuestionKind.MONEY, QuestionKind.DURATION})


# Words that frame a question without naming what it is about ("how LONG", "what does X STAND FOR").
_FRAME_RE = re.compile(r"\b(?:" + alternation(lines("question_frames.txt"), spaces=r"\s+") + r")\b")
_DEFINITION_PATTERNS = (
    re.compile(r"\bwhat\s+(?:does|do|did)\s+(?:the\s+)?(?P<x>.+?)\s+(?:stand\s+for|mean)\b"),
    re.compile(r"^\s*(?:what|who)\s*(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:the\s+|an?\s+)?(?P<x>.+?)\s*[?.!]*\s*$"),
    re.compile(r"^\s*(?P<x>.+?)\s+(?:meaning|definition)\s*[?.!]*\s*$"),
    re.compile(r"\b(?:meaning|definition)\s+of\s+(?:the\s+)?(?P<x>.+?)\s*[?.!]*\s*$"),
    # "tell me about X", "explain X", "info on X": read after the lead-in ("tell me") is left out
    re.compile(r"^\s*(?:(?:tell\s+(?:me|us)\s+)?about|(?:more\s+)?info(?:rmation)?\s+(?:on|about)|explain|describe)"
               r"\s+(?:the\s+|an?\s+)?(?P<x>.+?)\s*[?.!]*\s*$"),
)
# Subjects that make "what is X" a question about something else than X's definition.
_NOT_A_SUBJECT_RE = re.compile(r"\b(?:" + _listed("not_subjects") + r")\b")


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
    # Declined because the article asked (or the articles here) never mention these names, as the question
    # writes them: a front end may say so rather than name the closest article.
    unmentioned: tuple[str, ...] = ()
    # Declined, asked of one article, because ``closest`` (another article) comes much closer to the question.
    elsewhere: bool = False

    @property
    def best(self) -> Result | None:
        """Return the top result, or None when declined."""
        return self.results[0] if self.results else None


@dataclass(frozen=True, slots=True)
class DeclinePolicy:
    """Thresholds below which a question is declined."""

    min_coverage: float = 0.3
    min_relative_score: float = 0.35


def strip_frame(question: str) -> str:
    """Return the question without the words that only frame it ("how long", "stand for", "name of")."""
    return _FRAME_RE.sub(" ", fold(question))


def definition_subject(question: str) -> str | None:
    """Return X of "what does X stand for", "what is X", "X meaning", folded, or None."""
    folded = fold(question).strip()
    for pattern in _DEFINITION_PATTERNS:
        match = pattern.search(folded)
        if match is None:
            continue
        subject = re.sub(r"[\"'‘’“”?!.]", " ", match.group("x"))
        subject = " ".join(subject.split())
        if subject and not _NOT_A_SUBJECT_RE.search(subject) and len(subject.split()) <= 6:
            return subject
    return None


def defines(text: str, subject: str) -> bool:
    """Return True when a passage defines ``subject``: "Expansion (X)", "X (…)", "X, the …", "called X"."""
    folded = re.sub(r"[\"“”‘’']", "", fold(text))
    x = re.escape(subject).replace(r"\ ", r"[\s-]+")
    patterns = (
        r"\(" + x + r"\)",
        r"\b" + x + r"\s+\(",
        r"\b" + x + r",\s+(?:the|a|an|who|which)\b",
        r"\b" + x + r"\s+(?:is|was|are|were)\s+(?:a|an|the)\b",
        r"\b(?:called|call|calls|known\s+as|dubbed|named)\s+(?:the\s+)?" + x + r"\b",
    )
    return any(re.search(p, folded) for p in patterns)


def cue_spans(kind: QuestionKind, text: str) -> list[tuple[int, int]]:
    """Return the spans of ``text`` that could answer a question of this kind (numbers, dates, names…)."""
    return list(_cue_spans(kind, text))


_LOWERED_KINDS = frozenset(
    {QuestionKind.MONEY, QuestionKind.QUANTITY, QuestionKind.AGE, QuestionKind.DURATION, QuestionKind.DATE}
)


# A question's candidates are read for cues by the re-ranking, the cue decline and the highlight, clause by clause.
@lru_cache(maxsize=CUE_CACHE_TEXTS)
def _cue_spans(kind: QuestionKind, text: str) -> tuple[tuple[int, int], ...]:
    """Return ``cue_spans``, kept for the texts read last."""
    low = lowered(text) if kind in _LOWERED_KINDS else None
    if kind is QuestionKind.MONEY:
        return tuple((m.start(), m.end()) for m in _finditer(_MONEY_SPAN_RE, text, low))
    if kind is QuestionKind.QUANTITY:
        return tuple(
            (m.start(), m.end()) for m in _finditer(_NUMBER_SPAN_RE, text, low) if not _YEAR_RE.match(m.group())
        )
    if kind is QuestionKind.AGE:  # an age ("Rydeberg, 47,") or the year it began: "founded in 1921"
        return tuple((m.start(), m.end()) for m in _finditer(_NUMBER_SPAN_RE, text, low)
                     if _AGE_YEAR_RE.match(m.group()) or _written_as_age(text, m.start(), m.end()))
    if kind is QuestionKind.DURATION:
        spans = [(m.start(), m.end()) for m in _finditer(_DURATION_RE, text, low)]
        return tuple(sorted(spans + [(m.start(), m.end()) for m in _finditer(_LENGTH_RE, text, low)]))
    if kind is QuestionKind.DATE:
        # "When will the line reopen?" is answered by "closed for at least three weeks" as well as by a date.
        spans = [(m.start(), m.end()) for m in _finditer(_DATE_RE, text, low)]
        spans += [(m.start(), m.end()) for m in _finditer(_HISTORIC_DATE_RE, text, low)]
        return tuple(sorted(set(spans + [(m.start(), m.end()) for m in _finditer(_DURATION_RE, text, low)])))
    if kind is QuestionKind.PERSON:
        return tuple((m.start(), m.end()) for m in _driven(_PERSON_RE, _CAPITAL_RE, text, 0, len(text)))
    if kind is QuestionKind.PLACE:
        return tuple((m.start(), m.end()) for m in _PLACE_RE.finditer(text))
    if kind is QuestionKind.TALLY:
        return tuple((m.start(), m.end()) for m in _TALLY_RE.finditer(text) if not _YEAR_RANGE_RE.match(m.group()))
    return ()


_AGE_YEAR_RE = re.compile(r"^(?:1\d|20)\d\d$")
# An age as the world writes it: "at the age of 20", "aged five", "a 47-year-old", "47 years old".
_AGE_BEFORE_RE = re.compile(r"\b(?:aged?|age\s+of)\s+$", re.IGNORECASE)
_AGE_AFTER_RE = re.compile(r"[\s-]+years?[\s-]+old\b", re.IGNORECASE)
# "Rydeberg, 47, joined the Falcons": a number set off by commas after a name.
_AGE_APPOSED_RE = re.compile(r"[A-ZÀ-Þ][\w'’-]*,\s$")
# "Lee was 25 when her mother died", "he turned 40."
_AGE_TURNED_RE = re.compile(r"\b(?:was|is|turned|turns)\s+$", re.IGNORECASE)
_AGE_TURNED_AFTER_RE = re.compile(r"\s+when\b|[,.;]", re.IGNORECASE)


def _written_as_age(text: str, start: int, end: int) -> bool:
    """Return True when the number at ``start:end`` is written as somebody's age; two-term or 40 jobs is none."""
    before = text[max(0, start - 12) : start]
    return bool(_AGE_BEFORE_RE.search(before) or _AGE_AFTER_RE.match(text, end)
                or (_AGE_APPOSED_RE.search(before) and text.startswith(",", end))
                or (_AGE_TURNED_RE.search(before) and _AGE_TURNED_AFTER_RE.match(text, end)))


# Kinds whose answer must stand within CUE_WINDOW words of a question word, not merely in its sentence.
_NEAR_BOUND = frozenset({QuestionKind.MONEY, QuestionKind.DURATION, QuestionKind.DATE})
# 14 since round 16 (12 before): "Dunmore … signed Argentine striker Joaquín Ferreyra from Club Atlético Santa
# Lucía for a club-record fee of £14 million" puts the fee 13 words after "striker". 14 to 20 measured alike on
# fold A; 14 and 16 best on fold B (README, "Round 16").
CUE_WINDOW = 14
_NEW_NAME_KINDS = frozenset({QuestionKind.PERSON, QuestionKind.PLACE})
# "How much" counts nothing: an amount of a mass noun is written with its unit, often in another clause ("22,700 L
# (5,000 imp gal; 6,000 US gal) of water"; round 17: fold A +3 right first, fold B +1 answered, no decline lost).
_ASKS_COUNT = r"\b(?:how\s+many|number\s+of)\s+"
_COUNTED_RE = re.compile(_ASKS_COUNT + r"(\S+)(?:\s+(\S+))?")
# What "how many" counts when it names nobody in particular: any number may answer.
_GENERIC_COUNTED = words("generic_counted.txt")


# Words that qualify what is counted ("how many EXTRA nurses"): the next word is counted too.
COUNT_MODIFIERS = words("count_modifiers.txt")


def counted_terms(question: str, analyzer: Analyzer) -> frozenset[str]:
    """Return the terms of what a how-many question counts ("how many GUARDS work…"), or an empty set.

    The word right after "how many" / "number of", and the next one when the first is a
    hyphenated modifier ("non-gang inmates") or when a plural follows a word that is not ("how many sunny
    DAYS", "leader TERRORISTS": the plural is what is counted, and the answer may not repeat the word before
    it); nothing when the counted word is a function word ("how many were…") or names nothing in particular
    ("people", "how many cubic meters", "how many Hispanic people").
    """
    folded = fold(question)
    match = _COUNTED_RE.search(folded)
    if match is None:
        return frozenset()
    if _counts_a_people(question):
        return frozenset()
    first, second = match.group(1), match.group(2)
    if first.strip("?!.,") in _GENERIC_COUNTED:
        return frozenset()
    if _counts_a_verb(first, second):
        return frozenset()
    terms = analyzer.terms(first)
    if second and ("-" in first or first in COUNT_MODIFIERS):
        terms += analyzer.terms(second)
    noun = (second or "").strip("?!.,")
    if noun in _GENERIC_COUNTED and not first.endswith("s") and analyzer.terms(noun):
        return frozenset()  # "how many Hispanic PEOPLE", "cubic METERS": any number may answer (rounds 16, 17)
    # A crude plural ("bus" passes for one, and then only "bus" counts, as before); round 16, README.
    if noun.endswith("s") and not first.endswith("s") and noun not in COUNT_MODIFIERS:
        terms += analyzer.terms(noun)  # empty for a function word: "how many times was…"
    elif terms and not first.endswith("s"):
        # The plural a few words on is what is counted, the words before it qualify it ("how many New York City
        # RESIDENTS", "fine dining RESTAURANTS"; fold A +1 across, +2 answered, round 32); not after a function
        # word: "how many of the flats" may be answered by "125 … homes".
        head = _HEAD_AFTER_RE.match(folded, match.end(1))
        if head is not None and not head.group(1).endswith("ss"):
            terms += analyzer.terms(head.group(1))
    return frozenset(terms)


_COUNTED_AS_WRITTEN_RE = re.compile(_COUNTED_RE.pattern, re.IGNORECASE)  # read on the question as written


def _counts_a_people(question: str) -> bool:
    """Return True when "how many" counts a plural written with a capital ("New Yorkers", "Grammys").

    A people or a name made plural is counted in other words ("213,000 Polish Americans", "about 200,000 daily
    cyclists"): any number may answer (fold A +3 across and within, round 32). "Grammy awards" counts awards.
    """
    match = _COUNTED_AS_WRITTEN_RE.search(question)
    if match is None or not match.group(1)[:1].isupper():
        return False
    first, second = match.group(1).strip("?!.,"), (match.group(2) or "").strip("?!.,")
    return first.endswith("s") or (second[:1].isupper() and second.endswith("s"))


# The first plural within the three words after the first word "how many" counts.
_HEAD_AFTER_RE = re.compile(r"\s+(?:[\w'’-]+\s+){0,2}?([^\W\d_]{3,}s)\b")


_NEXT_WORDS_RE = re.compile(r"[^\W_][\w'’-]*")
COUNTED_AFTER = 3  # a number's counted noun stands within this many words after it ("140 university students")


# Units a question may ask its answer in, each with its spellings (``bot/data/units.txt``).
UNITS: tuple[tuple[str, ...], ...] = tuple(tuple(line.lower().split()) for line in lines("units.txt"))
_PERCENT_UNIT = "percent"


def _unit_asked_re(spellings: Sequence[str], before: str) -> re.Pattern[str]:
    """Return the pattern of a unit's spellings of two or more letters after one of ``before`` ("in", "per")."""
    return re.compile(
        r"\b(?:" + before + r")\s+(?:(?:square|cubic)\s+)?(?:"
        + "|".join(re.escape(w) for w in spellings if len(w) > 1 and w.isalpha())
        + r")\b"
    )


_ASKED_UNIT_RES: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = tuple(
    (
        frozenset(spellings),
        re.compile(r"\bpercent(?:age)?s?\b")
        if spellings[0] == _PERCENT_UNIT
        else _unit_asked_re(spellings, r"in|how\s+many|per"),
    )
    for spellings in UNITS
)


def asked_unit(question: str) -> frozenset[str]:
    """Return the spellings of the unit a question asks its answer in ("… in hectares?"), or an empty set."""
    folded = fold(question)
    return next((spellings for spellings, pattern in _ASKED_UNIT_RES if pattern.search(folded)), frozenset())


# A measure asked in a unit: "… in mm?", "how many acres …"; not a rate's "per hectare", not a percentage.
_MEASURED_UNIT_RES: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = tuple(
    (frozenset(spellings), _unit_asked_re(spellings, r"in|how\s+many"))
    for spellings in UNITS
    if spellings[0] != _PERCENT_UNIT
)


def measured_unit(question: str) -> frozenset[str]:
    """Return the spellings of the unit a question asks a measure in ("… in mm?"), or an empty set.

    As ``asked_unit``, but not "per hectare" (the rate's other side) nor a percentage, which any share may answer.
    """
    folded = fold(question)
    return next((spellings for spellings, pattern in _MEASURED_UNIT_RES if pattern.search(folded)), frozenset())


# A unit written after a number: "1,093 ha", "541.3-m", "27,673/km²" is none (its slash ends the number).
# "468.9 square miles" is in miles: "square" or "cubic" may stand between the number and its unit.
_UNIT_AFTER_RE = re.compile(
    r"[\s\u00a0-]?(?:(?:square|sq|cubic|cu)\.?[\s\u00a0-])?((?:[^\W\d_]|[%²°])+)", re.IGNORECASE
)


def in_unit(text: str, start: int, end: int, unit: Set[str]) -> bool:
    """Return True when the number spanning ``[start, end)`` is given in one of these spellings ("1,093 ha")."""
    span = text[start:end].lower()
    if any(not w.isalnum() and span.endswith(w) for w in unit) or (
        _PERCENT_UNIT in unit and ("percent" in span or "per cent" in span)
    ):
        return True  # the span holds its own sign ("25.5%", "12 per cent")
    after = _UNIT_AFTER_RE.match(text, end)
    return after is not None and after.group(1).lower() in unit


# A day written: "March 24", "24 March", "the 24th of March", "the Fourth of July", "on Fridays", "yesterday".
_DAY_WRITTEN_RE = re.compile(
    r"\b(?:(?:" + MONTHS + r")\.?\s+\d{1,2}(?!\d)|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + MONTHS + r")\b"
    r"|(?:" + _listed("weekdays") + r")s?\b|(?:" + _listed("day_words") + r")\b"
    r"|(?:" + _ORDINAL_WORDS + r")\s+of\s+(?:" + MONTHS + r")\b)",
    re.IGNORECASE,
)


def writes_day(text: str) -> bool:
    """Return True when a text writes a day: of a month ("March 24", "the Fourth of July"), of the week, "today"."""
    return _DAY_WRITTEN_RE.search(text) is not None


# A span of years in brackets right after a name, up to two words of small letters between ("the Qing dynasty
# (1644–1912)"), a reign's or a life's marked or not: "Ögedei Khan (r. 1229–1241)", "Rinpungpa (1435–1565)".
_SPAN_AFTER_RE = (r"(?:\s+[a-z][\w'’-]*){0,2}\s*,?\s*\(\s*(?:(?:r|b|c|ca)\.\s*|(?:reigned|ruled|born|lived)\s+)?"
                  r"(?:1\d|20)\d\d\s*(?:–|—|-|to)\s*(?:(?:1\d|20)?\d\d)(?!\d)")


@lru_cache(maxsize=64)
def _span_after(name: str) -> re.Pattern[str]:
    """Return the pattern of a span of years right after a name (``span_after_name``)."""
    return re.compile(r"(?<!\w)(?i:" + r"\s+".join(re.escape(w) for w in name.split()) + r")" + _SPAN_AFTER_RE)


def span_after_name(text: str, name: str) -> bool:
    """Return True when a text gives a span of years in brackets right after a name: "Ögedei Khan (r. 1229–1241)"."""
    return _span_after(name).search(text) is not None


def unit_name(spellings: Set[str]) -> str:
    """Return a unit's name in the plural (its line's second spelling in ``bot/data/units.txt``): "millimetres"."""
    return next((line[1] for line in UNITS if spellings == frozenset(line)), "")


class Contact(StrEnum):
    """A contact a question asks written out; its value names it in a decline's reason."""

    PHONE = "phone number"
    EMAIL = "email address"
    WEB = "web address"
    HANDLE = "social media handle"


# A phone number: groups of digits joined by spaces, dots or dashes, seven digits or more ("0800 555 0199",
# "+44 20 7946 0958", "(555) 010-0199"); or a short one after a verb of calling ("call 111").
_PHONE_RE = re.compile(
    r"(?<![\w.,/])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)\s?)?\d{2,5}(?:[\s.-]\d{2,5})+(?![\w,/%]|[.,]\d)"
    r"|\b(?:call|ring|dial|text|phone)\s+(?:on\s+)?\d{3,5}\b",
    re.IGNORECASE,
)
_YEAR_RANGE_RE = re.compile(r"(?:1\d|20)\d\d\s*[-–]\s*(?:(?:1\d|20)\d\d|\d\d)")
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A social media handle: "@nayibbukele", not an email address's second half ("press@city.gov").
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_]{2,30}\b(?!\.\w)")
_WEB_RE = re.compile(r"https?://|\bwww\.|\b[\w-]+(?:\.[\w-]+)*\.(?:" + _listed("web_domains") + r")\b", re.IGNORECASE)


def writes_contact(text: str, contact: Contact, owner: Set[str] = frozenset()) -> bool:
    """Return True when a text writes a contact of this kind: a phone number, an email, a web address, a handle.

    A handle must hold one of ``owner`` when it is given ("@nayibbukele" for "bukel").
    """
    if contact is Contact.HANDLE:
        return any(not owner or any(t in m.group().lower() for t in owner) for m in _HANDLE_RE.finditer(text))
    if contact is Contact.EMAIL:
        return _EMAIL_RE.search(text) is not None
    if contact is Contact.WEB:
        return _WEB_RE.search(text) is not None
    return any(
        not m.group()[0].isdigit() or (sum(c.isdigit() for c in m.group()) >= 7
                                       and not _YEAR_RANGE_RE.fullmatch(m.group()))
        for m in _PHONE_RE.finditer(text)
    )


WITHHELD_FILE = "withheld_phrases.txt"


def _phrase_trie(phrases: Iterable[str]) -> str:
    """Return the phrases as one regex alternation grouped by their words, a run of white space between words.

    "declined to say", "declined to comment" become one branch, "declined", then "to", then "comment" or "say":
    ``re`` tries each first word once at a position instead of every phrase (a quarter of the time on the public
    set's passages, with the text lowered once instead of matched ignoring case).
    """
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        first, _, rest = phrase.partition(" ")
        groups.setdefault(first, []).append(rest)
    parts = []
    for first in sorted(groups, key=lambda w: (-len(w), w)):
        rests = [rest for rest in groups[first] if rest]
        part = re.escape(first)
        if rests:
            # a phrase that starts a longer one matches alone too; the longer is tried first
            part += r"(?:\s+(?:" + _phrase_trie(rests) + "))" + ("?" if len(rests) < len(groups[first]) else "")
        parts.append(part)
    return "|".join(parts)


_WITHHELD = phrase_lists(WITHHELD_FILE)
_WITHHELD_ANY_RE = re.compile(r"\b(?:" + _phrase_trie(_WITHHELD["any"]) + r")\b")
_WITHHELD_NAME_RE = re.compile(r"\b(?:" + _phrase_trie(_WITHHELD["any"] + _WITHHELD["name"]) + r")\b")
_WITHHELD_ONLY_NAME_RE = re.compile(_phrase_trie(_WITHHELD["name"]))
WITHHELD_ASKED = frozenset(word for line in _WITHHELD["asked"] for word in line.split())


@lru_cache(maxsize=CUE_CACHE_TEXTS)
def _withheld_found(text: str, *, name: bool) -> tuple[tuple[int, str], ...]:
    """Return where each withheld phrase of a text starts and the phrase as written there, lowered.

    Kept: a question's best passage is read again for each ranking the service declines or answers from.
    """
    pattern = _WITHHELD_NAME_RE if name else _WITHHELD_ANY_RE
    low = lowered(text)
    if low is None:  # a letter whose lower case is longer: read the text with its case folded, offsets its own
        pattern = re.compile(pattern.pattern, re.IGNORECASE)
        low = text
    return tuple((m.start(), m.group().lower()) for m in pattern.finditer(low))


def withholds(text: str, *, name: bool) -> bool:
    """Return True when a text holds a withheld phrase (``withheld_phrase``); those withholding a name with ``name``."""
    return bool(_withheld_found(text, name=name))


def withheld_phrase(
    text: str, weights: Mapping[str, float], analyzer: Analyzer, idf: Callable[[str], float], *, name: bool,
    terms: Sequence[str | None] | None = None,
) -> str | None:
    """Return the phrase by which a text's sentence on the question says it does not give the answer, or None.

    "…said a former support team leader who asked not to be named" (``bot/data/withheld_phrases.txt``). The
    sentence must hold the most of the question's words, weighted by IDF, of any in the text: a source who "asked
    not to be named" elsewhere says nothing of what is asked. The phrases withholding a name are read only with
    ``name`` (the question asks one), and not in a sentence that writes a name of none of the question's words
    ("Mayor Ana Ruiz opened the terminal, a spokesperson who asked not to be named said"). ``terms`` are the
    text's terms in order, as ``sentence_cue`` reads them.
    """
    found = _withheld_found(text, name=name)
    if not found:
        return None
    tokens = _tokens(text, analyzer, terms)
    scored = _sentence_scores(text, tokens, weights, idf, QuestionKind.OTHER, cues=[])
    top = max(score for _, score, _ in scored)
    if top <= 0:
        return None
    for (start, end), score, _ in scored:
        if score == top:
            phrase = next((phrase for at, phrase in found if start <= at < end), None)
            if phrase is not None and not (_WITHHELD_ONLY_NAME_RE.fullmatch(phrase)
                                           and _names_other(text, start, end, tokens, weights)):
                return " ".join(phrase.split())
    return None


def _names_other(text: str, start: int, end: int, tokens: Sequence[Token], weights: Mapping[str, float]) -> bool:
    """Return True when a sentence writes a name made of none of the question's words: "Mayor Ana Ruiz opened …"."""
    asked_at = [t.start for t in tokens if weights.get(t.term, 0.0) >= 1.0]
    return any(start <= s < end and not _any_within(asked_at, s, e) for s, e in cue_spans(QuestionKind.PERSON, text))


UNIT_KINDS_FILE = "unit_kinds.txt"
_UNIT_KINDS = named_lists(UNIT_KINDS_FILE)


def unit_kind(spellings: Set[str]) -> tuple[str, frozenset[str]] | None:
    """Return the kind of a unit ("length") and every spelling of its kind's units, or None for a unit of no kind."""
    for kind, names in _UNIT_KINDS.items():
        if any(line[0] in names and spellings == frozenset(line) for line in UNITS):
            return kind, frozenset(w for line in UNITS if line[0] in names for w in line)
    return None


def writes_in_unit(text: str, unit: Set[str], *, rate: bool) -> bool:
    """Return True when a text gives a number in one of these spellings ("1,270 mm", "five acres").

    Unless ``rate``, not one of a rate ("4.1 tonnes per hectare", "20 litres a minute"): a measure asked in a unit
    is not answered by how much of it comes with each of something else.
    """
    for number in _NUMBER_SPAN_RE.finditer(text):
        if number.group()[:1] in _CURRENCY or not in_unit(text, number.start(), number.end(), unit):
            continue  # "$5m" is money, not metres
        written = _UNIT_AFTER_RE.match(text, number.end())
        if rate or not _rate_after(text, written.end() if written else number.end(), per_thing=True):
            return True
    return False


def counts_other(text: str, end: int, counted: Set[str], analyzer: Analyzer, *,
                 negations: bool = True) -> bool:
    """Return True when the number ending at ``end`` counts something else: "6,200 residents", "seven years".

    Its next word is a content word that is not what the question counts, and none of the next few is, or none
    before a word that denies what follows it: "48,000 inmates who are not gang members" counts no gang members.
    """
    following = _NEXT_WORDS_RE.finditer(text, end)
    first_word = next(following, None)
    if first_word is None or not text[end:first_word.start()].isspace():
        return False  # punctuation between, or the number runs on ("4:12"): it ends its phrase
    first = analyzer.terms(first_word.group())
    if not first or first[0][0].isdigit():
        return False
    seen = first
    for word in following:
        if len(seen) >= COUNTED_AFTER or (negations and _negates(word.group())):
            break
        seen = seen + analyzer.terms(word.group())
    return not any(term in counted for term in seen[:COUNTED_AFTER])


_COUNT_NEGATIONS = _ANSWER_WORDS["count_negations"]


def _negates(word: str) -> bool:
    """Return True for a word that denies what follows it: "not", "non-gang" ("non" before a hyphen)."""
    low = word.lower()
    return low in _COUNT_NEGATIONS or low.split("-", 1)[0] in _COUNT_NEGATIONS


_COUNTED_PHRASE_RE = re.compile(_ASKS_COUNT + r"([^?!.,;:]*)")


def _counts_a_verb(first: str, second: str | None) -> bool:
    """Return True when "how many" is followed by a verb in the past and no noun: "how many ENDED up in hospital".

    Who did it goes unsaid, so nothing in particular is counted: "how many signed the petition" is answered by
    "200 signatures", "how many ended up in hospital" by "31 people have been admitted". A word in -ed with a
    content word after it qualifies a noun instead ("how many armed officers"), and counts as before.
    """
    word = first.strip("?!.,")
    if not (len(word) >= 4 and word.endswith("ed")):
        return False
    after = (second or "").strip("?!.,")
    return not after or after in STOPWORDS or first != word


def counted_phrase(question: str, analyzer: Analyzer) -> frozenset[str]:
    """Return the terms of the whole phrase "how many" counts, up to its first function word, or an empty set.

    "How many New York state PARKS are…" → new, york, state, park. Empty when a word of it names nobody in
    particular ("how many self-identified LGB people"): any number may answer.
    """
    folded = fold(question)
    match = _COUNTED_PHRASE_RE.search(folded)
    if match is None:
        return frozenset()
    counted = _COUNTED_RE.search(folded)
    if counted is not None and _counts_a_verb(counted.group(1), counted.group(2)):
        return frozenset()
    terms: list[str] = []
    for word in match.group(1).split():
        if word in _GENERIC_COUNTED:
            return frozenset()
        found = analyzer.terms(word)
        if not found:
            break
        terms += found
    return frozenset(terms)


def counts_near(text: str, tokens: Sequence[Token], kind: QuestionKind, counted: Set[str], *,
                analyzer: Analyzer | None = None, phrase: Set[str] = frozenset(), rates: bool = True,
                per_thing: bool = False, negations: bool = True) -> bool:
    """Return True when a number of the text shares its clause with a word of what the question counts.

    With ``analyzer`` and the ``phrase`` "how many" counts, a number that counts something else
    (``counts_other``) does not. Without ``rates`` (the question asks no rate, ``asks_rate``), neither does a
    rate: "Visits to Ashcombe's libraries have recovered to about 1.3 million a year" counts no libraries; with
    ``per_thing`` a rate of anything is one ("27.4 points per game" for "how many points did Amsel score").
    """
    strict = analyzer if phrase else None
    wanted = set(counted) | set(phrase)
    breaks = [m.start() for m in _CLAUSE_BREAK_RE.finditer(text)]
    sentence_of = _sentence_finder(sentence_spans(text) or [(0, len(text))])
    # A clause is its sentence and the clause breaks before an offset: within a sentence, counting the breaks of
    # the whole text before it tells its clauses apart as counting the sentence's own does.
    clauses = {
        (sentence, bisect_right(breaks, t.start))
        for t in tokens
        if t.term in counted and (sentence := sentence_of(t.start)) is not None
    }
    # A number followed by a verb stands for what its sentence counted before it ("Season tickets went on sale on
    # Monday, and more than 4,000 had been sold"): the sentence holding the counted word is enough.
    sentences = {sentence for sentence, _ in clauses}
    return any(
        ((sentence, bisect_right(breaks, s)) in clauses or (sentence in sentences and _elided(text, e)))
        and not (strict is not None and counts_other(text, e, wanted, strict, negations=negations))
        for s, e in _counting(text, tokens, cue_spans(kind, text), counted)
        if (sentence := sentence_of(s)) is not None and (rates or not _rate_after(text, e, per_thing=per_thing))
    )


def _rate_after(text: str, end: int, *, per_thing: bool) -> bool:
    """Return True when the number ending at ``end`` is a rate: "1.3 million a year" (or "27 points per game")."""
    if _RATE_AFTER_RE.match(text, end) is not None:
        return True
    return per_thing and _PER_THING_AFTER_RE.match(text, end) is not None


def asks_rate(question: str, *, per_thing: bool = False) -> bool:
    """Return True when a question asks how many in a span of time ("… a year?", "… daily?").

    With ``per_thing``, also how many of anything ("… per game?") or an average ("what does Amsel average").
    """
    return _RATE_ASKED_RE.search(question) is not None or (
        per_thing and _PER_THING_ASKED_RE.search(question) is not None)


def _counting(
    text: str, tokens: Sequence[Token], spans: Sequence[tuple[int, int]], counted: Set[str]
) -> list[tuple[int, int]]:
    """Return the spans that may count something: none in a day of a month, none in an amount of money.

    "The strike began on May 9 after talks broke down over … automated cranes" counts no cranes, and "a 6.8
    million crown grant" no farmers; an amount counts its currency when that is what is counted ("how many
    dollars": "5 million dollars").
    """
    if not spans:
        return []
    low = lowered(text)
    other = _spans_of(_MONTH_DAY_RE, text, low)
    other += [(ms, me) for ms, me in _spans_of(_MONEY_SPAN_RE, text, low)
              if not any(ms <= t.start < me and t.term in counted for t in tokens)]
    return [(s, e) for s, e in spans if not _inside(s, e, other)]


def _spans_of(pattern: re.Pattern[str], text: str, low: str | None, start: int = 0,
              end: int | None = None) -> list[tuple[int, int]]:
    """Return the spans ``pattern`` matches in ``text`` (``_finditer``, ``low`` its ``lowered`` twin)."""
    return [(m.start(), m.end()) for m in _finditer(pattern, text, low, start, end)]


def _inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Return True when ``start:end`` lies within one of ``spans``."""
    return any(s <= start and end <= e for s, e in spans)


_ELIDED_RE = re.compile(r"\s+(?:" + _listed("elided_count_verbs") + r")\b")


def _elided(text: str, end: int) -> bool:
    """Return True when a verb follows the number ending at ``end``, which then counts what came before it."""
    return _ELIDED_RE.match(text, end) is not None


def _sentence_finder(spans: Sequence[tuple[int, int]]) -> Callable[[int], int | None]:
    """Return a function from a character offset to the index of the span (sorted, disjoint) holding it, or None."""
    starts = [start for start, _ in spans]

    def sentence_of(offset: int) -> int | None:
        at = bisect_right(starts, offset) - 1
        return at if at >= 0 and offset < spans[at][1] else None

    return sentence_of


def word_index_of(text: str) -> Callable[[int], int]:
    """Return a function from a character offset of ``text`` to the index of the word holding it."""
    starts = [m.start() for m in re.finditer(r"\S+", text)]

    def word_index(offset: int) -> int:
        return max(0, bisect_right(starts, offset) - 1)

    return word_index


def cue_near(
    text: str, tokens: Sequence[Token], kind: QuestionKind, terms: Iterable[str], window: int = CUE_WINDOW
) -> bool:
    """Return True when a span of the kind asked stands within ``window`` words of a question word, in its sentence."""
    wanted = set(terms)
    word_index = word_index_of(text)
    sentence_starts = [s for s, _ in sentence_spans(text) or [(0, len(text))]]

    def where(offset: int) -> tuple[int, int]:
        return bisect_right(sentence_starts, offset), word_index(offset)

    held = [where(t.start) for t in tokens if t.term in wanted]
    for s, _ in cue_spans(kind, text):
        sentence, word = where(s)
        if any(hs == sentence and abs(hw - word) <= window for hs, hw in held):
            return True
    return False


ATTRIBUTE_MAX_WORDS = 3
_ATTRIBUTE_RE = re.compile(
    r"^\s*(?:what|who|which)(?:'s|\s+(?:is|was|are|were))\s+the\s+(?P<x>[^?!.]+?)"
    r"(?:\s+(?:of|in|at|for|on|from)\s+.*)?\s*[?!.]*\s*$"
)


def attribute_terms(question: str, analyzer: Analyzer) -> frozenset[str]:
    """Return the terms of X in "what / who is the X of Y" (the population, the president), or an empty set.

    X is what the question asks about: a passage that never names it (or a stand-in) does not answer, however
    much of Y it holds. "The name of the X" asks about X.
    """
    folded = re.sub(r"^\s*(\w+(?:'s|\s+\w+)\s+the)\s+name\s+of\s+(?:the\s+)?", r"\1 ", fold(question))
    match = _ATTRIBUTE_RE.match(folded)
    if match is None:
        return frozenset()
    words = match.group("x").split()
    if len(words) > ATTRIBUTE_MAX_WORDS or any(w.endswith("ing") for w in words):
        return frozenset()  # a clause ("the mayor asking the government to do"), not a thing's attribute
    return frozenset(analyzer.terms(strip_frame(match.group("x"))))


ONE_OF_A_KIND = frozenset(_ANSWER_WORDS["one_of_a_kind"])
# How far before the noun "some" or "three" may stand ("a private builder"), and how near it a name says which
# one ("a builder, Harrow & Sons"; ten words, not five: README, "Round 36").
ONE_OF_LOOKBACK = 3
ONE_OF_NAME_WINDOW = 10
_RAW_WORD_RE = re.compile(_NEXT_WORDS_RE.pattern + r"|[^\w\s]")  # a word as the next words are read, or a mark
_DEFINITE = _ANSWER_WORDS["definite_words"]
_SENTENCE_ENDS = frozenset(".!?")
_QUOTES = frozenset('"“”')
_NOT_NAMES = _ANSWER_WORDS["months"] | _ANSWER_WORDS["weekdays"] | {"i"}


def one_of_a_kind(text: str, asked: Sequence[str], analyzer: Analyzer, question: str,
                  question_terms: Sequence[str]) -> bool:
    """Return True when a text writes the asked noun only as one of a kind, with no name near it.

    "which shops will they have to sell?" of "the group may have to sell some shops": the passage writes of shops
    without saying which. Read in the sentences holding another of the question's terms ("sell"): each word there
    whose term is one of ``asked`` must have "some", "a", "three" and the like a few words before it (no "the", no
    punctuation between) and no capitalised word near it (not a month, not a sentence's first, not one the question
    gives); and one such word must be written.
    """
    wanted = frozenset(asked)
    others = frozenset(question_terms) - wanted
    tokens = analyzer.tokens(text)  # kept per text: the other stages have most often read this passage's already
    sentence_of = _sentence_finder(sentence_spans(text))
    about = {sentence_of(t.start) for t in tokens if t.term in others}
    starts = {t.start for t in tokens if t.term in wanted and sentence_of(t.start) in about}
    if not starts:
        return False
    given = frozenset(fold(w) for w in _RAW_WORD_RE.findall(question))
    matches = list(_RAW_WORD_RE.finditer(text))
    words = [m.group() for m in matches]
    at = [k for k, m in enumerate(matches) if m.start() in starts]
    return len(at) == len(starts) and not any(
        _capitalised(words, k) or not _after_one_of(words, k) or _named_near(words, k, given) for k in at
    )


def _capitalised(words: Sequence[str], k: int) -> bool:
    """Return True for a capitalised word that is no sentence's first nor a month's or a weekday's name.

    A quoted word after a word is a title ('a music video entitled "Promise"'); after a stop, a quote's first.
    """
    word = words[k]
    if not word[:1].isupper() or word.lower() in _NOT_NAMES or k == 0 or words[k - 1] in _SENTENCE_ENDS:
        return False
    return words[k - 1] not in _QUOTES or (k > 1 and words[k - 2][:1].isalnum())


def _after_one_of(words: Sequence[str], k: int) -> bool:
    """Return True when "some", "a", "three" or digits stand a few words before word ``k``, no "the" before them."""
    for b in range(k - 1, max(-1, k - 1 - ONE_OF_LOOKBACK), -1):
        low = words[b].lower()
        if not words[b][:1].isalnum() or low in _DEFINITE:
            return False
        if low in ONE_OF_A_KIND or low in NUMBER_WORDS or low[:1].isdigit():
            return b == 0 or words[b - 1].lower() not in _DEFINITE  # "the five boroughs" are known ones
    return False


def _named_near(words: Sequence[str], k: int, given: Set[str]) -> bool:
    """Return True when a capitalised word the question does not give stands near word ``k``: it may say which."""
    near = range(max(0, k - ONE_OF_NAME_WINDOW), min(len(words), k + ONE_OF_NAME_WINDOW + 1))
    return any(_capitalised(words, b) and fold(words[b]) not in given for b in near if b != k)


_POSSESSIVE_RE = re.compile(r"['’]s$")


def writes_other_name(text: str, question: str) -> bool:
    """Return True when a text writes a capitalised word the question does not give: a name that may answer it.

    A sentence's first word counts too unless it is a stop word ("The", "At"): "Stirling also made …" names
    someone. Read over the whole passage, so that a name anywhere in it keeps a "who" question answered.
    """
    given = frozenset(_POSSESSIVE_RE.sub("", fold(w)) for w in _RAW_WORD_RE.findall(question))
    words = _RAW_WORD_RE.findall(text)
    return any(
        (_capitalised(words, k) or _first_capitalised(words, k))
        and _POSSESSIVE_RE.sub("", fold(words[k])) not in given
        for k in range(len(words))
    )


def _first_capitalised(words: Sequence[str], k: int) -> bool:
    """Return True for a sentence's capitalised first word that is no stop word, number, month or weekday."""
    word = words[k]
    if not word[:1].isupper() or (k > 0 and words[k - 1] not in _SENTENCE_ENDS | _QUOTES):
        return False
    low = word.lower()
    return low not in STOPWORDS and low not in _NOT_NAMES and low not in NUMBER_WORDS


PROXIMITY_WINDOW = 4
UNORDERED_FACTOR = 0.5


def proximity(
    question_terms: Sequence[str],
    passage_terms: Sequence[str],
    idf: Callable[[str], float],
    stand_ins: Mapping[str, Set[str]] | None = None,
) -> float:
    """Return the IDF-weighted share of the question's adjacent word pairs the passage keeps close together.

    As in the sequential dependence model of IR, a pair counts fully where the passage has the two words next
    to each other in the question's order ("video ends" for "how does the video end"), and half where they
    stand in any order within ``PROXIMITY_WINDOW`` words ("end of the video"). Stop words are not counted in
    the distance. ``stand_ins`` lets a question word be met by its typo repairs and related words.
    """
    positions: dict[str, list[int]] = {}
    for at, term in enumerate(passage_terms):
        positions.setdefault(term, []).append(at)
    return proximity_at(question_terms, positions, idf, stand_ins)


def proximity_at(
    question_terms: Sequence[str],
    positions: Mapping[str, Sequence[int]],
    idf: Callable[[str], float],
    stand_ins: Mapping[str, Set[str]] | None = None,
) -> float:
    """Return ``proximity`` from where in the passage each term stands (word positions, in order).

    Only the question's terms and their stand-ins are looked up: ``positions`` may leave out every other term.
    """
    pairs = [(a, b) for a, b in itertools.pairwise(question_terms) if a != b]
    if not pairs:
        return 0.0

    def where(term: str) -> list[int]:
        found = list(positions.get(term, ()))
        for other in (stand_ins or {}).get(term, ()):
            found += positions.get(other, ())
        return found

    total = held = 0.0
    for a, b in pairs:
        weight = idf(a) + idf(b)
        total += weight
        pa, pb = where(a), where(b)
        if any(y - x == 1 for x in pa for y in pb):
            held += weight
        elif any(abs(y - x) <= PROXIMITY_WINDOW for x in pa for y in pb):
            held += UNORDERED_FACTOR * weight
    return held / total if total > 0 else 0.0


def citation(article: Article, passage: Passage) -> str:
    """Return ``“<title>” · <date> · ¶<n>``, with the URL last when the article has one."""
    parts = [f"“{article.title}”"]
    if article.date:
        parts.append(article.date)
    parts.append(f"¶{passage.paragraph}")
    if article.url:
        parts.append(article.url)
    return CITATION_SEPARATOR.join(parts)


def coverage(
    question_terms: Sequence[str],
    passage_terms: Set[str],
    *,
    weights: Mapping[str, float] | None = None,
    credits: Mapping[str, Sequence[tuple[str, float]]] | None = None,
) -> float:
    """Return the share of the question's distinct terms that the passage holds.

    With ``weights`` (a term's IDF) each term counts by its weight, so holding the rare words matters more
    than holding the article's everyday ones; with ``credits`` a term the passage lacks counts partly when
    it holds one of the term's stand-ins (a typo repair or a related word) at the stand-in's weight.
    """
    distinct = list(dict.fromkeys(question_terms))
    total = held = 0.0
    for term in distinct:
        weight = weights.get(term, 1.0) if weights is not None else 1.0
        total += weight
        if term in passage_terms:
            held += weight
        elif credits:
            held += weight * max((w for t, w in credits.get(term, ()) if t in passage_terms), default=0.0)
    return held / total if total > 0 else 0.0


def decline_reason(cov: float, relative: float, policy: DeclinePolicy) -> str | None:
    """Return why a question is declined, or None when the top passage answers it."""
    if cov <= 0.0:
        return "no passage shares the question's words"
    if cov < policy.min_coverage:
        return f"the best passage holds only {cov:.0%} of the question's words"
    if relative < policy.min_relative_score:
        return f"the best passage matches the question too weakly ({relative:.0%} of a full match)"
    return None


def _sentence_scores(
    text: str, tokens: Sequence[Token], weights: Mapping[str, float], idf: Callable[[str], float],
    kind: QuestionKind, *, cues: list[tuple[int, int]] | None = None,
) -> list[tuple[tuple[int, int], float, bool]]:
    """Return each sentence, the IDF mass of the question terms it holds, and whether it holds a cue.

    ``cues`` are the text's ``cue_spans`` of ``kind`` when the caller has them already.
    """
    spans = sentence_spans(text) or [(0, len(text))]
    cues = cue_spans(kind, text) if cues is None else cues
    if kind in _NEW_NAME_KINDS and cues:
        # A name made of the question's own words ("the Dockworkers Union" for "who leads the dockworkers
        # union?") restates what is asked about; the answer is another name.
        asked = {term for term, weight in weights.items() if weight >= 1.0}
        asked_at = [t.start for t in tokens if t.term in asked]  # in text order, as tokens are
        cues = [(s, e) for s, e in cues if not _any_within(asked_at, s, e)]
    sentence_of = _sentence_finder(spans)
    # Each sentence's question terms, added in text order as a comprehension over the tokens would add them.
    held: list[set[str]] = [set() for _ in spans]
    for t in tokens:
        if t.term in weights and (sentence := sentence_of(t.start)) is not None:
            held[sentence].add(t.term)
    cued = [False] * len(spans)
    for cs, _ in cues:
        if (sentence := sentence_of(cs)) is not None:
            cued[sentence] = True
    return [
        (span, sum(idf(term) * weights[term] for term in terms), cue)
        for span, terms, cue in zip(spans, held, cued, strict=True)
    ]


def _any_within(offsets: Sequence[int], start: int, end: int) -> bool:
    """Return True when a sorted list of offsets holds one in ``[start, end)``."""
    at = bisect_left(offsets, start)
    return at < len(offsets) and offsets[at] < end


def sentence_cue(
    passage: Passage,
    weights: Mapping[str, float],
    analyzer: Analyzer,
    idf: Callable[[str], float],
    kind: QuestionKind = QuestionKind.OTHER,
    *,
    counted: Set[str] = frozenset(),
    terms: Sequence[str | None] | None = None,
    phrase: Set[str] = frozenset(),
    rates: bool = True,
    per_thing: bool = False,
    negations: bool = True,
) -> bool:
    """Return whether a sentence holding question terms has a cue: a span of the kind of answer asked.

    With ``counted`` (what a how-many question counts, and its stand-ins) a number is a cue only in a clause
    that holds one of them: "How many guards…" is not answered by "15,000 work outside". A passage with no span
    of the kind asked (every passage, for a question of no particular kind) has no cue, and is neither
    tokenized nor split into sentences. ``terms`` (``Analyzer.tokens_at``: the passage's terms in order, None for
    each that is neither weighted nor counted) spares reading the other words: nothing here looks at them.
    """
    if counted and kind is QuestionKind.QUANTITY and terms is not None and not any(
        term is not None and term in counted for term in terms
    ):
        return False  # no word of what is counted: no clause can hold it beside a number
    cues = cue_spans(kind, passage.text)
    if cues:
        # A span made of the question's own words restates it ("the first in September" for "what date in
        # September is the first handover"): a passage whose every span of the kind asked does so holds none.
        # Only here: also leaving them out of the nearness read below lost fold A 1 question (near the words)
        # and 3 more (counted), README round 32.
        asked = {term for term, weight in weights.items() if weight >= 1.0}
        cues = [(s, e) for s, e in cues if not _restates(passage.text[s:e], asked, analyzer)]
    if not cues:
        return False
    tokens = _tokens(passage.text, analyzer, terms)
    scored = _sentence_scores(passage.text, tokens, weights, idf, kind, cues=cues)
    cued = any(cue and score > 0 for _, score, cue in scored)
    if cued and counted and kind is QuestionKind.QUANTITY:
        cued = counts_near(passage.text, tokens, kind, counted, analyzer=analyzer, phrase=phrase, rates=rates,
                           per_thing=per_thing, negations=negations)
    elif cued and kind in _NEAR_BOUND:
        cued = cue_near(passage.text, tokens, kind, weights.keys())
    return cued


def _restates(span: str, asked: Set[str], analyzer: Analyzer) -> bool:
    """Return True when every word of a span is one of the question's own (a span of digits restates nothing)."""
    held = analyzer.terms(span)
    return bool(held) and all(term in asked for term in held)


def _tokens(text: str, analyzer: Analyzer, terms: Sequence[str | None] | None) -> list[Token]:
    """Return the tokens of ``text`` that ``terms`` names, or all of them without ``terms``."""
    tokens = analyzer.tokens_at(text, terms) if terms is not None else None
    return analyzer.tokens(text) if tokens is None else tokens


def _best_sentence(
    text: str, tokens: Sequence[Token], weights: Mapping[str, float], idf: Callable[[str], float],
    kind: QuestionKind, *, meaning: Sequence[float] | None = None, meaning_weight: float = 0.0,
    pieces: Sequence[float] | None = None,
) -> tuple[int, int]:
    scored = _sentence_scores(text, tokens, weights, idf, kind)
    if pieces is not None and len(pieces) == len(scored):
        # Matched piece by piece, in context, a sentence that says it in other words still scores; the IDF of
        # the question's whole words favours the sentence that repeats the most of them, often the question's
        # own setting rather than its answer (dev set, fold B: the answer's sentence 83.2% → 88.1%).
        best = max(pieces)
        return next((span for (span, _, cue), match in zip(scored, pieces, strict=True)
                     if cue and match >= best - PIECE_CUE_MARGIN),
                    next(span for (span, _, _), match in zip(scored, pieces, strict=True) if match == best))
    if meaning is not None and meaning_weight > 0 and len(meaning) == len(scored):
        # Each sentence's share of the best word score, plus its cosine with the question: a sentence that
        # says the same thing in other words can win over one that repeats the question's words.
        most = max(score for _, score, _ in scored)
        scored = [(span, (score / most if most > 0 else 0.0) + meaning_weight * max(cos, 0.0), cue)
                  for (span, score, cue), cos in zip(scored, meaning, strict=True)]
    top = max(score for _, score, _ in scored)
    # Among sentences close to the best, prefer one that holds what the question asks for.
    for span, score, cue in scored:
        if cue and score > 0 and score >= SENTENCE_CUE_MARGIN * top:
            return span
    return next(span for span, score, _ in scored if score == top)


def _best_cue(
    text: str, sentence: tuple[int, int], tokens: Sequence[Token], weights: Mapping[str, float],
    idf: Callable[[str], float], *, kind: QuestionKind, held_in: Callable[[int, int], list[str]] | None = None,
    unit: Set[str] = frozenset(), part_of_whole: bool = False, rate: bool = False,
) -> tuple[int, int] | None:
    """Return the cue span of the sentence that best fits the question's words, weighted by their IDF.

    Question words in the span's own clause count fully; words elsewhere in the sentence count a quarter,
    less with distance. A span that restates the question (its words are all the question's: "the 52nd
    Grammy Awards"), an ordinal ("57th") or a day of a month ("March 31") does not answer how many / how much /
    how long, nor an amount of money how many. ``held_in(s, e)`` gives the terms of every word starting in a span
    when ``tokens`` are only the question's words; without it they are read from ``tokens``, all of them. With a
    ``unit`` (the spellings of the unit the question asks its answer in), only the numbers given in it are
    scored when there are any ("1,093 ha" over "2,700 acres" for "How large is the park in hectares?").
    With ``part_of_whole``, the whole in "10 of the 19 terrorists" and a "one of" ("one of the most extensive")
    are passed over for any other number. With ``rate`` (the question asks one: "… each month?"), only the numbers
    given as a rate in time are scored when there are any ("31 marks a month" over "a mortgage of 200,000 marks").
    """
    start, end = sentence
    asked = {term for term, weight in weights.items() if weight >= 1.0}
    starts = [t.start for t in tokens]  # in text order, as tokens are
    low = lowered(text)
    days = _spans_of(_MONTH_DAY_RE, text, low, start, end)
    # The same amounts count nothing in ``counts_near`` (``_counting``).
    amounts = _spans_of(_MONEY_SPAN_RE, text, low, start, end) if kind in _COUNT_KINDS else []

    def answers(s: int, e: int) -> bool:
        if _ORDINAL_SUFFIX_RE.match(text, e) or _inside(s, e, days):
            return False
        if kind in _COUNT_KINDS and (_CURRENCY & set(text[max(s - 1, 0) : e]) or _inside(s, e, amounts)):
            return False
        if held_in is not None:
            held = held_in(s, e)
        else:
            held = [t.term for t in tokens[bisect_left(starts, s) : bisect_left(starts, e)]]
        return not held or not all(term in asked for term in held)

    spans = [(s, e) for s, e in cue_spans(kind, text) if start <= s < end and answers(s, e)]
    if part_of_whole:
        spans = _parts(text, spans)
    if unit:
        spans = [(s, e) for s, e in spans if in_unit(text, s, e, unit)] or spans
    if rate:
        spans = [(s, e) for s, e in spans if _PER_TIME_AFTER_RE.match(text, e)] or spans
    if not spans:
        return None
    # Word positions let distance be counted in words, not characters.
    word_index = word_index_of(text)

    matched = [
        (word_index(t.start), idf(t.term) * weights[t.term])
        for t in tokens
        if start <= t.start < end and t.term in weights
    ]
    # A list item or clause ("6,000 work in the shoe shop, 15,000 work …") binds a number to its words.
    breaks = [m.start() for m in _CLAUSE_BREAK_RE.finditer(text, start, end)]

    def clause(offset: int) -> int:
        return bisect_right(breaks, offset)

    matched_clauses = [
        clause(t.start) for t in tokens if start <= t.start < end and t.term in weights
    ]
    best: tuple[int, int] | None = None
    best_score = -1.0
    for s, e in spans:
        at, own = word_index(s), clause(s)
        score = sum(
            weight if c == own else OTHER_CLAUSE_FACTOR * weight / (1 + abs(at - pos))
            for (pos, weight), c in zip(matched, matched_clauses, strict=True)
        )
        if score > best_score:
            best, best_score = (s, e), score
    return best


def _parts(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the numbers that may count the thing asked, leaving out wholes and a "one of" when others remain."""
    wholes = {
        (s, e) for s, e in spans
        if any(end < s and _PART_OF_RE.fullmatch(text, end, s) for _, end in spans)
    }
    kept = [span for span in spans if span not in wholes]
    counts = [(s, e) for s, e in kept if not (text[s:e].lower() == "one" and _ONE_OF_RE.match(text, e))]
    return counts or kept


def in_context(own: Sequence[float], with_previous: Sequence[float], weight: float) -> list[float]:
    """Return each sentence's word-piece match read ``weight`` (0 to 1) with the sentence before it.

    ``own`` and ``with_previous`` are ``bot.semantic.SentenceMatches``' two figures, one per sentence. An answer
    often follows the sentence that names what it is about ("… Fort Hamilton … . Established in 1825 in Brooklyn,
    it is …"), so a sentence borrows part of its predecessor's match.
    """
    return [a + weight * (b - a) for a, b in zip(own, with_previous, strict=True)]


def choose_highlight(
    passage: Passage,
    question_terms: Sequence[str] | Mapping[str, float],
    kind: QuestionKind,
    analyzer: Analyzer,
    idf: Callable[[str], float],
    *,
    meaning: Sequence[float] | None = None,
    meaning_weight: float = 0.0,
    terms: Sequence[str | None] | None = None,
    pieces: Sequence[float] | None = None,
    unit: Set[str] = frozenset(),
    part_of_whole: bool = False,
    rate: bool = False,
) -> Highlight | None:
    """Return the span of the passage that answers best: a number for quantity questions, a tally, else a sentence.

    With ``pieces`` (each sentence's word-piece match with the question, ``in_context`` of
    ``bot.semantic.sentence_token_matches``, one per sentence of ``sentence_spans``) the sentence is the best
    matched, or one holding a span of the kind asked for within ``PIECE_CUE_MARGIN`` of it. Without, sentences are
    scored by the collection IDF of the question terms they hold (each weighted, typo repairs and related words
    below the question's own), plus ``meaning_weight`` times their cosine with the question (``meaning``, likewise
    one per sentence); a sentence holding a span of the kind asked for wins over a slightly better one without.
    With ``terms`` (the passage's terms in order, None for each the question does not weigh) only the question's
    words are read, and for a number the words of each candidate span. With a ``unit`` (``asked_unit``), a number
    given in it wins; ``part_of_whole`` and ``rate`` are ``_best_cue``'s.
    """
    text = passage.text
    tokens = _tokens(text, analyzer, terms)
    weights = dict(question_terms) if isinstance(question_terms, Mapping) else dict.fromkeys(question_terms, 1.0)
    sentence = _best_sentence(text, tokens, weights, idf, kind, meaning=meaning, meaning_weight=meaning_weight,
                              pieces=pieces)
    if kind in NUMBER_KINDS:

        def held_in(start: int, end: int) -> list[str]:
            return [t.term for t in analyzer.tokens_between(text, start, end)]

        span = _best_cue(text, sentence, tokens, weights, idf, kind=kind, held_in=None if terms is None else held_in,
                         unit=unit, part_of_whole=part_of_whole, rate=rate)
        if span is not None:
            return Highlight(span[0], span[1], HighlightKind.NUMBER)
    elif kind is QuestionKind.TALLY:  # "Councillors voted **9 to 4** to fund the program"
        tally = next((s for s in cue_spans(kind, text) if sentence[0] <= s[0] and s[1] <= sentence[1]), None)
        if tally is not None:
            return Highlight(tally[0], tally[1], HighlightKind.NUMBER)
    return Highlight(sentence[0], sentence[1], HighlightKind.SENTENCE)
