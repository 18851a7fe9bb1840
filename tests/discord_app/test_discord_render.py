"""The pure rendering: escaping, cutting long passages, Discord's limits."""

from __future__ import annotations

from dataclasses import replace

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import Answer, Highlight, HighlightKind, Result
from bot.corpus import Article, BadFile, Passage
from bot.discord_app import render
from bot.render import ArticleRow
from bot.service import ReloadReport


def result_of(text: str, highlight: tuple[int, int] | None, *, title: str = "A title", url: str | None = None,
              date: str | None = "2025-07-05", paragraph: int = 3) -> Result:
    article = Article("a", title, (text,), date=date, url=url)
    hl = Highlight(highlight[0], highlight[1], HighlightKind.SENTENCE) if highlight else None
    return Result(1, article, Passage("a", paragraph, text), 2.5, hl, f"“{title}” · ¶{paragraph}")


def embed_total(embed: discord.Embed) -> int:
    return len(embed)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a *b* c", r"a \*b\* c"),
        ("snake_case", r"snake\_case"),
        ("~~gone~~", r"\~\~gone\~\~"),
        ("`code`", r"\`code\`"),
        ("a | b", r"a \| b"),
        ("> quote", r"\> quote"),
        ("@everyone and @here", "@\u200beveryone and @\u200bhere"),
        ("<@123456789012345678>", "<@\u200b123456789012345678>"),
    ],
)
def test_escape(raw: str, escaped: str):
    assert render.escape(raw) == escaped
    assert render.unescape(escaped) == raw


def test_short_passage_is_whole_with_bold_highlight():
    text = "First sentence here. The answer is 42 today. Last one."
    out = render.fit_passage(text, (35, 37), 4096)
    assert out == "First sentence here. The answer is **42** today. Last one."


def test_passage_without_highlight_is_escaped_whole():
    assert render.fit_passage("a_b", None, 100) == r"a\_b"


def test_long_passage_is_cut_at_sentence_boundaries_around_the_highlight():
    sentences = [f"Filler sentence number {i} is here." for i in range(200)]
    sentences[100] = "The key figure is 777 units."
    text = " ".join(sentences)
    start = text.index("777")
    out = render.fit_passage(text, (start, start + 3), 500)
    assert len(out) <= 500
    assert "**777**" in out
    assert out.startswith("… Filler sentence")
    assert out.endswith(". …")
    # Balanced: sentences on both sides of the highlight.
    before, after = out.split("**777**")
    assert abs(before.count("Filler") - after.count("Filler")) <= 1


def test_a_single_huge_sentence_is_cut_at_words():
    text = "word " * 3000 + "needle " + "word " * 3000
    start = text.index("needle")
    out = render.fit_passage(text.strip(), (start, start + 6), 300)
    assert len(out) <= 300
    assert "**needle**" in out
    assert out.startswith("… word")
    assert out.endswith("word …")


def test_a_highlight_longer_than_the_budget_is_cut_itself():
    text = "x" * 50 + " " + " ".join(["long"] * 2000)
    out = render.fit_passage(text, (0, len(text)), 200)
    assert len(out) <= 200
    assert out.count("**") == 2


def test_escaping_counts_against_the_budget():
    text = "_" * 5000
    out = render.fit_passage(text, (0, 1), 1000)
    assert len(out) <= 1000


@settings(max_examples=60, deadline=None)
@given(
    text=st.lists(st.sampled_from([*"ab .*_~`|>@\n", "everyone", "Word", ". ", "!", "x" * 300]), min_size=1,
                  max_size=400).map("".join),
    data=st.data(),
    budget=st.integers(min_value=60, max_value=4096),
)
def test_fit_passage_always_fits(text: str, data: st.DataObject, budget: int):
    lo = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    hi = data.draw(st.integers(min_value=lo + 1, max_value=len(text)))
    out = render.fit_passage(text, (lo, hi), budget)
    assert len(out) <= budget


def test_answer_embed_respects_every_limit():
    text = " ".join(f"Sentence {i} says something long enough to matter." for i in range(2000))
    title = "T" * 1000
    question = "why? " * 400
    result = result_of(text, (0, 10), title=title, url="https://example.com/x", date="2025-01-01")
    embed = render.answer_embed(result, question)
    assert len(embed.title or "") <= render.EMBED_TITLE_CHARS
    assert len(embed.description or "") <= render.EMBED_DESCRIPTION_CHARS
    assert all(len(f.value or "") <= render.EMBED_FIELD_VALUE_CHARS for f in embed.fields)
    assert len(embed.footer.text or "") <= render.EMBED_FOOTER_CHARS
    assert embed_total(embed) <= render.EMBED_TOTAL_CHARS
    assert embed.url == "https://example.com/x"
    assert render.question_of(embed) is not None


