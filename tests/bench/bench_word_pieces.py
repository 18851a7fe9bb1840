"""Time a whole answer on the public dev set with the word-piece match (or the learned ranking) and without it.

    python tests/bench/bench_word_pieces.py [--questions 600]
        [--compare word-pieces|learned-ranking|spelling-and-count|bold-by-word-pieces|wordnet|kinds|mixed-articles|
                   chat-and-typos|lead-ins|mixed-topics|posts|tally-and-names|dates-and-rates|one-of-a-kind|units-and-days|
                   withheld-and-contact|elsewhere-by-ranking|post-titles]

Run by hand, not in CI. The service is built once over the SQuAD sample's 858 passages with the shipped model
(about a minute the first time; the vectors are saved in the cache folder). Distinct questions are then asked
alternately as configured and without the compared part, each question once, so each is embedded afresh and
neither side gains from the other's cache; it prints p50 and p95 of each side and their ratio. Without the
word-piece match means its weights at 0 and the learned ranking (which reads it) off; without the learned
ranking means that stage alone off; without spelling and count means round 17's two switches off (the question
embedded as asked, no strict count); without the bold by word pieces means round 21's sentence to bold chosen by
the question's words again; without WordNet means round 25's synonyms at weight 0 (their map, stemmed once per
process, is built before the timing starts); without kinds means round 26's kinds of what is counted off, timed
on the how-many questions alone (the only ones it reads), the list read during the warm-up; without mixed
articles means round 27's mixed-articles decline off; without chat and typos means round 28's chat short forms and
typo transpositions off; without lead-ins means round 29's lead-ins and tails read as part of the question (the
public set's questions have none: this times the reading alone); without mixed topics means round 30's
mixed-topics decline off (the titles it reads are read once a snapshot, most during the warm-up); without posts
means round 33's post candidates and promotion off, timed on the who-questions alone (the only ones they read);
without tally and names means round 34's vote tally and the noun a name answers off (the public set asks no vote's
tally: this times the reading of the question); without dates and rates means round 35's unwritten-date decline
and rate of anything off; without one of a kind means round 36's one-of-a-kind decline off, timed on the questions
starting "which" (most of those it reads); without units and days means round 37's unwritten-unit and
unwritten-day declines off, timed on the questions starting "how" or "when" (those they read are among them);
without withheld and contact means round 38's withheld-answer and unwritten-contact declines off, timed on every
kind of question (the first reads every best passage's text for its phrases; the public set asks no contact);
without elsewhere by ranking means round 39's check of the answered-elsewhere decline off (the question ranked
again across every article when the decline would fire), each question asked of the article after its own, as a
wrong-article question is, the only asks that read it. Without post titles means round 43's look-up of the title's
words off (the post candidates read every passage of the best articles name by name, as before; no setting
switches a speed-up alone, so that side swaps ``bot.pipeline.titled_passages`` for one that keeps every passage),
timed on the questions asking a post's holder alone (the only ones that read it), each on both sides with its
vector made beforehand, so the times leave out the question's embedding.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

from bot import pipeline
from bot.index import BM25Index
from bot.semantic import single_blas_thread
from bot.service import AskService
from bot.settings import load_settings
from bot.squad import load_squad

SQUAD = Path(__file__).resolve().parents[1] / "data" / "squad" / "squad2-train-sample.json"


TITLED = pipeline.titled_passages


def _every_passage(index: BM25Index, groups: Sequence[AbstractSet[str]], positions: list[int]) -> list[int]:
    """Keep every passage: the post candidates as they were before round 43."""
    return positions


def main() -> None:
    """Print whole-ask p50 / p95 with and without the word-piece match, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=600, help="distinct questions, split between the sides")
    parser.add_argument("--blas-threads", choices=("one", "default"), default="one",
                        help="one: as the askbot command and the bot run (bot.semantic.single_blas_thread)")
    parser.add_argument("--compare", choices=("word-pieces", "learned-ranking", "spelling-and-count",
                                              "bold-by-word-pieces", "wordnet", "kinds", "mixed-articles",
                                              "chat-and-typos", "lead-ins", "mixed-topics", "posts",
                                              "tally-and-names", "dates-and-rates", "one-of-a-kind", "units-and-days",
                                              "withheld-and-contact", "elsewhere-by-ranking", "post-titles"),
                        default="word-pieces")
    args = parser.parse_args()
    if args.blas_threads == "one":
        single_blas_thread()
    settings = load_settings(env_file=None)
    squad = load_squad(SQUAD, max_words=settings.corpus.max_passage_words)
    started = time.perf_counter()
    service = AskService(squad.corpus, retrieval=settings.retrieval,
                         max_passage_words=settings.corpus.max_passage_words)
    print(f"built in {time.perf_counter() - started:.1f} s")
    offs: dict[str, dict[str, object]] = {
        "word-pieces": {"token_match_weight": 0.0, "sentence_token_match_weight": 0.0, "learned_ranking": False},
        "learned-ranking": {"learned_ranking": False},
        "spelling-and-count": {"embed_spelled_out": False, "strict_count": False},
        "bold-by-word-pieces": {"highlight_by_word_pieces": False},
        "wordnet": {"wordnet_weight": 0.0},
        "kinds": {"count_kinds": False},
        "mixed-articles": {"decline_mixed_articles": False},
        "chat-and-typos": {"chat_words": False, "typo_transpositions": False},
        "lead-ins": {"lead_ins": False},
        "mixed-topics": {"decline_mixed_topics": False},
        "posts": {"post_candidates": False, "post_promote": False},
        "tally-and-names": {"tally": False, "asked_noun_held": False},
        "dates-and-rates": {"decline_date_unwritten": False, "per_thing_rates": False},
        "one-of-a-kind": {"decline_one_of_a_kind": False},
        "units-and-days": {"decline_unit_unwritten": False, "decline_day_unwritten": False},
        "withheld-and-contact": {"decline_withheld": False, "decline_contact_unwritten": False},
        "elsewhere-by-ranking": {"elsewhere_by_ranking": False},
        "post-titles": {},
    }
    off = offs[args.compare]
    # A service per side: the expander (typo, related and WordNet weights) is built once per service.
    sides = {"with": service, "without": service.with_retrieval(settings.retrieval.model_copy(update=off))}
    starts: dict[str, tuple[str, ...]] = {"kinds": ("how many",), "posts": ("who",), "one-of-a-kind": ("which",),
                                          "units-and-days": ("how", "when")}
    only = starts.get(args.compare, ("",))
    ids = [article.id for article in squad.corpus.articles]
    after = {article: ids[(i + 1) % len(ids)] for i, article in enumerate(ids)}
    wrong = args.compare == "elsewhere-by-ranking"  # asked of another article, as a wrong-article question is
    asked = [(q.question, after[q.article_id] if wrong else None) for q in squad.questions
             if q.question.lower().startswith(only)]
    if args.compare == "post-titles":
        asked = [(q, article) for q, article in asked if service.context(q).question.post is not None]
    step = max(1, len(asked) // (args.questions + 20))
    questions = asked[::step][: args.questions + 20]
    warm_up = questions[-20:]
    timed = [(i, question, article) for i, (question, article) in enumerate(questions[:-20])]
    if args.compare == "post-titles":
        warm_up = [(q.question, None) for q in squad.questions[:20]]
        # Few questions ask a post's holder (18 of the set's): each is asked on both sides, its vector made first
        # by a third service sharing the question vectors, so neither side's time holds the embedding.
        warm = service.with_retrieval(settings.retrieval)
        for question, article in asked:
            warm.ask(question, article=article)
        timed = [(i + side, question, article) for i, (question, article) in enumerate(asked) for side in (0, 1)]
    for question, article in warm_up:
        for side in sides.values():
            side.ask(question, article=article)
    times: dict[str, list[float]] = {name: [] for name in sides}
    for i, question, article in timed:
        name = ("with", "without")[i % 2]
        untitled = args.compare == "post-titles" and name == "without"
        if untitled:
            pipeline.titled_passages = _every_passage  # type: ignore[assignment]
        begun = time.perf_counter()
        sides[name].ask(question, article=article)
        times[name].append(time.perf_counter() - begun)
        pipeline.titled_passages = TITLED
    p50 = {}
    for name, taken in times.items():
        taken.sort()
        p50[name] = statistics.median(taken)
        print(f"{name:>8} the {args.compare}: p50 {p50[name] * 1000:.2f} ms, "
              f"p95 {taken[int(len(taken) * 0.95)] * 1000:.2f} ms ({len(taken)} questions)")
    print(f"ratio with / without (p50): {p50['with'] / p50['without']:.2f}")


if __name__ == "__main__":
    main()
