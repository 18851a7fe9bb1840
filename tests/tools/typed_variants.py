"""Write the public dev set with its questions typed as strangers type them in chat; run by hand.

    python tests/tools/typed_variants.py chat /tmp/chat.json     # long forms as chat short forms
    python tests/tools/typed_variants.py typos /tmp/typos.json   # one typo a question
    python tests/tools/typed_variants.py polite /tmp/polite.json # a greeting before, thanks after
    askbot eval /tmp/typos.json --articles …                     # then measured as the dev set is

``chat`` writes each word that ``bot/data/chat_words.txt`` gives a short form for as that short form ("university"
→ "uni", the first short form listed for it; 688 of the 4,719 questions change) and drops the apostrophe of a
contraction ("What's" → "Whats"). ``typos`` puts one typo (seeded, so the file is the same each run) in one word
of four letters or more that is no stopword, the first letter kept: a letter dropped, two letters swapped, a
letter replaced by a neighbour on the keyboard, or a letter doubled. ``polite`` puts a greeting before each
question ("hey bot, ", the question's first letter then lower case) or thanks after it (" thanks!"), or both
(seeded). Paragraphs, answers and which question
is impossible stay as they are. Round 28 of the README measures them.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.analysis import STOPWORDS  # noqa: E402  (needs the repository on sys.path)
from bot.wordlists import lines  # noqa: E402

SQUAD = REPO / "tests" / "data" / "squad" / "squad2-train-sample.json"
SEED = 28
KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
GREETINGS = ("hey, ", "hi, ", "hey bot, ", "hello! ", "")
THANKS = (" thanks!", " thx", " lol", " pls", "")
_CONTRACTION_RE = re.compile(
    r"\b(what|who|where|when|how|why|do|does|did|is|are|was|were|ca|could|would|should|wo|has|have|had|that|there"
    r"|they|you)(n't|'s|'re|’s|n’t|’re)\b", re.IGNORECASE)


def chat(question: str, short_of: dict[str, str], words: re.Pattern[str]) -> str:
    """Return the question with its long forms as chat short forms and its contractions without apostrophes."""
    typed = words.sub(lambda m: short_of[m.group(1).lower()], question)
    return _CONTRACTION_RE.sub(lambda m: m.group(1) + m.group(2).replace("'", "").replace("’", ""), typed)


def typo(word: str, rng: random.Random) -> str:
    """Return the word with one typo past its first letter."""
    near = {ch: [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)] for row in KEYBOARD for i, ch in enumerate(row)}
    i = rng.randrange(1, len(word))
    kind = rng.choice("dtsi")
    if kind == "d":
        return word[:i] + word[i + 1:]
    if kind == "t" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "s" and word[i].lower() in near:
        return word[:i] + rng.choice(near[word[i].lower()]) + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def main() -> None:
    """Write the variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=("chat", "typos", "polite"))
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    data: dict[str, Any] = json.loads(SQUAD.read_text(encoding="utf-8"))
    short_of: dict[str, str] = {}
    for line in lines("chat_words.txt"):
        short, *long = line.split()
        for word in long:
            if "'" not in word:
                short_of.setdefault(word, short)
    words = re.compile(r"\b(" + "|".join(sorted(map(re.escape, short_of), key=len, reverse=True)) + r")\b",
                       re.IGNORECASE)
    rng = random.Random(SEED)
    changed = 0
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                asked = qa["question"]
                if args.variant == "chat":
                    qa["question"] = chat(asked, short_of, words)
                elif args.variant == "polite":
                    before, after = rng.choice(GREETINGS), rng.choice(THANKS)
                    if not before and not after:
                        before = GREETINGS[0]
                    # after a greeting the question reads on, its first letter no longer a capital
                    qa["question"] = before + (asked[:1].lower() + asked[1:] if before else asked) + after
                else:
                    found = [m for m in re.finditer(r"[A-Za-z]{4,}", asked) if m.group().lower() not in STOPWORDS]
                    if found:
                        m = rng.choice(found)
                        qa["question"] = asked[:m.start()] + typo(m.group(), rng) + asked[m.end():]
                changed += qa["question"] != asked
    args.out.write_text(json.dumps(data), encoding="utf-8")
    print(f"{changed} questions typed otherwise, written to {args.out}")


if __name__ == "__main__":
    main()
