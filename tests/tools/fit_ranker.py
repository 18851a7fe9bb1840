"""Fit the learned ranking (``bot/data/rank_model.json``) on fold A of the public dev set; run by hand.

Two steps, because scikit-learn is no dependency of askbot:

    python tests/tools/fit_ranker.py dump FIGURES.npz     # the project's virtualenv: about two minutes
    python tests/tools/fit_ranker.py fit FIGURES.npz      # any Python with numpy and scikit-learn 1.9
    python tests/tools/fit_ranker.py fit FIGURES.npz --dry-run
    python tests/tools/fit_ranker.py fit FIGURES.npz --dry-run --leave-out similarity sentence_similarity

Data: ``tests/data/squad/squad2-train-sample.json`` (SQuAD 2.0 train, CC BY-SA 4.0), split by article. ``dump``
asks every answerable question of the whole file of the whole corpus, with no re-ordering stage (the learned
ranking switched on only so that every figure it reads is computed), and saves each candidate's features
(``bot.ranker.features`` of ``LearnedRanking.figures``, from the candidates in the order the linear score gives
them, as the stage sees them) with its label (its passage is the question's
paragraph). ``fit`` fits scikit-learn's ``HistGradientBoostingClassifier`` (up to 200 trees of at most 15 leaves,
learning rate 0.05, L2 1.0, seed 0; it may stop early on a tenth of the candidates it holds out: 89 trees in round
13, all 200 in round 14) on fold A's candidates only, monotonic in every figure (since round 13: a higher figure,
or a better rank, never makes a candidate less likely, so the trees cannot learn a quirk of SQuAD's questions that
reverses a figure), prints how often the first candidate is the question's paragraph on fold A and on fold B
(never fitted on) by the linear score and by the model, and writes the trees as flat arrays. Fold B stays a
held-out measure for later rounds. ``--leave-out`` fits trees that never read the figures named (each held
constant while fitting, with its margin and rank): a probe of round 45, which asked whether the cosines of a model
fine-tuned on fold A's own questions teach the trees to trust them more than unseen questions bear out.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

SQUAD = REPO / "tests" / "data" / "squad" / "squad2-train-sample.json"
OUT = REPO / "bot" / "data" / "rank_model.json"
FOLD_A = ("beyonce", "frederic-chopin", "the-legend-of-zelda-twilight-princess", "new-york-city", "solar-energy")


def dump(path: Path) -> None:
    """Save every answerable question's candidates: features, labels, question numbers, fold A or not."""
    from bot.pipeline import PIPELINE, LearnedRanking  # the project's own virtualenv only
    from bot.ranker import features
    from bot.service import AskService
    from bot.settings import load_settings
    from bot.squad import load_squad

    settings = load_settings(env_file=None)
    # The learned ranking on, so every figure it reads is computed; its pipeline without re-orders, so the
    # candidates come in the linear score's order, as the stage receives them.
    retrieval = settings.retrieval.model_copy(update={"learned_ranking": True})
    linear = replace(PIPELINE, reorders=())
    squad = load_squad(SQUAD, max_words=settings.corpus.max_passage_words)
    service = AskService(squad.corpus, retrieval=retrieval, max_passage_words=settings.corpus.max_passage_words)
    passages = squad.corpus.passages
    rows, labels, groups, fold_a, names = [], [], [], [], None
    for number, question in enumerate(q for q in squad.questions if not q.impossible):
        ctx = service.context(question.question)
        ranked = list(linear.rank(ctx).candidates)
        if not ranked:
            continue
        names, x = features(LearnedRanking.figures(ctx, ranked), [c.score for c in ranked])
        rows.append(x)
        labels += [int(passages[c.position].article_id == question.article_id
                       and passages[c.position].paragraph == question.paragraph) for c in ranked]
        groups += [number] * len(ranked)
        fold_a += [question.article_id in FOLD_A] * len(ranked)
    np.savez_compressed(path, x=np.vstack(rows), y=np.array(labels), group=np.array(groups),
                        fold_a=np.array(fold_a), names=np.array(names))
    print(f"{len(set(groups))} questions, {len(labels)} candidates → {path}")


def first_right(scores: np.ndarray, y: np.ndarray, group: np.ndarray) -> float:
    """Return the share of questions whose best-scored candidate is their paragraph."""
    order = np.lexsort((-scores, group))
    firsts = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    return float(y[firsts].mean())


