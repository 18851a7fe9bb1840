"""Widen a question's terms: repair typos against the index vocabulary, add common paraphrases.

Members ask with their own words ("prisoners" for "inmates", "constructon" for "construction"). Each
question term may bring related index terms, each with a weight below 1 so that the question's own words
always count more:

* **typo repair**: a term no passage holds is matched first to index terms it begins or that begin it
  within 3 letters (derived forms the stemmer keeps apart: visit / visitor), else to the nearest index
  terms by Levenshtein distance (rapidfuzz) on the stem: at most 1 edit for stems of 5 to 7 letters, 2
  from 8 letters on, same first letter (typos rarely hit it, and it keeps the search small on a large
  vocabulary);
* **related words**: a compact, hand-written list of common English paraphrases found in news questions
  (``RELATED``, read from ``bot/data/related.txt``). It is general vocabulary, not tuned to one article:
  each group is words a reader uses for one another. Nothing is downloaded; the list ships in the package;
* **WordNet synonyms** (``WORDNET``, ``bot/data/wordnet_related.txt``): words that share their most frequent
  sense in WordNet 3.0 ("movie" / "film"), with their own weight.

Apart from the search, ``noun_kinds`` gives the kinds WordNet 3.0 names under a noun (``bot/data/wordnet_kinds.txt``:
"aircraft" → helicopter, airliner …), which a how-many question's number may count.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Callable, Container, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from rapidfuzz.distance import OSA, Levenshtein
from rapidfuzz.process import extract

from bot.analysis import Analyzer, Token, fold
from bot.wordlists import lines, named_lists, words

TYPO_WEIGHT = 0.6
RELATED_WEIGHT = 0.5
COMPOUND_WEIGHT = 0.5
TYPO_MIN_LENGTH = 5
TYPO_LONG_LENGTH = 8
TYPO_MAX_CANDIDATES = 2
TYPO_COMMON_RATIO = 2  # an equally near repair held by this many times the passages of the next is the one meant
DERIVED_MAX_EXTRA = 3
COMPOUND_MIN_PART = 3

# Groups of words readers use for one another in questions about news (bot/data/related.txt). Bidirectional;
# surface words, run through the analyzer at start so they meet the index's stems.
RELATED: tuple[str, ...] = lines("related.txt")
# Synonyms that share their most frequent sense ("movie film") in WordNet 3.0 (bot/data/wordnet_related.txt,
# made by tests/tools/wordnet_related.py), weighed apart from the hand-written list above.
WORDNET: tuple[str, ...] = lines("wordnet_related.txt")
# Each tagged noun of WordNet 3.0, then its kinds (bot/data/wordnet_kinds.txt, made by the same tool); read on
# the first how-many question only, so a process that never counts never loads it.
KINDS_FILE = "wordnet_kinds.txt"


# Abbreviations readers use for words articles spell out, and the other way round
# (bot/data/abbreviations.txt). Each links the abbreviation to every word of its expansion, as a related word.
ABBREVIATIONS: tuple[tuple[str, str], ...] = tuple(
    (short, expansion) for short, expansion in (line.split(maxsplit=1) for line in lines("abbreviations.txt"))
)
# Short forms people type in chat, each with the words it stands for (bot/data/chat_words.txt); "_" joins the words
# of one meaning ("points_per_game").
CHAT_WORDS: dict[str, tuple[str, ...]] = {
    short.lower(): tuple(m.replace("_", " ") for m in meant)
    for short, *meant in (line.split() for line in lines("chat_words.txt"))
}
# Words around a question that ask nothing ("hey", "thanks"; bot/data/chat_fillers.txt).
CHAT_FILLERS: frozenset[str] = words("chat_fillers.txt")
_WORD_RE = re.compile(r"\w+")
# The words that lead into a question and trail after it (bot/data/question_leads.txt).
_LEADS = named_lists("question_leads.txt")
_LEAD_WORDS: frozenset[str] = _LEADS["lead"]
_LEAD_BEFORE: frozenset[str] = _LEADS["before"]
_LEAD_ENDS: frozenset[str] = _LEADS["ends"]
_LEAD_ALONE: frozenset[str] = _LEADS["alone"]
_LEAD_PREPOSITIONS: frozenset[str] = _LEADS["prepositions"]
# A unit a question asks its answer in ("in millimeters, how much …") is the question's own, held or not.
_UNIT_WORDS: frozenset[str] = frozenset(word.lower() for line in lines("units.txt") for word in line.split())
_LEAD_WORD_RE = re.compile(r"\w+(?:'\w+)*")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Words a defined acronym's initials skip ("Federal Bureau of Investigation"); the pattern is built from them.
_SMALL_WORD_LIST = lines("acronym_small_words.txt")
_SMALL_WORDS = frozenset(_SMALL_WORD_LIST)
_DEFINED_ACRONYM_RE = re.compile(
    r"((?:[A-ZÀ-Þ][\w'’.-]*,?\s+(?:(?:"
    + "|".join(map(re.escape, _SMALL_WORD_LIST))
    + r")\s+)*){2,10})\(([A-Z][A-Za-z&]{1,9})\)"
)


def defined_acronyms(texts: Iterable[str]) -> list[tuple[str, str]]:
    """Return ``(acronym, expansion)`` for each "Full Name (FN)" the texts define, its initials checked.

    "Westmere Regional Health Authority (WRHA)" links WRHA to its four words, so a question that says
    "the regional health authority" meets a passage that says "the WRHA", and the other way round.
    Initials are matched against the last words before the parenthesis ("the Coastal Rescue Volunteers
    Association (CRVA)"); an acronym made of syllables ("CECOT") is left alone.
    """
    found: dict[str, str] = {}
    for text in texts:
        if "(" not in text:
            continue
        for match in _DEFINED_ACRONYM_RE.finditer(text):
            acronym = match.group(2)
            letters = acronym.replace("&", "").upper()
            words = [w.strip(",") for w in match.group(1).split() if w.strip(",").lower() not in _SMALL_WORDS]
            if len(words) >= len(letters) and "".join(w[0] for w in words[-len(letters):]).upper() == letters:
                found.setdefault(acronym, " ".join(words[-len(letters):]))
    return sorted(found.items())


def acronym_map(analyzer: Analyzer, pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Return links between each abbreviation's term and the terms of its expansion, both ways."""
    out: dict[str, set[str]] = {}
    for short, expansion in pairs:
        shorts = set(analyzer.terms(short))
        words = set(analyzer.terms(expansion)) - shorts
        for term in shorts:
            out.setdefault(term, set()).update(words)
        for word in words:
            out.setdefault(word, set()).update(shorts)
    return {term: frozenset(linked) for term, linked in out.items()}


def merge_maps(*maps: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Return the union of several related-word maps."""
    out: dict[str, set[str]] = {}
    for m in maps:
        for term, linked in m.items():
            out.setdefault(term, set()).update(linked)
    return {term: frozenset(linked) for term, linked in out.items()}


@dataclass(frozen=True, slots=True)
class WeightedTerm:
    """An index term searched for a question term, with its weight (1 for the question's own)."""

    term: str
    weight: float
    source: str  # the question term it stands for
    also: tuple[str, ...] = ()  # further question terms it stands for (a compound of two of them)

    @property
    def original(self) -> bool:
        """Return True when the question itself holds this term."""
        return self.term == self.source


def compounds(text: str, analyzer: Analyzer, vocabulary: Set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Return index terms that join or split the question's words, each with the question terms it stands for.

    Writers and readers part compounds differently ("dock workers" / "dockworkers", "health care" /
    "healthcare"): two adjacent question words whose joined form the index holds bring that form, and a
    question word no passage holds that splits into two index terms brings both halves.
    """
    tokens = analyzer.tokens(text)
    folded = fold(text)
    out: list[tuple[str, tuple[str, ...]]] = []
    for a, b in itertools.pairwise(tokens):
        if folded[a.end : b.start].strip(" -") or a.term == b.term:
            continue
        joined = analyzer.terms(folded[a.start : a.end] + folded[b.start : b.end])
        if len(joined) == 1 and joined[0] in vocabulary and joined[0] not in (a.term, b.term):
            out.append((joined[0], (a.term, b.term)))
    for t in tokens:
        word = folded[t.start : t.end]
        if t.term in vocabulary or len(word) < 2 * COMPOUND_MIN_PART or not word.isalpha():
            continue
        for cut in range(COMPOUND_MIN_PART, len(word) - COMPOUND_MIN_PART + 1):
            left, right = analyzer.terms(word[:cut]), analyzer.terms(word[cut:])
            if len(left) == len(right) == 1 and left[0] in vocabulary and right[0] in vocabulary:
                out += [(left[0], (t.term,)), (right[0], (t.term,))]
                break
    return out


def related_map(analyzer: Analyzer, groups: Iterable[str] = RELATED) -> Mapping[str, frozenset[str]]:
    """Return, for each stem of the related-word groups, the other stems of its groups.

    Made once per process for each analyzer's settings and list: WordNet's 1,875 groups take tens of
    milliseconds to stem, and every service (an ablation's many, the tests' hundreds) reads the same map.
    """
    return _related_map(analyzer.language, analyzer.stopwords, tuple(groups))


@lru_cache(maxsize=8)
def _related_map(language: str, stopwords: frozenset[str], groups: tuple[str, ...]) -> Mapping[str, frozenset[str]]:
    analyzer = Analyzer(stopwords=stopwords, language=language)
    out: dict[str, set[str]] = {}
    for group in groups:
        stems = {stem for word in group.split() for stem in analyzer.terms(word)}
        for stem in stems:
            out.setdefault(stem, set()).update(stems - {stem})
    return MappingProxyType({stem: frozenset(others) for stem, others in out.items()})


class NounKinds:
    """The kinds a noun names, from lines "noun kind kind …", each noun's kinds stemmed when first asked for.

    Only the nouns are stemmed up front (about 4,000, 10 ms); stemming every kind as well (55,000) would add
    0.15 s to the first how-many question of a process.
    """

    def __init__(self, analyzer: Analyzer, nouns: Iterable[str]) -> None:
        self._analyzer = analyzer
        self._kinds: dict[str, list[str]] = {}
        for line in nouns:
            noun, _, kinds = line.partition(" ")
            for stem in analyzer.terms(noun):
                self._kinds.setdefault(stem, []).append(kinds)
        self._stems: dict[str, frozenset[str]] = {}

    def of(self, term: str) -> frozenset[str]:
        """Return the stems of the kinds of the noun whose stem is ``term`` (none for a noun not listed)."""
        stems = self._stems.get(term)
        if stems is None:
            stems = frozenset(k for kinds in self._kinds.get(term, ()) for k in self._analyzer.terms(kinds)) - {term}
            self._stems[term] = stems  # a race between threads only stems the same words twice
        return stems


def noun_kinds(analyzer: Analyzer) -> NounKinds:
    """Return WordNet's kinds of nouns for this analyzer's settings, read once per process."""
    return _noun_kinds(analyzer.language, analyzer.stopwords)


@lru_cache(maxsize=8)
def _noun_kinds(language: str, stopwords: frozenset[str]) -> NounKinds:
    return NounKinds(Analyzer(stopwords=stopwords, language=language), lines(KINDS_FILE))


class Expander:
    """Expand question terms against one index vocabulary."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        related: Mapping[str, frozenset[str]],
        *,
        typo_weight: float = TYPO_WEIGHT,
        related_weight: float = RELATED_WEIGHT,
        compound_weight: float = COMPOUND_WEIGHT,
        wordnet: Mapping[str, frozenset[str]] | None = None,
        wordnet_weight: float = 0.0,
        transpositions: bool = True,
        doc_freq: Callable[[str], int] | None = None,
        analyzer: Analyzer | None = None,
    ) -> None:
        self.vocabulary = frozenset(vocabulary)
        # Two letters typed the wrong way round ("Spetcre") are one edit, not two (optimal string alignment).
        self.transpositions = transpositions
        self.distance = OSA.distance if transpositions else Levenshtein.distance
        self.doc_freq = doc_freq
        self.analyzer = analyzer  # stems a written word's edits (``repair_written``); None: no such repair
        self.related = related
        self.wordnet = wordnet or {}
        self.wordnet_weight = wordnet_weight
        self.typo_weight = typo_weight
        self.related_weight = related_weight
        self.compound_weight = compound_weight
        self._by_initial_built: dict[str, list[str]] | None = None
        self.repair = lru_cache(maxsize=4096)(self._repair)
        self.repair_written = lru_cache(maxsize=4096)(self._repair_written)

    @property
    def typo_index_built(self) -> bool:
        """Return True once the first typo has built the index of terms by first letter."""
        return self._by_initial_built is not None

    @property
    def _by_initial(self) -> dict[str, list[str]]:
        """Index terms by first letter, sorted; built on the first typo (a large vocabulary takes a while)."""
        built = self._by_initial_built
        if built is None:
            by_initial: dict[str, list[str]] = {}
            for term in self.vocabulary:
                if len(term) >= TYPO_MIN_LENGTH - 1 and not term[0].isdigit():
                    by_initial.setdefault(term[0], []).append(term)
            built = self._by_initial_built = {k: sorted(v) for k, v in by_initial.items()}
        return built

    def _repair(self, term: str) -> tuple[str, ...]:
        """Return the nearest index terms to a term no passage holds, nearest first.

        A term that begins an index term, or that an index term begins, by a few letters is a derived form
        the stemmer left apart (visit → visitor), taken unless a typo repair is nearer than its extra letters
        ("specctre" is "spectre" typed wrong, not "spec" and three letters more). Among equally near repairs, one
        that twice as many passages hold as the next is the one meant ("countri", not "counti", for "counrties").
        """
        if len(term) < TYPO_MIN_LENGTH or term[0].isdigit():
            return ()
        choices = self._by_initial.get(term[0], [])
        at = bisect_left(choices, term)
        derived = []
        while at < len(choices) and choices[at].startswith(term):
            if len(choices[at]) - len(term) <= DERIVED_MAX_EXTRA:
                derived.append(choices[at])
            at += 1
        lo = max(TYPO_MIN_LENGTH - 1, len(term) - DERIVED_MAX_EXTRA)
        derived += [term[:n] for n in range(lo, len(term)) if term[:n] in self.vocabulary]
        derived.sort(key=lambda c: (abs(len(c) - len(term)), c))
        limit = 2 if len(term) >= TYPO_LONG_LENGTH else 1
        found = extract(term, choices, scorer=self.distance, score_cutoff=limit, limit=TYPO_MAX_CANDIDATES * 4)
        if derived and (not found or min(score for _, score, _ in found) >= abs(len(derived[0]) - len(term))):
            return tuple(derived[:TYPO_MAX_CANDIDATES])
        if not found:
            return ()
        nearest = min(score for _, score, _ in found)
        return self._most_held(choice for choice, score, _ in found if score == nearest)

    def _most_held(self, tied: Iterable[str]) -> tuple[str, ...]:
        """Return the one of equally near repairs that far more passages hold than the next, or the first two."""
        ranked = sorted(tied)
        if self.doc_freq is not None and len(ranked) > 1:
            df = self.doc_freq
            ranked.sort(key=lambda c: (-df(c), c))
            if df(ranked[0]) >= TYPO_COMMON_RATIO * df(ranked[1]):
                return (ranked[0],)
        return tuple(ranked[:TYPO_MAX_CANDIDATES])

    def _repair_written(self, word: str) -> tuple[str, ...]:
        """Return the index terms of the words one edit from a word as written, when its term repairs to none.

        The stemmer cuts a misspelt word where it would not cut the word meant: "levaing" keeps its "ing" as
        "leva", two edits from "leav", but "leaving", one edit from what was written, is "leav". Every word one
        letter dropped, swapped, replaced or added away (a few hundred, stemmed) is tried; about a millisecond a
        word, once per word and vocabulary.
        """
        analyzer = self.analyzer
        if analyzer is None or len(word) < TYPO_MIN_LENGTH or not (word.isascii() and word.isalpha()):
            return ()
        splits = [(word[:i], word[i:]) for i in range(1, len(word) + 1)]  # the first letter kept, as ``repair``
        edits = {a + b[1:] for a, b in splits if b}
        if self.transpositions:
            edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        edits |= {a + c + b for a, b in splits for c in _LETTERS}
        held = {terms[0] for edit in edits if len(terms := analyzer.terms(edit)) == 1 and terms[0] in self.vocabulary}
        return self._most_held(held) if held else ()

    def expand(
        self,
        terms: Sequence[str],
        compounds: Sequence[tuple[str, tuple[str, ...]]] = (),
        written: Mapping[str, str] | None = None,
    ) -> list[WeightedTerm]:
        """Return each distinct question term, then its compounds, typo repairs and related terms the index holds.

        ``compounds`` (from ``compounds``) weigh ``compound_weight`` (0.5, as related words): at 1 they let a
        compound outweigh the rest of the question ("Why are dock workers against automated cranes?" went to
        the "Dockworkers Union" paragraph). ``written`` gives a term's word as the question writes it (folded),
        for a typo the term's own repair misses (``repair_written``).
        """
        out: list[WeightedTerm] = []
        seen: set[str] = set()
        for term in terms:
            if term in seen:
                continue
            seen.add(term)
            out.append(WeightedTerm(term, 1.0, term))
        extra: dict[str, WeightedTerm] = {}
        for cand, sources in compounds:
            if cand not in seen and cand in self.vocabulary and cand not in extra:
                extra[cand] = WeightedTerm(cand, self.compound_weight, sources[0], sources[1:])
        # In question order, not the set's: which question term a shared related word stands in for must not
        # depend on the process's string hashing (PYTHONHASHSEED), or rankings differ from run to run.
        for term in [w.term for w in out]:
            candidates: list[tuple[str, float]] = []
            if term not in self.vocabulary and self.typo_weight > 0:
                fixed = self.repair(term) or (self.repair_written(written[term]) if written and term in written else ())
                candidates += [(f, self.typo_weight) for f in fixed]
            if self.related_weight > 0:
                candidates += [(r, self.related_weight) for r in sorted(self.related.get(term, ()))]
            if self.wordnet_weight > 0:
                candidates += [(r, self.wordnet_weight) for r in sorted(self.wordnet.get(term, ()))]
            for cand, weight in candidates:
                if cand in seen or cand not in self.vocabulary:
                    continue
                if cand not in extra or extra[cand].weight < weight:
                    extra[cand] = WeightedTerm(cand, weight, term)
        out.extend(extra.values())
        return out


def spelled_chat(text: str, analyzer: Analyzer, vocabulary: Container[str]) -> str:
    """Return the question with each chat short form no passage holds written as the word it stands for.

    "Which uni built the methane satellite?" is read as "Which university …", "whos the coach" as "who's the
    coach": every stage then sees the word the articles write, at full weight, the question's kind is read from
    its wh-word, and the sentence model reads it too. The first of the short form's words some passage holds (or
    a function word, which none needs to) is taken; a short form a passage holds ("tech") stays, as does one whose
    words no passage holds. Fillers ("hey bot, … thanks!") are left out before the question's first word and
    after its last word that asks something, and between them when no passage holds them; a question of fillers
    alone stays as typed.
    """
    found = list(_WORD_RE.finditer(text))
    folded = [fold(m.group()) for m in found]
    terms = [analyzer.terms(m.group()) for m in found]
    # The question starts at its first word that is no filler, and ends at its last word that asks something (no
    # filler, no function word: "… construction? Thank you" ends at "construction").
    starts = next((i for i, f in enumerate(folded) if f not in CHAT_FILLERS), None)
    ends = next((i for i in reversed(range(len(found))) if folded[i] not in CHAT_FILLERS and terms[i]), None)
    if starts is None or ends is None:
        return text
    out: list[str] = []
    last = 0
    for i, match in enumerate(found):
        surface = match.group()
        held = any(t in vocabulary for t in terms[i])
        if folded[i] in CHAT_FILLERS and (not held or i < starts or i > ends):
            out.append(text[last:match.start()])
            last = match.end()
            continue
        meant = None if held else CHAT_WORDS.get(folded[i])
        word = None if meant is None else next(
            (w for w in meant if all(t in vocabulary for t in analyzer.terms(w))), None)
        if word is not None:
            out += [text[last:match.start()], word.capitalize() if surface[0].isupper() else word]
            last = match.end()
    if not out:
        return text
    return ("".join(out) + text[last:]).strip(" ,.!;:-")


def _capital(word: str) -> bool:
    """Return True when a word is written with a capital, "I" and "I'm" aside."""
    return word != word.lower() and re.split(r"['’]", word, maxsplit=1)[0] != "I"


@dataclass(frozen=True, slots=True)
class _Typed:
    """A question's words as typed, for finding where its lead-in ends and its tail starts."""

    text: str
    folded: str
    found: tuple[re.Match[str], ...]
    analyzer: Analyzer
    vocabulary: Container[str]

    def word(self, i: int) -> str:
        """Return the ``i``-th word, folded."""
        return self.found[i].group()

    def leads(self, i: int) -> bool:
        """Return True when the ``i``-th word may lead in or trail: listed, or a lower-case word no passage holds."""
        word = self.word(i)
        if word in _LEAD_WORDS:
            return True
        surface = self.text[self.found[i].start() : self.found[i].end()]
        if word in _LEAD_BEFORE or word in _UNIT_WORDS or _capital(surface) or any(c.isdigit() for c in word):
            return False
        return not any(t in self.vocabulary for t in self.analyzer.terms(word))

    def signals(self, run: range) -> bool:
        """Return True when a run of leading words has one that is listed or that no passage holds (no stopword)."""
        return any(self.word(k) in _LEAD_WORDS or self.analyzer.terms(self.word(k)) for k in run)

    def lead_in_end(self) -> int:
        """Return where the question starts after its lead-in (0: none)."""
        cut = 0
        for i, match in enumerate(self.found):
            word = match.group()
            if not self.leads(i):
                asks = word in _LEAD_BEFORE or (
                    word in _LEAD_PREPOSITIONS and i + 1 < len(self.found) and self.word(i + 1) in _LEAD_BEFORE
                )
                # One word before the wh-word leads in when listed so ("so when …") or no passage holds it ("bro
                # when"); a stopword ("in what year", "to whom") is the question's own.
                alone = i == 1 and (self.word(0) in _LEAD_ALONE or bool(self.analyzer.terms(self.word(0))))
                if asks and (i >= 2 or alone) and self.signals(range(i)):
                    # "… in what year": the preposition is the question's own
                    at = i - 1 if word in _LEAD_BEFORE and self.word(i - 1) in _LEAD_PREPOSITIONS else i
                    cut = self.found[at].start() if at >= 1 else cut
                return cut
            if i + 1 == len(self.found):
                return cut
            after = self.folded[match.end() : self.found[i + 1].start()]
            if (re.search(r"[,:;]", after) or (word in _LEAD_ENDS and i >= 1)) and self.signals(range(i + 1)):
                cut = self.found[i + 1].start()
        return cut

    def tail_start(self, cut: int) -> int:
        """Return where the question ends before its tail (the text's length: none)."""
        end = len(self.text)
        # The tail starts after the last mark before the question's last word: "…to? do you know?" at "do".
        mark = max(self.folded.rfind(m, 0, self.found[-1].start()) for m in "?,.!;:")
        trailing = range(next((i for i, m in enumerate(self.found) if m.start() > mark), len(self.found)),
                         len(self.found))
        if (
            mark > cut
            and (self.folded[mark] in "?!" or len(trailing) >= 2)
            and all(self.leads(i) for i in trailing)
            and any(self.word(i) in _LEAD_ENDS for i in trailing)  # "do you know", not "and will it be so"
        ):
            end = mark + 1
        # Past the first question mark that ends a question, words with no wh-word, number or capital ask no more.
        asked = next((m.start() for m in re.finditer(r"\?", self.folded)
                      if m.start() > cut and self.analyzer.terms(self.text[cut : m.start()])), -1)
        after = [i for i, m in enumerate(self.found) if m.start() > asked]
        if asked > cut and after and not any(
            self.word(i) in _LEAD_BEFORE
            or any(c.isdigit() for c in self.word(i))
            or _capital(self.text[self.found[i].start() : self.found[i].end()])
            for i in after
        ):
            end = min(end, asked + 1)
        # Emoji or a smiley after the last question mark: no words, no quotes ("… the film 'The Best Man?'").
        final = self.folded.rfind("?", cut, end)
        if final >= 0 and re.fullmatch(r"[^\w\"'“”‘’]+", self.text[final + 1 : end]):
            end = final + 1
        return end


def unframed(text: str, analyzer: Analyzer, vocabulary: Container[str]) -> str:
    """Return the question without the words that lead into it and trail after it ("can you tell me", "anyone know?").

    "I was wondering when the tram opens? anyone know?" is read as "when the tram opens?": words that ask nothing
    ("want", "wondering", "quick question") are then neither searched for nor read by the sentence model, and the
    question's kind is read from its wh-word. A word may lead in or trail when ``bot/data/question_leads.txt`` lists
    it, or it is typed in lower case and is a stopword or a word no passage holds ("ayy", "lemme"); never a wh-word,
    a number, a unit or another word a passage holds. A lead-in is a run of such first words, one of them listed or
    held by no passage, that ends at a comma or colon, right before a wh-word ("do you know when …", "so when …",
    "… in what year") or on a word that ends a lead-in ("I want to know the …"). A tail is such words after the
    question's last mark, one of them a word that ends a lead-in ("…? anyone know?", "…, if you know"; after a
    comma or full stop, two words or more), or the words after its first question mark when none is a wh-word,
    number or word with a capital ("? asking for a friend"), or emoji after its last. Either stays when nothing
    else would be left to search.
    """
    folded = fold(text)
    typed = _Typed(text, folded, tuple(_LEAD_WORD_RE.finditer(folded)), analyzer, vocabulary)
    if not typed.found:
        return text
    cut = typed.lead_in_end()
    end = typed.tail_start(cut)
    if (cut, end) == (0, len(text)) or not analyzer.terms(text[cut:end]):
        return text
    return text[cut:end].strip(" ,;:-")


def in_held_words(text: str, analyzer: Analyzer, expander: Expander, surface: Callable[[str], str | None]) -> str:
    """Return the question with each word no passage holds replaced by its one related word some passage holds.

    For the sentence model, which reads "How long was Bukele's clip?" far from "shared a two-minute video"
    (similarity 0.21) and "… video?" near it; BM25 already searches the related word. Only a word none of the
    passages holds, with exactly one related word (``bot/data/related.txt``) a passage holds, is replaced, as a
    passage writes it (round 42).
    """

    def held_one(token: Token) -> str | None:
        if token.term in expander.vocabulary:
            return None
        held = [r for r in expander.related.get(token.term, ()) if r in expander.vocabulary]
        return held[0] if len(held) == 1 else None

    return _replaced(text, analyzer, held_one, surface)


def spelled_out(
    text: str,
    analyzer: Analyzer,
    expander: Expander,
    surface: Callable[[str], str | None],
    known: Callable[[str], bool] = lambda word: False,
) -> str:
    """Return the question with each misspelt word replaced by the one index word it is a typo of.

    For the sentence model, which reads a typo as other word pieces ("sattelite": similarity 0.25 with the
    passage that answers, "satellite": 0.49); BM25 already searches the repair. Only a repair by edit distance
    that is the only nearest one replaces a word: a derived form (visit → visitor) is another word, not a
    typo, and two equally near repairs leave the question as asked. A word ``known`` to the model (one of its
    own word pieces: "admit") is spelt right even when no passage holds it, and stays. ``surface`` gives an
    index term as a passage writes it.
    """

    def repaired(token: Token) -> str | None:
        term = token.term
        if term in expander.vocabulary or expander.typo_weight <= 0 or known(text[token.start:token.end]):
            return None
        repairs = expander.repair(term)
        if len(repairs) != 1 or repairs[0].startswith(term) or term.startswith(repairs[0]):
            return None
        return repairs[0]

    return _replaced(text, analyzer, repaired, surface)


def _replaced(text: str, analyzer: Analyzer, pick: Callable[[Token], str | None],
              surface: Callable[[str], str | None]) -> str:
    """Return the text with each word whose token ``pick`` gives an index term written as a passage writes it."""
    out, last = [], 0
    for token in analyzer.tokens(text):
        term = pick(token)
        word = None if term is None else surface(term)
        if word is None:
            continue
        out += [text[last:token.start], word]
        last = token.end
    return "".join(out) + text[last:] if out else text
