"""Who-holds-the-post questions, and the names a passage writes beside a post's title (``bot.post``)."""

import pytest

from bot.analysis import Analyzer
from bot.post import Holder, Post, asked_post, post_level, post_title_terms

ANALYZER = Analyzer()


def _terms(*words: str) -> frozenset[str]:
    return frozenset(t for w in words for t in ANALYZER.terms(w))


def _head(word: str) -> str:
    (term,) = ANALYZER.terms(word)
    return term


@pytest.mark.parametrize(
    ("question", "roles", "of", "head"),
    [
        ("who runs the festival", (), ("festival",), "festival"),
        ("whos the boss at vantor", (), ("vantor",), "vantor"),
        ("Who's in charge of the Aldermoor Museum?", (), ("aldermoor", "museum"), "museum"),
        ("who leads the harbour union", (), ("harbour", "union"), "union"),
        # the role's own qualifier is what the post heads, not the place after "in"
        ("who's the police chief in westmarsh", (), ("police", "westmarsh"), "police"),
        ("who is the cfo at quillstack", ("cfo",), ("quillstack",), "quillstack"),
        ("who is harrowfield's mayor", ("mayor",), ("harrowfield",), "harrowfield"),
        ("who runs the port of lenhaven", (), ("port", "lenhaven"), "port"),
        ("who's the festival's head of security?", (), ("festival", "security"), "security"),
    ],
)
def test_a_post_question_is_read_as_its_title_and_what_the_post_heads(
    question: str, roles: tuple[str, ...], of: tuple[str, ...], head: str
) -> None:
    assert asked_post(question, ANALYZER) == Post(roles=roles, of=_terms(*of), head=_head(head))


@pytest.mark.parametrize(
    "question", ["who is naomi ferreira", "who designed the new museum", "who won the race", "what runs the tram"]
)
def test_other_questions_ask_no_post(question: str) -> None:
    assert asked_post(question, ANALYZER) is None


def _level(question: str, text: str, title: str = "") -> Holder:
    post = asked_post(question, ANALYZER)
    assert post is not None
    return post_level(post, text, ANALYZER, _terms(*title.split()))


HOLDER_CASES = [
    # a title before the name, with what the post heads (its head counted twice)
    ("who runs the festival", "Festival director Caspian Lowe said it was heartbreaking.", "", Holder(3, True)),
    # the head beats another term of what the post heads
    ("who leads the harbour union", "Union general secretary Rosa Kettering called the deal fair.", "",
     Holder(3, True)),
    ("who leads the harbour union", "Caldmouth Harbour Holdings chief executive Owen Strand said no.", "",
     Holder(2, False)),
    # what the post heads is the article's subject: the title alone names the holder
    ("whos the boss at vantor", "Chief executive Marta Lindqvist said orders fell.", "Vantor to close plant",
     Holder(1, True)),
    ("whos the boss at vantor", "Chief executive Marta Lindqvist said orders fell.", "Another article",
     Holder()),
    # the apposition after the name's comma, and a title before a comma
    ("who runs the regional health authority",
     "Her son cut the ribbon alongside the authority's chief executive, Robert Okafor.", "", Holder(3, True)),
    ("who runs the water project", "Dr. Ilse Korvanen, the director of the water project, said so.", "",
     Holder(4, True)),
    # a clause after the comma is no title
    ("who's in charge of the museum", "A bronze head of Queen Amarisa, has been on display in the museum.",
     "", Holder()),
    # a post held no more, and the head of a part
    ("who is the mayor of brennock", "The vacancy arose when former mayor Desmond Harlow stepped down.",
     "Brennock", Holder()),
    ("who runs quillstack", "It was founded by chief technology officer Benedikt Aro.", "Quillstack", Holder()),
    # an acronym for the title's words
    ("who is the cfo at quillstack", "Chief financial officer Marcus Webb said the decisions were separate.",
     "Quillstack raises money", Holder(1, True)),
]


@pytest.mark.parametrize(("question", "text", "title", "holder"), HOLDER_CASES)
def test_a_passage_names_the_holder_by_the_title_beside_a_name(
    question: str, text: str, title: str, holder: Holder
) -> None:
    assert _level(question, text, title) == holder


@pytest.mark.parametrize(("question", "text", "title", "holder"), [c for c in HOLDER_CASES if c[3].level > 0])
def test_a_passage_naming_the_holder_holds_a_term_of_every_title_group(
    question: str, text: str, title: str, holder: Holder
) -> None:
    post = asked_post(question, ANALYZER)
    assert post is not None
    held = set(ANALYZER.terms(text))
    assert all(group & held for group in post_title_terms(post, ANALYZER))


def test_the_title_groups_are_the_roles_asked_or_any_leaders_title() -> None:
    mayor = asked_post("who is harrowfield's mayor", ANALYZER)
    assert mayor is not None
    assert post_title_terms(mayor, ANALYZER) == (_terms("mayor"),)
    leader = asked_post("who runs the festival", ANALYZER)
    assert leader is not None
    (titles,) = post_title_terms(leader, ANALYZER)
    assert _terms("chief", "director", "secretary", "mayor") <= titles
    assert not _terms("festival") & titles
    # "cfo" may be spelled out ("Chief financial officer"): no word of it is required
    cfo = asked_post("who is the cfo at quillstack", ANALYZER)
    assert cfo is not None
    assert post_title_terms(cfo, ANALYZER) == ()