def export(model: Any, names: list[str], leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the fitted trees as the flat arrays ``bot.ranker.TreeModel`` reads."""
    trees, depth = [], 0
    for (predictor,) in model._predictors:  # one tree per iteration for a binary classifier
        nodes = predictor.nodes
        depth = max(depth, int(nodes["depth"].max()))
        trees.append({"feature": nodes["feature_idx"].astype(int).tolist(),
                      "threshold": nodes["num_threshold"].astype(float).tolist(),
                      "left": nodes["left"].astype(int).tolist(), "right": nodes["right"].astype(int).tolist(),
                      "value": nodes["value"].astype(float).tolist(), "leaf": nodes["is_leaf"].astype(bool).tolist()})
    return {"format": "askbot-rank-trees-1", "features": names,
            "baseline": float(np.ravel(model._baseline_prediction)[0]), "depth": depth, "trees": trees,
            "fitted": "tests/tools/fit_ranker.py on fold A of tests/data/squad/squad2-train-sample.json "
                      "(SQuAD 2.0 train, CC BY-SA 4.0): HistGradientBoostingClassifier(learning_rate=0.05, "
                      "max_iter=200, max_leaf_nodes=15, l2_regularization=1.0, random_state=0, monotonic_cst: "
                      "+1 for every figure, -1 for every rank)"
                      + (f"; figures no tree reads: {', '.join(leave_out)}" if leave_out else "")}


def figure_of(name: str) -> str:
    """Return the figure a feature column reads: itself, its margin against the best, or its rank."""
    return name.removesuffix(" - best").removesuffix(" rank")


def unread(names: list[str], leave_out: tuple[str, ...]) -> list[int]:
    """Return the columns of the figures left out: each figure itself, against the best, and as a rank."""
    return [i for i, name in enumerate(names) if figure_of(name) in leave_out]


def fit(path: Path, *, dry_run: bool, leave_out: tuple[str, ...] = ()) -> None:
    """Fit on fold A, print both folds' figures, write the model unless ``dry_run``.

    The figures in ``leave_out`` are held constant while fitting, so no tree splits on them; the model still
    takes every feature, in ``bot.ranker.features``' order.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier  # only this step needs it

    data = np.load(path)
    x, y, group, fold_a = data["x"], data["y"], data["group"], data["fold_a"].astype(bool)
    names = [str(n) for n in data["names"]]
    monotonic = [-1 if name.endswith(" rank") else 1 for name in names]  # rank 0 is the best
    model = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=200, max_leaf_nodes=15,
                                           l2_regularization=1.0, random_state=0, monotonic_cst=monotonic)
    figures = [name for name in names if name == figure_of(name)]
    unknown = set(leave_out) - set(figures)
    if unknown:  # a misspelt figure would leave nothing out while the model file says it did
        raise SystemExit(f"no such figure: {', '.join(sorted(unknown))} (the figures: {', '.join(figures)})")
    fitted = x.copy()
    fitted[:, unread(names, leave_out)] = 0.0
    model.fit(fitted[fold_a], y[fold_a])
    learned = model.decision_function(x)
    linear = x[:, names.index("score")]
    for label, part in (("fold A (fitted)", fold_a), ("fold B (held out)", ~fold_a)):
        print(f"{label}: first candidate right, linear {first_right(linear[part], y[part], group[part]):.4f}, "
              f"learned {first_right(learned[part], y[part], group[part]):.4f}")
    saved = export(model, names, leave_out)
    from bot.ranker import TreeModel

    check = TreeModel.from_dict(saved).decision(x[:2000])
    assert np.allclose(check, learned[:2000], atol=1e-9), "the exported trees do not give scikit-learn's figures"
    if not dry_run:
        OUT.write_text(json.dumps(saved, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


def main() -> None:
    """Run ``dump`` or ``fit``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("dump", "fit"))
    parser.add_argument("figures", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="fit and print, write no model")
    parser.add_argument("--leave-out", nargs="*", default=[], metavar="FIGURE",
                        help="figures no tree reads, each with its margin and rank (default: none)")
    args = parser.parse_args()
    if args.step == "dump":
        dump(args.figures)
    else:
        fit(args.figures, dry_run=args.dry_run, leave_out=tuple(args.leave_out))


if __name__ == "__main__":
    main()
