"""Reading a question once: its terms, its kind from the leading wh-phrase, its subject and counted noun."""

import pytest

from bot.analysis import Analyzer
from bot.answer import Contact, QuestionKind
from bot.errors import QuestionError
from bot.expansion import spelled_chat
from bot.question import parse_question, question_kind, written_day

ANALYZER = Analyzer()


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many inmates work in construction?", QuestionKind.QUANTITY),
        ("how much did the prison cost?", QuestionKind.MONEY),
        ("How much water was produced by the plant?", QuestionKind.QUANTITY),
        ("How long is the video?", QuestionKind.DURATION),
        ("When did the prison open?", QuestionKind.DATE),
        ("In what year did construction begin on Fort Amsterdam?", QuestionKind.DATE),
        ("Jazz became popular during which decade in NYC?", QuestionKind.DATE),
        ("In which century was the abbey built?", QuestionKind.DATE),
        ("What time did the rocket lift off?", QuestionKind.DATE),
        # an era is named ("the Romantic era"), not dated
        ("Chopin is closely associated with what era?", QuestionKind.OTHER),
        # the leading wh-word decides: a later "when" or "number of" does not
        ("Who was king when the abbey was built?", QuestionKind.PERSON),
        ("Who counted the number of inmates?", QuestionKind.PERSON),
        # a leading when-clause only sets the scene
        ("When Beyonce was with Destiny's Child, how many albums did she sell?", QuestionKind.QUANTITY),
        ("When Liszt lived close to Chopin, where did he call home?", QuestionKind.PLACE),
        ("When did the line reopen, and why?", QuestionKind.DATE),
        ("To whom did the king send the letter?", QuestionKind.PERSON),
        ("Where do the inmates sleep?", QuestionKind.PLACE),
        ("Which company built the prison?", QuestionKind.PERSON),
        ("What is the population of the town?", QuestionKind.QUANTITY),
        # up to two words between "the" and what is asked
        ("what's the brennock mayor's salary", QuestionKind.MONEY),
        ("What is the city's population?", QuestionKind.QUANTITY),
        # and since round 34 with no "the"
        ("what was turnout for the dock ballot?", QuestionKind.QUANTITY),
        ("what is brennock's budget", QuestionKind.MONEY),
        ("what's the average dock worker's salary at caldmouth", QuestionKind.MONEY),  # three words between
        # by how much, in any unit: "roughly 40% lower" answers, though wages are money
        ("how much cheaper are wages in dravnik", QuestionKind.QUANTITY),
        ("How much more money did Spectre make than Skyfall?", QuestionKind.QUANTITY),
        ("How much money did Spectre make?", QuestionKind.MONEY),
        ("how much was brightwater civil's winning bid", QuestionKind.MONEY),  # round 32: bid, donate, loan…
        ("How much did Yao Ming donate?", QuestionKind.MONEY),
        # an age, or the year something began
        ("how old is greenhollow", QuestionKind.AGE),
        ("At what age did Chopin move to Paris?", QuestionKind.AGE),
        # what a level (rate, figure…) is called asks its name, not an amount
        ("What is the level called that the special Amiibo will unlock?", QuestionKind.OTHER),
        ("Why did the government build the prison?", QuestionKind.OTHER),
        ("What does CECOT stand for?", QuestionKind.OTHER),
        # no wh-word: the keywords anywhere
        ("textile workshop headcount", QuestionKind.QUANTITY),
        ("prison opening date", QuestionKind.OTHER),
        # a vote's tally (round 34), only where a vote is asked about
        ("what was the council vote on the body cams", QuestionKind.TALLY),
        ("What was the final tally when council voted on the budget?", QuestionKind.TALLY),
        ("stadium vote result", QuestionKind.TALLY),
        ("What is the total tally of known deaths caused by the earthquake?", QuestionKind.QUANTITY),
        ("what was the vote date", QuestionKind.OTHER),
    ],
)
def test_kind_comes_from_the_leading_wh_phrase(question: str, kind: QuestionKind) -> None:
    assert question_kind(question) is kind


