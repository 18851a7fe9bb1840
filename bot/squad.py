"""Read SQuAD 2.0 files as a corpus and a question set, and measure answer quality on them.

A SQuAD file (``{"version": "v2.0", "data": [{"title", "paragraphs": [{"context", "qas": [...]}]}]}``) becomes
one article per title (id: the title as a slug) whose paragraphs are the contexts, and one question per
``qas`` entry that must be answered by its own context's paragraph, or, when ``is_impossible``, declined.

The figures, each a share:

- ``across``: answerable questions asked of the whole corpus whose first result is their paragraph;
- ``within``: the same, asked of their own article only;
- ``answered``: answerable questions asked of the whole corpus that are answered at all;
- ``declined_wrong``: answerable questions asked of another article (the next one in the file) that are
  declined, as they should be;
- ``declined_impossible``: SQuAD 2.0's "impossible" questions, near-topic traps written against a paragraph
  that does not hold the answer, asked of the whole corpus and declined.

A declined question counts as a miss for ``across`` and ``within``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.analysis import fold
from bot.answer import Answer
from bot.corpus import Article, Corpus, build_corpus
from bot.errors import AskbotError, ConfigError

SquadAsk = Callable[[str, str | None], Answer]


@dataclass(frozen=True, slots=True)
class SquadQuestion:
    """One SQuAD question: where its answer stands, or that it has none."""

    id: str
    question: str
    article_id: str
    paragraph: int  # 1-based, as passages number them
    impossible: bool = False
    answers: tuple[str, ...] = ()  # the answer spans its writers marked


@dataclass(frozen=True, slots=True)
class SquadSet:
    """A SQuAD file read as a corpus and its questions."""

    name: str
    corpus: Corpus
    questions: tuple[SquadQuestion, ...]

    @property
    def answerable(self) -> tuple[SquadQuestion, ...]:
        """Return the questions that have an answer."""
        return tuple(q for q in self.questions if not q.impossible)

    @property
    def impossible(self) -> tuple[SquadQuestion, ...]:
        """Return the questions written to have no answer."""
        return tuple(q for q in self.questions if q.impossible)

    def of_articles(self, article_ids: Sequence[str]) -> SquadSet:
        """Return the set with only the questions of these articles; the corpus stays whole.

        This is how a held-out half of a file is measured: its questions still compete with every paragraph.
        """
        known = {a.id for a in self.corpus.articles}
        unknown = [a for a in article_ids if a not in known]
        if unknown:
            raise ConfigError(
                f"{self.name}: no article {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})"
            )
        wanted = set(article_ids)
        return SquadSet(
            f"{self.name} [{len(wanted)} of {len(known)} articles]",
            self.corpus,
            tuple(q for q in self.questions if q.article_id in wanted),
        )


@dataclass(frozen=True, slots=True)
class SquadOutcome:
    """How one question fared in the four ways it is asked (None where it is not asked that way)."""

    question: SquadQuestion
    across: bool | None = None  # first result is its paragraph
    within: bool | None = None
    answered: bool | None = None  # asked of the whole corpus
    declined_wrong: bool | None = None  # asked of another article
    declined: bool | None = None  # an impossible question, asked of the whole corpus
    bolded: bool | None = None  # across hits only: the bold span and a marked answer hold one another
    top: str | None = None  # "article ¶n" of the first result across, or the decline reason


@dataclass(frozen=True, slots=True)
class SquadMetrics:
    """The five figures of a SQuAD set, and every question's outcome."""

    name: str
    answerable: int
    impossible: int
    across: float
    within: float
    answered: float
    declined_wrong: float
    declined_impossible: float
    outcomes: tuple[SquadOutcome, ...] = ()
    bolded: float = 0.0  # of the across hits, the share whose bold span holds the answer (or lies in it)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain data, for ``--json``."""
        return {
            "name": self.name,
            "answerable": self.answerable,
            "impossible": self.impossible,
            "across": round(self.across, 4),
            "within": round(self.within, 4),
            "answered": round(self.answered, 4),
            "declined_wrong_article": round(self.declined_wrong, 4),
            "declined_impossible": round(self.declined_impossible, 4),
            "bolded": round(self.bolded, 4),
        }

    def row(self) -> str:
        """Return the figures as one line of a table: across / within / answered / wrong / impossible / bold."""
        return (
            f"{self.across:.3f} / {self.within:.3f} / {self.answered:.3f} / {self.declined_wrong:.3f} / "
            f"{self.declined_impossible:.3f} / {self.bolded:.3f}"
        )


