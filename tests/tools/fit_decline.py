"""Fit the learned decline (``bot/data/decline_model.json``) on fold A of the public dev set; run by hand.

Runs in the project's own virtualenv (numpy only), from any folder, in about three minutes on 2 cores:

    python tests/tools/fit_decline.py            # fit on fold A, print fold B's figures, write the model
    python tests/tools/fit_decline.py --dry-run  # the same without writing

Data: ``tests/data/squad/squad2-train-sample.json`` (SQuAD 2.0 train, CC BY-SA 4.0), split by article.
Each answerable question of fold A is asked of the whole corpus (label: answer) and of the next article in the
file (label: decline), and each "impossible" one (a near-topic trap) of the whole corpus (label: decline), as
``askbot eval`` asks them; the figures are those of the best candidate, computed by
``bot.pipeline.decline_features`` with the default settings and the learned decline itself off. The model is an
L2-regularised logistic regression fitted by Newton's method on standardised figures. Fold B (the other five
articles) is never fitted on: the script prints, on fold B, the answered and declined-wrong rates of the rules
and of the model at several thresholds, and at the rules' own answered rate (with the impossible ones' decline).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.decline_model import FEATURES  # noqa: E402  (needs the repository on sys.path)
from bot.pipeline import decline_features  # noqa: E402
from bot.service import AskService  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.squad import load_squad  # noqa: E402

SQUAD = REPO / "tests" / "data" / "squad" / "squad2-train-sample.json"
OUT = REPO / "bot" / "data" / "decline_model.json"
FOLD_A = ("beyonce", "frederic-chopin", "the-legend-of-zelda-twilight-princess", "new-york-city", "solar-energy")
FOLD_B = ("sino-tibetan-relations-during-the-ming-dynasty", "ipod", "spectre-2015-film", "2008-sichuan-earthquake",
          "to-kill-a-mockingbird")
SCORE_WEIGHTS = ("lexical_weight", "coverage_weight", "proximity_weight", "definition_weight", "cue_weight",
                 "passage_similarity_weight", "sentence_similarity_weight")
L2 = 0.01
THRESHOLDS = (0.4, 0.5, 0.6, 0.7)

Rows = dict[str, list[tuple[tuple[float, ...], bool]]]  # way -> (figures, the rules declined)


def main() -> int:
    """Collect the figures, fit on fold A, report on fold B, write the model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report without writing the model")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    settings = load_settings(env_file=None)
    retrieval = settings.retrieval.model_copy(update={"learned_decline": False})
    squad = load_squad(SQUAD, max_words=settings.corpus.max_passage_words)
    service = AskService(squad.corpus, retrieval=retrieval, max_passage_words=settings.corpus.max_passage_words)
    if service.embedder is None:
        raise SystemExit("the sentence-vector model is not available: the decline model reads its similarities")
    ids = [a.id for a in squad.corpus.articles]
    other = {a: ids[(i + 1) % len(ids)] for i, a in enumerate(ids)}
    folds: dict[str, Rows] = {f: {"across": [], "wrong": [], "impossible": []} for f in ("A", "B")}
    for q in squad.questions:
        fold = "A" if q.article_id in FOLD_A else "B" if q.article_id in FOLD_B else None
        if fold is None:
            continue
        ways = (("impossible", None),) if q.impossible else (("across", None), ("wrong", other[q.article_id]))
        for way, article in ways:
            ctx = service.context(q.question, article=article)
            ranking = service.pipeline.rank(ctx)
            if ranking.candidates:
                folds[fold][way].append((decline_features(ctx, ranking), service.pipeline.decline(ctx, ranking)
                                         is not None))
    train = folds["A"]
    x = np.array([f for way in ("across", "wrong", "impossible") for f, _ in train[way]])
    y = np.array([1.0] * len(train["across"]) + [0.0] * (len(train["wrong"]) + len(train["impossible"])))
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    weights = _fit((x - mean) / scale, y)
    model = {
        "about": "bot/decline_model.py: a logistic model of whether the best passage answers; "
                 "fitted by tests/tools/fit_decline.py",
        "features": list(FEATURES),
        "mean": _rounded(mean),
        "scale": _rounded(scale),
        "weights": _rounded(weights[1:]),
        "bias": round(float(weights[0]), 6),
        "score_weights": {name: getattr(retrieval, name) for name in SCORE_WEIGHTS},
        "fitted_on": {
            "data": "SQuAD 2.0 train sample (tests/data/squad, CC BY-SA 4.0), fold A articles: " + ", ".join(FOLD_A),
            "examples": {"answer (asked of the whole corpus)": len(train["across"]),
                         "decline (asked of the next article)": len(train["wrong"]),
                         "decline (SQuAD 2.0 impossible, asked of the whole corpus)": len(train["impossible"])},
            "l2": L2,
        },
        "measured_on_fold_b": _report(folds["B"], mean, scale, weights),
    }
    print(json.dumps(model["measured_on_fold_b"], indent=2))
    print("weights", dict(zip(FEATURES, model["weights"], strict=True)), "bias", model["bias"])
    if not args.dry_run:
        args.out.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print("wrote", args.out)
    return 0


def _fit(z: npt.NDArray[np.float64], y: npt.NDArray[np.float64], steps: int = 50) -> npt.NDArray[np.float64]:
    """Return [bias, weights…] of an L2-regularised logistic regression (Newton's method; the bias is free)."""
    design = np.c_[np.ones(len(z)), z]
    w = np.zeros(design.shape[1])
    penalty = np.eye(len(w)) * L2
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (p - y) / len(y) + penalty @ w
        hessian = (design * (p * (1 - p))[:, None]).T @ design / len(y) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def _report(rows: Rows, mean: npt.NDArray[np.float64], scale: npt.NDArray[np.float64],
            weights: npt.NDArray[np.float64]) -> dict[str, object]:
    """Return the rules' and the model's answered / declined-wrong rates on held-out rows."""

    def probability(way: str) -> npt.NDArray[np.float64]:
        z = (np.array([f for f, _ in rows[way]]) - mean) / scale
        return 1.0 / (1.0 + np.exp(-(weights[0] + z @ weights[1:])))

    across, wrong, impossible = probability("across"), probability("wrong"), probability("impossible")
    rules_answered = float(np.mean([not declined for _, declined in rows["across"]]))
    at = float(np.quantile(across, 1 - rules_answered))

    def share(values: list[bool] | npt.NDArray[np.bool_]) -> float:
        return round(float(np.mean(values)), 4)

    def figures(t: float) -> dict[str, float]:
        return {"answered": share(across >= t), "declined_wrong": share(wrong < t),
                "declined_impossible": share(impossible < t)}

    return {
        "questions": {way: len(rows[way]) for way in rows},
        "rules": {"answered": round(rules_answered, 4),
                  "declined_wrong": share([declined for _, declined in rows["wrong"]]),
                  "declined_impossible": share([declined for _, declined in rows["impossible"]])},
        "model": {f"{t}": figures(t) for t in THRESHOLDS},
        "model_at_the_rules_answered_rate": {"threshold": round(at, 4), **figures(at)},
    }


def _rounded(values: npt.NDArray[np.float64]) -> list[float]:
    return [round(float(v), 6) for v in values]


if __name__ == "__main__":
    raise SystemExit(main())
