"""A learned ranking of a question's candidates: gradient-boosted trees over the figures that scored them.

The trees are fitted offline (``tests/tools/fit_ranker.py``, scikit-learn's ``HistGradientBoostingClassifier``)
on the public dev set's fold A and saved as flat arrays in ``bot/data/rank_model.json``; here they are only
evaluated, with numpy, every tree at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_FILE = "rank_model.json"
FORMAT = "askbot-rank-trees-1"
# Each candidate's own figures, as the scorers give them (``bot.pipeline.Ranked``; bm25 relative to the best).
FIGURES = ("bm25", "coverage", "proximity", "defines", "similarity", "sentence_similarity", "token_match",
           "sentence_token_match")


def features(
    figures: Mapping[str, Sequence[float]], scores: Sequence[float]
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Return the feature names and one row a candidate: figures, each against the best and as a rank, and score.

    ``figures`` holds one value a candidate for each of ``FIGURES``; ``scores`` the linear re-ranking score.
    A rank is the candidate's place by that figure, 0 for the highest (ties in candidate order).
    """
    raw = np.array([[float(v) for v in figures[name]] for name in FIGURES], dtype=np.float64).T
    if raw.size == 0:
        raw = raw.reshape(0, len(FIGURES))
    top = raw.max(axis=0, keepdims=True) if len(raw) else np.zeros((1, len(FIGURES)))
    rank = np.argsort(np.argsort(-raw, axis=0, kind="stable"), axis=0, kind="stable").astype(np.float64)
    score = np.asarray(scores, dtype=np.float64).reshape(-1, 1)
    best = score.max() if len(score) else 0.0
    names = [*FIGURES, *(f"{n} - best" for n in FIGURES), *(f"{n} rank" for n in FIGURES), "score", "score - best"]
    return names, np.hstack([raw, raw - top, rank, score, score - best])


@dataclass(frozen=True)
class TreeModel:
    """Gradient-boosted trees as flat arrays (tree × node), evaluated for every candidate at once."""

    names: tuple[str, ...]
    baseline: float
    feature: npt.NDArray[np.int64]
    threshold: npt.NDArray[np.float64]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    leaf: npt.NDArray[np.bool_]
    depth: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TreeModel:
        """Return the model saved as ``data`` (as ``tests/tools/fit_ranker.py`` writes it), checked for shape."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a ranking model of format {FORMAT}")
        trees = data["trees"]
        if not trees:
            raise ValueError("a ranking model without trees")
        width = max(len(t["feature"]) for t in trees)

        def grid(key: str, dtype: type, fill: float) -> npt.NDArray[Any]:
            out: npt.NDArray[Any] = np.full((len(trees), width), fill, dtype=dtype)
            for i, t in enumerate(trees):
                out[i, : len(t[key])] = t[key]
            return out

        model = cls(tuple(data["features"]), float(data["baseline"]), grid("feature", np.int64, 0),
                    grid("threshold", np.float64, 0.0), grid("left", np.int64, 0), grid("right", np.int64, 0),
                    grid("value", np.float64, 0.0), grid("leaf", np.bool_, True), int(data["depth"]))
        if (model.feature >= len(model.names)).any() or (model.left >= width).any() or (model.right >= width).any():
            raise ValueError("a ranking tree points outside itself")
        return model

    def decision(self, rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Return each row's log-odds of being the passage that answers (higher: better)."""
        if not len(rows):
            return np.zeros(0)
        roots, feature, threshold, left, right, leaf, value = self._flat
        at = np.broadcast_to(roots, (len(roots), len(rows))).copy()  # each tree's node for each row
        cells = rows.ravel()
        offsets = (np.arange(len(rows)) * rows.shape[1])[None, :]
        for _ in range(self.depth):
            done = leaf[at]
            if done.all():  # every row has reached a leaf of every tree: deeper levels change nothing
                break
            values = cells[offsets + feature[at]]
            step = np.where(values <= threshold[at], left[at], right[at])
            at = np.where(done, at, step)
        out: npt.NDArray[np.float64] = self.baseline + value[at].sum(axis=0)
        return out

    @cached_property
    def _flat(self) -> tuple[npt.NDArray[Any], ...]:
        """Return each tree's root and the node arrays flattened, children addressed as tree * width + node.

        One-dimensional gathers are cheaper than (tree, node) ones; made once, not for every question.
        """
        n_trees, width = self.feature.shape
        roots = (np.arange(n_trees) * width)[:, None]
        shift = roots.ravel().repeat(width)
        return (roots, self.feature.ravel(), self.threshold.ravel(), self.left.ravel() + shift,
                self.right.ravel() + shift, self.leaf.ravel(), self.value.ravel())

    def score(self, figures: Mapping[str, Sequence[float]], scores: Sequence[float]) -> npt.NDArray[np.float64]:
        """Return ``decision`` for candidates given by their figures and linear scores (``features``)."""
        names, rows = features(figures, scores)
        if tuple(names) != self.names:
            raise ValueError("the ranking model was fitted on other features")
        return self.decision(rows)


@cache
def load_model(path: Path | None = None) -> TreeModel:
    """Return the packaged ranking model (or the one at ``path``), read once per process."""
    text = path.read_text(encoding="utf-8") if path is not None else (
        files("bot") / "data" / MODEL_FILE).read_text(encoding="utf-8")
    return TreeModel.from_dict(json.loads(text))
