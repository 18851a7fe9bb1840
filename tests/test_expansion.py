import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.analysis import Analyzer
from bot.corpus import load_corpus
from bot.expansion import (
    WORDNET,
    Expander,
    NounKinds,
    WeightedTerm,
    acronym_map,
    compounds,
    defined_acronyms,
    in_held_words,
    merge_maps,
    noun_kinds,
    related_map,
    spelled_chat,
    spelled_out,
    unframed,
)
from bot.service import AskService
from tests.articles import write_article

ANALYZER = Analyzer()


def vocab(*words: str) -> frozenset[str]:
    return frozenset(t for w in words for t in ANALYZER.terms(w))


def test_typo_repair_finds_the_nearest_index_term() -> None:
    expander = Expander(vocab("construction", "inmates", "textile"), {})
    (term,) = ANALYZER.terms("constructon")
    assert expander.repair(term) == tuple(ANALYZER.terms("construction"))


def test_typo_repair_prefers_derived_forms_and_ignores_short_or_distant_words() -> None:
    expander = Expander(vocab("visitor", "prison"), {})
    assert expander.repair("visit") == tuple(ANALYZER.terms("visitor"))
    assert expander.repair("pris") == ()  # too short to repair
    assert expander.repair("zebra") == ()


def test_two_letters_the_wrong_way_round_are_one_typo() -> None:
    expander = Expander(vocab("spectre", "spectrum"), {})
    (term,) = ANALYZER.terms("Spetcre")
    assert expander.repair(term) == tuple(ANALYZER.terms("spectre"))
    assert Expander(expander.vocabulary, {}, transpositions=False).repair(term) == ()  # two edits apart


def test_a_derived_form_gives_way_to_a_nearer_typo_repair() -> None:
    # "spec" begins "specctre" three letters short; "spectre" is one letter away
    expander = Expander(vocab("spec", "spectre"), {})
    (term,) = ANALYZER.terms("Specctre")
    assert expander.repair(term) == tuple(ANALYZER.terms("spectre"))
    # a derived form as near as any repair still comes first (visit → visitor)
    assert Expander(vocab("visitor", "vista"), {}).repair("visit") == tuple(ANALYZER.terms("visitor"))


def test_of_equally_near_repairs_the_one_far_more_passages_hold_is_meant() -> None:
    countries, counties = (ANALYZER.terms(w)[0] for w in ("countries", "counties"))
    (term,) = ANALYZER.terms("counrties")
    held = {countries: 12, counties: 2}
    common = Expander([countries, counties], {}, doc_freq=lambda t: held.get(t, 0))
    assert common.repair(term) == (countries,)
    held[counties] = 7  # not twice as rare: both stay, each a stand-in
    again = Expander([countries, counties], {}, doc_freq=lambda t: held.get(t, 0))
    assert set(again.repair(term)) == {countries, counties}
    assert set(Expander([countries, counties], {}).repair(term)) == {countries, counties}


def test_a_typo_the_stemmer_cut_elsewhere_is_repaired_from_the_word_as_written() -> None:
    # "levaing" keeps its "ing" and stems to "leva", two edits from "leav"; "leaving", one edit from what was
    # written, is "leav"
    (typed,) = ANALYZER.terms("levaing")
    (meant,) = ANALYZER.terms("leaving")
    expander = Expander(vocab("leaving", "dynasty"), {}, analyzer=ANALYZER)
    assert expander.repair(typed) == ()
    assert expander.repair_written("levaing") == (meant,)
    searched = {w.term: w.weight for w in expander.expand([typed, "dynasti"], written={typed: "levaing"})}
    assert searched[meant] == expander.typo_weight
    # without the analyzer, or for a short word, nothing is tried
    assert Expander(expander.vocabulary, {}).repair_written("levaing") == ()
    assert expander.repair_written("lvae") == ()


def test_spelled_out_replaces_only_a_word_with_one_repair_by_edit_distance() -> None:
    expander = Expander(vocab("satellite", "property", "visitor", "cat", "hat"), {})
    written = {t: w for w in ("satellite", "property", "visitor") for t in ANALYZER.terms(w)}
    assert spelled_out("How heavy is the Sattelite?", ANALYZER, expander, written.get) == "How heavy is the satellite?"
    assert spelled_out("Are propety taxes up?", ANALYZER, expander, written.get) == "Are property taxes up?"
    # a derived form is another word, not a typo; a word the passages hold is left alone
    assert spelled_out("When can I visit?", ANALYZER, expander, written.get) == "When can I visit?"
    assert spelled_out("the satellite", ANALYZER, expander, written.get) == "the satellite"
    # a word the model reads whole is spelt right, though no passage holds it ("admit", not "addit")
    assert spelled_out("the sattelite", ANALYZER, expander, written.get, lambda w: w == "sattelite") == "the sattelite"
    # without typo repair (weight 0) the question is embedded as asked
    off = Expander(expander.vocabulary, {}, typo_weight=0.0)
    assert spelled_out("the sattelite", ANALYZER, off, written.get) == "the sattelite"


