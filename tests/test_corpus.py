from pathlib import Path

import pytest

from bot.corpus import (
    MAX_PASSAGE_WORDS,
    ArticleFormatError,
    load_corpus,
    parse_article,
    split_paragraphs,
)
from bot.errors import CorpusError
from tests.conftest import CORPUS_DIR

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_5e0c2f45861ff3f7.txt"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_every_shipped_article_loads_without_bad_files() -> None:
    corpus = load_corpus(CORPUS_DIR)
    assert corpus.bad_files == ()
    assert corpus.articles
    for article in corpus.articles:
        assert article.title.strip()
        assert article.paragraphs


def test_seed_article_metadata_is_not_invented() -> None:
    article = load_corpus(CORPUS_DIR).article("el-salvador-prison-system")
    assert article is not None
    assert article.date == "2025-07-05"
    assert article.url is None
    assert article.source is None
    assert article.author is None
    assert len(article.paragraphs) == 11
    assert article.paragraphs[6].startswith("The list is broken down with data: 6,500 inmates")
    assert article.paragraphs[0].startswith("While U.S. President Donald Trump")


@pytest.mark.skipif(not SEED.is_file(), reason="the seed file lives in ../shared, outside the repository")
def test_seed_paragraphs_are_verbatim() -> None:
    article = load_corpus(CORPUS_DIR).article("el-salvador-prison-system")
    assert article is not None
    raw = SEED.read_text(encoding="utf-8")
    for paragraph in article.paragraphs:
        assert paragraph in raw


def test_front_matter_fields_and_paragraph_numbers(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: A title\ndate: 2024-01-02\nurl: https://example.org/a\nauthor: Ann\n---\n\n"
          "First paragraph\nwrapped over two lines.\n\n\nSecond paragraph.\n")
    corpus = load_corpus(tmp_path)
    article = corpus.articles[0]
    assert (article.id, article.title, article.date, article.url, article.author) == (
        "a", "A title", "2024-01-02", "https://example.org/a", "Ann")
    assert article.paragraphs == ("First paragraph wrapped over two lines.", "Second paragraph.")
    assert [p.paragraph for p in corpus.passages] == [1, 2]


def test_plain_text_file_takes_its_title_from_the_name(tmp_path: Path) -> None:
    write(tmp_path, "city_council-vote.txt", "One.\n\nTwo.")
    article = load_corpus(tmp_path).articles[0]
    assert article.title == "city council vote"
    assert article.paragraphs == ("One.", "Two.")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.md", "---\ntitle: Caf\xe9\n---\nText".encode("latin-1"), "not UTF-8"),
        ("empty.md", "", "empty file"),
        ("blank.txt", "  \n\n ", "empty file"),
        ("unclosed.md", "---\ntitle: x\nText", "not closed"),
        ("badyaml.md", "---\ntitle: [unclosed\n---\nText", "not valid YAML"),
        ("notitle.md", "---\ndate: 2024-01-01\n---\nText", "no 'title'"),
        ("nofront.md", "Just text", "no front matter"),
        ("list.md", "---\n- a\n- b\n---\nText", "mapping"),
        ("nobody.md", "---\ntitle: T\n---\n\n", "no paragraphs"),
    ],
)
def test_bad_files_are_reported_and_others_still_served(tmp_path: Path, name: str, content: str | bytes,
                                                        reason: str) -> None:
    write(tmp_path, "good.md", "---\ntitle: Good\n---\nA paragraph.")
    write(tmp_path, name, content)
    corpus = load_corpus(tmp_path)
    assert [a.id for a in corpus.articles] == ["good"]
    assert len(corpus.bad_files) == 1
    assert corpus.bad_files[0].name == name
    assert reason in corpus.bad_files[0].reason


def test_folder_without_usable_article_is_an_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "empty.md", "")
    with pytest.raises(CorpusError, match=str(tmp_path)) as info:
        load_corpus(tmp_path)
    assert "empty.md: empty file" in str(info.value)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_hidden_and_readme_files_are_not_articles(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: A\n---\nText.")
    write(tmp_path, ".draft.md", "garbage")
    write(tmp_path, "README.md", "# notes")
    write(tmp_path, "notes.json", "{}")
    corpus = load_corpus(tmp_path)
    assert [a.id for a in corpus.articles] == ["a"]
    assert corpus.bad_files == ()


def test_long_paragraph_is_split_into_windows_that_keep_its_number(tmp_path: Path) -> None:
    sentence = "The council voted on the budget for the new library and the park. "
    long_paragraph = (sentence * 40).strip()
    write(tmp_path, "x.md", f"---\ntitle: T\n---\nShort one.\n\n{long_paragraph}")
    passages = list(load_corpus(tmp_path).passages)
    windows = [p for p in passages if p.paragraph == 2]
    assert len(windows) > 1
    assert all(len(p.text.split()) <= MAX_PASSAGE_WORDS for p in windows)
    assert " ".join(p.text for p in windows) == long_paragraph
    assert [p.window for p in windows] == list(range(len(windows)))
    assert passages[0].paragraph == 1


def test_split_paragraphs_handles_crlf() -> None:
    assert split_paragraphs("a\r\nb\r\n\r\nc") == ("a b", "c")


def test_parse_error_type() -> None:
    with pytest.raises(ArticleFormatError):
        parse_article(Path("x.md"), b"")


def test_digest_changes_with_content(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", "---\ntitle: A\n---\nText.")
    first = load_corpus(tmp_path).digest
    path.write_text("---\ntitle: A\n---\nOther text.", encoding="utf-8")
    assert load_corpus(tmp_path).digest != first
