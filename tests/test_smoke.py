from bot.service import AskService


def test_construction_question_is_answered_from_paragraph_7(service: AskService) -> None:
    answer = service.ask("How many inmates work in construction?")
    assert answer.answered
    best = answer.results[0]
    assert best.passage.paragraph == 7
    assert best.highlight_text == "15,000"
    assert "2025-07-05" in best.citation
