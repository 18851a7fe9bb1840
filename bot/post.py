"""Read who-holds-the-post questions, and find the names a passage writes beside a post's title.

"who runs the festival", "whos the boss at vantor", "who's the police chief in westmarsh": the answer is a name
written beside its title ("Festival director Caspian Lowe", "Chief executive Marta Lindqvist", "Chief of Police
Aldous Pryor"), often in a paragraph that shares few words with the question; the paragraphs that share more
(the festival's cancellation, Vantor's closure) name no one in that post. The words read are
``bot/data/post_words.txt``'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from bot.analysis import Analyzer, fold
from bot.answer import QuestionKind, cue_spans
from bot.wordlists import alternation, named_lists

POST_WORDS_FILE = "post_words.txt"
_LISTS = named_lists(POST_WORDS_FILE)
_LEADER_TITLES = _LISTS["leader_titles"]
_LEADER_NOUNS = _LISTS["leader_nouns"]
_OTHER_POSTS = _LISTS["other_posts"]
_CHIEF_OF_A_PART = _LISTS["chief_of_a_part"]
_NOT_HOLDING = _LISTS["not_holding"]
_APPOSITION_STARTS = _LISTS["apposition_starts"]
_TWO_WORD_TITLES = _LISTS["two_word_titles"]
_POSTS = _LEADER_TITLES | _OTHER_POSTS  # the words "who is the ROLE" asks a title by
# How far around a name its title is read: the words before it in its clause, the apposition after its comma.
TITLE_WORDS_BEFORE = 6
TITLE_WORDS_AFTER = 8
_TITLE_CHARS = 80
# An acronym the question writes for a title ("cfo": "Chief financial officer") has at most this many letters.
ACRONYM_LETTERS = 4

_WHO_BE = r"\s*who(?:'s|s|\s+is|\s+was|\s+are|\s+will\s+be|\s+has\s+been)\s+"
_VERB_RE = re.compile(
    r"\s*who(?:'s|s|\s+is|\s+will|\s+does|\s+currently)?\s+(?:currently\s+|now\s+)?"
    r"(?:(?:" + alternation(_LISTS["leader_verbs"]) + r")|in\s+charge\s+of)\s+(?:the\s+)?(?P<of>[^?!.]+?)[\s?!.]*$"
)
_ROLE_RE = re.compile(
    _WHO_BE + r"(?:the\s+|a\s+|an\s+)?(?:(?P<owner>[\w-]+)(?:'s|s')\s+)?(?P<role>[a-z-]+(?:\s+[a-z-]+){0,2}?)"
    r"(?:\s+(?:of|at|in|for|on)\s+(?:the\s+)?(?P<of>[^?!.]+?))?[\s?!.]*$"
)
_WORD_RE = re.compile(r"[\w'’-]+")
_CLAUSE_END_RE = re.compile(r"[.;:!?\"“”()—,]")


@dataclass(frozen=True, slots=True)
class Post:
    """The post a question asks the holder of."""

    roles: tuple[str, ...]  # the title's words, folded, each written beside the name; empty: a leader's title
    of: frozenset[str]  # terms of what the post heads ("festival", "harbour union"); empty: not said
    head: str | None = None  # the one the others qualify ("union" of "harbour union", "port" of "port of lenhaven")


@dataclass(frozen=True, slots=True, order=True)
class Holder:
    """How well a passage names the holder of a post (``post_level``); the default: not at all."""

    level: int = 0  # 0: names no holder; else 1 + the terms of what the post heads written beside the title
    placed: bool = False  # the head is written beside the title or in the article's title, or no head was asked


def asked_post(question: str, analyzer: Analyzer) -> Post | None:
    """Return the post a who-question asks the holder of, or None: "who runs X", "who is the ROLE (of X)"."""
    folded = fold(question)
    verb = _VERB_RE.match(folded)
    if verb is not None:
        return _post((), "", verb.group("of"), "", analyzer)
    role = _ROLE_RE.match(folded)
    if role is None:
        return None
    words = role.group("role").split()
    if not any(w in _POSTS or w in _LEADER_NOUNS for w in words):
        return None
    # "police chief": "chief" is a leader's title, "police" what the post heads
    roles = tuple(w for w in words if w in _POSTS and w not in _LEADER_NOUNS)
    rest = [w for w in words if w not in roles and w not in _LEADER_NOUNS]
    return _post(roles, " ".join(rest), role.group("of") or "", role.group("owner") or "", analyzer)


def _post(roles: tuple[str, ...], qualifiers: str, of: str, owner: str, analyzer: Analyzer) -> Post:
    """Return the post with the terms of what it heads, and its head.

    The head is the last of the role's own qualifiers ("police" of "police chief in westmarsh"), else of the words
    before any "of" ("port" of "port of lenhaven"), else the owner ("harrowfield" of "harrowfield's mayor").
    """
    terms = analyzer.terms(f"{qualifiers} {of} {owner}")
    heads = analyzer.terms(qualifiers) or analyzer.terms(of.split(" of ", 1)[0]) or analyzer.terms(owner)
    return Post(roles=roles, of=frozenset(terms), head=heads[-1] if heads else None)


def _title_words(text: str, start: int, end: int) -> list[str]:
    """Return the folded words that may title the name at ``text[start:end]``.

    They are the name's own, the words before it in its clause (past one comma: "chief executive, Robert
    Okafor"), and the apposition after its comma.
    """
    before = text[max(0, start - _TITLE_CHARS) : start].rstrip()
    if before.endswith(","):
        before = before[:-1]
    words = _WORD_RE.findall(_CLAUSE_END_RE.split(before)[-1])[-TITLE_WORDS_BEFORE:]
    words += _WORD_RE.findall(text[start:end])
    after = text[end : end + _TITLE_CHARS]
    if after.startswith(","):
        apposition = _WORD_RE.findall(_CLAUSE_END_RE.split(after[1:])[0])[:TITLE_WORDS_AFTER]
        first = fold(apposition[0]) if apposition else ""
        # a noun phrase ("the county's chief medical officer", "chair of the …"), not a clause ("has been on …")
        if first in _APPOSITION_STARTS or first.endswith("'s") or first in _POSTS:
            words += apposition
    return [fold(w).strip("'’") for w in words]


def _leader_title(words: Sequence[str]) -> bool:
    """Return True when the words hold the title of the head of something ("chief" alone, not "chief nursing")."""
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        of_staff = after == "of" and i + 2 < len(words) and words[i + 2] == "staff"
        if word == "chief" and (after in _CHIEF_OF_A_PART or of_staff):
            continue
        if word in _LEADER_TITLES or word in _TWO_WORD_TITLES or f"{word}-{after}" in _TWO_WORD_TITLES:
            return True
    return False


def _acronym(role: str, words: Sequence[str]) -> bool:
    """Return True when ``role`` ("cfo") spells the first letters of consecutive words ("chief financial officer")."""
    n = len(role)
    if not _may_be_acronym(role):
        return False
    return any("".join(w[:1] for w in words[i : i + n]) == role for i in range(len(words) - n + 1))


def _holds_roles(post: Post, words: Sequence[str], stems: AbstractSet[str], analyzer: Analyzer) -> bool:
    """Return True when the title words hold the post asked."""
    if not post.roles:
        return _leader_title(words)
    return all(set(analyzer.terms(r)) <= stems or _acronym(r, words) for r in post.roles)


def post_title_terms(post: Post, analyzer: Analyzer) -> tuple[frozenset[str], ...]:
    """Return the groups of terms a passage naming the post's holder holds one of each; none: any passage may.

    ``post_level`` reads a passage name by name; a passage holding no word of the title asked names no holder, so
    its words are looked up first. A role the question may write as an acronym ("cfo") can be spelled out
    ("Chief financial officer") and sets no group; a leader's title (no role asked) is any of them.
    """
    if not post.roles:
        titles = {*_LEADER_TITLES, *(part for title in _TWO_WORD_TITLES for part in title.split("-"))}
        return (frozenset(term for title in titles for term in analyzer.terms(title)),)
    return tuple(frozenset({term}) for role in post.roles if not _may_be_acronym(role)
                 for term in analyzer.terms(role))


def _may_be_acronym(role: str) -> bool:
    """Return True when ``role`` may stand for the first letters of a title's words (``_acronym``)."""
    return 1 < len(role) <= ACRONYM_LETTERS and role.isalpha()


def post_level(post: Post, text: str, analyzer: Analyzer, title: AbstractSet[str]) -> Holder:
    """Return how well a passage names the holder of the post.

    The best of its names written beside the post's title counts, by how many terms of what the post heads that
    title writes, its head counted twice ("Union general secretary …" beats "Caldmouth Harbour Holdings chief
    executive …" for "who leads the harbour union").

    A title counts only when what the post heads is written beside it or in the article's title ("chief executive
    Marta Lindqvist" in the Vantor article for "whos the boss at vantor"), and not when it is held no more
    ("former mayor Desmond Harlow").
    """
    best = Holder()
    for start, end in cue_spans(QuestionKind.PERSON, text):
        words = _title_words(text, start, end)
        if any(w in _NOT_HOLDING and w not in post.roles for w in words):
            continue
        stems = {t for w in words for t in analyzer.terms(w)}
        if not _holds_roles(post, words, stems, analyzer):
            continue
        inside = len(post.of & stems)
        if inside == 0 and post.of and not post.of & title:
            continue
        head = post.head in stems
        placed = head or (post.head in title if post.head is not None else bool(post.roles))
        best = max(best, Holder(1 + inside + head, placed))
    return best
