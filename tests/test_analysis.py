import pytest

from bot.analysis import Analyzer, fold, sentences


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Gutiérrez", ["gutierrez"]),
        ("GUTIERREZ", ["gutierrez"]),
        ("48,000 inmates", ["48000", "inmat"]),
        ("3.5 percent", ["3.5", "percent"]),
        ("How many inmates work in construction?", ["inmat", "work", "construct"]),
        ("What does CECOT stand for?", ["cecot", "stand"]),
        ("who is where when why which whom", []),
        ("July 4th", ["juli", "4"]),
        ("the U.S. and the US and USA, tell us", ["usa", "usa", "usa"]),
        ("he built schools", ["build", "school"]),
        ("the programme", ["program"]),
        ("El Salvador’s prison", ["el", "salvador", "prison"]),
    ],
)
def test_terms(analyzer: Analyzer, text: str, terms: list[str]) -> None:
    assert analyzer.terms(text) == terms


def test_fold_keeps_length_and_folds_accents() -> None:
    text = "Pablo Luna Gutiérrez’s"
    assert fold(text) == "pablo luna gutierrez's"
    assert len(fold(text)) == len(text)


def test_token_offsets_point_into_the_original(analyzer: Analyzer) -> None:
    text = "Inês saw 6,500 inmates"
    assert [text[t.start : t.end] for t in analyzer.tokens(text)] == ["Inês", "saw", "6,500", "inmates"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. President signed. Then he left.", ["The U.S. President signed.", "Then he left."]),
        ("Mr. Smith paid 48.5 dollars. Done!", ["Mr. Smith paid 48.5 dollars.", "Done!"]),
        ("See pic.twitter.com/abc now. Next one.", ["See pic.twitter.com/abc now.", "Next one."]),
        ("“Quoted.” And more.", ["“Quoted.”", "And more."]),
        # listed abbreviations (bot/data/sentence_abbreviations.txt) end no sentence; a sentence may start with a number
        ("Liszt was the dedicatee of Chopin's Op. 10 Études. 12 more followed (Opp. 66–73). Then Mt. Everest.",
         ["Liszt was the dedicatee of Chopin's Op. 10 Études.", "12 more followed (Opp. 66–73).", "Then Mt. Everest."]),
        # initials end a sentence when a word that starts sentences follows (bot/data/sentence_starters.txt)
        ("Buses run until 9 p.m. The authority agreed. It met in Washington, D.C. In May it voted in the U.S. Senate.",
         ["Buses run until 9 p.m.", "The authority agreed.", "It met in Washington, D.C.",
          "In May it voted in the U.S. Senate."]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected
