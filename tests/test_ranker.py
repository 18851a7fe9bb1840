"""The learned ranking: trees evaluated as scikit-learn fitted them, the packaged model pinned, its stage switched."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot import pipeline, ranker
from bot.corpus import load_corpus
from bot.pipeline import semantic_decline_reason
from bot.ranker import FIGURES, TreeModel, features, load_model
from bot.service import AskService
from bot.settings import RetrievalSettings
from tests.articles import write_article
from tests.test_semantic import TEXTS, WordPieceEmbedder

NAMES = features({name: [0.0] for name in FIGURES}, [0.0])[0]


def _stump(feature: int, threshold: float, low: float, high: float) -> dict[str, list[float]]:
    return {"feature": [feature, 0, 0], "threshold": [threshold, 0.0, 0.0], "left": [1, 0, 0], "right": [2, 0, 0],
            "value": [0.0, low, high], "leaf": [False, True, True]}


def _model(*trees: dict[str, list[float]], baseline: float = -1.0, depth: int = 1) -> TreeModel:
    return TreeModel.from_dict({"format": ranker.FORMAT, "features": NAMES, "baseline": baseline, "depth": depth,
                                "trees": list(trees)})


def test_trees_add_their_leaves_to_the_baseline() -> None:
    rows = np.zeros((3, len(NAMES)))
    rows[:, 0] = [0.2, 0.5, 0.9]  # bm25
    rows[:, 5] = [0.7, 0.1, 0.4]  # sentence_similarity
    model = _model(_stump(0, 0.5, -0.3, 0.4), _stump(5, 0.3, 0.0, 1.0))
    # row 0: bm25 0.2 ≤ 0.5 → −0.3; cosine 0.7 > 0.3 → +1.0. Row 1: ≤ 0.5 (equal goes left) → −0.3, ≤ 0.3 → 0.
    assert model.decision(rows).tolist() == pytest.approx([-0.3, -1.3, 0.4])
    assert model.decision(np.zeros((0, len(NAMES)))).size == 0


def test_a_deeper_tree_is_walked_to_its_leaf() -> None:
    tree = {"feature": [0, 1, 0, 0, 0], "threshold": [0.5, 0.5, 0.0, 0.0, 0.0], "left": [1, 3, 0, 0, 0],
            "right": [2, 4, 0, 0, 0], "value": [0.0, 0.0, 3.0, 1.0, 2.0], "leaf": [False, False, True, True, True]}
    model = _model(tree, baseline=0.0, depth=2)
    rows = np.zeros((3, len(NAMES)))
    rows[:, 0], rows[:, 1] = [0.1, 0.1, 0.9], [0.1, 0.9, 0.0]
    assert model.decision(rows).tolist() == [1.0, 2.0, 3.0]


def test_a_model_file_of_another_format_or_pointing_outside_itself_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        TreeModel.from_dict({"format": "other", "features": NAMES, "baseline": 0, "depth": 1, "trees": []})
    with pytest.raises(ValueError, match="without trees"):
        TreeModel.from_dict({"format": ranker.FORMAT, "features": NAMES, "baseline": 0, "depth": 1, "trees": []})
    bad = _stump(0, 0.5, 0.0, 1.0)
    bad["left"] = [7, 0, 0]
    with pytest.raises(ValueError, match="outside"):
        _model(bad)


def test_features_hold_each_figure_against_the_best_and_as_a_rank() -> None:
    figures = {name: [0.0, 0.0, 0.0] for name in FIGURES}
    figures["coverage"] = [0.2, 0.8, 0.5]
    names, rows = features(figures, [1.0, 0.5, 0.75])
    assert rows.shape == (3, len(names)) == (3, 3 * len(FIGURES) + 2)
    at = names.index
    assert rows[:, at("coverage")].tolist() == [0.2, 0.8, 0.5]
    assert rows[:, at("coverage - best")].tolist() == pytest.approx([-0.6, 0.0, -0.3])
    assert rows[:, at("coverage rank")].tolist() == [2, 0, 1]
    assert rows[:, at("bm25 rank")].tolist() == [0, 1, 2]  # ties keep the candidates' order
    assert rows[:, at("score - best")].tolist() == [0.0, -0.5, -0.25]


def test_the_packaged_model_reads_these_features_and_its_outputs_are_pinned() -> None:
    model = load_model()
    assert model.names == tuple(NAMES)
    data = json.loads((Path(ranker.__file__).parent / "data" / ranker.MODEL_FILE).read_text(encoding="utf-8"))
    assert 0 < len(data["trees"]) <= 200  # scikit-learn stops early on a tenth of fold A's candidates
    assert "fold A" in data["fitted"]
    figures = {"bm25": [0.6, 0.3], "coverage": [0.8, 0.4], "proximity": [0.3, 0.0], "defines": [0.0, 0.0],
               "similarity": [0.62, 0.41], "sentence_similarity": [0.71, 0.45], "token_match": [0.74, 0.55],
               "sentence_token_match": [0.70, 0.48]}
    scores = model.score(figures, [1.02, 0.61])
    # measured once with the shipped trees (refitted in round 14); refitting them moves these
    assert scores.tolist() == pytest.approx([4.1164, -3.4305], abs=1e-3)
    with pytest.raises(ValueError, match="other features"):
        TreeModel(("x",), 0.0, model.feature, model.threshold, model.left, model.right, model.value, model.leaf,
                  model.depth).score(figures, [1.0, 0.5])


def test_the_learned_ranking_only_reorders_and_has_its_switch(tmp_path: Path) -> None:
    write_article(tmp_path, "a", "Lighthouse", *TEXTS)
    question = "How tall is the lighthouse tower?"
    off = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                     retrieval=RetrievalSettings(learned_ranking=False)).rank(question).candidates
    assert all(c.learned is None for c in off)
    on = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                    retrieval=RetrievalSettings(learned_ranking=True)).rank(question).candidates
    assert all(c.learned is not None for c in on)
    assert sorted(c.position for c in on) == sorted(c.position for c in off)
    assert {c.position: c.score for c in on} == {c.position: c.score for c in off}  # the scores stay linear
    learned = [c.learned for c in on]
    assert learned == sorted(learned, reverse=True)  # best first (no cue question: nothing promoted)
    assert all(c.sentence_token_match > 0 for c in on if c.position == 0)  # its figure is computed for it


def test_without_sentence_or_word_piece_vectors_the_learned_ranking_stands_aside(tmp_path: Path) -> None:
    write_article(tmp_path, "a", "Lighthouse", *TEXTS)
    lexical = AskService(load_corpus(tmp_path), embedder=None,
                         retrieval=RetrievalSettings(semantic=False, learned_ranking=True))
    assert all(c.learned is None for c in lexical.rank("How tall is the lighthouse tower?").candidates)
    past_limit = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                            retrieval=RetrievalSettings(learned_ranking=True, token_vectors_up_to=1))
    ranked = past_limit.rank("How tall is the lighthouse tower?").candidates
    assert ranked
    assert all(c.learned is None and c.token_match == 0.0 for c in ranked)


def test_the_packaged_model_is_monotonic_in_every_figure() -> None:
    """A higher figure, or a better rank, never makes a candidate less likely (fitted so since round 13)."""
    model = load_model()
    rng = np.random.default_rng(7)
    rows = rng.uniform(-1.0, 1.0, size=(400, len(NAMES)))
    ranks = [i for i, name in enumerate(NAMES) if name.endswith(" rank")]
    rows[:, ranks] = rng.integers(0, 20, size=(400, len(ranks)))
    base = model.decision(rows)
    for i, name in enumerate(NAMES):
        moved = rows.copy()
        moved[:, i] += -1.0 if name.endswith(" rank") else 0.25
        assert (model.decision(moved) >= base - 1e-9).all(), name


def _prefer_far(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the stage's model prefer the passages least similar to the question, as a bad model might."""
    far = _stump(NAMES.index("similarity"), 0.45, 5.0, -5.0)
    monkeypatch.setattr(pipeline, "load_model", lambda: _model(far))


def test_the_trees_choose_among_the_passages_the_declines_let_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(tmp_path, "a", "Lighthouse", *TEXTS, "The quay lamp is green and the lighthouse lamp room is old.")
    _prefer_far(monkeypatch)
    # Thresholds pinned (round 13's): the test's passages sit on either side of 0.45.
    service = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                         retrieval=RetrievalSettings(learned_ranking=True, min_similarity=0.35, weak_similarity=0.45))
    ranked = service.rank("What colour is the tram?").candidates  # no cue question: nothing promoted after
    settings = service.retrieval
    far = [c for c in ranked if c.similarity < 0.45]
    assert far
    assert all(semantic_decline_reason(c.meaning, c.coverage, settings) for c in far)
    assert max(ranked, key=lambda c: c.learned or 0.0) in far  # the trees' first choice would be declined
    assert semantic_decline_reason(ranked[0].meaning, ranked[0].coverage, settings) is None
    assert ranked[0].similarity >= 0.45
    assert service.ask("What colour is the tram?").answered
    # When the linear first would be declined anyway, the trees' order stands.
    strict = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                        retrieval=RetrievalSettings(learned_ranking=True, weak_similarity=0.99, weak_coverage=1.0))
    tram = strict.rank("What colour is the tram?").candidates
    assert tram[0].coverage < 1.0  # so every candidate would be declined
    assert tram[0].similarity < 0.45


