"""Benchmark askbot's index against rank-bm25 and bm25s on synthetic corpora (run by hand, not in CI).

    python tests/bench/bench_search.py --passages 1k 10k 100k 1M

For each size, in one run on one machine: build time, memory, per-question latency (p50/p95) of askbot,
rank-bm25 (``get_scores`` + argsort top-k) and bm25s (``get_scores`` + its numpy top-k, and ``retrieve``),
the ratios, whether askbot's top 10 equal rank-bm25's, and the warm start of a restarted service from its
saved index. Ends with a Markdown table (the one in README ``## Scale``).

How things are measured
* Time: ``time.perf_counter``; every library gets the same tokens (askbot's analyzer), and tokenizing is
  timed once and reported on its own ("cold build" = tokenize + build).
* Memory: ``tracemalloc`` (numpy reports its buffers to it), in a separate build from the timed one.
  "peak" is the most memory allocated at once during the build above what existed before it (the tokens);
  "kept" is what the built structures still hold afterwards. Python objects shared with the input (the term
  strings) are not counted for anyone.
* Top-10 equality: askbot's hits (positions and scores, bit for bit) against rank-bm25's scores sorted by
  score then position, over the passages that hold a question term.
* Warm start: a fresh ``python`` process loads the Markdown corpus (reading and hashing every file, parsing
  only those not in the saved parse), loads the saved index and answers one question through ``AskService``;
  the figure excludes only the interpreter start and imports (shown apart), median of three starts.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import Synthetic, generate, write_articles

from bot.analysis import Analyzer
from bot.index import BM25Index, BM25Params

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}
TOP = 10
WARM_RUNS = 3
MB = 1024 * 1024

WARM_START = r"""
import json, sys, time
t0 = time.perf_counter()
from bot.service import AskService
from bot.settings import load_settings
t1 = time.perf_counter()
settings = load_settings(env_file=None, overrides={"corpus": {"path": sys.argv[1]},
                         "index": {"cache_dir": sys.argv[2], "min_passages": 0}})
service = AskService.from_settings(settings)
t2 = time.perf_counter()
answer = service.ask(sys.argv[3])
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "start": t2 - t1, "first_answer": t3 - t2, "total": t3 - t1,
                  "answered": answer.answered}))