def slug(title: str) -> str:
    """Return an article id for a title: folded, lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-") or "article"


def _require(value: Any, kind: type, where: str, source: Path) -> Any:
    if not isinstance(value, kind):
        raise ConfigError(f"{source}: {where} is not a {kind.__name__}: not a SQuAD file")
    return value


def load_squad(path: Path, *, max_words: int = 150) -> SquadSet:
    """Read a SQuAD 1.1 or 2.0 JSON file, or raise ``ConfigError`` naming the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read SQuAD file {str(path)!r}: {exc}") from None
    data = _require(raw.get("data") if isinstance(raw, dict) else None, list, "'data'", path)
    articles: list[Article] = []
    questions: list[SquadQuestion] = []
    seen: set[str] = set()
    for raw_entry in data:
        entry = _require(raw_entry, dict, "an article", path)
        title = str(entry.get("title", "")).replace("_", " ").strip() or f"article {len(articles) + 1}"
        article_id = slug(title)
        while article_id in seen:
            article_id += "-2"
        seen.add(article_id)
        paragraphs = _require(entry.get("paragraphs"), list, f"the paragraphs of {title!r}", path)
        texts: list[str] = []
        for raw_paragraph in paragraphs:
            paragraph = _require(raw_paragraph, dict, f"a paragraph of {title!r}", path)
            context = " ".join(str(paragraph.get("context", "")).split())
            if not context:
                continue
            texts.append(context)
            for qa in _require(paragraph.get("qas", []), list, f"the questions of {title!r}", path):
                text = str(qa.get("question", "")).strip() if isinstance(qa, dict) else ""
                if text:
                    marked = qa.get("answers", []) if isinstance(qa, dict) else []
                    answers = tuple(str(a.get("text", "")) for a in marked if isinstance(a, dict) and a.get("text"))
                    questions.append(
                        SquadQuestion(str(qa.get("id", len(questions))), text, article_id, len(texts),
                                      bool(qa.get("is_impossible", False)), answers)
                    )
        if texts:
            articles.append(Article(id=article_id, title=title, paragraphs=tuple(texts), path=path))
    if not articles:
        raise ConfigError(f"{path}: no paragraph with text: not a SQuAD file")
    corpus = build_corpus(path.parent, articles, max_words=max_words)
    return SquadSet(path.stem, corpus, tuple(questions))


def _hit(answer: Answer, question: SquadQuestion) -> bool:
    best = answer.best
    return best is not None and best.article.id == question.article_id and best.passage.paragraph == question.paragraph


def _bolded(answer: Answer, question: SquadQuestion) -> bool:
    """Return True when the best passage's bold span holds a marked answer, or lies inside one."""
    best = answer.best
    if best is None or best.highlight is None:
        return False
    bold = " ".join(fold(best.passage.text[best.highlight.start : best.highlight.end]).split())
    marked = (" ".join(fold(a).split()) for a in question.answers)
    return any(a and (a in bold or bold in a) for a in marked)


def _top(answer: Answer) -> str:
    best = answer.best
    return f"{best.article.id} ¶{best.passage.paragraph}" if best is not None else f"declined: {answer.reason}"


def evaluate_squad(ask: SquadAsk, squad: SquadSet, *, limit: int | None = None) -> SquadMetrics:
    """Ask every question of a SQuAD set in each of its ways and compute the five figures.

    ``ask(question, article)`` answers one question (``article`` None: the whole corpus); a question it
    refuses (``AskbotError``) counts as declined. ``limit`` takes every n-th question so that at most that many
    are asked, for a quick look.
    """
    ids = [a.id for a in squad.corpus.articles]
    other = {a: ids[(i + 1) % len(ids)] for i, a in enumerate(ids)}
    questions: Sequence[SquadQuestion] = squad.questions
    if limit is not None and len(questions) > limit:
        step = len(questions) / limit
        questions = [questions[int(i * step)] for i in range(limit)]

    def asked(text: str, article: str | None) -> Answer | None:
        try:
            return ask(text, article)
        except AskbotError:
            return None

    outcomes: list[SquadOutcome] = []
    for q in questions:
        across = asked(q.question, None)
        if q.impossible:
            outcomes.append(SquadOutcome(q, declined=across is None or not across.answered,
                                         top=_top(across) if across else "refused"))
            continue
        hit = across is not None and _hit(across, q)
        within = asked(q.question, q.article_id)
        wrong = asked(q.question, other[q.article_id]) if len(ids) > 1 else None
        outcomes.append(
            SquadOutcome(
                q,
                across=hit,
                within=within is not None and _hit(within, q),
                answered=across is not None and across.answered,
                declined_wrong=None if len(ids) == 1 else (wrong is None or not wrong.answered),
                top=_top(across) if across else "refused",
                bolded=(across is not None and _bolded(across, q)) if hit else None,
            )
        )

    def share(values: list[bool | None]) -> float:
        present = [v for v in values if v is not None]
        return sum(present) / len(present) if present else 1.0

    return SquadMetrics(
        name=squad.name,
        answerable=sum(not o.question.impossible for o in outcomes),
        impossible=sum(o.question.impossible for o in outcomes),
        across=share([o.across for o in outcomes]),
        within=share([o.within for o in outcomes]),
        answered=share([o.answered for o in outcomes]),
        declined_wrong=share([o.declined_wrong for o in outcomes]),
        declined_impossible=share([o.declined for o in outcomes]),
        outcomes=tuple(outcomes),
        bolded=share([o.bolded for o in outcomes]),
    )


def format_squad_metrics(metrics: SquadMetrics) -> str:
    """Return a SQuAD set's figures as text."""
    m = metrics
    return "\n".join(
        (
            f"{m.name}: {m.answerable} answerable, {m.impossible} impossible (SQuAD format)",
            f"  across {m.across:.1%}  within article {m.within:.1%}  answered {m.answered:.1%} of answerable",
            f"  declined {m.declined_wrong:.1%} asked of the wrong article  "
            f"declined {m.declined_impossible:.1%} of impossible",
            f"  bold span holds the answer in {m.bolded:.1%} of the hits across",
        )
    )
