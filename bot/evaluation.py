"""Measure answer quality on a question set: hit@1, hit@3, MRR, answered and decline rates.

A question set is YAML or JSON: a list of items, or a mapping with ``questions`` (and optionally ``name``
and ``corpus``, a folder read against the set's own folder). Each item has ``question`` and either
``expect`` (a snippet, or a list of snippets, of the passage that answers) or ``answerable: false``; an
optional ``article`` restricts the search. A result is a hit when its passage contains an expected snippet
(compared after accent and case folding and with spaces collapsed).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.analysis import fold
from bot.answer import Answer
from bot.errors import AskbotError, ConfigError
from bot.pipeline import PIPELINE
from bot.service import AskService
from bot.squad import SquadMetrics, SquadSet, evaluate_squad

HIT_DEPTH = 3


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One question of a set and what a right answer looks like."""

    question: str
    expect: tuple[str, ...]
    article: str | None = None

    @property
    def answerable(self) -> bool:
        """Return True when the corpus holds the answer."""
        return bool(self.expect)


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """A named list of questions, and the corpus they are about when it is not the configured one."""

    name: str
    items: tuple[EvalItem, ...]
    corpus: Path | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one question."""

    item: EvalItem
    answered: bool
    rank: int | None  # 1-based rank of the first hit, None when no result hit
    top_citation: str | None
    reason: str

    @property
    def correct(self) -> bool:
        """Return True when the question got what it should: a hit at rank 1, or a decline."""
        return self.rank == 1 if self.item.answerable else not self.answered


@dataclass(frozen=True, slots=True)
class Metrics:
    """The figures of one question set."""

    name: str
    answerable: int
    unanswerable: int
    hit1: float
    hit3: float
    mrr: float
    answered_rate: float
    decline_rate: float
    decline_precision: float
    decline_recall: float
    outcomes: tuple[Outcome, ...]

    @property
    def misses(self) -> tuple[Outcome, ...]:
        """Return the outcomes that were not correct."""
        return tuple(o for o in self.outcomes if not o.correct)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures and misses as plain data, for ``--json``."""
        return {
            "name": self.name,
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "hit@1": round(self.hit1, 4),
            "hit@3": round(self.hit3, 4),
            "mrr": round(self.mrr, 4),
            "answered_rate": round(self.answered_rate, 4),
            "decline_rate": round(self.decline_rate, 4),
            "decline_precision": round(self.decline_precision, 4),
            "decline_recall": round(self.decline_recall, 4),
            "misses": [
                {"question": o.item.question, "expected": list(o.item.expect), "answered": o.answered,
                 "rank": o.rank, "top": o.top_citation, "reason": o.reason}
                for o in self.misses
            ],
        }


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip()


def _items(raw: Any, source: Path) -> list[EvalItem]:
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: a question set is a list of items, or a mapping with 'questions'")
    items = []
    for n, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("question"), str):
            raise ConfigError(f"{source}: item {n} has no 'question'")
        expect = entry.get("expect", entry.get("expected", ()))
        snippets = (expect,) if isinstance(expect, str) else tuple(str(s) for s in expect or ())
        answerable = entry.get("answerable", True)
        if answerable and not snippets:
            raise ConfigError(f"{source}: item {n} ({entry['question']!r}) needs 'expect' or 'answerable: false'")
        if not answerable:
            snippets = ()
        article = entry.get("article")
        items.append(EvalItem(entry["question"], snippets, str(article) if article else None))
    return items


def load_question_set(path: Path) -> QuestionSet:
    """Read a YAML or JSON question set, or raise ``ConfigError`` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read question set {str(path)!r}: {exc}") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"question set {str(path)!r} is not valid {path.suffix.lstrip('.').upper()}: {exc}") from None
    name, corpus = path.stem, None
    if isinstance(raw, dict):
        name = str(raw.get("name", name))
        if raw.get("corpus"):
            corpus = (path.parent / str(raw["corpus"])).resolve()
        raw = raw.get("questions")
    return QuestionSet(name, tuple(_items(raw, path)), corpus)


def first_hit(answer: Answer, expect: Sequence[str]) -> int | None:
    """Return the rank of the first result whose passage holds an expected snippet."""
    wanted = [_norm(s) for s in expect]
    for result in answer.results:
        text = _norm(result.passage.text)
        if any(w in text for w in wanted):
            return result.rank
    return None


def evaluate(service: AskService, qset: QuestionSet, *, depth: int = HIT_DEPTH) -> Metrics:
    """Ask every question of a set and compute its figures."""
    outcomes = []
    for item in qset.items:
        try:
            answer = service.ask(item.question, article=item.article, top=depth)
        except AskbotError as exc:
            outcomes.append(Outcome(item, False, None, None, str(exc)))
            continue
        rank = first_hit(answer, item.expect) if item.answerable else None
        top = answer.results[0].citation if answer.results else None
        outcomes.append(Outcome(item, answer.answered, rank, top, answer.reason))
    answerable = [o for o in outcomes if o.item.answerable]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    declined = [o for o in outcomes if not o.answered]

    def share(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    return Metrics(
        name=qset.name,
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        hit1=share(sum(o.rank == 1 for o in answerable), len(answerable)),
        hit3=share(sum(o.rank is not None and o.rank <= 3 for o in answerable), len(answerable)),
        mrr=sum(1.0 / o.rank for o in answerable if o.rank) / len(answerable) if answerable else 1.0,
        answered_rate=share(sum(o.answered for o in answerable), len(answerable)),
        decline_rate=share(sum(not o.answered for o in unanswerable), len(unanswerable)),
        decline_precision=share(sum(not o.item.answerable for o in declined), len(declined)),
        decline_recall=share(sum(not o.answered for o in unanswerable), len(unanswerable)),
        outcomes=tuple(outcomes),
    )


def format_metrics(metrics: Metrics) -> str:
    """Return a set's figures and every miss as text."""
    m = metrics
    lines = [
        f"{m.name}: {m.answerable} answerable, {m.unanswerable} unanswerable",
        f"  hit@1 {m.hit1:.1%}  hit@3 {m.hit3:.1%}  MRR {m.mrr:.3f}  answered {m.answered_rate:.1%} of answerable",
        f"  declined {m.decline_rate:.1%} of unanswerable  decline precision {m.decline_precision:.1%}  "
        f"recall {m.decline_recall:.1%}",
    ]
    if m.misses:
        lines.append(f"  misses ({len(m.misses)}):")
        for o in m.misses:
            if o.item.answerable:
                got = f"rank {o.rank}" if o.rank else ("declined: " + o.reason if not o.answered else "not in top 3")
                lines.append(f"    - {o.item.question!r}: {got}; top: {o.top_citation or '—'}")
            else:
                lines.append(f"    - {o.item.question!r}: should decline, answered with {o.top_citation}")
    return "\n".join(lines)


