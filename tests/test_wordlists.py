from collections import Counter
from importlib.resources import files

import pytest

import bot.data
from bot import analysis, answer, expansion, index_store, question
from bot.analysis import Analyzer
from bot.wordlists import alternation, data_bytes, lines, named_lists, phrase_lists, words

# Every data file, with the reader it is meant for: "words" (a set) or "lines" (groups or pairs in order).
WORD_FILES = ("stopwords.txt", "number_words.txt", "count_modifiers.txt", "generic_counted.txt",
              "length_units.txt", "money_words.txt", "sentence_abbreviations.txt",
              "sentence_starters.txt", "chat_fillers.txt")
LINE_FILES = ("related.txt", "abbreviations.txt", "acronym_small_words.txt", "lemmas.txt", "units.txt",
              "question_kinds.txt", "answer_words.txt", "question_frames.txt", "wordnet_related.txt",
              "wordnet_kinds.txt", "chat_words.txt", "question_leads.txt", "post_words.txt", "unit_kinds.txt",
              "withheld_phrases.txt")
# Files of named lists (``named_lists``), with the names their reader looks up.
NAMED_LISTS = {
    "unit_kinds.txt": {"length", "area", "volume", "mass"},
    "question_kinds.txt": {"comparatives", "money_after_the", "money_after_what", "quantity_after_how",
                           "quantity_after_what", "quantity_after_the", "date_after_what", "person_after_what",
                           "place_after_what", "tally_after_the", "tally_after_vote", "vote_words",
                           "year_bounds", "day_asked", "span_starts", "span_ends", "span_verbs", "contact_number",
                           "contact_verbs", "contact_email", "contact_web", "contact_web_alone",
                           "contact_link_before", "contact_link_to", "contact_handle_sites",
                           "contact_handle_words", "contact_account_words"},
    "answer_words.txt": {"time_units", "time_unit_abbreviations", "months", "ordinals", "currencies",
                         "not_name_starts", "name_particles", "place_prepositions", "weekdays", "day_words",
                         "seasons", "not_subjects", "elided_count_verbs", "rate_adverbs",
                         "tally_not_after", "tally_not_before", "tally_words", "rate_words", "one_of_a_kind",
                         "definite_words", "web_domains", "count_negations"},
    "question_leads.txt": {"lead", "before", "alone", "prepositions", "ends"},
    "post_words.txt": {"leader_verbs", "leader_nouns", "leader_titles", "other_posts", "two_word_titles",
                       "chief_of_a_part", "not_holding", "apposition_starts"},
}


def test_every_data_file_is_listed_here() -> None:
    shipped = {entry.name for entry in files(bot.data).iterdir() if entry.name.endswith(".txt")}
    assert shipped == {*WORD_FILES, *LINE_FILES}


@pytest.mark.parametrize("name", WORD_FILES + LINE_FILES)
def test_each_file_is_utf8_opens_with_a_header_and_has_no_empty_entries(name: str) -> None:
    text = data_bytes(name).decode("utf-8")
    assert text.startswith("# ")
    assert "Read by bot." in text.split("\n\n", 1)[0]
    loaded = lines(name)
    assert loaded
    assert all(line and line == line.strip() and "#" not in line for line in loaded)


@pytest.mark.parametrize("name", WORD_FILES)
def test_word_lists_hold_no_duplicates(name: str) -> None:
    tokens = [word for line in lines(name) for word in line.split()]
    assert [w for w, n in Counter(tokens).items() if n > 1] == []
    assert words(name) == frozenset(tokens)


def test_line_lists_hold_no_duplicates() -> None:
    for name in LINE_FILES:
        for line in lines(name):
            assert len(line.split()) == len(set(line.split())), (name, line)
    # "car vehicle" is listed twice in RELATED (harmless: groups are merged); no other group may repeat.
    assert [g for g, n in Counter(lines("related.txt")).items() if n > 1] == ["car vehicle"]
    for name in ("abbreviations.txt", "lemmas.txt", "acronym_small_words.txt", "wordnet_kinds.txt",
                 "chat_words.txt"):
        firsts = [line.split()[0] for line in lines(name)]
        assert len(firsts) == len(set(firsts)), name


def test_a_spelling_names_one_unit_and_the_percent_line_is_there() -> None:
    spellings = [word.lower() for line in lines("units.txt") for word in line.split()]
    assert [w for w, n in Counter(spellings).items() if n > 1] == []
    assert ("percent", "percentage", "%") in answer.UNITS  # bot.answer reads it wherever "percent" stands


def test_pairs_are_well_formed() -> None:
    assert all(len(line.split()) >= 2 for line in lines("abbreviations.txt"))
    # A chat short form is one lower-case word standing for one or more single words, itself not among them.
    for line in lines("chat_words.txt"):
        short, *long = line.split()
        assert long, line
        assert short == short.lower(), line
        assert short not in long, line
    assert all(len(line.split()) == 2 for line in lines("lemmas.txt"))
    assert all(len(line.split()) == 1 for line in lines("acronym_small_words.txt"))


