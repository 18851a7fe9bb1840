"""Time the first answer of a fresh process: ``askbot ask`` with the passage vectors saved, and embedded again.

    python tests/bench/bench_first_answer.py [--runs 9] [--corpus FOLDER] [QUESTION]

Run by hand, not in CI. Each run is a new ``python -m bot ask`` process (imports, settings, corpus, model, the
question embedded, the answer printed), as an operator's every ``askbot ask`` is. The two sides alternate in one
session against one fresh cache folder: *saved* runs with the settings as shipped (the corpus's passage vectors
saved at the first start and mapped at every later one), *embedded* with ``index.min_vector_passages`` above the
corpus's size, as before round 44, so every start embeds every passage and sentence again. One start of each side
first, not counted: it writes the saved side's vectors. Prints each side's median, minimum and maximum wall time,
and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QUESTION = "How many inmates work in construction?"
EMBEDDED = "1000000"  # min_vector_passages above any corpus here: vectors kept in memory only


def start(question: str, corpus: Path, cache: Path, *, saved: bool) -> float:
    """Return the wall time of one ``python -m bot ask`` process."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "ASKBOT_CORPUS__PATH": str(corpus)}
    env.pop("ASKBOT_INDEX__MIN_VECTOR_PASSAGES", None)
    if not saved:
        env["ASKBOT_INDEX__MIN_VECTOR_PASSAGES"] = EMBEDDED
    began = time.perf_counter()
    # run in the cache folder: no .env of the working folder is read
    subprocess.run([sys.executable, "-m", "bot", "ask", question], env=env, cwd=cache, check=True,
                   stdout=subprocess.DEVNULL, timeout=120)
    return time.perf_counter() - began


def main() -> None:
    """Run both sides alternately and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default=QUESTION)
    parser.add_argument("--runs", type=int, default=9, help="counted starts of each side (default 9)")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus", help="articles folder (default: the bundled)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        for saved in (True, False):
            start(args.question, args.corpus, cache, saved=saved)
        times: dict[bool, list[float]] = {True: [], False: []}
        for i in range(args.runs * 2):
            saved = i % 2 == 0
            times[saved].append(start(args.question, args.corpus, cache, saved=saved))
    for saved, label in ((True, "saved"), (False, "embedded")):
        t = times[saved]
        print(f"{label:>8}: median {statistics.median(t):.3f} s, min {min(t):.3f}, max {max(t):.3f} ({len(t)} starts)")
    print(f"ratio saved / embedded (medians): {statistics.median(times[True]) / statistics.median(times[False]):.2f}")


if __name__ == "__main__":
    main()
