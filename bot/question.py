"""Parse a question once into the value every stage of the answer pipeline reads.

``parse_question`` checks the question (not empty, not too long, some words to search for) and reads what it
asks: its content terms (the words that only frame it, "how long", "stand for", left out), the kind of answer
it wants, decided by its leading wh-phrase ("how many" → a quantity, "when" or "in what year" → a date, "who" →
a name), the subject of a definition question, what a how-many question counts, and the names it gives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis import Analyzer, fold
from bot.answer import (
    ANSWER_WORDS_FILE,
    MONTHS,
    NUMBER_KINDS,
    NUMBER_WORDS,
    ONE_OF_A_KIND,
    WITHHELD_ASKED,
    Contact,
    QuestionKind,
    asked_unit,
    asks_rate,
    counted_phrase,
    counted_terms,
    definition_subject,
    measured_unit,
    strip_frame,
)
from bot.errors import QuestionError
from bot.post import Post, asked_post
from bot.wordlists import alternation, named_lists, ordered_lists, words

EXAMPLE_QUESTION = "How many inmates work in construction?"
MONEY_WORDS_FILE = "money_words.txt"
QUESTION_KINDS_FILE = "question_kinds.txt"
_WH_RE = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b")
_KIND_WORDS = named_lists(QUESTION_KINDS_FILE)
# The ordinals written out, in order: "fourth" is 4 ("the Fourth of July").
_ORDINALS = ordered_lists(ANSWER_WORDS_FILE)["ordinals"]


def _any(listed: str) -> str:
    """Return a group matching any word of one list of ``bot/data/question_kinds.txt``."""
    return "(?:" + alternation(_KIND_WORDS[listed]) + ")"


_BE = r"(?:'s|\s+(?:is|was|are|were|will\s+be|has\s+been))"
# "what is the (…) X", up to three words between ("what's the brennock mayor's salary", "the average dock worker's
# salary"), "the" left out or not ("what was turnout for the dock ballot"); round 34 (three words, and "the" left
# out): fold B +1 bolded, news2 +1 trap, no question's passage moved. Read by three kinds below.
_WHAT_IS_THE = r"(?:what|which)" + _BE + r"\s+(?:the\s+)?(?:[\w'’]+\s+){0,3}"
# Read on the question from its first wh-word on; the first pattern that matches there decides.
_KIND_PATTERNS: tuple[tuple[QuestionKind, re.Pattern[str]], ...] = (
    (QuestionKind.TALLY, re.compile(_WHAT_IS_THE + _any("tally_after_the") + r"s?\b(?!\s+(?:date|day|time)\b)")),
    (QuestionKind.QUANTITY, re.compile(r"how\s+much\s+" + _any("comparatives") + r"\b")),
    (
        QuestionKind.MONEY,
        re.compile(
            r"how\s+much\b.*\b(?:" + alternation(words(MONEY_WORDS_FILE)) + r")\b"
            r"|" + _WHAT_IS_THE + _any("money_after_the") + r"s?\b"
            r"|(?:what|which)\s+" + _any("money_after_what") + r"\b"
        ),
    ),
    (QuestionKind.DURATION, re.compile(r"how\s+long\b")),
    (QuestionKind.AGE, re.compile(r"how\s+old\b|(?:at\s+)?what\s+age\b")),
    (
        QuestionKind.QUANTITY,
        re.compile(
            r"how\s+" + _any("quantity_after_how") + r"\b"
            r"|(?:what|which)\s+" + _any("quantity_after_what") + r"\b"
            r"|" + _WHAT_IS_THE + _any("quantity_after_the") + r"s?\b"
            r"(?!\s+(?:called|named|known)\b)"
        ),
    ),
    (
        QuestionKind.DATE,
        re.compile(r"when\b|(?:what|which)\s+(?:\w+\s+)?" + _any("date_after_what") + r"s?\b|what\s+time\b"),
    ),
    (QuestionKind.PERSON, re.compile(r"who(?:m|se)?\b|(?:which|what)\s+" + _any("person_after_what") + r"\b")),
    (QuestionKind.PLACE, re.compile(r"where\b|(?:which|what)\s+" + _any("place_after_what") + r"\b")),
)
# "When X happened, how many …?": a leading when-clause sets the scene; the wh-word after it asks.
# "When did X happen, and why?" asks when: an auxiliary right after "when" makes it the question.
_WHEN_CLAUSE_RE = re.compile(
    r"\s*when\s+(?!(?:do|does|did|is|are|was|were|will|would|can|could|has|have|had|should|shall|must|may|might)\b)"
    r"[^,?]*,"
)
# The noun naming the kind of answer asked ("which COUNTRY is Pablo Luna from", "the name of the MAN who …") and
# the frame of a name ("what's the mega-prison CALLED"): the answering passage writes the name ("of Colombia"),
# seldom the noun, so the semantic decline counts the noun as held where a name of that kind stands.
_ASKED_NOUN_RE = re.compile(
    r"\b(?:which|what|name\s+of\s+(?:the|this|that))\s+(?:(" + _any("person_after_what") + r")|("
    + _any("place_after_what") + r"))\b"
)
# "what's the name of …" (or "what is X called", ``_NAME_FRAME_RE``): a name answers, whatever the wh-word.
_NAME_OF_RE = re.compile(r"\bname\s+of\b")
_NAME_FRAME_RE = re.compile(r"\b(called|named|known)(?:\s+as)?\W*$")
_VOTE_RE = re.compile(r"\b" + _any("vote_words") + r"\b")
# A question with no wh-word ("textile workshop headcount") asks for a quantity when it says so anywhere, and for
# a vote's tally when it holds "vote result" and the like ("stadium vote result").
_KEYWORD_TALLY_RE = re.compile(r"\bvotes?\s+" + _any("tally_after_vote") + r"\b")
_KEYWORD_QUANTITY_RE = re.compile(r"\bnumber\s+of\b|\bamount\s+of\b|\bcount\b|\bheadcount\b|\bin\s+total\b")


@dataclass(frozen=True, slots=True)
class Question:
    """A question as every stage of the pipeline reads it."""

    text: str  # as asked, surrounding space removed
    terms: tuple[str, ...]  # content terms in order, framing words left out
    kind: QuestionKind
    subject: str | None = None  # X of "what is X" / "what does X stand for", folded
    counted: frozenset[str] = frozenset()  # terms of what "how many X" counts
    counted_phrase: frozenset[str] = frozenset()  # terms of the whole phrase "how many" counts; empty: generic
    unit: frozenset[str] = frozenset()  # spellings of the unit a number is asked in ("… in hectares?"); empty: any
    measured_in: frozenset[str] = frozenset()  # as ``unit``, a measure's only ("in mm", not "per hectare" or "%")
    rate: bool = False  # "how many … a year?": a rate ("1.3 million a year") may answer
    per_rate: bool = False  # "how many … per game?", "… average": a rate of anything answers ("27.4 points per game")
    post: Post | None = None  # "who runs X", "who is the ROLE of X": the post whose holder is asked
    named_by: tuple[tuple[str, QuestionKind], ...] = ()  # terms a name of that kind stands for ("country", "call")
    years: tuple[str, ...] = ()  # years it pins ("in 2018"), not those bounding a time ("before 2007"), as terms
    days: tuple[tuple[str, str], ...] = ()  # day and month it pins with no year ("on 12 April"): ("12", "april")
    day: bool = False  # a when-question asks a day: "what day", "when … exactly", "what exact dates"
    span: bool = False  # a when-question asks a span of years: "what years", "start and end", "when did X reign"
    one_of: tuple[str, ...] = ()  # terms of the kind "which X" / "who is the X" asks one of ("which three BRANCHES")
    contact: Contact | None = None  # "whats the phone number for the helpline": the contact asked written out
    contact_of: frozenset[str] = frozenset()  # terms one of which a handle asked must hold ("bukel"); empty: any
    asks_name: bool = False  # "who …", "which company …", "what's the name of …": a name answers
    about_withheld: bool = False  # it asks about a withholding itself: "what is unclear about …", "who declined …"

    @property
    def folded(self) -> str:
        """Return the question folded (accents, case) as the patterns read it."""
        return fold(self.text)


def question_kind(question: str) -> QuestionKind:
    """Return the kind of answer a question wants, read from its first wh-word on.

    "Who was king when the abbey was built?" wants a name, not a date: only the leading wh-phrase counts.
    A question with no wh-word ("textile workshop headcount") is read by its keywords anywhere.
    """
    folded = fold(question)
    match = _WH_RE.search(folded)
    if match is None:
        if _KEYWORD_TALLY_RE.search(folded):
            return QuestionKind.TALLY
        return QuestionKind.QUANTITY if _KEYWORD_QUANTITY_RE.search(folded) else QuestionKind.OTHER
    tail = folded[match.start() :]
    clause = _WHEN_CLAUSE_RE.match(folded)
    asks = _WH_RE.search(folded, clause.end()) if clause is not None else None
    if asks is not None:
        tail = folded[asks.start() :]
    for kind, pattern in _KIND_PATTERNS:
        if pattern.match(tail) and (kind is not QuestionKind.TALLY or _VOTE_RE.search(folded)):
            return kind
    return QuestionKind.OTHER


def parse_question(question: str, analyzer: Analyzer, *, max_chars: int = 500) -> Question:
    """Check a question and read it, or raise ``QuestionError`` saying what is wrong with it."""
    text = question.strip()
    if not text:
        raise QuestionError(f"the question is empty: ask something like {EXAMPLE_QUESTION!r}", question=question)
    if len(text) > max_chars:
        raise QuestionError(f"the question is too long ({len(text)} characters; at most {max_chars})",
                            question=question)
    terms = analyzer.terms(strip_frame(text)) or analyzer.terms(text)
    if not terms:
        raise QuestionError(
            f"the question has no words to search for: ask with the words that matter, e.g. {EXAMPLE_QUESTION!r}",
            question=question,
        )
    kind = question_kind(text)
    folded = fold(text)
    contact = None if _HOW_MANY_RE.search(folded) else asked_contact(folded)
    if contact is not None:
        kind = QuestionKind.OTHER  # "what is the phone number" asks no quantity: the sentence writing it answers
    return Question(
        text=text,
        terms=tuple(terms),
        kind=kind,
        subject=definition_subject(text),
        counted=counted_terms(text, analyzer) if kind is QuestionKind.QUANTITY else frozenset(),
        counted_phrase=counted_phrase(text, analyzer) if kind is QuestionKind.QUANTITY else frozenset(),
        unit=asked_unit(text) if kind in NUMBER_KINDS else frozenset(),
        measured_in=measured_unit(text) if kind in NUMBER_KINDS else frozenset(),
        rate=kind is QuestionKind.QUANTITY and asks_rate(text),
        per_rate=kind is QuestionKind.QUANTITY and asks_rate(text, per_thing=True),
        post=asked_post(text, analyzer) if kind is QuestionKind.PERSON else None,
        named_by=named_by(folded, analyzer, terms),
        years=pinned_years(folded),
        days=pinned_days(folded),
        day=kind is QuestionKind.DATE and _DAY_ASKED_RE.search(folded) is not None,
        span=kind is QuestionKind.DATE and _SPAN_ASKED_RE.search(folded) is not None,
        one_of=asked_one_of(folded, analyzer) if kind not in NUMBER_KINDS | {QuestionKind.DATE} else (),
        contact=contact,
        contact_of=handle_owner(terms, analyzer) if contact is Contact.HANDLE else frozenset(),
        asks_name=(kind is QuestionKind.PERSON or _NAME_OF_RE.search(folded) is not None
                   or _NAME_FRAME_RE.search(folded) is not None),
        about_withheld=not WITHHELD_ASKED.isdisjoint(re.findall(r"[a-z]+", folded)),
    )


_MONTH = r"(?:" + MONTHS + r")"
_DAY = r"([12]?\d|3[01])(?:st|nd|rd|th)?"
# "on 12 April", "April 12th", "the 26th of December"; one followed by a year is the year's to check.
_DAY_RE = re.compile(r"\b(?:" + _DAY + r"\s+(?:of\s+)?(" + _MONTH + r")|(" + _MONTH + r")\.?\s+" + _DAY
                     + r")\b(?!,?\s+\d)")


def pinned_days(folded: str) -> tuple[tuple[str, str], ...]:
    """Return the days a folded question pins with no year ("on 12 April"), as (day, month) pairs."""
    return tuple(dict.fromkeys((m.group(1) or m.group(4), m.group(2) or m.group(3))
                               for m in _DAY_RE.finditer(folded)))


def written_day(text: str, day: str, month: str) -> bool:
    """Return True when a text writes this day of this month ("12 April", "Apr. 12th", "the Fourth of July")."""
    month_re = month[:3] + r"[a-z]*\.?"  # "Dec." writes December
    number = int(day)
    written = f"|{_ORDINALS[number - 1]}" if 0 < number <= len(_ORDINALS) else ""
    day_re = r"(?:" + day + r"(?:st|nd|rd|th)?" + written + ")"
    pattern = r"\b(?:" + day_re + r"\s+(?:of\s+)?" + month_re + r"|" + month_re + r"\s+" + day_re + r")(?!\d)"
    return re.search(pattern, fold(text)) is not None


# "what day", "which day", or a word asking for precision ("when … exactly") in a when-question.
_DAY_ASKED_RE = re.compile(r"\b(?:what|which)\s+(?:[a-z]+\s+)?days?\b|\b" + _any("day_asked") + r"\b")
# "what years", "which years", "start and end", or a reign asked last ("when did the Jiajing Emperor reign"; not
# "when did the Ming hold the divide and rule policy").
_SPAN_ASKED_RE = re.compile(
    r"\b(?:what|which)\s+years\b|\b" + _any("span_starts") + r"\s+and\s+" + _any("span_ends") + r"\b"
    r"|^\s*when\b.*\b" + _any("span_verbs") + r"\W*$"
)
_YEAR_RE = re.compile(r"(?<![\d,.])(?:1\d{3}|20\d{2})(?!\d|[,.]\d|s\b)")
_YEAR_BOUND_RE = re.compile(r"\b(?:" + alternation(_KIND_WORDS["year_bounds"]) + r")[\s-]*$")


# "whats the phone number for …", "the number to call", "email address", "web address", "url" (round 38), "twitter
# link", "the link to the video" (round 41), "twitter handle", "his username" (round 42).
_CONTACT_ASKED: tuple[tuple[Contact, re.Pattern[str]], ...] = (
    (Contact.PHONE, re.compile(r"\b" + _any("contact_number") + r"\s+(?:numbers?|no)\b|\bnumbers?\s+(?:to|i\s+can|"
                               r"you\s+can|we\s+can|people\s+can|should\s+i|do\s+i|can\s+i)\s+"
                               + _any("contact_verbs") + r"\b")),
    (Contact.EMAIL, re.compile(r"\b" + _any("contact_email") + r"\s+address(?:es)?\b")),
    (Contact.WEB, re.compile(r"\b" + _any("contact_web") + r"\s+address(?:es)?\b|\b" + _any("contact_web_alone")
                             + r"\b|\b" + _any("contact_link_before") + r"\s+links?\b|\blinks?\s+(?:to|for)\s+"
                             r"(?:the\s+|this\s+|that\s+|his\s+|her\s+|their\s+|its\s+|[\w-]+'s\s+)?"
                             + _any("contact_link_to") + r"s?\b")),
    # "twitter handle", "username on instagram", "whats bukeles handle" (round 42)
    (Contact.HANDLE, re.compile(r"\b" + _any("contact_handle_sites") + r"\s+(?:media\s+)?"
                                + _any("contact_handle_words") + r"s?\b|\b(?:usernames?|user\s+names?)\b"
                                + r"|\bhandles?\s+on\s+" + _any("contact_handle_sites")
                                + r"\b|(?:'s|s|\bhis|\bher|\btheir|\bits|\bthe)\s+(?:\w+\s+)?handles?\W*$")),
    # "his twitter account", "bukele's twitter name"; not "on which social media accounts was it promoted", which
    # asks whose accounts (the public set's Spectre: "Eon's official social media accounts")
    (Contact.HANDLE, re.compile(r"^(?!.*\b(?:which|whose)\b).*\b" + _any("contact_handle_sites") + r"\s+(?:media\s+)?"
                                + _any("contact_account_words") + r"\b")),
)
_HOW_MANY_RE = re.compile(r"\bhow\s+many\b")  # "how many phone numbers …" asks a count, not a contact


def asked_contact(folded: str) -> Contact | None:
    """Return the contact a folded question asks written out ("whats the helpline number"), or None."""
    folded = folded.replace("e-mail", "email")  # the lists hold words of letters only
    return next((contact for contact, pattern in _CONTACT_ASKED if pattern.search(folded)), None)


def handle_owner(terms: Sequence[str], analyzer: Analyzer) -> frozenset[str]:
    """Return the terms of a question asking a handle that are not the asking ("bukel" of "bukele's twitter handle").

    A handle written is the one asked only when it holds one of them: "What is Pablo Luna's twitter handle?" is not
    answered by his reply to "@nayibbukele". Empty when the question names no one: any handle answers.
    """
    listed = (*_KIND_WORDS["contact_handle_sites"], *_KIND_WORDS["contact_handle_words"],
              *_KIND_WORDS["contact_account_words"], "media", "user", "usernames")
    asking = {t for w in listed for t in analyzer.terms(w)}
    return frozenset(t for t in terms if t not in asking)


def pinned_years(folded: str) -> tuple[str, ...]:
    """Return the years (1000 to 2099) a folded question pins what it asks to, in order.

    "What was turnout in the 2018 election?" pins 2018; "iPods prior to 2007" and "since 1990" only bound a time,
    and "the 1990s" is a decade: neither is returned.
    """
    return tuple(dict.fromkeys(m.group() for m in _YEAR_RE.finditer(folded)
                               if not _YEAR_BOUND_RE.search(folded[: m.start()])))


_ONE_OF_SKIPPED = ONE_OF_A_KIND | NUMBER_WORDS
_ONE_OF_RE = re.compile(r"\b(?:which|who(?:'s|\s+(?:is|was|are|were))\s+the|name\s+of\s+the)\s+((?:[\w'’-]+\s*){1,4})")


def asked_one_of(folded: str, analyzer: Analyzer) -> tuple[str, ...]:
    """Return the terms of the noun a folded question asks which one of ("which three branches" → "branch").

    Up to two words after "which", "who is the" or "the name of the", past "other", "three" and the like, and up
    to the first word that is no term ("which stock exchange will …" → "stock", "exchang").
    """
    match = _ONE_OF_RE.search(folded)
    if match is None:
        return ()
    words = match.group(1).split()
    while words and (words[0] in _ONE_OF_SKIPPED or words[0].isdigit()):
        words = words[1:]
    found: list[str] = []
    for word in words[:2]:
        terms = analyzer.terms(word)
        if not terms:
            break
        found.extend(terms)
    return tuple(found)


def named_by(folded: str, analyzer: Analyzer, terms: Sequence[str]) -> tuple[tuple[str, QuestionKind], ...]:
    """Return the terms of a folded question that a name in the answer stands for, each with the kind of name.

    "Which country is Pablo Luna from?" is answered by "Pablo Luna Gutiérrez of Colombia": "country" is asked,
    not written. Only terms the question searches for are returned.
    """
    found: list[tuple[str, QuestionKind]] = []
    noun = _ASKED_NOUN_RE.search(folded)
    if noun is not None:
        kind = QuestionKind.PERSON if noun.group(1) else QuestionKind.PLACE
        found.extend((term, kind) for term in analyzer.terms(noun.group(1) or noun.group(2)))
    frame = _NAME_FRAME_RE.search(folded)
    if frame is not None:
        found.extend((term, QuestionKind.PERSON) for term in analyzer.terms(frame.group(1)))
    return tuple(dict.fromkeys(pair for pair in found if pair[0] in terms))