def test_a_question_whose_subject_a_passage_defines_keeps_the_linear_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(tmp_path, "a", "Club", "NFFC will play at home on Saturday against the league leaders.",
                  "NFFC (Northfield Football Club) was founded in 1908 by railway workers.",
                  "The NFFC ground holds 4,000 fans.")
    _prefer_far(monkeypatch)
    service = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                         retrieval=RetrievalSettings(learned_ranking=True))
    ranked = service.rank("What does NFFC stand for?").candidates
    assert any(c.defines for c in ranked)
    assert all(c.learned is None for c in ranked)  # too few such questions were fitted on: the linear order stands
    assert ranked[0].defines


def test_the_trees_read_every_figure_even_one_the_linear_score_does_not_weigh(tmp_path: Path) -> None:
    write_article(tmp_path, "a", "Club", *TEXTS, "NFFC (Northfield Football Club) plays by the lighthouse tower.")
    question = "What does NFFC stand for, by the lighthouse tower?"
    weighed = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder()).rank(question).candidates
    unweighed = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                           retrieval=RetrievalSettings(proximity_weight=0.0, definition_weight=0.0,
                                                       token_match_weight=0.0, passage_similarity_weight=0.0,
                                                       sentence_similarity_weight=0.0)).rank(question).candidates
    figures = ("proximity", "defines", "similarity", "sentence_similarity", "token_match", "sentence_token_match")
    for name in figures:
        assert {c.position: getattr(c, name) for c in weighed} == {c.position: getattr(c, name) for c in unweighed}
    assert any(c.proximity > 0 for c in unweighed)
    assert any(c.defines for c in unweighed)


def test_every_decline_stage_is_asked_before_the_trees_take_the_first_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(tmp_path, "a", "Lighthouse", *TEXTS, "The quay lamp is green and the lighthouse lamp room is old.")
    _prefer_far(monkeypatch)

    def far_declined(self: pipeline.ScoreDecline, ctx: pipeline.Context, ranking: pipeline.Ranking) -> str | None:
        return "too far" if ranking.candidates[0].similarity < 0.45 else None

    monkeypatch.setattr(pipeline.ScoreDecline, "reason", far_declined)
    no_semantic_decline = RetrievalSettings(learned_ranking=True, min_similarity=-1.0, weak_similarity=-1.0)
    service = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(), retrieval=no_semantic_decline)
    ranked = service.rank("What colour is the tram?").candidates
    assert any(c.similarity < 0.45 for c in ranked)  # the trees' favourites, declined by the stage above
    assert ranked[0].similarity >= 0.45
    assert service.ask("What colour is the tram?").answered