# (as typed, as read) with the passages holding "university", "photo", "built", "tech", "bot" and "thanks"
SPELLED_CHAT = [
    ("Which uni built it?", "Which university built it?"),
    ("Uni name?", "University name?"),
    ("who took the pic", "who took the photo"),  # "pic" is "picture" or "photo": the one a passage holds
    # a short form a passage holds is the articles' own word; one whose words no passage holds stays as typed
    ("what tech is it", "what tech is it"),
    ("how many ppl", "how many ppl"),
    ("which unit", "which unit"),  # whole words only
    # a contraction typed without its apostrophe gets it back: a function word, which no passage need hold
    ("whos built it", "who's built it"),
    ("Whats the uni", "What's the university"),
    # a question word typed short or with a slip of the keys (round 34): a function word, which no passage need hold
    ("wat is the uni", "what is the university"),
    ("hw mny built it", "how many built it"),
    # fillers are left out around the question, and inside it when no passage holds them
    ("hey bot, which uni built it? thanks!", "which university built it?"),
    ("Which uni built it? Thank you", "Which university built it?  you"),
    ("what did the bot build", "what did the bot build"),
    ("what did lol the uni build", "what did  the university build"),
    # fillers alone, or around no word that asks anything, stay as typed
    ("thanks!", "thanks!"),
    ("hey how are you", "hey how are you"),
    # round 42: a form standing for several words; "will" where no passage holds "go"
    ("amsel ppg?", "amsel ppg?"),  # no passage holds "points" and "game"
    ("whats it gonna be called", "what's it will be called"),
]


@pytest.mark.parametrize(("typed", "read"), SPELLED_CHAT)
def test_spelled_chat_reads_short_forms_contractions_and_fillers(typed: str, read: str) -> None:
    held = vocab("university", "photo", "built", "tech", "bot", "thanks")
    assert spelled_chat(typed, ANALYZER, held) == read


def test_a_chat_form_of_several_words_is_read_as_its_first_held_meaning_round_42() -> None:
    assert spelled_chat("whats it gonna be called", ANALYZER, vocab("go", "called")) == "what's it going to be called"
    assert spelled_chat("amsel ppg?", ANALYZER, vocab("points per game")) == "amsel points per game?"


# (as typed, as read) with the passages holding "tram", "opens", "body", "built", "quake", "friend", "many", "shut"
UNFRAMED = [
    ("can you tell me how many inmates work in construction?", "how many inmates work in construction?"),
    ("I was wondering when the tram opens? anyone know?", "when the tram opens?"),
    ("quick question: because of the quake, how many people moved?", "because of the quake, how many people moved?"),
    ("I want to know the colour of the tram", "the colour of the tram"),  # ends on "know": no wh-word needed
    ("so who built the tram?", "who built the tram?"),  # one word alone, when listed as leading on its own
    ("i'm trying to figure out in what year it opened", "in what year it opened"),  # the preposition stays
    ("sorry, dumb question, but who built it", "who built it"),
    ("what did the tram cost, do you know", "what did the tram cost"),
    # a word no passage holds, typed in lower case, leads in or trails too
    ("ayy lemme ask who built the tram", "who built the tram"),
    ("bro when did the tram open", "when did the tram open"),
    # past the question mark: no wh-word, number or capital, or only emoji
    ("who built the tram? asking for a friend", "who built the tram?"),
    ("who built the tram? 🙏", "who built the tram?"),
    ("who built the tram? In 1990?", "who built the tram? In 1990?"),
    ("who built the tram? And when?", "who built the tram? And when?"),
    ('Who sang in the film "The Tram?"', 'Who sang in the film "The Tram?"'),
    # words that ask something stay: a word a passage holds, a capital, a number, a unit, the question's own stopwords
    ("Did someone find the body?", "Did someone find the body?"),
    ("To whom did he write?", "To whom did he write?"),
    ("In what year was it built?", "In what year was it built?"),
    ("in millimeters, how much rain falls?", "in millimeters, how much rain falls?"),
    ("Many of what shut down?", "Many of what shut down?"),
    ("Ayy, who built it?", "Ayy, who built it?"),
    ("What did he know?", "What did he know?"),
    ("Chopin, who did he know?", "Chopin, who did he know?"),
    ("Who is Dr. Smith?", "Who is Dr. Smith?"),
    ("Which tram falls, M or C?", "Which tram falls, M or C?"),
    ("and what?", "and what?"),
    ("what is it, and will it be so?", "what is it, and will it be so?"),  # a tail holds a word ending a lead-in
    # nothing left to search for: as typed
    ("do you know?", "do you know?"),
    ("so, who?", "so, who?"),
]


