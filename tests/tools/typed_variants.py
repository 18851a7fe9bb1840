"""Write the public dev set with its questions typed as strangers type them in chat; run by hand.

    python tests/tools/typed_variants.py chat /tmp/chat.json     # long forms as chat short forms
    python tests/tools/typed_variants.py typos /tmp/typos.json   # one typo a question
    python tests/tools/typed_variants.py polite /tmp/polite.json # a greeting before, thanks after
    python tests/tools/typed_variants.py framed /tmp/framed.json # a lead-in before, a tail after (framed2-4 too)
    python tests/tools/typed_variants.py keywords /tmp/kw.json   # only the words that matter, as a search box
    askbot eval /tmp/typos.json --articles …                     # then measured as the dev set is

``chat`` writes each word that ``bot/data/chat_words.txt`` gives a short form for as that short form ("university"
→ "uni", the first short form listed for it; 688 of the 4,719 questions change) and drops the apostrophe of a
contraction ("What's" → "Whats"). ``typos`` puts one typo (seeded, so the file is the same each run) in one word
of four letters or more that is no stopword, the first letter kept: a letter dropped, two letters swapped, a
letter replaced by a neighbour on the keyboard, or a letter doubled. ``polite`` puts a greeting before each
question ("hey bot, ", the question's first letter then lower case) or thanks after it (" thanks!"), or both
(seeded). ``framed`` puts a lead-in before each question ("can you tell me ", "quick question: ", the question's
first letter then lower case) or a tail after it (" anyone know?"), or both (seeded); ``framed2``, ``framed3`` and
``framed4`` draw from other lists, the last two written by helpers that had not seen
``bot/data/question_leads.txt``. ``keywords`` keeps only the words that are no stopword, lower case and without
punctuation, as a search box is typed into ("What was included on the first iPod?" → "included first ipod"). The
paragraphs, answers and which question is impossible stay as they are. Rounds 28, 29 and 30 of the README measure
them.
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
LEADS = ("can you tell me ", "could you tell me ", "do you know ", "does anyone know ", "i want to know ",
         "i'd like to know ", "i was wondering ", "any idea ", "quick question: ", "i'm curious, ", "just wondering, ",
         "can someone explain ", "help me understand ", "i need to find out ", "remind me, ", "")
TAILS = ("", "", " anyone know?", " any idea?", " do you know?")
# Written after bot/data/question_leads.txt, some with words it did not list ("dumb", "idk"; added since).
LEADS2 = ("hey so ", "ok so ", "yo does anybody know ", "any clue ", "wait, ", "sorry, dumb question, but ",
          "real quick, ", "i'm trying to figure out ", "could someone tell me ", "wondering ", "so basically ",
          "just curious, ", "i have a question: ", "question: ", "can i ask ", "")
TAILS2 = ("", "", " anybody?", ", if you know", " pls help", " idk")
# Written for round 29 by a helper that had not seen bot/data/question_leads.txt; the list was then mended by what
# this variant showed (README "Round 29").
LEADS3 = ("hey bot, ", "quick question: ", "sorry if this is dumb but ", "hi! ", "does anyone know ",
          "random thought, ", "pls help ", "wait ", "ok so ", "can u tell me ", "im curious, ", "lol ",
          "honest question: ", "hmm ", "not sure if you know this but ", "been wondering this all day: ", "bro ",
          "hello, could you please tell me ", "qq: ", "so like ", "i was reading the article and ", "dumb q but ",
          "genuinely asking, ", "question for the bot: ", "ayy ", "idk if this is in there but ", "quick quesiton, ",
          "help me out here: ", "um ", "alright ", "lemme ask ", "cant find it anywhere, ",
          "hey, sorry to bother but ", "settle a debate for us: ", "thx in advance, ", "ok but ",
          "wondring about something, ", "hiya, sory if this was already asked but ", "ngl i forgot, ",
          "for my homework: ", "")
TAILS3 = ("", "", "", " thanks", ", thx", " lol", " pls", ", just curious", " asking for a friend", ", if you know",
          " 🙏", " ty in advance", ", i cant remember", " idk", ", cheers", " someone help", ", thank you!", " lmk")
# Written for round 29 by a second helper that had not seen bot/data/question_leads.txt, measured once at the end.
LEADS4 = ("yo ", "hey, ", "ok so ", "Hi there! I have a question. ", "I've been trying to find this for ages and ",
          "do you happen to know ", "Good evening. I was wondering: ", "quick one - ", "pls help, ", "bot: ",
          "ngl i already forgot this but ", "Sorry if this is a dumb question, but ", "for my essay: ", "lol ok ",
          "im curious, ", "Hello, could you please tell me ", "wait ", "so uh ", "Question about the article: ",
          "my teacher asked us and i cant find it - ", "Excuse me, ", "honestly no idea so ",
          "Would you mind checking something for me? ", "gg, now ", "hmm, ", "Can u find out ", "real quick ",
          "I read the whole thing twice and still dont get it. ", "help me out here: ",
          "Dear bot, I would like to know ", "brb after this, ", "ok last one i swear ", "Random thought - ",
          "ive been arguing with my freind about this, ", "According to the article, ",
          "need this for homework tmrw ", "Hey! Just wondering ", "alright, ",
          "Not sure if you can answer this but ", "i wanna know ", "")
TAILS4 = ("", "", "", " thanks!", " ty", ", thanks in advance", " 🙏", ". I need it for a school project", " lol",
          ". Please, I'm stuck", ", cheers", " :)", ". My friend says it was someone else", " thx bot",
          ", I couldn't find it anywhere", ". Much appreciated.", " 🤔", ", asking for a quiz tonight")
_CONTRACTION_RE = re.compile(
    r"\b(what|who|where|when|how|why|do|does|did|is|are|was|were|ca|could|would|should|wo|has|have|had|that|there"
    r"|they|you)(n't|'s|'re|’s|n’t|’re)\b", re.IGNORECASE)


def chat(question: str, short_of: dict[str, str], words: re.Pattern[str]) -> str:
    """Return the question with its long forms as chat short forms and its contractions without apostrophes."""
    typed = words.sub(lambda m: short_of[m.group(1).lower()], question)
    return _CONTRACTION_RE.sub(lambda m: m.group(1) + m.group(2).replace("'", "").replace("’", ""), typed)


def keywords(question: str) -> str:
    """Return the question's words that are no stopword, lower case and without punctuation."""
    words = (w.strip(".").lower() for w in re.findall(r"[\w'’.-]+", question))
    return " ".join(w for w in words if w and w not in STOPWORDS)


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
    parser.add_argument("variant",
                        choices=("chat", "typos", "polite", "framed", "framed2", "framed3", "framed4", "keywords"))
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
                elif args.variant == "keywords":
                    qa["question"] = keywords(asked) or asked
                elif args.variant.startswith("framed"):
                    frames = {"framed": (LEADS, TAILS), "framed2": (LEADS2, TAILS2), "framed3": (LEADS3, TAILS3),
                              "framed4": (LEADS4, TAILS4)}
                    leads, tails = frames[args.variant]
                    lead, tail = rng.choice(leads), rng.choice(tails)
                    if not lead and not tail:
                        lead = leads[0]
                    qa["question"] = lead + (asked[:1].lower() + asked[1:] if lead else asked) + tail
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