# -- ablation ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage of the answer pipeline, the settings that switch it off, and those that switch it on."""

    name: str
    off: tuple[tuple[str, object], ...]
    on: tuple[tuple[str, object], ...] = ()


# Every stage of the pipeline, then groups of them. The highlight shows in SQuAD's last figure (bold).
STAGES: tuple[Stage, ...] = (
    *(Stage(s.name, s.off, s.on) for s in PIPELINE.stages),
    Stage("WordNet's synonyms", (("wordnet_weight", 0.0),)),
    Stage("sentence similarity", (("sentence_similarity_weight", 0.0),)),
    Stage("question embedded spelt right", (("embed_spelled_out", False),)),
    Stage("question embedded in the articles' words", (("embed_related_held", False),)),
    Stage("chat short forms read as their words", (("chat_words", False),)),
    Stage("lead-ins and tails left out", (("lead_ins", False),)),
    Stage("typo repair: a transposition one typo", (("typo_transpositions", False),)),
    Stage("strict count", (("strict_count", False),)),
    Stage("a count denied after its number", (("count_negations", False),)),
    Stage("a rate of anything counts nothing", (("per_thing_rates", False),)),
    Stage("the noun a name answers held", (("asked_noun_held", False),)),
    Stage("WordNet's kinds of what is counted", (("count_kinds", False),)),
    Stage("bold by word pieces", (("highlight_by_word_pieces", False),)),
    Stage("bold read with the sentence before", (("highlight_previous_sentence_weight", 0.0),)),
    Stage("bold in the unit asked", (("highlight_asked_unit", False),)),
    Stage("bold a rate asked", (("highlight_asked_rate", False),)),
    Stage("bold the part, not the whole", (("highlight_part_of_whole", False),)),
    Stage("whole semantic stage", (("semantic", False),)),
)
EvalSet = QuestionSet | SquadSet


@dataclass(frozen=True, slots=True)
class AblationRow:
    """One configuration's figures on every set: all stages, or all but one."""

    label: str
    cells: tuple[Metrics | SquadMetrics, ...]


def figures(service: AskService, qset: EvalSet, *, limit: int | None = None) -> Metrics | SquadMetrics:
    """Return a set's figures as one configuration answers it."""
    if isinstance(qset, SquadSet):
        ask = functools.partial(ask_top1, service)
        return evaluate_squad(ask, qset, limit=limit)
    return evaluate(service, qset)


def cell(metrics: Metrics | SquadMetrics) -> str:
    """Return a set's headline figures as one table cell: SQuAD's six, or hit@1 / answered / declined."""
    if isinstance(metrics, SquadMetrics):
        return metrics.row()
    return f"{metrics.hit1:.3f} / {metrics.answered_rate:.3f} / {metrics.decline_rate:.3f}"


def ask_top1(service: AskService, question: str, article: str | None) -> Answer:
    """Answer a question with its best passage only."""
    return service.ask(question, article=article, top=1)


def ablate(
    pairs: Sequence[tuple[AskService, EvalSet]],
    stages: Sequence[Stage] = STAGES,
    *,
    limit: int | None = None,
) -> list[AblationRow]:
    """Measure every set as configured, then with each stage switched off in turn (on, when it is off).

    Each set is answered by its own service; a stage is switched through the settings alone
    (``with_retrieval``), so the articles, the index and the passage vectors are shared.
    """
    rows = [AblationRow("as configured", tuple(figures(s, q, limit=limit) for s, q in pairs))]
    for stage in stages:
        cells = []
        label = f"− {stage.name}"
        for service, qset in pairs:
            current = service.retrieval.model_dump()
            switched = stage.off
            if stage.on and all(current[key] == value for key, value in stage.off):
                switched, label = stage.on, f"+ {stage.name} (off as configured)"
            retrieval = service.retrieval.model_copy(update=dict(switched))
            cells.append(figures(service.with_retrieval(retrieval), qset, limit=limit))
        rows.append(AblationRow(label, tuple(cells)))
    return rows


def format_ablation(rows: Sequence[AblationRow], names: Sequence[str], kinds: Sequence[str]) -> str:
    """Return the ablation as a Markdown table, one column per set."""
    header = ["configuration", *(f"{n} ({k})" for n, k in zip(names, kinds, strict=True))]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join((row.label, *(cell(m) for m in row.cells))) + " |" for row in rows]
    return "\n".join(lines)


def ablation_data(rows: Sequence[AblationRow]) -> list[dict[str, Any]]:
    """Return the ablation as plain data, for ``--json``: each configuration with every set's figures."""
    return [{"configuration": row.label, "sets": [m.as_dict() for m in row.cells]} for row in rows]