@pytest.mark.parametrize(("typed", "read"), UNFRAMED)
def test_unframed_leaves_out_lead_ins_and_tails(typed: str, read: str) -> None:
    held = vocab("tram", "opens", "body", "built", "quake", "friend", "many", "shut", "chopin", "smith")
    assert unframed(typed, ANALYZER, held) == read


def test_in_held_words_reads_a_word_no_passage_holds_as_its_one_related_word_held_round_42() -> None:
    related = related_map(ANALYZER, ("video clip film footage", "tweet post share twitter"))
    expander = Expander(vocab("video", "shared", "twitter"), related)
    written = {t: w for w in ("video", "shared", "twitter") for t in ANALYZER.terms(w)}
    assert in_held_words("How long was the clip?", ANALYZER, expander, written.get) == "How long was the video?"
    # two related words held ("shared", "twitter"): which one is meant is not known, and the word stays
    assert in_held_words("When was it posted?", ANALYZER, expander, written.get) == "When was it posted?"
    assert in_held_words("How long was the video?", ANALYZER, expander, written.get) == "How long was the video?"


def test_spelled_out_leaves_a_word_with_two_equally_near_repairs() -> None:
    expander = Expander(vocab("carton", "cartel"), {})
    assert len(expander.repair("carten")) == 2
    assert spelled_out("the carten", ANALYZER, expander, lambda term: term) == "the carten"


def test_expand_weights_the_question_words_above_repairs_and_related_words() -> None:
    related = related_map(ANALYZER, ("prisoner inmate",))
    expander = Expander(vocab("inmates", "construction"), related, typo_weight=0.6, related_weight=0.5)
    searched = expander.expand(ANALYZER.terms("prisoners constructon"))
    weights = {w.term: (w.weight, w.source) for w in searched}
    (prisoner,) = ANALYZER.terms("prisoners")
    (inmate,) = ANALYZER.terms("inmates")
    (construction,) = ANALYZER.terms("construction")
    assert weights[prisoner] == (1.0, prisoner)
    assert weights[inmate] == (0.5, prisoner)
    assert weights[construction][0] == 0.6


def test_compounds_join_adjacent_words_the_index_holds_together() -> None:
    (joined,) = ANALYZER.terms("dockworkers")
    found = compounds("Why are dock workers angry?", ANALYZER, frozenset({joined}))
    assert found == [(joined, (*ANALYZER.terms("dock"), *ANALYZER.terms("workers")))]
    assert compounds("Why are dock-workers angry?", ANALYZER, frozenset({joined})) == found  # a hyphen joins too
    assert compounds("the dock and its workers", ANALYZER, frozenset({joined})) == []


def test_compounds_split_a_word_no_passage_holds() -> None:
    index = vocab("dock", "workers")
    (asked,) = ANALYZER.terms("dockworkers")
    found = compounds("How many dockworkers?", ANALYZER, index)
    assert sorted(t for t, _ in found) == sorted(index)
    assert all(sources == (asked,) for _, sources in found)
    assert compounds("How many dockworkers?", ANALYZER, index | {asked}) == []  # held as written: no split


def test_a_compound_stands_for_both_of_its_words() -> None:
    (joined,) = ANALYZER.terms("dockworkers")
    expander = Expander(vocab("dockworkers", "dock"), {})
    terms = ANALYZER.terms("dock workers")
    searched = expander.expand(terms, compounds("dock workers", ANALYZER, expander.vocabulary))
    assert WeightedTerm(joined, 0.5, terms[0], (terms[1],)) in searched


def test_defined_acronyms_are_read_with_their_initials_checked() -> None:
    texts = [
        "It was funded by the Westmere Regional Health Authority (WRHA), with help from the public.",
        "The Coastal Rescue Volunteers Association (CRVA) said so.",
        "The program is part of the Science, Technology, Engineering and Mathematics (STEM) plan.",
        "The mega prison Centro de Confinamiento del Terrorismo (CECOT) opened.",  # syllables, not initials
        "He spoke (BBC) on Monday.",
    ]
    assert defined_acronyms(texts) == [
        ("CRVA", "Coastal Rescue Volunteers Association"),
        ("STEM", "Science Technology Engineering Mathematics"),
        ("WRHA", "Westmere Regional Health Authority"),
    ]


def test_an_acronym_and_its_words_stand_for_each_other() -> None:
    links = acronym_map(ANALYZER, [("WRHA", "Westmere Regional Health Authority"), ("CEO", "chief executive")])
    (wrha,) = ANALYZER.terms("WRHA")
    (health,) = ANALYZER.terms("health")
    assert health in links[wrha]
    assert wrha in links[health]
    assert set(ANALYZER.terms("chief executive")) <= links[next(iter(ANALYZER.terms("CEO")))]
    merged = merge_maps({"a": frozenset({"b"})}, {"a": frozenset({"c"})})
    assert merged == {"a": frozenset({"b", "c"})}


