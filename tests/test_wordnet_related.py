"""The tool that derives bot/data/wordnet_related.txt and wordnet_kinds.txt from WordNet 3.0, on a small database."""

import re
import sys
from pathlib import Path

from bot.wordlists import data_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))
import wordnet_related

LICENCE_LINE = "  1 This software and database is being provided to you, the LICENSEE, by\n"
# index lines: lemma pos synset_cnt p_cnt [pointers] sense_cnt tagsense_cnt offsets (most frequent sense first)
INDEX_NOUN = LICENCE_LINE + """\
movie n 1 1 @ 1 1 00000010
film n 2 1 @ 2 1 00000010 00000020
layer n 1 1 @ 1 1 00000030
pellicle n 1 0 1 1 00000020
invasion n 1 1 + 1 1 00000100
moving_picture n 1 0 1 0 00000010
flick n 1 0 1 0 00000010
aircraft n 1 1 ~ 1 1 00000300
craft n 2 1 ~ 2 0 00000310 00000330
helicopter n 1 1 @ 1 0 00000320
glider n 2 1 @ 2 0 00000400 00000320
concorde n 1 1 @ 1 0 00000340
"""
INDEX_VERB = LICENCE_LINE + "invade v 1 1 + 1 1 00000200\n"
INDEX_ADJ = LICENCE_LINE
# data lines: offset lex_file ss_type w_cnt (hex) word lex_id … p_cnt pointer offset pos source/target … | gloss
DATA_NOUN = LICENCE_LINE + """\
00000010 10 n 04 movie 0 film 0 moving_picture 0 flick 0 000 | a form of entertainment
00000020 06 n 02 film 1 pellicle 0 000 | a thin layer
00000030 06 n 01 layer 0 000 | a single thickness
00000100 04 n 01 invasion 0 001 + 00000200 v 0101 | the act of invading
00000300 06 n 01 aircraft 0 003 ~ 00000310 n 0000 ~ 00000330 n 0000 ~i 00000340 n 0000 | a vehicle that can fly
00000310 06 n 01 craft 0 002 @ 00000300 n 0000 ~ 00000320 n 0000 | heavier-than-air craft
00000320 06 n 02 helicopter 0 glider 0 001 @ 00000310 n 0000 | an aircraft with rotors
00000330 06 n 01 craft 1 000 | a skill
00000340 06 n 01 concorde 0 001 @i 00000300 n 0000 | one airliner
00000400 06 n 01 glider 1 000 | one who glides
"""
DATA_VERB = LICENCE_LINE + "00000200 38 v 01 invade 0 001 + 00000100 n 0101 01 + 08 00 | march aggressively into\n"


def database(folder: Path) -> Path:
    files = {"index.noun": INDEX_NOUN, "index.verb": INDEX_VERB, "index.adj": INDEX_ADJ,
             "data.noun": DATA_NOUN, "data.verb": DATA_VERB}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="latin-1")
    return folder


def test_synonyms_share_their_most_frequent_sense_and_are_tagged(tmp_path: Path) -> None:
    # "film" is first "a movie"; its second sense (a thin layer, with "pellicle") links it to nothing;
    # "flick" is never tagged and "moving_picture" is two words
    assert wordnet_related.synonym_groups(database(tmp_path)) == ["film movie"]


def test_derivations_link_a_noun_and_its_verb(tmp_path: Path) -> None:
    assert wordnet_related.derivation_pairs(database(tmp_path)) == ["invade invasion"]


def test_kinds_are_the_words_two_levels_under_a_tagged_nouns_first_sense(tmp_path: Path) -> None:
    # "helicopter" is two levels under "aircraft"; "glider"'s first sense is another; "concorde" is an instance;
    # "craft"'s own first sense is a kind of aircraft (level one), but it is never tagged, so it heads no line
    assert wordnet_related.kind_lines(database(tmp_path)) == ["aircraft craft helicopter"]
    assert wordnet_related.kind_lines(database(tmp_path), levels=1) == ["aircraft craft"]


def test_the_shipped_list_names_its_sources_and_counts_its_groups() -> None:
    text = data_bytes("wordnet_related.txt").decode("utf-8")
    assert len(re.findall(r"^#   \S+ sha256 [0-9a-f]{64}$", text, re.M)) == len(wordnet_related.SOURCES)
    counts = [int(n) for n in re.findall(r"^# \w+ \((\d+) ", text, re.M)]
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(body) == sum(counts) > 1000
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in data_bytes("WORDNET_LICENSE").decode()


def test_the_shipped_kinds_name_their_sources_and_count_their_nouns() -> None:
    text = data_bytes("wordnet_kinds.txt").decode("utf-8")
    assert len(re.findall(r"^#   \S+ sha256 [0-9a-f]{64}$", text, re.M)) == len(wordnet_related.SOURCES)
    (count,) = (int(n) for n in re.findall(r"^# Nouns \((\d+)\):$", text, re.M))
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(body) == count > 1000
    assert "aircraft" in body[[line.split()[0] for line in body].index("vehicle")].split()
