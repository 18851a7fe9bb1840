"""Articles from pages and files: extraction of hand-written news pages served on 127.0.0.1, writing, removing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import load_corpus
from bot.errors import ArticleRefusedError
from bot.settings import WebSettings
from bot.web_import import (
    Draft,
    draft_from_file,
    draft_from_source,
    draft_from_url,
    remove_article,
    slugify,
    to_markdown,
    write_article,
)
from tests.pages_server import PAGES, base_url, serve_pages

LOOPBACK = WebSettings(allow_private_hosts=True)
# Lines of every page that are navigation, consent, comments, ads or footers: none may reach an article.
BOILERPLATE = (
    "Home", "Subscribe", "Related stories", "All rights reserved", "Privacy", "cookies", "Cookie", "Accept all",
    "Comments (3)", "busrider88", "Signed the petition", "Join the discussion", "Sign up", "Advertise",
    "Share on social media", "Newsletters", "Menu", "À lire aussi", "Mentions légales", "Log in", "Refresh",
    "Registered in England", "Copy link", "By Maria Ellery", "Par Claire Dubois",
)

CASES = [
    # page, title, date, author, source, paragraphs, a phrase of the first paragraph
    ("bylines", "Harbour town votes to rebuild sea wall after winter storms", "2025-03-14", "Maria Ellery",
     "The Coastal Ledger", 6, "Councillors in Port Wrenna voted"),
    ("liveblog", "Live: Kelby marathon day, road closures and results", "2025-04-27", "Ruth Okoro",
     "Northfield Courier", 6, "That's where we'll leave our live coverage"),
    ("cookiewall", "Drought forces water limits across Calloway Plains farms", "2025-08-09", "Leon Brandt",
     "Prairie Herald", 5, "Farmers across the Calloway Plains"),
    ("amp", "Satellite to map methane leaks launches from Kestrel Point", "2025-06-18", "Samir Haddad",
     "Orbit Daily", 5, "A satellite designed to spot methane leaks"),
    ("comments", "Bellmont Falls cuts two bus routes to close budget gap", "2025-02-03", "Priya Nair",
     "Valley Gazette", 5, "Bellmont Falls will stop running"),
    ("french", "La ville ouvre trois nouvelles pistes cyclables le long des quais", "2025-05-22", "Claire Dubois",
     "Le Courrier du Rhône", 5, "La municipalité a inauguré mercredi"),
    ("table", "Ashbury election: Greens take control of the council", "2025-05-02", "Jonas Weller",
     "Ashbury Post", 5, "The Green Party won control"),
]


@pytest.fixture(scope="module")
def pages():
    with serve_pages() as server:
        yield server


@pytest.mark.parametrize(("page", "title", "date", "author", "source", "count", "first"), CASES,
                         ids=[c[0] for c in CASES])
def test_news_pages_are_extracted(pages, page, title, date, author, source, count, first):
    url = f"{base_url(pages)}/news/{page}"
    draft = draft_from_url(url, LOOPBACK)
    assert draft.title == title
    assert draft.date == date
    assert draft.author == author
    assert draft.source == source
    assert draft.url == url
    assert len(draft.paragraphs) == count
    assert draft.paragraphs[0].startswith(first)
    for paragraph in draft.paragraphs:
        for line in BOILERPLATE:
            assert line not in paragraph, (line, paragraph)


def test_a_table_is_one_paragraph_of_its_rows(pages):
    draft = draft_from_url(f"{base_url(pages)}/news/table", LOOPBACK)
    assert "Green, 23, +11; Liberal, 14, -9; Independent, 8, -2" in draft.paragraphs[2]


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("notfound", "the site answered 404 Not Found"),
        ("paywall", "a paywall or login page"),
    ],
)
def test_pages_that_are_not_articles_are_refused(pages, page, reason):
    with pytest.raises(ArticleRefusedError, match=reason):
        draft_from_url(f"{base_url(pages)}/news/{page}", LOOPBACK)


def test_a_soft_404_served_as_200_is_not_an_article():
    data = (PAGES / "notfound.html").read_bytes()
    with pytest.raises(ArticleRefusedError, match=r"not an article: only \d+ words"):
        draft_from_file("gone.html", data)


def test_files_html_md_and_txt(tmp_path: Path):
    html = draft_from_file("story.html", (PAGES / "amp.html").read_bytes())
    assert html.title.startswith("Satellite to map methane")
    body = "\n\n".join(f"Paragraph {i} says something about the river and the long dry summer." for i in range(10))
    md = draft_from_file("x.md", f"---\ntitle: River report\ndate: 2025-01-01\n---\n\n{body}".encode())
    assert (md.title, md.date, len(md.paragraphs)) == ("River report", "2025-01-01", 10)
    txt = draft_from_file("dry-summer.txt", body.encode())
    assert txt.title == "dry summer"
    with pytest.raises(ArticleRefusedError, match=r"only \.html"):
        draft_from_file("report.pdf", b"%PDF")
    with pytest.raises(ArticleRefusedError, match="not UTF-8"):
        draft_from_file("x.txt", b"\xff\xfe\x00bad")
    plain = draft_from_file("x.md", f"# River report\n\n{body}\n\n## Later\n\nMore.".encode())
    assert (plain.title, plain.date, len(plain.paragraphs)) == ("River report", None, 12)
    assert plain.paragraphs[-2:] == ("Later", "More.")
    assert draft_from_file("dry_summer.md", body.encode()).title == "dry summer"
    with pytest.raises(ArticleRefusedError, match="front matter is not closed"):
        draft_from_file("x.md", f"---\ntitle: x\n\n{body}".encode())


def test_slugs():
    assert slugify("Harbour town votes: to rebuild, 2025!") == "harbour-town-votes-to-rebuild-2025"
    assert slugify("La ville ouvre trois pistes cyclables à Lyon") == "la-ville-ouvre-trois-pistes-cyclables-a-lyon"
    assert slugify("¿?") == "article"
    assert len(slugify("word " * 50)) <= 80


DRAFT = Draft("A: title with \"quotes\" and # hash", ("First paragraph here.", "Second: one."), "2025-01-02",
              "Ann Author", "The Paper", "https://news.example/a")


def test_written_article_reads_back_as_the_corpus_reads_it(tmp_path: Path):
    added = write_article(tmp_path, DRAFT)
    assert added.id == "a-title-with-quotes-and-hash"
    assert [p.name for p in tmp_path.iterdir()] == [f"{added.id}.md"]  # no temporary file left
    (article,) = load_corpus(tmp_path).articles
    assert (article.title, article.date, article.author, article.source, article.url) == (
        DRAFT.title, DRAFT.date, DRAFT.author, DRAFT.source, DRAFT.url)
    assert article.paragraphs == DRAFT.paragraphs
    assert to_markdown(DRAFT).startswith("---\ntitle: ")


def test_an_existing_id_is_never_overwritten(tmp_path: Path):
    write_article(tmp_path, DRAFT, "story")
    before = (tmp_path / "story.md").read_bytes()
    (tmp_path / "other.txt").write_text("x", encoding="utf-8")
    for taken in ("story", "other"):
        with pytest.raises(ArticleRefusedError, match="exists already"):
            write_article(tmp_path, DRAFT, taken)
    assert (tmp_path / "story.md").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "story.md"]


@pytest.mark.parametrize("bad", ["../etc", "a/b", ".hidden", "README", "x" * 81, "", "a b"])
def test_bad_ids_are_refused(tmp_path: Path, bad: str):
    with pytest.raises(ArticleRefusedError):
        write_article(tmp_path, DRAFT, bad or "-")
    assert list(tmp_path.iterdir()) == []


def test_remove_in_a_subfolder_never_leaves_the_folder(tmp_path: Path):
    (tmp_path / "world").mkdir()
    write_article(tmp_path / "world", DRAFT, "story")
    assert remove_article(tmp_path, "world/story") == tmp_path / "world" / "story.md"
    for bad in ("../story", "world/../../x", "/etc/passwd", "world//story"):
        with pytest.raises(ArticleRefusedError, match="cannot be an article id"):
            remove_article(tmp_path, bad)


def test_remove(tmp_path: Path):
    write_article(tmp_path, DRAFT, "story")
    assert remove_article(tmp_path, "story") == tmp_path / "story.md"
    with pytest.raises(ArticleRefusedError, match="no article with the id 'story'"):
        remove_article(tmp_path, "story")


# -- the harness, end to end ------------------------------------------------------------------------------


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, stdout=out), out.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "placeholder.md").write_text("---\ntitle: Placeholder\n---\n\nA paragraph about nothing much.\n",
                                           encoding="utf-8")
    return folder


def test_add_a_link_then_ask_about_it_then_remove_it(pages, corpus: Path, monkeypatch, capsys):
    monkeypatch.setenv("ASKBOT_WEB__ALLOW_PRIVATE_HOSTS", "true")
    monkeypatch.setenv("ASKBOT_INDEX__PERSIST", "false")
    code, out = run(["add", f"{base_url(pages)}/news/bylines", "--corpus", str(corpus)])
    assert code == 0, capsys.readouterr().err
    assert out.startswith("added harbour-town-votes-to-rebuild-sea-wall-after-winter-storms: “Harbour town votes")
    assert "2025-03-14" in out
    assert "6 paragraph(s)" in out
    assert "Councillors in Port Wrenna" in out
    code, out = run(["ask", "How much will the sea wall repair cost?", "--corpus", str(corpus), "--json"])
    record = json.loads(out)
    assert record["answered"] is True
    assert record["results"][0]["article_id"] == "harbour-town-votes-to-rebuild-sea-wall-after-winter-storms"
    assert "7.2 million" in record["results"][0]["text"]
    assert record["results"][0]["url"].endswith("/news/bylines")
    code, out = run(["remove", "harbour-town-votes-to-rebuild-sea-wall-after-winter-storms", "--corpus", str(corpus)])
    assert code == 0
    assert out.startswith("removed ")
    assert [p.name for p in corpus.iterdir()] == ["placeholder.md"]


def test_add_refusals_are_one_line_and_write_nothing(pages, corpus: Path, monkeypatch, capsys):
    code, _ = run(["add", f"{base_url(pages)}/news/bylines", "--corpus", str(corpus)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "forbidden address" in err
    assert "loopback" in err
    monkeypatch.setenv("ASKBOT_WEB__ALLOW_PRIVATE_HOSTS", "true")
    for page, reason in (("paywall", "paywall or login page"), ("notfound", "404")):
        code, _ = run(["add", f"{base_url(pages)}/news/{page}", "--corpus", str(corpus)])
        err = capsys.readouterr().err
        assert code == 1
        assert err.count("\n") == 1
        assert reason in err
    code, _ = run(["add", str(PAGES / "bylines.html"), "--id", "sea-wall", "--corpus", str(corpus)])
    assert code == 0
    code, _ = run(["add", str(PAGES / "amp.html"), "--id", "sea-wall", "--corpus", str(corpus)])
    assert code == 1
    assert "exists already" in capsys.readouterr().err
    assert sorted(p.name for p in corpus.iterdir()) == ["placeholder.md", "sea-wall.md"]


@pytest.mark.parametrize(
    ("path", "env", "reason"),
    [
        ("/pdf", {}, "not a web page (content type application/pdf)"),
        ("/big", {"ASKBOT_WEB__MAX_BYTES": "1048576"}, "the page is too large"),
        ("/slow", {"ASKBOT_WEB__TOTAL_TIMEOUT": "0.3"}, "the page took longer than 0.3 s"),
        ("/hop/5", {}, "more than 5 redirects"),
    ],
)
def test_each_refusal_is_one_line_and_writes_nothing(pages, corpus: Path, monkeypatch, capsys, path, env, reason):
    monkeypatch.setenv("ASKBOT_WEB__ALLOW_PRIVATE_HOSTS", "true")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out = run(["add", base_url(pages) + path, "--corpus", str(corpus)])
    err = capsys.readouterr().err
    assert code == 1
    assert out == ""
    assert err.startswith(f"askbot: {reason}")
    assert err.count("\n") == 1
    assert [p.name for p in corpus.iterdir()] == ["placeholder.md"]


def test_local_files_too_large_or_missing_are_refused(tmp_path: Path):
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * 2048 + b"</p>")
    with pytest.raises(ArticleRefusedError, match=r"the file is too large \(2,055 bytes; at most 1,024\)"):
        draft_from_source(str(big), WebSettings(max_bytes=1024))
    with pytest.raises(ArticleRefusedError, match="cannot read"):
        draft_from_source(str(tmp_path / "missing.md"), WebSettings())
