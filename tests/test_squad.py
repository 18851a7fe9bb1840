"""SQuAD files as a corpus and a question set, and the five figures measured on them."""

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answer
from bot.cli import main
from bot.errors import ConfigError
from bot.evaluation import STAGES
from bot.service import AskService
from bot.settings import RetrievalSettings
from bot.squad import evaluate_squad, load_squad, slug

SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Lighthouse_of_Port_Ellen",
            "paragraphs": [
                {
                    "context": "The lighthouse was built in 1832 by the Stevenson family. Its tower is 28 metres tall.",
                    "qas": [
                        {"id": "a1", "question": "Who built the lighthouse?", "is_impossible": False,
                         "answers": [{"text": "the Stevenson family", "answer_start": 37}]},
                        {"id": "a2", "question": "Who painted the lighthouse?", "is_impossible": True,
                         "answers": [], "plausible_answers": [{"text": "Stevenson", "answer_start": 41}]},
                    ],
                },
                {
                    "context": "Visitors climb 132 steps to reach the lamp room, which opened to the public in 1998.",
                    "qas": [{"id": "a3", "question": "How many steps lead to the lamp room?", "is_impossible": False,
                             "answers": [{"text": "132", "answer_start": 15}]}],
                },
            ],
        },
        {
            "title": "Harbour tram",
            "paragraphs": [
                {
                    "context": "The new harbour tram is painted green and runs every ten minutes along the quay.",
                    "qas": [{"id": "b1", "question": "What colour is the harbour tram?", "is_impossible": False,
                             "answers": [{"text": "green", "answer_start": 38}]}],
                }
            ],
        },
    ],
}


@pytest.fixture
def squad_file(tmp_path: Path) -> Path:
    path = tmp_path / "mini-squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    return path


def test_a_squad_file_becomes_articles_and_questions(squad_file: Path) -> None:
    squad = load_squad(squad_file)
    assert [a.id for a in squad.corpus.articles] == ["lighthouse-of-port-ellen", "harbour-tram"]
    assert squad.corpus.articles[0].title == "Lighthouse of Port Ellen"
    assert len(squad.corpus.articles[0].paragraphs) == 2
    assert [(q.id, q.article_id, q.paragraph, q.impossible) for q in squad.questions] == [
        ("a1", "lighthouse-of-port-ellen", 1, False),
        ("a2", "lighthouse-of-port-ellen", 1, True),
        ("a3", "lighthouse-of-port-ellen", 2, False),
        ("b1", "harbour-tram", 1, False),
    ]
    assert len(squad.answerable) == 3
    assert len(squad.impossible) == 1


@pytest.mark.parametrize("content", ["[]", '{"data": 3}', '{"data": [{"title": "x", "paragraphs": []}]}', "not json"])
def test_a_file_that_is_not_squad_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        load_squad(path)


def test_slug() -> None:
    assert slug("Frédéric_Chopin") == "frederic-chopin"
    assert slug("The Legend of Zelda: Twilight Princess") == "the-legend-of-zelda-twilight-princess"


def test_each_question_is_asked_in_its_four_ways(squad_file: Path) -> None:
    squad = load_squad(squad_file)
    asked: list[tuple[str, str | None]] = []
    service = AskService(squad.corpus, retrieval=RetrievalSettings(semantic=False))

    def ask(question: str, article: str | None) -> Answer:
        asked.append((question, article))
        return service.ask(question, article=article, top=1)

    metrics = evaluate_squad(ask, squad)
    # answerable: across, within its article, within the next article; impossible: across only
    assert asked.count(("Who built the lighthouse?", None)) == 1
    assert ("Who built the lighthouse?", "lighthouse-of-port-ellen") in asked
    assert ("Who built the lighthouse?", "harbour-tram") in asked
    assert ("What colour is the harbour tram?", "lighthouse-of-port-ellen") in asked
    assert [a for q, a in asked if q == "Who painted the lighthouse?"] == [None]
    assert len(asked) == 3 * 3 + 1
    assert metrics.answerable == 3
    assert metrics.impossible == 1
    assert metrics.across == pytest.approx(1.0)
    assert metrics.within == pytest.approx(1.0)
    assert metrics.declined_wrong == pytest.approx(1.0)


def test_a_declined_question_is_a_miss_and_a_refused_one_is_declined(squad_file: Path) -> None:
    squad = load_squad(squad_file)

    def decline_all(question: str, article: str | None) -> Answer:
        return Answer(question, False, "declined for the test", ())

    metrics = evaluate_squad(decline_all, squad)
    assert metrics.across == 0.0
    assert metrics.within == 0.0
    assert metrics.answered == 0.0
    assert metrics.declined_wrong == 1.0
    assert metrics.declined_impossible == 1.0


