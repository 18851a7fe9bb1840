import json

from bot.render import answer_record, format_answer, marked_text, to_json_line
from bot.service import AskService

FIELDS = {"rank", "article_id", "title", "date", "url", "paragraph", "text", "highlight", "score", "citation"}


def test_markers_surround_the_highlight(service: AskService) -> None:
    best = service.ask("How many inmates work in construction?").results[0]
    assert "**15,000** work outside" in marked_text(best, "markers")
    assert "\x1b[1m15,000\x1b[0m" in marked_text(best, "ansi")


def test_text_answer_shows_passage_then_citation(service: AskService) -> None:
    text = format_answer(service.ask("How many inmates work in construction?", top=1), style="markers")
    lines = text.splitlines()
    assert lines[0].startswith("The list is broken down with data: 6,500 inmates")
    assert lines[-1].startswith("— “El Salvador")
    assert "¶7" in lines[-1]


def test_decline_text_says_so(service: AskService) -> None:
    text = format_answer(service.ask("What is the capital of France?"))
    assert text.startswith("No answer in the articles:")


def test_json_record_has_documented_fields(service: AskService) -> None:
    record = json.loads(to_json_line(answer_record(service.ask("How many inmates work in construction?"))))
    assert {"question", "answered", "reason", "results"} <= set(record)
    assert record["answered"] is True
    assert set(record["results"][0]) == FIELDS
    assert record["results"][0]["paragraph"] == 7
    declined = answer_record(service.ask("What is the capital of France?"))
    assert declined["answered"] is False
    assert declined["results"] == []