def test_a_question_is_parsed_once_into_what_the_stages_read() -> None:
    q = parse_question("  How many extra guards work at CECOT? ", ANALYZER)
    assert q.text == "How many extra guards work at CECOT?"
    assert q.kind is QuestionKind.QUANTITY
    assert "guard" in q.terms
    assert {"extra", "guard"} <= q.counted
    assert q.subject is None
    assert q.unit == frozenset()


def test_the_unit_a_number_is_asked_in_is_read_for_number_questions_only() -> None:
    assert "ha" in parse_question("How large is Pelham Bay Park in hectares?", ANALYZER).unit
    assert "%" in parse_question("What percentage of voters turned out?", ANALYZER).unit
    assert parse_question("Which park is measured in hectares?", ANALYZER).unit == frozenset()  # no number asked


def test_the_unit_a_measure_is_asked_in_leaves_out_rates_and_shares_round_37() -> None:
    assert "mm" in parse_question("how much rain fell in mm in the ostrel valley last year", ANALYZER).measured_in
    assert "acres" in parse_question("How many acres of land does the park have?", ANALYZER).measured_in
    rate = parse_question("how much rice per hectare did the new strain give", ANALYZER)
    assert "ha" in rate.unit  # the number in bold is read in it
    assert rate.measured_in == frozenset()  # but it is the rate's other side, not the unit of the figure asked
    assert parse_question("What percentage of voters turned out?", ANALYZER).measured_in == frozenset()
    assert parse_question("Which park is measured in hectares?", ANALYZER).measured_in == frozenset()


@pytest.mark.parametrize(
    ("question", "day"),
    [
        ("when did linden road primary reopen exactly", True),
        ("what exact dates is the walkway closed next spring", True),
        ("what day will most branches be shut", True),
        ("Which days is the library open?", True),
        ("On what date was the city formed?", False),  # "what date" is asked of years too ("1898")
        ("When was the bridge built?", False),
        ("How exactly does the self-service opening work?", False),  # no date asked
    ],
)
def test_a_day_is_asked_by_what_day_or_exactly_when_round_37(question: str, day: bool) -> None:
    assert parse_question(question, ANALYZER).day is day


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("What years did Ögedei Khan rule?", True),
        ("During what years did Chopin receive instruction from Żywny?", True),
        ("What year did the Jianwen Emperor reign start and end?", True),
        ("When did the yuan dynasty start and end?", True),
        ("When did the Jiajing Emperor reign?", True),
        ("When did the Ming hold the divide and rule policy?", False),  # "rule" not asked last
        ("What year did the iPod launch?", False),
        ("How many years did the reign last?", False),  # a duration
    ],
)
def test_a_span_of_years_is_asked_round_40(question: str, span: bool) -> None:
    assert parse_question(question, ANALYZER).span is span


@pytest.mark.parametrize(
    ("question", "contact"),
    [
        ("whats the phone number for the measles helpline", Contact.PHONE),
        ("what's the helpline number?", Contact.PHONE),
        ("what number do i call to book", Contact.PHONE),
        ("Is there an e-mail address for complaints?", Contact.EMAIL),
        ("whats the web address", Contact.WEB),
        ("url for the consultation?", Contact.WEB),
        ("how many phone numbers does the clinic have", None),  # a count
        ("What did the email say?", None),  # its words, not an address
        ("Which website criticized Apple's battery life claims?", None),  # a website's name: "MP3.com" or "IGN"
        ("twitter link for the video", Contact.WEB),  # a link asked (round 41)
        ("whats the link to the video", Contact.WEB),
        ("is there a link to bukele's video", Contact.WEB),
        ("Who is the link between Oberhauser and Bond?", None),  # a person who links two
        ("What does Link morph into in A Link to the Past?", None),  # a character and a game
        ("What was the link to the earthquake?", None),  # a cause
        ("What is Bukele's Twitter handle?", Contact.HANDLE),  # a handle asked (round 42)
        ("what is bukele's username on twitter", Contact.HANDLE),
        ("whats bukeles handle", Contact.HANDLE),
        ("What is his social media account?", Contact.HANDLE),
        ("how did bukele handle the claims", None),  # a verb
        ("what is the handle of the knife made of", None),  # a thing's handle
        ("Who has the most twitter followers?", None),
        ("On which social media accounts was the film promoted?", None),  # whose accounts: "Eon's official …"
    ],
)
def test_a_contact_is_asked_written_out_round_38(question: str, contact: Contact | None) -> None:
    parsed = parse_question(question, ANALYZER)
    assert parsed.contact is contact
    if contact is not None:
        assert parsed.kind is QuestionKind.OTHER  # "what is the phone number" asks no quantity


