"""A synthetic news-like corpus for the benchmark: Zipfian vocabulary, realistic passage lengths, questions.

Run by hand through ``bench_search.py``; never collected by pytest (``norecursedirs`` holds ``bench``).

* Vocabulary: ``VOCABULARY`` pseudo-words built from syllables, drawn with a Zipf-Mandelbrot law
  ``p(r) ∝ 1 / (r + 2.7) ** 1.07`` (the usual fit for English text), so a few words are in most
  passages and most words are rare; the number of distinct words grows with the corpus as in Heaps' law.
* Passages: 40-120 words (uniform), about a third of them stopwords ("the", "of", ...) that the analyzer
  drops, some numbers, capitalized sentences of 8-25 words.
* Questions: 2-6 content words. Half take their words from one passage (someone asking about a story),
  half draw them from the Zipf law (anything a reader might type), wrapped in a question frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

VOCABULARY = 300_000
ZIPF_SHIFT, ZIPF_EXPONENT = 2.7, 1.07
PASSAGE_WORDS = (40, 120)
SENTENCE_WORDS = (8, 25)
STOPWORD_SHARE = 0.33
NUMBER_SHARE = 0.02
QUESTION_TERMS = (2, 6)
PASSAGES_PER_ARTICLE = 25
_FILLERS = "the of and to a in that is was for on with as by at from it his her their has have".split()
_FRAMES = ("What about {}?", "How many {}?", "Who said {}?", "Why did {}?", "When was {}?", "{}")
_ONSETS = "b c d f g h j k l m n p r s t v w z br cr dr fl gr pl pr sk sl st tr".split()
_NUCLEI = "a e i o u ai au ea ee oo ou".split()
_CODAS = ["", "", "n", "r", "l", "m", "s", "t", "nd", "rk", "st", "ng"]


def make_words(count: int, seed: int = 1) -> list[str]:
    """Return ``count`` distinct pronounceable pseudo-words of 1-4 syllables (all lowercase ASCII)."""
    rng = np.random.default_rng(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < count:
        n_syll = rng.choice([1, 2, 3, 4], p=[0.15, 0.45, 0.3, 0.1], size=count)
        o = rng.integers(0, len(_ONSETS), size=(count, 4))
        v = rng.integers(0, len(_NUCLEI), size=(count, 4))
        c = rng.integers(0, len(_CODAS), size=count)
        for i in range(count):
            w = "".join(_ONSETS[o[i, j]] + _NUCLEI[v[i, j]] for j in range(n_syll[i])) + _CODAS[c[i]]
            if w not in seen:
                seen.add(w)
                words.append(w)
                if len(words) == count:
                    break
    return words


def zipf_probabilities(count: int) -> np.ndarray:
    """Return Zipf-Mandelbrot probabilities for ranks 1..count."""
    p = 1.0 / (np.arange(1, count + 1) + ZIPF_SHIFT) ** ZIPF_EXPONENT
    return p / p.sum()


@dataclass
class Synthetic:
    """Passages (plain text), article ids per passage and the questions of one benchmark size."""

    passages: list[str]
    questions: list[str]


def generate(n_passages: int, n_questions: int, seed: int = 0) -> Synthetic:
    """Generate ``n_passages`` passages and ``n_questions`` questions, deterministically from ``seed``."""
    rng = np.random.default_rng(seed)
    words = make_words(VOCABULARY)
    probs = zipf_probabilities(VOCABULARY)
    cdf = np.cumsum(probs)
    lengths = rng.integers(PASSAGE_WORDS[0], PASSAGE_WORDS[1] + 1, size=n_passages)
    total = int(lengths.sum())
    ranks = np.minimum(np.searchsorted(cdf, rng.random(total)), VOCABULARY - 1)
    kind = rng.random(total)
    fillers = rng.integers(0, len(_FILLERS), size=total)
    numbers = rng.integers(1, 5_000, size=total)
    sentence_ends = rng.integers(SENTENCE_WORDS[0], SENTENCE_WORDS[1] + 1, size=total)
    vocab_words = np.asarray(words, dtype=object)
    tokens = vocab_words[ranks]
    is_filler = kind < STOPWORD_SHARE
    tokens[is_filler] = np.asarray(_FILLERS, dtype=object)[fillers[is_filler]]
    is_number = (kind >= STOPWORD_SHARE) & (kind < STOPWORD_SHARE + NUMBER_SHARE)
    tokens[is_number] = [f"{x:,}" for x in numbers[is_number]]
    token_list: list[str] = tokens.tolist()
    passages: list[str] = []
    at = 0
    for n, length in enumerate(lengths.tolist()):
        chunk = token_list[at : at + length]
        at += length
        out: list[str] = []
        start, end = 0, int(sentence_ends[n])
        while start < length:
            sentence = chunk[start : start + end]
            out.append(sentence[0].capitalize() + (" " if len(sentence) > 1 else "") + " ".join(sentence[1:]) + ".")
            start += end
        passages.append(" ".join(out))
    questions: list[str] = []
    for q in range(n_questions):
        n_terms = int(rng.integers(QUESTION_TERMS[0], QUESTION_TERMS[1] + 1))
        if q % 2 == 0:
            source = passages[int(rng.integers(0, n_passages))].rstrip(".").split()
            content = [w.strip(".,").lower() for w in source if w.strip(".,").lower() not in _FILLERS]
            picked = [content[int(i)] for i in rng.choice(len(content), size=min(n_terms, len(content)), replace=False)]
        else:
            picked = [words[int(r)] for r in np.minimum(np.searchsorted(cdf, rng.random(n_terms)), VOCABULARY - 1)]
        questions.append(_FRAMES[q % len(_FRAMES)].format(" ".join(picked)))
    return Synthetic(passages, questions)


def write_articles(passages: list[str], folder: Path) -> int:
    """Write the passages as Markdown articles of ``PASSAGES_PER_ARTICLE`` paragraphs; return the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for start in range(0, len(passages), PASSAGES_PER_ARTICLE):
        body = "\n\n".join(passages[start : start + PASSAGES_PER_ARTICLE])
        number = start // PASSAGES_PER_ARTICLE
        text = f"---\ntitle: Synthetic article {number}\ndate: 2025-01-01\nsource: bench\n---\n\n{body}\n"
        (folder / f"a{number:07d}.md").write_text(text, encoding="utf-8")
        files += 1
    return files
