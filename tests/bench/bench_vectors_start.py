"""Time a start whose passage vectors are all saved: build and save them once, then load them in new processes.

    python tests/bench/bench_vectors_start.py --passages 100k

Run by hand, not in CI. The vectors are random unit vectors (``bench_search.StandInEmbedder``): what a start
costs depends on their number and shape, not their values. Each passage has seven sentences, as news prose
here has about; the saved file holds every passage's vector and every sentence's. A load runs in a fresh
process, so its peak RSS is its own; it prints how long until the vectors are complete, the peak RSS, and what
one question's sentence cosines over 20 candidates cost. To compare with other code, run it from another
checkout, or with that checkout first on PYTHONPATH (the file's key includes the format, so each version
writes its own file).
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import StandInEmbedder, parse_size

from bot.semantic import PassageVectors, VectorStore  # the installed askbot, or the one PYTHONPATH names

SENTENCES = 7
CANDIDATES = 20
ASKS = 200


def texts_of(n: int) -> list[str]:
    """Return ``n`` synthetic passages of seven capitalised sentences each."""
    rng = random.Random(0)
    words = [f"w{i}" for i in range(5000)]
    return [" ".join(" ".join(["W" + rng.choice(words)[1:]] + [rng.choice(words) for _ in range(11)]) + "."
                     for _ in range(SENTENCES)) for _ in range(n)]


def run(mode: str, folder: Path, n: int) -> str:
    """Build (and save) or load the vectors of ``n`` passages; return one line of figures."""
    model = StandInEmbedder(384)
    texts = texts_of(n)
    start = time.perf_counter()
    vectors = PassageVectors(model, texts, store=VectorStore(folder, 0), background_above=n + 1, exact_up_to=n + 1)
    ready = time.perf_counter() - start
    query = model.embed(["a question"])[0]
    start = time.perf_counter()
    for i in range(ASKS):
        at = i * 13 % max(1, n - CANDIDATES)
        vectors.similarities(query, list(range(at, at + CANDIDATES)))
    cosines = (time.perf_counter() - start) / ASKS * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"{mode}: vectors complete ({vectors.complete}) after {ready:.2f} s; peak RSS {rss:.0f} MB; "
            f"sentence cosines of {CANDIDATES} candidates {cosines:.3f} ms")


def main() -> int:
    """Build once, then load in new processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=parse_size, default=100_000)
    parser.add_argument("--loads", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(run(args.child[0], Path(args.child[1]), args.passages), flush=True)
        return 0
    with tempfile.TemporaryDirectory(prefix="askbot-vectors-") as folder:
        for mode in ["build"] + ["load"] * args.loads:
            subprocess.run([sys.executable, __file__, "--passages", str(args.passages), "--child", mode, folder],
                           check=True, timeout=3600)
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        print(f"saved vectors: {size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
