"""Hold answer quality at the figures measured on the eval sets (README, "Answer quality").

The floors are the measured values: a change that lowers any of them fails here. Raise them when a change
improves the figures.
"""

import functools
from pathlib import Path

import pytest

from bot.corpus import load_corpus
from bot.evaluation import Metrics, ask_top1, evaluate, load_question_set
from bot.service import AskService
from bot.settings import load_settings
from bot.squad import evaluate_squad, load_squad

DATA = Path(__file__).resolve().parent / "data"

# set file: (hit@1, hit@3, MRR, answered rate, decline rate), as `askbot eval` measured them
# (round 14, the fine-tuned model with its refitted trees and cosine thresholds 0.03 lower: 12 more right
# answers in all, multi-heldout −1 right answer and −1 trap declined, fresh2 +1 trap declined; README "Round 14")
FLOORS = {
    # round 18: +1 right, +1 answered, −1 trap; round 41 (a link asked: "twitter link for the video") +1, +1; round 42
    # (a count denied after its number: "48,000 inmates who are not gang members") +1 trap ("How many gangs …")
    "seed.yaml": (66 / 72, 70 / 72, 0.944, 70 / 72, 18 / 20),
    # round 34 (the noun a name answers held: "Which country is Pablo Luna from?"): +3 right, +3 answered; round 42
    # (the unwritten-name decline) −1 answered, a wrong answer ("Who posted the video about the prisons?" quoted ¶6)
    # and the question embedded in the articles' words +1 right ("Are there critics of the program?": "dissent")
    "seed_heldout.yaml": (16 / 17, 16 / 17, 0.941, 16 / 17, 5 / 5),
    # round 18: +1 right, +1 answered; round 33 (who holds a post: "Who leads the dockworkers union?"): +1 right
    "multi.yaml": (41 / 43, 42 / 43, 0.965, 42 / 43, 10 / 10),
    "seed_heldout2.yaml": (10 / 10, 10 / 10, 1.0, 10 / 10, 5 / 6),  # round 17: +1 trap; round 18: +1 right
    "multi_heldout.yaml": (14 / 15, 15 / 15, 0.966, 15 / 15, 6 / 7),  # round 27: +1 trap (two articles mixed)
    # round 18: +1, +1; round 19: +1 right; round 32 ("at what age" an age): +1 right; round 33 (who holds a
    # post): +1 right; round 42 (the question embedded in the articles' words): −1 right ("What offences did Maybury
    # admit to?" second), +1 in the top three and answered ("Where did the evacuees sleep?", second)
    "fresh.yaml": (44 / 58, 48 / 58, 0.787, 51 / 58, 14 / 16),
    # round 18: +2, +2; round 19: +1 right, +1 answered; round 28 (chat short forms, "which uni…"): +1, +1
    "fresh2.yaml": (50 / 61, 54 / 61, 0.852, 55 / 61, 11 / 16),
    # round 30: written blind, first read with round 29's pipeline and never used to choose anything; round 30's
    # mixed-topics decline +1 trap; round 31 (never used to choose) +1 answered, +2 traps; round 32 (the same) +1 trap;
    # round 33 (who holds a post, chosen on the news sets; fresh3's row seen in the totals): +4 right, +3 answered;
    # round 34 (a vote's tally; fresh3's vote questions were read while counting how often they are asked): +1, +1;
    # round 35 (the unwritten-date decline, chosen on the public set): −1 answered (a wrong answer declined);
    # round 36 (the one-of-a-kind decline, chosen on the news sets and the public set): +1 trap; round 37: nothing
    # round 42: the chat forms of several words put one answer's passage third instead of second (MRR 0.783 →
    # 0.782, right, top three, answered and declined unchanged); two of its questions were seen in a search of the
    # question files for "gonna" after those forms were measured (README, "Round 42"): nothing was chosen on them
    # round 42, then the question embedded in the articles' words (chosen on the seed set, fresh3's row read): +2
    # right, +1 in the top three, +1 answered
    "fresh3.yaml": (75 / 100, 86 / 100, 0.795, 95 / 100, 25 / 40),
    # round 30's news dev sets, written blind and then read: round 29 64 / 66 / 79 right, 20 / 19 / 25 declined;
    # round 30 64 / 67 / 82 right, 23 / 21 / 25 declined; round 31 65 / 69 / 83 right, 26 / 23 / 26 declined;
    # round 32 66 / 69 / 85 right, 29 / 24 / 27 declined ("how old is the salt mill bridge", second before,
    # is declined: news1's top three and answered −1); round 33 (who holds a post) 69 / 73 / 87 right, +1 answered;
    # round 34 (a vote's tally) news1 +3 right, news2 −1 answered ("what was the vote split": no tally near);
    # "what is the … X" with three words between: news2 +1 trap (the average dock worker's salary); round 35 (the
    # unwritten-date decline) news1 +2 traps ("turnout in the 2018 brennock election", "the 2021 bridge closure");
    # round 35's rate of anything news3 +1 trap ("how many points did amsel score on sunday": "27.4 points per game");
    # round 36 (the one-of-a-kind decline) news1 +2, news2 +1, news3 +1 traps ("which shops will they have to sell")
    # round 37: the unwritten-day decline news1 +1, news3 +1 traps ("when did linden road primary reopen exactly"),
    # the unwritten-unit decline news3 +1 ("how much rain fell in mm in the ostrel valley last year"); round 38: the
    # withheld-answer decline news1 +1 trap, −1 answered (a wrong answer, its passage second, declined: hit@3 and MRR
    # fall with it), news2 +1 trap ("who asked not to be named"), the unwritten-contact decline news3 +1 ("whats the
    # phone number for the measles helpline"); round 42: the unwritten-name decline news2 +2 traps ("who runs the
    # port of lenhaven", "who were the three committee members who voted to hold"); round 42's chat forms of
    # several words: news3 +1 right ("amsel ppg?"), news2 +1 answered ("…gonna be called", the right passage second);
    # the question embedded in the articles' words: news2 +1 right, +1 answered ("when did the walkout start": "strike")
    "news1.yaml": (72 / 100, 86 / 100, 0.781, 89 / 100, 35 / 40),
    "news2.yaml": (74 / 100, 82 / 100, 0.776, 90 / 100, 29 / 40),
    "news3.yaml": (88 / 100, 95 / 100, 0.909, 95 / 100, 32 / 40),
    # round 34's seed dev set (members' questions about the bundled article, written after that round's rules)
    # round 42 (the question embedded in the articles' words, "critic" read as "dissent"): −2 in the top three, −1
    # answered ("Who criticized the prison system?" declined, was second; "what did the critic say …" out of three)
    "seed3.yaml": (47 / 56, 49 / 56, 0.854, 50 / 56, 8 / 10),
}

