"""Dump every answer of the eval sets and of a SQuAD sample, to show that a change leaves the rankings alone.

    PYTHONHASHSEED=0 python tests/tools/golden.py before.json     # on the old commit
    PYTHONHASHSEED=0 python tests/tools/golden.py after.json      # on the new one
    cmp before.json after.json

Each answer is kept with its passages (article, paragraph, window), scores to 1e-6, highlights, reason,
coverage, relative score and closest article. The SQuAD sample (``--squad``, every n-th question) is asked
three ways: of the whole corpus, of its own article and of the next one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.answer import Answer
from bot.corpus import load_corpus
from bot.evaluation import load_question_set
from bot.service import AskService
from bot.settings import load_settings
from bot.squad import load_squad

DATA = Path(__file__).resolve().parent.parent / "data"
SETS = ("seed.yaml", "seed_heldout.yaml", "seed_heldout2.yaml", "multi.yaml", "multi_heldout.yaml", "fresh.yaml",
        "fresh2.yaml", "fresh3.yaml", "news1.yaml", "news2.yaml",
        "news3.yaml", "seed3.yaml")


def record(answer: Answer) -> list[Any]:
    """Return what an answer says, rounded where arithmetic order may differ in the last bits."""
    results = [(r.passage.article_id, r.passage.paragraph, r.passage.window, round(r.score, 6), r.highlight)
               for r in answer.results]
    return [answer.answered, answer.reason, results, round(answer.coverage, 6), round(answer.relative_score, 6),
            answer.closest.id if answer.closest else None]


def main() -> None:
    """Write the dump."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--squad", type=int, default=600, help="SQuAD questions asked (each three ways)")
    args = parser.parse_args()
    retrieval = load_settings(env_file=None).retrieval
    out: dict[str, list[list[Any]]] = {}
    for name in SETS:
        qset = load_question_set(DATA / name)
        assert qset.corpus is not None
        service = AskService(load_corpus(qset.corpus), retrieval=retrieval)
        out[name] = [record(service.ask(i.question, article=i.article, top=3)) for i in qset.items]
    squad = load_squad(DATA / "squad" / "squad2-train-sample.json")
    service = AskService(squad.corpus, retrieval=retrieval)
    ids = [a.id for a in squad.corpus.articles]
    asked = []
    for q in squad.questions[:: max(1, len(squad.questions) // args.squad)]:
        asked.append(record(service.ask(q.question, top=3)))
        asked.append(record(service.ask(q.question, article=q.article_id, top=1)))
        asked.append(record(service.ask(q.question, article=ids[(ids.index(q.article_id) + 1) % len(ids)], top=1)))
    out["squad"] = asked
    args.out.write_text(json.dumps(out, default=str))
    print({k: len(v) for k, v in out.items()})


if __name__ == "__main__":
    main()
