"""Measure every stage's worth on fold B and the own and news sets, in parallel; run by hand, never by the tests.

    python tests/tools/ablate_stages.py --out /tmp/ablation.md        # about 33 minutes on 2 cores (round 40)

``askbot eval --ablate`` switches each stage off in turn (on, when it is off) in one process; this splits the
stages among ``--jobs`` processes (``bot.evaluation.ablate`` with ``stages=``) and prints one Markdown table in
questions against the configured pipeline: fold B of the public dev set (across / within / answered / declined on
the wrong article / declined impossible, and the bold share in points), the news sets and the own sets summed
(right / answered / traps declined). fresh3 is held out and never read here.

Data: ``tests/data/squad/squad2-train-sample.json`` (SQuAD 2.0 train, CC BY-SA 4.0) and ``tests/data/*.yaml``.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import DATA, FOLD_B  # noqa: E402  (a sibling tool: the same fold B, as article ids)

from bot.evaluation import STAGES, ablate, ablation_data, load_question_set  # noqa: E402  (needs the repository)
from bot.service import AskService, vector_store_of  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.squad import load_squad  # noqa: E402

NEWS = ("news1", "news2", "news3")
OWN = ("seed", "seed_heldout", "seed_heldout2", "multi", "multi_heldout", "fresh", "fresh2", "seed3")


def run(part: int, parts: int) -> list[dict[str, Any]]:
    """Return the ablation rows of every ``parts``-th stage from ``part``, the configured pipeline first."""
    settings = load_settings(env_file=None)
    squad = load_squad(DATA / "squad" / "squad2-train-sample.json",
                       max_words=settings.corpus.max_passage_words).of_articles(FOLD_B)
    pairs: list[Any] = [(AskService(squad.corpus, retrieval=settings.retrieval,
                                    max_passage_words=settings.corpus.max_passage_words,
                                    vector_store=vector_store_of(settings.index)), squad)]
    for name in (*NEWS, *OWN):
        qset = load_question_set(DATA / f"{name}.yaml")
        pairs.append((AskService.from_settings(settings, corpus_path=qset.corpus), qset))
    stages = [stage for i, stage in enumerate(STAGES) if i % parts == part]
    return ablation_data(ablate(pairs, stages=stages))


def _squad(cell: dict[str, Any]) -> tuple[float, ...]:
    n, m = cell["answerable"], cell["impossible"]
    return (round(cell["across"] * n), round(cell["within"] * n), round(cell["answered"] * n),
            round(cell["declined_wrong_article"] * n), round(cell["declined_impossible"] * m), cell["bolded"] * 100)


def _summed(cells: list[dict[str, Any]]) -> tuple[int, int, int]:
    right = sum(round(c["hit@1"] * c["answerable"]) for c in cells)
    answered = sum(round(c["answered_rate"] * c["answerable"]) for c in cells)
    return right, answered, sum(round(c["decline_rate"] * c["unanswerable"]) for c in cells)


def _change(now: float, then: float, *, points: bool = False) -> str:
    change = round(now - then, 2)
    return "0" if change == 0 else (f"{change:+.2f}" if points else f"{change:+.0f}").replace("-", "−")


def table(base: list[dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    """Return the rows as a Markdown table of changes against ``base``."""
    def figures(sets: list[dict[str, Any]]) -> tuple[tuple[float, ...], ...]:
        return _squad(sets[0]), _summed(sets[1 : 1 + len(NEWS)]), _summed(sets[1 + len(NEWS) :])

    b = figures(base)
    lines = ["| configuration | fold B: across / within / answered / wrong article / impossible | fold B bold "
             "(points) | news1–3: right / answered / traps | own sets: right / answered / traps |",
             "|---|---|---|---|---|",
             "| as configured (count) | " + " / ".join(f"{x:.0f}" for x in b[0][:5]) + f" | {b[0][5]:.2f}% | "
             + " / ".join(map(str, b[1])) + " | " + " / ".join(map(str, b[2])) + " |"]
    for row in rows:
        f = figures(row["sets"])
        cells = [" / ".join(_change(x, y) for x, y in zip(f[0][:5], b[0][:5], strict=True)),
                 _change(round(f[0][5], 2), round(b[0][5], 2), points=True),
                 *(" / ".join(_change(x, y) for x, y in zip(f[i], b[i], strict=True)) for i in (1, 2))]
        lines.append(f"| {row['configuration']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Run the parts in parallel and print (and with ``--out`` write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.jobs) as pool:
        parts = list(pool.map(run, range(args.jobs), [args.jobs] * args.jobs))
    rows = [row for i in range(max(map(len, parts))) for part in parts if i + 1 < len(part) for row in [part[i + 1]]]
    text = table(parts[0][0]["sets"], rows)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