@pytest.mark.parametrize(
    ("question", "owner"),
    [
        ("What is Bukele's Twitter handle?", {"bukel"}),
        ("What is Pablo Luna's instagram username?", {"pablo", "luna"}),
        ("what's the twitter handle?", set()),  # no one named: any handle answers
        ("whats the helpline number", set()),  # no handle asked
    ],
)
def test_a_handle_asked_is_the_named_ones_round_42(question: str, owner: set[str]) -> None:
    assert parse_question(question, ANALYZER).contact_of == owner


@pytest.mark.parametrize(
    ("question", "name", "about"),
    [
        ("whats the name of the ex support lead who complained", True, False),
        ("who did vance pick as chief of staff?", True, False),
        ("Which company is buying the site?", True, False),
        ("What is the mega-prison called?", True, False),
        ("why was the hotel sold", False, False),
        ("What is unclear about relations between Tibet and the Ming?", False, True),
        ("who declined to comment on the sale", True, True),
    ],
)
def test_a_name_asked_and_a_question_about_a_withholding_round_38(question: str, name: bool, about: bool) -> None:
    parsed = parse_question(question, ANALYZER)
    assert (parsed.asks_name, parsed.about_withheld) == (name, about)


def test_a_count_asked_in_a_span_of_time_is_a_rate_round_32() -> None:
    assert parse_question("how many containers go through caldmouth a year", ANALYZER).rate
    assert parse_question("How many passengers use the line daily?", ANALYZER).rate
    assert not parse_question("how many libraries does ashcombe have", ANALYZER).rate
    assert not parse_question("When did the library open a year ago?", ANALYZER).rate  # no count asked


def test_a_count_asked_per_anything_or_on_average_is_a_rate_of_anything_round_35() -> None:
    for question in ("how many points per game does amsel score", "How many points does Amsel average?",
                     "how many containers go through caldmouth a year"):
        assert parse_question(question, ANALYZER).per_rate, question
    for question in ("how many points did amsel score on sunday", "How many per cent of voters turned out?",
                     "What is the average age?"):  # the last asks no count
        assert not parse_question(question, ANALYZER).per_rate, question


def test_a_question_read_with_its_chat_words_spelt_out_has_its_kind() -> None:
    vocabulary = {"coach", "popul", "kelbi"}
    assert question_kind("whos the coach") is QuestionKind.OTHER  # as typed: no wh-word
    assert question_kind(spelled_chat("whos the coach", ANALYZER, vocabulary)) is QuestionKind.PERSON
    whats = parse_question(spelled_chat("whats the population of kelby", ANALYZER, vocabulary), ANALYZER)
    assert whats.kind is QuestionKind.QUANTITY
    assert whats.terms == ("popul", "kelbi")


def test_definition_subject() -> None:
    assert parse_question("What does CECOT stand for?", ANALYZER).subject == "cecot"