def test_limit_takes_every_nth_question(squad_file: Path) -> None:
    squad = load_squad(squad_file)
    service = AskService(squad.corpus, retrieval=RetrievalSettings(semantic=False))
    metrics = evaluate_squad(lambda q, a: service.ask(q, article=a, top=1), squad, limit=2)
    assert metrics.answerable + metrics.impossible == 2


def test_eval_reads_squad_files(squad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(squad_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["answerable"] == 3
    assert data[0]["impossible"] == 1
    assert set(data[0]) >= {"across", "within", "answered", "declined_wrong_article", "declined_impossible"}
    assert main(["eval", str(squad_file), "--format", "squad"]) == 0
    text = capsys.readouterr().out
    assert "across" in text
    assert "impossible" in text


def test_eval_checks_squad_floors(squad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(squad_file), "--min-hit1", "1.0", "--min-decline", "1.0"]) == 0
    capsys.readouterr()


def test_thresholds_are_shares(squad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(squad_file), "--min-hit1", "90"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_ablate_prints_one_row_per_stage(squad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(squad_file), "--ablate"]) == 0
    out = capsys.readouterr().out
    assert "| as configured |" in out
    assert "| + unknown-name decline (off as configured) |" in out
    assert "| − semantic re-ranking |" in out
    assert "| − whole semantic stage |" in out


def test_ablate_with_json_gives_every_configurations_figures(
    squad_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(squad_file), "--ablate", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    labels = [row["configuration"] for row in rows]
    assert labels[0] == "as configured"
    assert "− whole semantic stage" in labels
    assert len(labels) == len(STAGES) + 1
    first = rows[0]["sets"][0]
    assert first["name"] == squad_file.stem
    assert first["across"] == pytest.approx(1.0)
    # highlight off: the same passages, nothing in bold
    assert next(r for r in rows if r["configuration"] == "− highlight")["sets"][0]["bolded"] == 0.0


def test_bold_counts_hits_whose_bold_span_holds_the_marked_answer(squad_file: Path) -> None:
    squad = load_squad(squad_file)
    assert squad.questions[0].answers == ("the Stevenson family",)
    on = AskService(squad.corpus, retrieval=RetrievalSettings(semantic=False))
    off = AskService(squad.corpus, retrieval=RetrievalSettings(semantic=False, highlight=False))
    with_bold = evaluate_squad(lambda q, a: on.ask(q, article=a, top=1), squad)
    without = evaluate_squad(lambda q, a: off.ask(q, article=a, top=1), squad)
    assert with_bold.across == without.across == pytest.approx(1.0)
    # "132" is bolded as the number; the others as their sentence, which holds the answer
    assert with_bold.bolded == pytest.approx(1.0)
    assert without.bolded == 0.0
    assert with_bold.row().endswith(" / 1.000")


def test_of_articles_keeps_the_corpus_whole_and_only_those_questions(squad_file: Path) -> None:
    squad = load_squad(squad_file)
    half = squad.of_articles(["harbour-tram"])
    assert half.corpus is squad.corpus
    assert [q.id for q in half.questions] == ["b1"]
    assert "1 of 2 articles" in half.name
    with pytest.raises(ConfigError, match="no article 'ferry'"):
        squad.of_articles(["ferry"])


def test_eval_asks_only_the_named_articles(squad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(squad_file), "--json", "--articles", "harbour-tram"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data[0]["answerable"], data[0]["impossible"]) == (1, 0)
    assert main(["eval", str(squad_file), "--articles", "ferry"]) == 2
    assert "no article 'ferry'" in capsys.readouterr().err


def _tool(name: str) -> Any:
    """Load a by-hand script of tests/tools as a module."""
    path = Path(__file__).resolve().parent / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"askbot_tool_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shaped_files_keep_the_articles_asked_cut_to_a_seeded_draw() -> None:
    tool = _tool("shaped_squad")
    data = {"version": "v2.0", "data": [
        {"title": t, "paragraphs": [{"context": f"{t} paragraph {i} about boats.", "qas": [
            {"id": f"{t}{i}", "question": f"What is {t} paragraph {i} about?", "is_impossible": False,
             "answers": [{"text": "boats", "answer_start": 0}]}]} for i in range(6)]}
        for t in ("Alpha", "Beta", "Gamma")]}
    one = tool.shaped(data, {"Alpha", "Gamma"}, 4, seed=1)
    assert [a["title"] for a in one["data"]] == ["Alpha", "Gamma"]
    kept = [p["context"] for p in one["data"][0]["paragraphs"]]
    assert len(kept) == 4
    assert kept == sorted(kept)  # in the article's order
    assert tool.shaped(data, {"Alpha", "Gamma"}, 4, seed=1) == one  # the same draw for the same seed
    assert len(tool.shaped(data, {"Beta"}, 10, seed=2)["data"][0]["paragraphs"]) == 6  # never more than there are
    asked, across, within = tool.bm25plus(one)
    assert asked == 8
    assert across == within == 1.0  # each question names its paragraph's number and article