@pytest.mark.parametrize("name", sorted(NAMED_LISTS))
def test_named_lists_have_the_names_their_reader_looks_up(name: str) -> None:
    found = named_lists(name)
    assert set(found) == NAMED_LISTS[name]
    for line in lines(name):
        key, colon, listed = line.partition(":")
        assert colon, line
        assert key == key.strip(), line
        assert listed.split(), line
        words_of_line = listed.split()
        assert len(words_of_line) == len(set(words_of_line)), line


def test_a_named_list_may_run_over_several_lines() -> None:
    kinds = named_lists("question_kinds.txt")
    assert {"level", "population", "percentage"} <= kinds["quantity_after_the"]
    assert {"company", "emperor", "organisation", "organization"} <= kinds["person_after_what"]
    assert all(word == word.lower() and word.isalpha() for listed in kinds.values() for word in listed)
    answers = named_lists("answer_words.txt")
    assert {"january", "sept", "dec"} <= answers["months"]
    assert {"first", "twenty-first"} <= answers["ordinals"]
    assert {"The", "Each"} <= answers["not_name_starts"]  # matched with their capital


def test_an_alternation_has_one_order_longest_first() -> None:
    assert alternation({"b", "ab", "a", "abc", "a.m."}) == r"a\.m\.|abc|ab|a|b"
    assert alternation([]) == ""
    assert alternation(["name of", "the name of"], spaces=r"\s+") == r"the\s+name\s+of|name\s+of"


def test_every_frame_phrase_is_left_out_of_a_question() -> None:
    for phrase in lines("question_frames.txt"):
        assert phrase == phrase.lower(), phrase
        assert answer.strip_frame(f"Kelby harbour {phrase.replace(' ', '  ')} ferry").split() == [
            "kelby", "harbour", "ferry"], phrase
    assert answer.strip_frame("What is the meaning of the name of the ferry?").split() == [
        "what", "is", "the", "of", "the", "ferry?"]


def test_every_pattern_built_from_a_word_list_is_the_same_in_every_process() -> None:
    """Word lists are sets: their order must not leak into a pattern (a cache key, or a different match)."""
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, importlib, pkgutil, re, bot\n"
        "def walk(value, out, depth=0):\n"
        "    if isinstance(value, re.Pattern):\n"
        "        out.append(value.pattern)\n"
        "    elif depth < 3 and isinstance(value, (tuple, list)):\n"
        "        for v in value: walk(v, out, depth + 1)\n"
        "    elif depth < 3 and isinstance(value, dict):\n"
        "        for v in value.values(): walk(v, out, depth + 1)\n"
        "out = []\n"
        "for info in sorted(pkgutil.walk_packages(bot.__path__, 'bot.'), key=lambda i: i.name):\n"
        "    if info.name.startswith('bot.discord_app') or info.name == 'bot.__main__': continue\n"
        "    for _, value in sorted(vars(importlib.import_module(info.name)).items()): walk(value, out)\n"
        "print(len(out), hashlib.sha256('\\n'.join(out).encode()).hexdigest())\n"
    )
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3)}
    assert len(seen) == 1, seen
    assert int(next(iter(seen)).split()[0]) > 50  # the patterns of bot.analysis, bot.answer, bot.question…


@pytest.mark.parametrize(("listed", "frame", "kind"), [
    ("money_after_the", "What is the {} of the stadium?", "MONEY"),
    ("money_after_what", "What {} did the club agree?", "MONEY"),
    ("quantity_after_how", "How {} is the new wing?", "QUANTITY"),
    ("quantity_after_what", "What {} of the inmates work?", "QUANTITY"),
    ("date_after_what", "In what {} did the prison open?", "DATE"),
    ("person_after_what", "Which {} built the prison?", "PERSON"),
    ("place_after_what", "Which {} is the prison in?", "PLACE"),
    ("tally_after_the", "What was the council's {} when it voted?", "TALLY"),
    ("tally_after_vote", "stadium vote {}", "TALLY"),
])
def test_every_word_of_a_kind_list_decides_its_kind(listed: str, frame: str, kind: str) -> None:
    for word in sorted(named_lists("question_kinds.txt")[listed]):
        assert question.question_kind(frame.format(word)).name == kind, word
    assert question.question_kind(frame.format("colour")).name != kind  # a word off the list does not


def test_a_quantity_word_after_the_decides_a_quantity_unless_money_comes_first() -> None:
    kinds = named_lists("question_kinds.txt")
    for word in sorted(kinds["quantity_after_the"] - kinds["money_after_the"]):
        assert question.question_kind(f"What is the {word} of the region?").name == "QUANTITY", word


def test_lists_are_read_once() -> None:
    assert lines("related.txt") is lines("related.txt")
    assert words("stopwords.txt") is words("stopwords.txt")


