"""Properties over questions and article text: nothing but a QuestionError escapes ``AskService.ask``, and no
rendered message or embed can ping anyone or exceed a Discord limit."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.corpus import load_corpus
from bot.discord_app import render
from bot.discord_app.custom_ids import CUSTOM_ID_CHARS, MoreState, PassageRef, VoteState, more_id, vote_id
from bot.errors import QuestionError
from bot.service import AskService
from tests.conftest import CORPUS_DIR

# What Discord turns into a ping when it stands unescaped in content, a field or a description.
PING_RE = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
NASTY = ["@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>", "<@!123456789012345678>",
         "\u200b", "\u202e", "\u2066", "```", "`", "**", "__", "~~", "||", "\x00", "\n", "\r\n", "> ", "# ",
         "[x](https://e.com)", "\\", "\ufeff", "🇪🇸", "é", "ß", "…", "construction", "inmates", "15,000", "?"]
text_parts = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
questions = st.lists(text_parts, max_size=12).map(" ".join)
words = st.one_of(st.sampled_from(NASTY), st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True),
                  st.from_regex(r"\d{1,7}", fullmatch=True))
paragraphs = st.lists(words, min_size=1, max_size=80).map(" ".join).filter(lambda p: p.strip())


def assert_safe(reply: render.Reply) -> None:
    if reply.content is not None:
        assert len(reply.content) <= render.MESSAGE_CHARS
        assert not PING_RE.search(reply.content), reply.content
    embed = reply.embed
    if embed is None:
        return
    assert len(embed) <= render.EMBED_TOTAL_CHARS
    assert len(embed.title or "") <= render.EMBED_TITLE_CHARS
    assert len(embed.description or "") <= render.EMBED_DESCRIPTION_CHARS
    assert len(embed.footer.text or "") <= render.EMBED_FOOTER_CHARS
    for f in embed.fields:
        assert len(f.name or "") <= render.EMBED_FIELD_NAME_CHARS
        assert len(f.value or "") <= render.EMBED_FIELD_VALUE_CHARS
    for text in (embed.title, embed.description, embed.footer.text, *(f.value for f in embed.fields)):
        assert not PING_RE.search(text or ""), text


def check_answer(service: AskService, question: str) -> None:
    try:
        answer = service.ask(question)
    except QuestionError:
        return  # the one error ask raises on purpose: an empty, stopword-only or too long question
    reply = render.answer_reply(answer)
    assert_safe(reply)
    assert_safe(render.Reply(embed=render.more_embed(answer.results)))
    for result in answer.results:
        ref = PassageRef(result.article.id, result.passage.paragraph, result.passage.window)
        assert len(more_id(MoreState(ref, "all"))) <= CUSTOM_ID_CHARS
        assert len(vote_id(VoteState(ref, "up", result.score))) <= CUSTOM_ID_CHARS


@pytest.fixture(scope="module")
def shipped() -> AskService:
    return AskService(load_corpus(CORPUS_DIR))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=questions)
def test_any_question_on_the_shipped_article_is_answered_safely(shipped: AskService, question: str) -> None:
    check_answer(shipped, question)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.lists(words, min_size=1, max_size=40).map(" ".join).filter(str.strip),
       body=st.lists(paragraphs, min_size=1, max_size=6),
       question=questions)
def test_any_article_text_is_answered_safely(tmp_path_factory: pytest.TempPathFactory, title: str,
                                             body: list[str], question: str) -> None:
    folder = tmp_path_factory.mktemp("articles")
    shutil.copy(CORPUS_DIR / "el-salvador-prison-system.md", folder)
    safe_title = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    (folder / "generated.md").write_text(f'---\ntitle: "{safe_title}"\nurl: https://example.com/x\n---\n\n'
                                         + "\n\n".join(p.replace("\n", " ") for p in body), encoding="utf-8")
    service = AskService(load_corpus(folder))
    for asked in (question, " ".join(body[0].split()[:6]), title):
        check_answer(service, asked)


def test_the_ping_pattern_catches_what_it_must() -> None:
    assert PING_RE.search("hi @everyone")
    assert PING_RE.search("<@!123456789012345678>")
    assert not PING_RE.search(render.escape("hi @everyone <@123456789012345678>"))
    assert discord.utils.escape_mentions("@here") != "@here"


def test_load_corpus_never_raises_for_generated_files(tmp_path: Path) -> None:
    """A quick sweep of hostile front matter (the bad-corpus test has the named kinds)."""
    shutil.copy(CORPUS_DIR / "el-salvador-prison-system.md", tmp_path)
    hostile = ["title: &a [*a, *a]", "title: !!python/object:os.system ls", "title: !!binary aGVsbG8=",
               "date: 99999-01-01", "date: 2025-07-05T10:00:00+23:59", "title: .nan", "? [a]\n: b",
               "title: " + "[" * 2000, "<<: {title: T}", "title: T\ntitle: U"]
    for i, meta in enumerate(hostile):
        (tmp_path / f"h{i}.md").write_text(f"---\n{meta}\n---\n\nBody text.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.article("el-salvador-prison-system") is not None
    assert len(corpus.articles) + len(corpus.bad_files) == len(hostile) + 1