# SQuAD train sample, every question: across, within, answered, declined wrong article, declined impossible
# (round 15: cue spans as the world writes them, the leading when-clause, and the name-outside-article decline:
# across +16, within +7, answered +15, wrong-article declines +38, impossible −1 against round 14's 3760 /
# 3769 / 4230 / 4254 and 49; fold A was trained and read from, so these are optimistic: README "Round 15"
# gives the held-out half)
# Measured 3776 / 3776 / 4245 / 4292 of 4371, 48 of 348, bold 0.8223; round 16 (cue promotion by meaning, the
# cue window 14 words, a plural counted after a singular): 3786 / 3786 / 4256 / 4292, 48, bold 0.8214; round 17
# (the question embedded spelt right, the strict count, "how much" and "Hispanic people" counting nothing, the
# answered-elsewhere decline): 3795 / 3792 / 4265 / 4339, 48, bold 0.8208; round 18 (the three cosine thresholds
# 0.02 lower): 3807 / 3802 / 4288 / 4336, 39, bold 0.8216; round 19 (names the article writes another way, "TV",
# "Irish", "Aug"): 3807 / 3809 / 4288 / 4336, 39, bold 0.8216; round 19 also (the three cosine thresholds 0.01
# lower): 3817 / 3818 / 4296 / 4334, 34 (−5, the trade), bold 0.8216; round 20 (durations with an abbreviated
# unit, "what is the level called"): 3819 / 3820 / 4298 / 4334, 34, bold 0.8219; round 21 (the bold sentence by
# its word-piece match, read with the one before, and the number in the unit asked): the same, bold 0.8746; round
# 22 (sentences split where they end, no "one of" bolded as a count): 3820 / 3821 / 4298 / 4334, 34, bold
# 0.8798; round 25 (WordNet's synonyms): 3825 / 3823 / 4301 / 4334, 34, bold 0.8797; round 26 (WordNet's kinds
# of what "how many" counts): 3829 / 3827 / 4305 / 4334, 34, bold 0.8796; round 27 (the mixed-articles decline,
# a trade, and the years it reads as names): 3828 / 3827 / 4302 / 4334, 44, bold 0.8796; round 28 (a transposition
# one typo, the nearer repair, the repair more passages hold): 3830 / 3829 / 4303 / 4334, 44, bold 0.8796; round 31
# (a figure of a thousand or more read as a name): 3830 / 3829 / 4303 / 4334, 45, bold 0.8796; round 32 (an age
# written as one, "at what age", what "how many" counts read further): 3835 / 3834 / 4307 / 4334, 45, bold 0.8790.
# Round 35 (a year or day the question pins must be written; a rate of anything counts nothing): 3835 / 3834 /
# 4303 / 4334, 55 (answered −4: wrong answers declined; impossible +10), bold 0.8790. Round 39 (a short acronym is
# no name outside the article asked): 3835 / 3836 / 4303 / 4334, 55, bold 0.8790; then (the answered-elsewhere
# decline stands aside when the ranking across would answer from the article asked): 3835 / 3838 / 4303 / 4334, 55.
# Round 40 (a span of years after the name asked goes first): 3841 / 3845 / 4303 / 4334, 55, bold 0.8789.
# The floors leave five questions (about 0.1 point) for run-to-run differences (one run in three failed the exact
# figures after BLAS went to one thread); round 32 raised them to five below its figures (two for the impossible),
# round 35 the answered and impossible ones to five and two below its own.
SQUAD_FLOORS = (3836 / 4371, 3840 / 4371, 4298 / 4371, 4329 / 4371, 53 / 348)
# ... and the share of hits across whose bold span holds the marked answer
SQUAD_BOLD_FLOOR = 0.877