def test_answer_embed_fields_and_citation():
    result = result_of("Only *one* sentence.", (0, 20), title="Big_news", paragraph=7, url="not a url")
    embed = render.answer_embed(result, "what @everyone?")
    assert embed.title == r"Big\_news"
    assert embed.url is None  # Discord refuses the whole message for a bad embed URL
    assert embed.description == r"**Only \*one\* sentence.**"
    assert embed.footer.text == "2025-07-05 · ¶7"
    assert render.question_of(embed) == "what @everyone?"


def test_decline_names_the_closest_article():
    closest = Article("x", "Closest *one*", ("p",))
    text = render.decline_text(Answer("q", False, "too weak", (), closest=closest))
    assert r"“Closest \*one\*”" in text
    assert "¶" not in text


def test_a_decline_for_a_name_the_articles_never_mention_says_so_escaped():
    closest = Article("x", "Closest", ("p",))
    answer = Answer("q", False, "“Big *news*” never mentions Anna Berg", (), closest=closest,
                    unmentioned=("Anna Berg",))
    text = render.decline_text(answer)
    assert text.startswith(r"“Big \*news\*” never mentions Anna Berg. Try other words")
    assert "closest" not in text
    lower = render.decline_text(replace(answer, reason="none of the articles here mention Anna Berg"))
    assert lower.startswith("None of the articles here mention Anna Berg.")


def test_a_decline_for_a_question_another_article_answers_names_it():
    closer = Article("x", "Water *plant*", ("p",))
    answer = Answer("q", False, "another article comes closer to the question", (), closest=closer, elsewhere=True)
    text = render.decline_text(answer)
    assert text.startswith(r"The article you asked doesn't answer this; “Water \*plant\*” comes much closer.")


def test_a_decline_quotes_no_passage_and_keeps_the_question_for_its_button():
    reply = render.answer_reply(Answer("what about *this* @everyone?", False, "no words", ()))
    assert reply.content
    assert reply.embed is not None
    assert reply.embed.description is None
    assert reply.embed.title is None
    assert render.question_of(reply.embed) == "what about *this* @everyone?"
    assert reply.embed.fields[0].value == "what about \\*this\\* @\u200beveryone?"


def test_the_closest_passages_say_they_are_no_answer_and_fit():
    results = [result_of("Sentence. " * 900, (0, 9)) for _ in range(3)]
    embed = render.near_embed(results)
    assert embed.title == "Closest passages"
    assert (embed.description or "").startswith("*" + render.NEAR_NOTE + "*")
    assert (embed.description or "").count("— “A title”") == 3  # each passage whole, with its citation
    assert len(embed.description or "") <= render.EMBED_DESCRIPTION_CHARS
    assert embed_total(embed) <= render.EMBED_TOTAL_CHARS
    assert render.near_embed([]).description == "No passage comes close to this question."


def test_more_embed_fits_and_numbers_the_passages():
    results = [result_of("Sentence. " * 900, (0, 9)) for _ in range(5)]
    embed = render.more_embed(results)
    assert len(embed.description or "") <= render.EMBED_DESCRIPTION_CHARS
    assert embed_total(embed) <= render.EMBED_TOTAL_CHARS
    assert "**1.**" in (embed.description or "")
    assert render.more_embed([]).description == "No other passage matches this question."


def test_sources_embed_cuts_with_a_count():
    rows = [ArticleRow(f"id{i}", f"Title number {i} " + "x" * 80, "2025-01-01", 3) for i in range(200)]
    embed = render.sources_embed(rows, [BadFile(__import__("pathlib").Path("bad_one.md"), "no title")])
    description = embed.description or ""
    assert len(description) <= render.EMBED_DESCRIPTION_CHARS
    assert description.endswith("more")


def test_reload_text_lists_the_changes():
    a, b, c = (Article(i, f"Title {i}", ("p",)) for i in "abc")
    report = ReloadReport((a,), (b,), (c,), (BadFile(__import__("pathlib").Path("x.md"), "bad yaml"),), 2, 9)
    text = render.reload_text(report)
    assert text.splitlines() == [
        "Reloaded: 2 article(s), 9 passage(s).",
        "+ Title a (a)", "− Title b (b)", "~ Title c (c)", "1 bad file(s):", "• x.md: bad yaml",
    ]
    assert "No article changed." in render.reload_text(ReloadReport((), (), (), (), 1, 1))


def test_join_within_never_exceeds_the_limit():
    lines = [str(i) * 50 for i in range(100)]
    for limit in (60, 200, 2000):
        assert len(render.join_within(lines, limit)) <= limit


def test_shorten():
    assert render.shorten("a b c", 100) == "a b c"
    out = render.shorten("word " * 100, 50)
    assert len(out) <= 50
    assert out.endswith("…")


@pytest.mark.parametrize(("seconds", "shown"), [(0.2, 1), (4.1, 5), (30, 30)])
def test_cooldown_text(seconds: float, shown: int):
    assert render.cooldown_text(seconds) == f"Please wait {shown} s before asking again."
