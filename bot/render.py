"""Format answers, explanations and corpus listings as strings for terminals and JSON lines.

Nothing here prints: the CLI decides where the strings go.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.answer import Answer, Result
from bot.corpus import BadFile, Corpus
from bot.service import Explanation

Style = Literal["ansi", "markers"]
WRAP_WIDTH = 100
# A candidate's cue is read only where it can change the answer (the best, and those the promotion weighs).
_CUE_SHOWN = {True: "yes", False: "no", None: "not read"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One line of the corpus listing."""

    id: str
    title: str
    date: str | None
    passages: int


def marked_text(result: Result, style: Style) -> str:
    """Return the passage with its highlight in bold (ANSI) or between ``**`` markers."""
    text = result.passage.text
    h = result.highlight
    if h is None:
        return text
    open_, close = (_BOLD, _RESET) if style == "ansi" else ("**", "**")
    return text[: h.start] + open_ + text[h.start : h.end] + close + text[h.end :]


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WRAP_WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


def format_answer(answer: Answer, *, style: Style = "markers", verbose: bool = False) -> str:
    """Return an answer as readable text: the passage, highlight marked, then the citation; or the decline."""
    if not answer.answered:
        lines = [f"No answer in the articles: {answer.reason}."]
        if answer.closest is not None:
            lines.append(f"Closest article: “{answer.closest.title}” ({answer.closest.id})")
        return "\n".join(lines)
    best = answer.results[0]
    dim, reset = (_DIM, _RESET) if style == "ansi" else ("", "")
    lines = [_wrap(marked_text(best, style), ""), f"{dim}— {best.citation}{reset}"]
    others = answer.results[1:]
    if others:
        lines.append("")
        lines.append("Other passages:")
        for result in others:
            snippet = textwrap.shorten(result.passage.text, 160, placeholder=" …")
            lines.append(f"  {result.rank}. {snippet}")
            lines.append(f"     {dim}— {result.citation}{reset}")
    if verbose:
        lines.append(f"{dim}terms: {' '.join(answer.terms)} · coverage {answer.coverage:.2f} · "
                     f"relative score {answer.relative_score:.2f}{reset}")
    return "\n".join(lines)


def format_closest(results: Sequence[Result], *, style: Style = "markers") -> str:
    """Return the passages that came closest to a declined question, headed plainly as no answer."""
    if not results:
        return "No passage comes close to the question."
    dim, reset = (_DIM, _RESET) if style == "ansi" else ("", "")
    lines = ["Closest passages (not an answer):"]
    for result in results:
        lines.append(_wrap(f"{result.rank}. " + textwrap.shorten(marked_text(result, style), 300, placeholder=" …")))
        lines.append(f"   {dim}— {result.citation}{reset}")
    return "\n".join(lines)


def result_record(result: Result) -> dict[str, Any]:
    """Return one result as the JSON object the harness documents."""
    return {
        "rank": result.rank,
        "article_id": result.article.id,
        "title": result.article.title,
        "date": result.article.date,
        "url": result.article.url,
        "paragraph": result.passage.paragraph,
        "text": result.passage.text,
        "highlight": result.highlight_text,
        "score": round(result.score, 6),
        "citation": result.citation,
    }


def answer_record(answer: Answer) -> dict[str, Any]:
    """Return an answer as the JSON object the harness documents."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "reason": answer.reason,
        "closest_article": answer.closest.id if answer.closest is not None else None,
        "results": [result_record(r) for r in answer.results],
    }


def error_record(question: str, message: str) -> dict[str, Any]:
    """Return a question that could not be asked, in the answer record's shape."""
    return {"question": question, "answered": False, "reason": message, "error": message, "results": []}


def to_json_line(record: dict[str, Any]) -> str:
    """Return a record as one line of JSON."""
    return json.dumps(record, ensure_ascii=False)


def format_explanation(explanation: Explanation, *, style: Style = "markers") -> str:
    """Return each top passage's score laid open, term by term."""
    lines = [f"question terms: {' '.join(explanation.terms)}"]
    if explanation.read_as is not None:
        lines.insert(0, f"read as: {explanation.read_as}")
    if explanation.counted:
        lines.append(textwrap.shorten(f"counts: {' '.join(explanation.counted)}", 200, placeholder=" …"))
    answer = explanation.answer
    verdict = "answered" if answer.answered else f"declined ({answer.reason})"
    lines.append(f"verdict: {verdict} · coverage {answer.coverage:.2f} · relative score {answer.relative_score:.2f}")
    for item in explanation.passages:
        r = item.result
        lines.append("")
        lines.append(f"#{r.rank}  score {r.score:.4f}  {r.citation}")
        lines.append(_wrap(textwrap.shorten(marked_text(r, style), 300, placeholder=" …")))
        if item.ranked is not None:
            c = item.ranked
            lines.append(
                f"  re-ranked {c.score:.3f} · coverage {c.coverage:.2f} · answer-type cue {_CUE_SHOWN[c.cue]}"
                f" · defines {'yes' if c.defines else 'no'} · proximity {c.proximity:.2f}"
                f" · similarity {c.similarity:.2f} (best sentence {c.sentence_similarity:.2f})"
                + (f" · word pieces {c.token_match:.2f} (best sentence {c.sentence_token_match:.2f})"
                   if c.token_match else "")
                + (f" · learned {c.learned:+.2f}" if c.learned is not None else "")
            )
        lines.append(f"  {'term':<16}{'idf':>8}{'tf':>5}{'contribution':>14}")
        for t in item.terms:
            lines.append(f"  {t.term:<16}{t.idf:>8.3f}{t.tf:>5}{t.contribution:>14.4f}")
    if not explanation.passages:
        lines.append("no passage shares a term with the question")
    return "\n".join(lines)


def article_rows(corpus: Corpus, counts: dict[str, int]) -> list[ArticleRow]:
    """Return the corpus listing's rows."""
    return [ArticleRow(a.id, a.title, a.date, counts.get(a.id, 0)) for a in corpus.articles]


def format_corpus(rows: Iterable[ArticleRow], bad_files: Iterable[BadFile], root: str) -> str:
    """Return the articles with id, title, date and passage count, then every bad file and its reason."""
    rows = list(rows)
    lines = [f"{root}: {len(rows)} article(s)"]
    width = max((len(r.id) for r in rows), default=2)
    for r in rows:
        lines.append(f"  {r.id:<{width}}  {r.date or '—':<10}  {r.passages:>4} passages  {r.title}")
    bad = list(bad_files)
    if bad:
        lines.append(f"{len(bad)} file(s) left out:")
        lines.extend(f"  {b.name}: {b.reason}" for b in bad)
    return "\n".join(lines)
