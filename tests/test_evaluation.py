import json
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.evaluation import evaluate, load_question_set
from bot.service import AskService

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_load_yaml_mapping_and_list(tmp_path: Path) -> None:
    mapping = _write(
        tmp_path / "set.yaml",
        f"name: tiny\ncorpus: {CORPUS}\nquestions:\n  - question: Q?\n    expect: [a, b]\n"
        "  - {question: 'No?', answerable: false}\n  - question: R?\n    expect: c\n    article: x\n",
    )
    qset = load_question_set(mapping)
    assert qset.name == "tiny"
    assert qset.corpus == CORPUS
    assert [i.expect for i in qset.items] == [("a", "b"), (), ("c",)]
    assert [i.answerable for i in qset.items] == [True, False, True]
    assert qset.items[2].article == "x"
    listed = _write(tmp_path / "list.yml", "- question: Q?\n  expect: a\n")
    assert load_question_set(listed).name == "list"


def test_load_json(tmp_path: Path) -> None:
    path = _write(tmp_path / "set.json", json.dumps([{"question": "Q?", "expect": "a"}]))
    assert load_question_set(path).items[0].expect == ("a",)


@pytest.mark.parametrize(
    "text",
    ["question: [", "just a string", "- expect: a\n", "- question: Q?\n", "questions: 3\n"],
)
def test_bad_files_raise_config_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError):
        load_question_set(_write(tmp_path / "bad.yaml", text))


def test_missing_file_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_question_set(tmp_path / "none.yaml")


def test_metrics_on_a_tiny_set(tmp_path: Path, service: AskService) -> None:
    path = _write(
        tmp_path / "tiny.yaml",
        "- question: How many inmates work in construction?\n  expect: 15,000 work outside\n"
        "- question: How many inmates work in construction?\n  expect: symphony orchestra\n"
        "- {question: 'What is the capital of France?', answerable: false}\n"
        "- {question: 'How many inmates work in construction?', answerable: false}\n",
    )
    m = evaluate(service, load_question_set(path))
    assert (m.answerable, m.unanswerable) == (2, 2)
    assert m.hit1 == 0.5
    assert m.hit3 == 0.5
    assert m.mrr == 0.5
    assert m.answered_rate == 1.0
    assert m.decline_rate == 0.5
    assert len(m.misses) == 2