def test_the_public_constants_keep_their_types_and_known_entries() -> None:
    assert isinstance(expansion.RELATED, tuple)
    assert expansion.RELATED[0] == "prisoner inmate convict detainee"
    assert "say tell announce declare" in expansion.RELATED
    assert len(expansion.RELATED) == 225  # round 32: shots and doses, boy and child, hospital and hospitalised
    assert "shot jab dose injection vaccination" in expansion.RELATED
    assert "ireland irish" in expansion.RELATED
    assert isinstance(expansion.ABBREVIATIONS, tuple)
    assert expansion.ABBREVIATIONS[0] == ("CEO", "chief executive")
    assert ("MP", "member of parliament") in expansion.ABBREVIATIONS
    assert ("TV", "television") in expansion.ABBREVIATIONS
    assert frozenset({"of", "and", "for", "the", "de", "del", "&"}) == expansion._SMALL_WORDS
    assert isinstance(analysis.STOPWORDS, frozenset)
    assert {"the", "how", "many", "what's", "us"} <= analysis.STOPWORDS
    assert "prison" not in analysis.STOPWORDS
    assert len(analysis.STOPWORDS) == 203
    assert isinstance(analysis.LEMMAS, dict)
    assert analysis.LEMMAS["built"] == "build"
    assert analysis.LEMMAS["programme"] == "program"
    assert len(analysis.LEMMAS) == 109
    assert {"twelve", "dozens", "billion"} <= answer.NUMBER_WORDS
    assert {"extra", "full-time", "armed"} <= answer.COUNT_MODIFIERS
    assert words("generic_counted.txt") == answer._GENERIC_COUNTED
    assert {"people", "things", "units", "meters"} <= answer._GENERIC_COUNTED
    assert {"mile", "km", "feet"} <= answer.LENGTH_UNITS


def test_the_acronym_pattern_skips_the_small_words() -> None:
    found = expansion.defined_acronyms(["the Federal Bureau of Investigation (FBI)", "Research and Development (R&D)"])
    assert found == [("FBI", "Federal Bureau Investigation"), ("R&D", "Research Development")]


def test_a_changed_analyzer_list_changes_the_index_cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    base = index_store.analyzer_identity(Analyzer())
    for name in analysis.DATA_FILES:

        def edited(n: str, changed: str = name) -> bytes:
            return data_bytes(n) + (b" x" if n == changed else b"")

        with monkeypatch.context() as patch:
            patch.setattr(index_store, "data_bytes", edited)
            assert index_store.analyzer_identity(Analyzer()) != base, name
    assert index_store.analyzer_identity(Analyzer()) == base


def _spans(kind_name: str, text: str) -> list[str]:
    kind = answer.QuestionKind[kind_name]
    return [text[s:e] for s, e in answer.cue_spans(kind, text)]


def test_every_word_of_an_answer_list_finds_its_span() -> None:
    listed = named_lists("answer_words.txt")
    for unit in listed["time_units"] | listed["time_unit_abbreviations"]:
        number = "5" if unit in listed["time_unit_abbreviations"] else "two"
        assert _spans("DURATION", f"It took {number} {unit} to build.") == [f"{number} {unit}"], unit
    for month in listed["months"]:
        assert _spans("DATE", f"It opened on {month.title()} 4 after a delay.") == [f"{month.title()} 4"], month
    for word in listed["weekdays"] | listed["day_words"] | listed["seasons"]:
        assert _spans("DATE", f"They met {word} at the port.") == [word], word
    for ordinal in listed["ordinals"]:
        assert _spans("DATE", f"It was built in the {ordinal} century.") == [f"{ordinal} century"], ordinal
    for currency in listed["currencies"]:
        assert _spans("MONEY", f"The ticket cost 40 {currency} last year.") == [f"40 {currency}"], currency
    for particle in listed["name_particles"]:
        name = f"Maria {particle} Souza"
        assert _spans("PERSON", f"After {name} spoke, it closed.") == [name], particle
    for preposition in listed["place_prepositions"]:
        assert _spans("PLACE", f"They live {preposition} Kelby now.") == [f"{preposition} Kelby"], preposition
    for adverb in listed["rate_adverbs"]:
        assert answer.asks_rate(f"How many people fly {adverb}?"), adverb


def test_a_word_that_starts_a_clause_begins_no_name_and_a_non_subject_is_no_definition() -> None:
    listed = named_lists("answer_words.txt")
    for word in listed["not_name_starts"]:
        assert _spans("PERSON", f"{word} Maria Souza spoke.") == ["Maria Souza"], word
    for word in listed["not_subjects"]:
        assert answer.definition_subject(f"What is the {word} of Kelby?") is None, word
    assert answer.definition_subject("What is the harbour of Kelby?") == "harbour of kelby"


def test_phrase_lists_keep_each_line_a_phrase_round_38() -> None:
    listed = phrase_lists("withheld_phrases.txt")
    assert set(listed) == {"name", "any", "asked"}
    assert "asked not to be named" in listed["name"]  # one phrase a line, its words as written
    assert "declined to say" in listed["any"]
    assert all(phrase == " ".join(phrase.split()) and phrase for phrases in listed.values() for phrase in phrases)