def _measure(name: str) -> Metrics:
    qset = load_question_set(DATA / name)
    assert qset.corpus is not None
    service = AskService(load_corpus(qset.corpus), retrieval=load_settings(env_file=None).retrieval)
    return evaluate(service, qset)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_metrics_hold(name: str) -> None:
    m = _measure(name)
    hit1, hit3, mrr, answered, declined = FLOORS[name]
    assert m.hit1 >= hit1 - 1e-9
    assert m.hit3 >= hit3 - 1e-9
    assert m.mrr >= mrr - 5e-4
    assert m.answered_rate >= answered - 1e-9
    assert m.decline_rate >= declined - 1e-9


def test_squad_dev_set_figures_hold() -> None:
    """The public dev set (SQuAD 2.0 train sample): across, within, answered, declined wrong / impossible."""
    squad = load_squad(DATA / "squad" / "squad2-train-sample.json")
    service = AskService(squad.corpus, retrieval=load_settings(env_file=None).retrieval)
    m = evaluate_squad(functools.partial(ask_top1, service), squad)
    assert (m.answerable, m.impossible) == (4371, 348)
    across, within, answered, declined_wrong, declined_impossible = SQUAD_FLOORS
    assert m.across >= across - 1e-9
    assert m.within >= within - 1e-9
    assert m.answered >= answered - 1e-9
    assert m.declined_wrong >= declined_wrong - 1e-9
    assert m.declined_impossible >= declined_impossible - 1e-9
    assert m.bolded >= SQUAD_BOLD_FLOOR - 1e-9


def test_sets_are_as_large_as_promised() -> None:
    seed = load_question_set(DATA / "seed.yaml")
    assert sum(i.answerable for i in seed.items) >= 60
    assert sum(not i.answerable for i in seed.items) >= 15
    multi = load_question_set(DATA / "multi.yaml")
    assert multi.corpus is not None
    assert len(load_corpus(multi.corpus).articles) >= 4
    assert any(i.article for i in multi.items)


def test_test_articles_are_not_shipped() -> None:
    shipped = {p.name for p in (DATA.parent.parent / "corpus").iterdir()}
    fictional = {
        p.name
        for sub in ("multi", "fresh", "fresh2", "fresh3", "news1", "news2", "news3")
        for p in (DATA / sub / "corpus").iterdir()
    } - {"el-salvador-prison-system.md"}
    assert not shipped & fictional
