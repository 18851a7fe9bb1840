"""The learned decline's model: read from package data, checked, and its outputs pinned."""

import json

import pytest

from bot.decline_model import FEATURES, load_decline_model, parse_decline_model
from bot.errors import ConfigError
from bot.settings import RetrievalSettings
from bot.wordlists import data_bytes

CLOSE = (0.7, 0.65, 0.7, 0.9, 0.8, 0.3, 1.2, 0.0, 0.5, 0.0, 0.5, 0.63)  # near in meaning, most words held
FAR = (0.2, 0.15, 0.2, 0.2, 0.1, 0.0, 0.2, 1.0, 0.5, 0.0, 0.0, 0.04)  # far, few words, no number asked for


def test_the_packaged_model_reads_the_figures_askbot_computes() -> None:
    model = load_decline_model()
    assert model.features == FEATURES
    assert all(s > 0 for s in model.scale)


def test_its_outputs_are_pinned() -> None:
    """Refitting changes these on purpose: update them with the README's figures."""
    model = load_decline_model()
    # refitted in round 14 on the fine-tuned model's figures
    assert model.probability(CLOSE) == pytest.approx(0.9972681, abs=1e-6)
    assert model.probability(FAR) == pytest.approx(0.0045880, abs=1e-6)
    assert model.probability(model.mean) == pytest.approx(0.4497289, abs=1e-6)  # the bias alone


def test_it_was_fitted_with_the_default_ranking_weights() -> None:
    """Its score and margin figures depend on the weights: change one and refit (tests/tools/fit_decline.py)."""
    defaults = RetrievalSettings()
    for name, value in load_decline_model().score_weights:
        assert getattr(defaults, name) == value, name


def test_probabilities_stay_between_0_and_1_at_the_extremes() -> None:
    model = load_decline_model()
    for value in (1e6, -1e6):
        assert 0.0 <= model.probability([value] * len(FEATURES)) <= 1.0
    with pytest.raises(ValueError, match="3 figures"):
        model.probability([0.0, 0.0, 0.0])


def _edited(**changes: object) -> bytes:
    data = json.loads(data_bytes("decline_model.json"))
    data.update(changes)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not a decline model"),
        (_edited(bias="high"), "not a decline model"),
        (_edited(features=["meaning"]), "refit it"),
        (_edited(weights=[1.0]), "means, scales and weights"),
        (_edited(scale=[0.0] * len(FEATURES)), "scale must be positive"),
    ],
)
def test_a_broken_model_file_is_refused_with_its_name(raw: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_decline_model(raw, "custom.json")
    assert "custom.json" in str(caught.value)