def test_framing_words_are_left_out_when_others_remain() -> None:
    assert parse_question("How long is the video?", ANALYZER).terms == ("video",)
    # only framing words: they are searched rather than nothing
    assert parse_question("How long?", ANALYZER).terms


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   ", "empty"), ("what is the?", "no words"), ("x" * 501, "too long")],
)
def test_a_question_that_cannot_be_asked_says_why(question: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        parse_question(question, ANALYZER)


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Which country is Pablo Luna from?", (("countri", QuestionKind.PLACE),)),
        ("Whats the name of the man who says he was beaten?", (("man", QuestionKind.PERSON),)),
        ("Whats the mega-prison called?", (("call", QuestionKind.PERSON),)),
        ("What is the prison known as?", (("known", QuestionKind.PERSON),)),
        ("Who is Nayib Bukele?", ()),
        ("What colour is the new tram?", ()),  # no kind of name
    ],
)
def test_the_terms_a_name_answers_are_read(question: str, named: tuple[tuple[str, QuestionKind], ...]) -> None:
    assert parse_question(question, ANALYZER).named_by == named


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("What was turnout in the 2018 Brennock election?", ("2018",)),
        ("In the year 1942, what share of the city was white?", ("1942",)),
        ("What was 2014's best-selling album?", ("2014",)),
        ("What happened in 1066 and again in 1066?", ("1066",)),
        ("What did iPods prior to 2007 distort?", ()),  # a bound, not the year asked about
        ("What did pre-2007 iPods distort?", ()),
        ("How has it grown since 1990?", ()),
        ("What changed from 1990 to 1995?", ()),
        ("What music was popular in the 1990s?", ()),  # a decade
        ("What does ISO 10217 cover?", ()),  # digits of a longer number
        ("How many of the 1,150 jobs go?", ()),
        ("How many inmates work in construction?", ()),
    ],
)
def test_the_years_a_question_pins_are_read(question: str, years: tuple[str, ...]) -> None:
    assert parse_question(question, ANALYZER).years == years


@pytest.mark.parametrize(
    ("question", "days"),
    [
        ("Who returned to filming on 12 April?", (("12", "april"),)),
        ("Spectre premiered on the 26th of December of what year?", (("26", "december"),)),
        ("What did Bukele share on July 4?", (("4", "july"),)),
        ("What opened on Dec 26?", (("26", "dec"),)),
        ("What opened on December 26, 2015?", ()),  # the year is checked
        ("What happened in May 2008?", ()),
        ("How many of the 12 members voted?", ()),
    ],
)
def test_the_days_a_question_pins_are_read(question: str, days: tuple[tuple[str, str], ...]) -> None:
    assert parse_question(question, ANALYZER).days == days


def test_a_day_is_written_as_the_world_writes_it() -> None:
    assert written_day("Filming resumed on 12 April 2015.", "12", "april")
    assert written_day("It opened on Dec. 26th in London.", "26", "december")
    assert written_day("Trump signed the bill on the Fourth of July.", "4", "july")
    assert written_day("The video was posted on July 4, 2025.", "4", "jul")
    assert not written_day("Filming resumed on 2 April.", "12", "april")
    assert not written_day("Filming resumed on 12 May.", "12", "april")
    assert not written_day("It was the fifth of July.", "4", "july")


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("which shops will they have to sell to get approval", ("shop",)),
        ("which three branches are getting self service", ("branch",)),  # past a number word
        # past "other"; a verb after is read too (no parts of speech): the passage must then write it as one of a kind
        ("Which other cities lack full coverage?", ("citi", "lack")),
        ("which stock exchange will quillstack list on", ("stock", "exchang")),  # two words, to the first stopword
        ("who is the private builder in saltmarsh living", ("privat", "builder")),
        ("What was the name of the agricultural college?", ("agricultur", "colleg")),
        ("In which year did the war end?", ()),  # a date is asked, not one of a kind
        ("How many shops will close?", ()),
        ("Who built the bridge?", ()),
    ],
)
def test_the_kind_a_question_asks_which_one_of_is_read(question: str, asked: tuple[str, ...]) -> None:
    assert parse_question(question, ANALYZER).one_of == asked
