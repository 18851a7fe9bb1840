"""Write ``bot/data/wordnet_related.txt`` and ``wordnet_kinds.txt`` from WordNet 3.0; run by hand.

    apt-get download wordnet-base && dpkg-deb -x wordnet-base_*.deb wn     # Debian's WordNet 3.0 database
    python tests/tools/wordnet_related.py wn/usr/share/wordnet

Single alphabetic words of three letters or more only, in groups of two kinds (the second with
``--derivations``; measured in round 25 and not shipped):

* **synonyms**: the words whose most frequent sense (the first synset their index line lists, in WordNet's
  order of tagged frequency) is the same synset, each of them tagged at least once in WordNet's sense-tagged
  texts ("film movie", "family household" … not every sense a word may have, which would link "film" to
  "layer");
* **derivations**: a noun and a verb WordNet links as derivationally related forms ("invade invasion",
  "die death", "elect election"), which the stemmer keeps apart.

``wordnet_kinds.txt`` holds, for each noun tagged at least once, the kinds WordNet names under its most frequent
sense, two levels down ("aircraft" → "heavier-than-air craft" → "helicopter"; hyponyms, not instances such as
cities' names), each a single word whose own most frequent sense is that kind: what "how many aircraft" may
count ("150 helicopters"). Two levels counted as many of the public set's questions as three or six (round 26).

The output's header names the database files' SHA-256, so the list can be checked against its source. WordNet
3.0 is © Princeton University under the WordNet 3.0 licence (``bot/data/WORDNET_LICENSE``), which permits
copying and redistribution with its notice.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bot" / "data" / "wordnet_related.txt"
KINDS_OUT = REPO / "bot" / "data" / "wordnet_kinds.txt"
KIND_LEVELS = 2
SOURCES = ("index.noun", "index.verb", "index.adj", "data.noun", "data.verb")
MIN_LETTERS = 3


def usable(word: str) -> bool:
    """Return True for a single alphabetic word of ``MIN_LETTERS`` or more (no collocation, no hyphen)."""
    return word.isalpha() and word.isascii() and len(word) >= MIN_LETTERS


def first_senses(wordnet: Path, pos: str) -> dict[str, tuple[str, int]]:
    """Return each usable lemma of an index file: its most frequent synset and how often its senses are tagged."""
    out = {}
    for line in (wordnet / f"index.{pos}").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence at the top of each file
            continue
        parts = line.split()
        lemma, pointers = parts[0], int(parts[3])
        if usable(lemma):
            out[lemma] = (parts[6 + pointers], int(parts[5 + pointers]))
    return out


def synonym_groups(wordnet: Path) -> list[str]:
    """Return the groups of words that share their most frequent sense, each word tagged at least once."""
    groups: dict[tuple[str, str], set[str]] = {}
    for pos in ("noun", "verb", "adj"):
        for lemma, (synset, tagged) in first_senses(wordnet, pos).items():
            if tagged >= 1:
                groups.setdefault((pos, synset), set()).add(lemma)
    found = {" ".join(sorted(words)) for words in groups.values() if len(words) > 1}
    return sorted(found)


def kind_lines(wordnet: Path, levels: int = KIND_LEVELS) -> list[str]:
    """Return "noun kind kind …" for each tagged noun whose first sense has kinds ``levels`` hyponym steps down."""
    senses = first_senses(wordnet, "noun")
    synsets = _synsets(wordnet / "data.noun")
    out = []
    for noun, (synset, tagged) in sorted(senses.items()):
        if tagged < 1:
            continue
        kinds: set[str] = set()
        level, seen = [synset], {synset}
        for _ in range(levels):
            below = [offset for at in level for symbol, offset, pos, _, _ in synsets[at][1]
                     if symbol == "~" and pos == "n" and offset not in seen]  # "~i", an instance, is no kind
            seen.update(below)
            kinds.update(word for at in below for word in synsets[at][0]
                         if word in senses and senses[word][0] == at)
            level = below
        kinds.discard(noun)
        if kinds:
            out.append(" ".join([noun, *sorted(kinds)]))
    return out


def _synsets(path: Path) -> dict[str, tuple[list[str], list[tuple[str, str, str, int, int]]]]:
    """Return each synset of a data file: its words and its pointers (symbol, offset, pos, source, target)."""
    out = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        parts = line.split("|")[0].split()
        count = int(parts[3], 16)
        words = [parts[4 + 2 * i].lower() for i in range(count)]
        at = 4 + 2 * count
        pointers = []
        for _ in range(int(parts[at])):
            symbol, offset, pos, where = parts[at + 1 : at + 5]
            pointers.append((symbol, offset, pos, int(where[:2], 16), int(where[2:], 16)))
            at += 4
        out[parts[0]] = (words, pointers)
    return out


def derivation_pairs(wordnet: Path) -> list[str]:
    """Return the noun/verb pairs WordNet links as derivationally related forms ("+" pointers)."""
    data = {"n": _synsets(wordnet / "data.noun"), "v": _synsets(wordnet / "data.verb")}
    pairs: set[tuple[str, str]] = set()
    for pos, synsets in data.items():
        for words, pointers in synsets.values():
            for symbol, offset, target_pos, source, target in pointers:
                if symbol != "+" or target_pos not in data or target_pos == pos:
                    continue
                targets = data[target_pos][offset][0]
                for a in words if source == 0 else [words[source - 1]]:
                    for b in targets if target == 0 else [targets[target - 1]]:
                        if a != b and usable(a) and usable(b):
                            pairs.add((min(a, b), max(a, b)))
    return [f"{a} {b}" for a, b in sorted(pairs)]


def _write(path: Path, about: list[str], digests: list[str], body: list[str]) -> None:
    """Write a list: what it is, then its provenance (the same for every list the tool writes), then its lines."""
    path.write_text("\n".join([
        *about,
        "# Generated by tests/tools/wordnet_related.py from Debian's wordnet-base (1:3.0-37); do not edit by hand.",
        "# WordNet 3.0 Copyright 2006 by Princeton University; licence in WORDNET_LICENSE beside this file.",
        "# Source files:",
        *digests,
        *body,
        "",
    ]), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wordnet", type=Path, help="WordNet 3.0's dict folder (index.noun, data.noun …)")
    parser.add_argument("--derivations", action="store_true", help="add the noun/verb derivations")
    args = parser.parse_args()
    digests = [f"#   {name} sha256 {hashlib.sha256((args.wordnet / name).read_bytes()).hexdigest()}"
               for name in SOURCES]
    synonyms = synonym_groups(args.wordnet)
    derivations = derivation_pairs(args.wordnet) if args.derivations else []
    kinds = kind_lines(args.wordnet)
    _write(OUT, [
        "# Related words from WordNet 3.0: synonyms that share their most frequent sense"
        + (", and noun/verb derivations." if derivations else "."),
        "# Read by bot.expansion (WORDNET) with bot.wordlists.lines, in the format of related.txt (one group per",
        "# line, every word of a group related to every other), weighed by retrieval.wordnet_weight.",
    ], digests, [
        f"# Synonyms ({len(synonyms)} groups):",
        *synonyms,
        *([f"# Derivations ({len(derivations)} pairs):", *derivations] if derivations else []),
    ])
    _write(KINDS_OUT, [
        f"# Kinds of nouns from WordNet 3.0: each tagged noun, then the kinds named {KIND_LEVELS} levels under its",
        "# most frequent sense whose own most frequent sense they are (hyponyms; no instances).",
        "# Read by bot.expansion (noun_kinds) with bot.wordlists.lines: what a how-many question's counted noun may",
        "# count (retrieval.count_kinds). The first word of a line is the noun; the others are its kinds.",
    ], digests, [f"# Nouns ({len(kinds)}):", *kinds])
    print(f"{OUT}: {len(synonyms)} synonym groups, {len(derivations)} derivation pairs")
    print(f"{KINDS_OUT}: {len(kinds)} nouns")


if __name__ == "__main__":
    main()
