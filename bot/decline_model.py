"""Tell how likely the best passage is to answer, from its figures, with a logistic model fitted on public data.

The model is data, not code: ``bot/data/decline_model.json`` holds the names of the figures it reads, their
means and scales on the training questions, one weight each and a bias. ``tests/tools/fit_decline.py`` fits it
on half of the public dev set (SQuAD 2.0 train sample, fold A: each question asked of the whole corpus should be
answered, asked of another article should be declined) and records there what it was fitted on and what it
measured on the other half. The figures come from ``bot.pipeline.decline_features``, the one place they are
computed, for fitting and for answering alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from bot.errors import ConfigError
from bot.wordlists import data_bytes

MODEL_FILE = "decline_model.json"

# The figures of the best candidate the model reads, in order (bot.pipeline.decline_features computes them).
FEATURES = (
    "meaning",  # the larger of the passage's and its best sentence's cosine with the question
    "similarity",
    "sentence_similarity",
    "coverage",  # IDF-weighted share of the question's terms the passage holds
    "relative_score",  # BM25 over the question's own maximum
    "margin",  # the re-ranking score's lead over the second candidate
    "score",  # the re-ranking score
    "no_cue",  # 1: a how-many / when … question whose passage holds no such span near its words
    "terms",  # the question's term count over 12, at most 1
    "defines",
    "proximity",
    "meaning_x_coverage",
)


@dataclass(frozen=True, slots=True)
class DeclineModel:
    """A logistic model over the best candidate's figures: standardised, weighted, summed, squashed."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    score_weights: tuple[tuple[str, float], ...]  # the ranking weights the scores were fitted with

    def probability(self, values: Sequence[float]) -> float:
        """Return the probability that a best passage with these figures answers the question."""
        if len(values) != len(self.features):
            raise ValueError(f"{len(values)} figures for a model of {len(self.features)}")
        z = self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, values, self.mean, self.scale, strict=True)
        )
        # exp overflows for z below about -709; the probability is 0 to double precision long before
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def parse_decline_model(raw: bytes, source: str = MODEL_FILE) -> DeclineModel:
    """Read a decline model file, or raise ``ConfigError`` naming what is wrong."""
    try:
        data = json.loads(raw.decode("utf-8"))
        model = DeclineModel(
            features=tuple(str(f) for f in data["features"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            weights=tuple(float(v) for v in data["weights"]),
            bias=float(data["bias"]),
            score_weights=tuple((str(k), float(v)) for k, v in data["score_weights"].items()),
        )
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{source}: not a decline model ({exc})") from None
    if model.features != FEATURES:
        raise ConfigError(f"{source}: reads {list(model.features)}, askbot computes {list(FEATURES)}; refit it")
    if not len(model.mean) == len(model.scale) == len(model.weights) == len(FEATURES):
        raise ConfigError(f"{source}: {len(FEATURES)} means, scales and weights expected")
    if any(s <= 0 for s in model.scale):
        raise ConfigError(f"{source}: every scale must be positive")
    return model


@cache
def load_decline_model() -> DeclineModel:
    """Return the packaged decline model (read once)."""
    return parse_decline_model(data_bytes(MODEL_FILE))