"""


def parse_size(text: str) -> int:
    """Read 1k, 10k, 100k, 1M or a plain number."""
    return SIZES.get(text) or int(text.replace("_", ""))


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def traced(fn: Callable[[], Any]) -> tuple[float, float]:
    """Return (peak, kept) bytes allocated by ``fn`` above what existed before it."""
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    out = fn()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak - base, current - base


def latencies(fn: Callable[[list[str]], Any], questions: Sequence[list[str]]) -> np.ndarray:
    fn(questions[0])  # warm up caches and lazily built buffers
    out = []
    for q in questions:
        start = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - start)
    return np.asarray(out)


def p(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q) * 1000)


def bench(data: Synthetic, rank_questions: int, skip_rank: bool) -> tuple[dict[str, Any], str]:
    """Run every in-memory measurement at one size; return the figures and a question for the warm start."""
    n = len(data.passages)
    row: dict[str, Any] = {"passages": n}
    analyzer = Analyzer()
    tokenized, row["tokenize_s"] = timed(lambda: analyzer.terms_many(data.passages))
    row["tokens"] = sum(map(len, tokenized))
    questions = [t for t in (analyzer.terms(q) for q in data.questions) if t]
    params = BM25Params()

    index, row["askbot_build_s"] = timed(lambda: BM25Index.build(tokenized, params))
    row["askbot_peak_mb"], row["askbot_kept_mb"] = (x / MB for x in traced(lambda: BM25Index.build(tokenized, params)))
    row["terms"], row["postings"] = len(index.vocab), int(index.post_docs.size)
    print(f"tokenized {row['tokens']:,} tokens in {row['tokenize_s']:.2f} s;"
          f" askbot build {row['askbot_build_s']:.2f} s, peak {row['askbot_peak_mb']:.0f} MB,"
          f" kept {row['askbot_kept_mb']:.0f} MB"
          f" ({row['terms']:,} terms, {row['postings']:,} postings)", flush=True)
    ask = latencies(lambda q: index.search(q, TOP), questions)
    row["askbot_p50"], row["askbot_p95"] = p(ask, 50), p(ask, 95)
    print(f"askbot search: p50 {row['askbot_p50']:.3f} ms, p95 {row['askbot_p95']:.3f} ms ({len(questions)} questions)")

    import bm25s  # a test dependency, imported where used

    def bm25s_build() -> Any:
        model = bm25s.BM25(method="lucene", k1=params.k1, b=params.b)
        model.index(tokenized, show_progress=False)
        return model

    model, row["bm25s_build_s"] = timed(bm25s_build)
    row["bm25s_peak_mb"], row["bm25s_kept_mb"] = (x / MB for x in traced(bm25s_build))
    known = [[t for t in q if t in model.vocab_dict] for q in questions]
    known = [q for q in known if q]

    def bm25s_scores_topk(q: list[str]) -> Any:
        scores = model.get_scores(q)
        return bm25s.selection.topk(scores, TOP, backend="numpy")

    def bm25s_retrieve(q: list[str]) -> Any:
        return model.retrieve([q], k=TOP, show_progress=False, n_threads=1)

    b1, b2 = latencies(bm25s_scores_topk, known), latencies(bm25s_retrieve, known)
    row["bm25s_p50"], row["bm25s_p95"] = p(b1, 50), p(b1, 95)
    row["bm25s_retrieve_p50"], row["bm25s_retrieve_p95"] = p(b2, 50), p(b2, 95)
    print(f"bm25s build {row['bm25s_build_s']:.2f} s, peak {row['bm25s_peak_mb']:.0f} MB, kept"
          f" {row['bm25s_kept_mb']:.0f} MB; get_scores+top-k p50 {row['bm25s_p50']:.3f} ms p95 {row['bm25s_p95']:.3f}"
          f" ms; retrieve p50 {row['bm25s_retrieve_p50']:.3f} ms p95 {row['bm25s_retrieve_p95']:.3f} ms", flush=True)

    if skip_rank:
        print("rank-bm25: skipped (--skip-rank-bm25-above)")
    else:
        reference, row["rank_build_s"] = timed(lambda: params.reference(tokenized))
        row["rank_peak_mb"], row["rank_kept_mb"] = (x / MB for x in traced(lambda: params.reference(tokenized)))
        subset = questions[:rank_questions]

        def rank_topk(q: list[str]) -> Any:
            scores = reference.get_scores(q)
            return np.argsort(scores)[::-1][:TOP]

        r = latencies(rank_topk, subset)
        row["rank_p50"], row["rank_p95"], row["rank_questions"] = p(r, 50), p(r, 95), len(subset)
        same = 0
        for q in subset:
            scores = reference.get_scores(q)
            holding = np.unique(np.concatenate([index.postings(t)[0] for t in q]))
            best = sorted(holding.tolist(), key=lambda d: (-scores[d], d))[:TOP]
            hits = index.search(q, TOP)
            same += [(h.position, h.score) for h in hits] == [(d, float(scores[d])) for d in best]
        row["top10_identical"] = f"{same}/{len(subset)}"
        print(f"rank-bm25 build {row['rank_build_s']:.2f} s, peak {row['rank_peak_mb']:.0f} MB, kept"
              f" {row['rank_kept_mb']:.0f} MB; get_scores+argsort p50 {row['rank_p50']:.1f} ms p95"
              f" {row['rank_p95']:.1f} ms ({len(subset)} questions); top-10 identical: {row['top10_identical']}",
              flush=True)

    return row, "What about " + " ".join(questions[0])


def bench_start(row: dict[str, Any], data: Synthetic, question: str, workdir: Path) -> None:
    """Time a cold and a warm service start in new processes, from Markdown files on disk."""
    n = len(data.passages)
    folder = workdir / f"corpus-{n}"
    cache = workdir / f"cache-{n}"
    write_articles(data.passages, folder)
    cold = run_start(folder, cache, question)
    # A single start is at the mercy of the page cache and of the cold start's writes: take the median of three.
    warms = sorted((run_start(folder, cache, question) for _ in range(WARM_RUNS)), key=lambda r: r["total"])
    warm = warms[len(warms) // 2]
    row["warm_start_all_s"] = [round(r["total"], 3) for r in warms]
    row["service_cold_s"], row["warm_start_s"], row["warm_imports_s"] = cold["total"], warm["total"], warm["imports"]
    row["warm_load_s"], row["warm_first_answer_s"] = warm["start"], warm["first_answer"]
    print(f"service start, new process: cold (parse + analyze + build + save) {cold['total']:.2f} s; warm (parse +"
          f" load saved index) {warm['start']:.2f} s + first answer {warm['first_answer'] * 1000:.1f} ms ="
          f" {warm['total']:.2f} s, median of {row['warm_start_all_s']} (imports {warm['imports']:.2f} s apart)",
          flush=True)


def run_start(folder: Path, cache: Path, question: str) -> dict[str, Any]:
    """Start a service in a new process and return its timings."""
    out = subprocess.run([sys.executable, "-c", WARM_START, str(folder), str(cache), question],
                         check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "–"


def table(rows: list[dict[str, Any]]) -> str:
    """Return the results as a Markdown table."""
    def f(row: dict[str, Any], key: str, fmt: str = "{:.2f}") -> str:
        return fmt.format(row[key]) if key in row else "–"

    head = ("| passages | tokens | tokenize s | build s: askbot / rank-bm25 / bm25s | memory MB: askbot peak (kept) /"
            " rank-bm25 peak (kept) / bm25s peak (kept) | p50 / p95 ms: askbot | rank-bm25 get_scores+argsort |"
            " bm25s get_scores+top-k | bm25s retrieve | askbot p50 vs bm25s / vs rank-bm25 | top-10 = rank-bm25 |"
            " warm start s (load corpus + index, first answer) |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        lines.append(
            f"| {r['passages']:,} | {r['tokens']:,} | {f(r, 'tokenize_s')} | {f(r, 'askbot_build_s')} /"
            f" {f(r, 'rank_build_s')} / {f(r, 'bm25s_build_s')} | {f(r, 'askbot_peak_mb', '{:.0f}')}"
            f" ({f(r, 'askbot_kept_mb', '{:.0f}')}) / {f(r, 'rank_peak_mb', '{:.0f}')}"
            f" ({f(r, 'rank_kept_mb', '{:.0f}')}) / {f(r, 'bm25s_peak_mb', '{:.0f}')}"
            f" ({f(r, 'bm25s_kept_mb', '{:.0f}')}) |"
            f" {f(r, 'askbot_p50', '{:.3f}')} / {f(r, 'askbot_p95', '{:.3f}')} |"
            f" {f(r, 'rank_p50', '{:.1f}')} / {f(r, 'rank_p95', '{:.1f}')} |"
            f" {f(r, 'bm25s_p50', '{:.3f}')} / {f(r, 'bm25s_p95', '{:.3f}')} |"
            f" {f(r, 'bm25s_retrieve_p50', '{:.3f}')} / {f(r, 'bm25s_retrieve_p95', '{:.3f}')} |"
            f" {ratio(r.get('askbot_p50'), r.get('bm25s_p50'))} / {ratio(r.get('askbot_p50'), r.get('rank_p50'))} |"
            f" {r.get('top10_identical', '–')} | {f(r, 'warm_start_s')} ({f(r, 'warm_load_s')},"
            f" {f(r, 'warm_first_answer_s', '{:.3f}')}) |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", nargs="+", default=["1k", "10k", "100k"], help="sizes: 1k 10k 100k 1M or N")
    parser.add_argument("--questions", type=int, default=300, help="questions timed per library")
    parser.add_argument("--rank-questions", type=int, default=30, help="questions timed with rank-bm25 (slow)")
    parser.add_argument("--skip-rank-bm25-above", type=parse_size, default=None,
                        help="do not build rank-bm25 above this many passages")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; {args.questions} questions per size")
    rows = []
    with tempfile.TemporaryDirectory(prefix="askbot-bench-") as tmp:
        for size in args.passages:
            n = parse_size(size)
            skip = args.skip_rank_bm25_above is not None and n > args.skip_rank_bm25_above
            print(f"\n=== {n:,} passages ===", flush=True)
            data, gen_s = timed(lambda n=n: generate(n, args.questions, args.seed))  # type: ignore[misc]
            print(f"generated in {gen_s:.1f} s", flush=True)
            row, question = bench(data, args.rank_questions, skip)
            gc.collect()
            bench_start(row, data, question, Path(tmp))
            rows.append(row)
            del data
            if args.json:
                args.json.write_text(json.dumps(rows, indent=2))
    print("\n" + table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