def test_a_question_with_an_acronym_finds_the_passage_that_spells_it_out(tmp_path: Path) -> None:
    write_article(tmp_path, "h", "Hospital",
                  "The wing was funded by the Westmere Regional Health Authority (WRHA).",
                  "The authority's chief executive, Robert Okafor, cut the ribbon.",
                  "Nurses from overseas were recruited to staff the wing.")
    service = AskService(load_corpus(tmp_path))
    ranking = service.rank("Who is the CEO of the health authority?")
    assert 2 in [service.corpus.passages[c.position].paragraph for c in ranking.candidates[:2]]
    assert set(ANALYZER.terms("chief executive")) <= {w.term for w in ranking.searched}
    searched = {w.term for w in service.rank("What does the WRHA fund?").searched}
    assert set(ANALYZER.terms("regional health authority")) <= searched


def test_expansion_does_not_depend_on_string_hashing() -> None:
    """A related word two question terms share is credited the same way in every process."""
    code = (
        "from bot.analysis import Analyzer\n"
        "from bot.expansion import Expander, related_map\n"
        "a = Analyzer()\n"
        "terms = a.terms('prison sentence jail inmates convicted')\n"
        "vocab = set(terms) | {t for ts in related_map(a).values() for t in ts}\n"
        "e = Expander(vocab, related_map(a))\n"
        "print([(w.term, w.source) for w in e.expand(terms)])\n"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)}, timeout=60).stdout
        for seed in range(6)
    }
    assert len(outputs) == 1


def test_wordnet_links_synonyms_of_their_first_sense() -> None:
    links = related_map(ANALYZER, WORDNET)
    (movie,), (film,), (layer,) = ANALYZER.terms("movie"), ANALYZER.terms("film"), ANALYZER.terms("layer")
    assert film in links[movie]
    assert movie in links[film]
    assert layer not in links[film]  # "a thin layer" is a sense of "film", but not the first
    assert related_map(ANALYZER, WORDNET) is links  # stemmed once per process


def test_wordnet_words_weigh_their_own_weight_and_none_at_zero() -> None:
    wordnet = related_map(ANALYZER, ("movie film", "prisoner inmate"))
    related = related_map(ANALYZER, ("prisoner inmate",))
    index = vocab("film", "inmates")
    (film,), (inmate,) = ANALYZER.terms("film"), ANALYZER.terms("inmates")
    asked = ANALYZER.terms("movie prisoners")
    on = Expander(index, related, related_weight=0.5, wordnet=wordnet, wordnet_weight=0.3)
    weights = {w.term: w.weight for w in on.expand(asked)}
    assert weights[film] == 0.3
    assert weights[inmate] == 0.5  # in both lists: the higher weight
    off = Expander(index, related, related_weight=0.5, wordnet=wordnet, wordnet_weight=0.0)
    assert film not in {w.term for w in off.expand(asked)}


def test_noun_kinds_name_what_a_noun_counts_one_way_only() -> None:
    kinds = NounKinds(ANALYZER, ("aircraft airplane helicopter", "vehicle aircraft"))
    (aircraft,), (helicopter,), (vehicle,) = (ANALYZER.terms(w) for w in ("aircraft", "helicopters", "vehicles"))
    assert helicopter in kinds.of(aircraft)
    assert aircraft in kinds.of(vehicle)
    assert helicopter not in kinds.of(vehicle)  # one line's kinds, not their kinds in turn
    assert kinds.of(helicopter) == frozenset()  # a kind does not count what it is a kind of
    assert kinds.of(aircraft) is kinds.of(aircraft)  # stemmed once
    shipped = noun_kinds(ANALYZER)
    assert helicopter in shipped.of(aircraft)
    assert noun_kinds(ANALYZER) is shipped  # read once per process


def test_a_question_in_a_synonym_searches_the_passages_word(tmp_path: Path) -> None:
    write_article(tmp_path, "p", "Plant", "The automobile plant opened in 1990.",
                  "A car park was built in 1995.")  # "car" is held: no typo repair stands in
    service = AskService(load_corpus(tmp_path))
    (automobile,) = ANALYZER.terms("automobile")
    searched = {w.term: w.weight for w in service.rank("When did the car plant open?").searched}
    assert searched[automobile] == service.retrieval.wordnet_weight > 0
    off = service.with_retrieval(service.retrieval.model_copy(update={"wordnet_weight": 0.0}))
    assert automobile not in {w.term for w in off.rank("When did the car plant open?").searched}
