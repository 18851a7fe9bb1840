"""Sentence vectors from the packaged all-MiniLM-L6-v2 ONNX model, on onnxruntime and tokenizers only.

Since round 14 the packaged weights are all-MiniLM-L6-v2 fine-tuned on fold A of the public dev set (manifest
name ``all-MiniLM-L6-v2-squad-a``; the folder keeps the base model's name; ``PROVENANCE.md`` beside it).

The model folder holds ``model.onnx`` (token embeddings; weights stored as float16, computed in float32),
``tokenizer.json`` (byte-identical to the upstream file) and ``manifest.json`` (name, dimension, limits,
checksums). Vectors equal sentence-transformers' ``encode(texts, normalize_embeddings=True)``: WordPiece
tokens truncated at ``max_seq_length`` (256), attention-masked mean of the token vectors, L2 norm.
The graph is made by ``tests/tools/export_model.py``; nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from bot.errors import AskbotError
from bot.semantic import TokenVectors

MODEL_NAME = "all-MiniLM-L6-v2"  # the packaged folder: the base model's name (the manifest names the weights)
DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / MODEL_NAME
MANIFEST_FILE = "manifest.json"
_HASH_CHUNK = 1 << 20
# Token positions in one model call. The call's working memory grows with it and the arena keeps its peak: on
# 2 cores, 192 passages with their sentences in calls of 32 texts of up to 256 tokens peaked at 1,056 MB RSS,
# in eights (2,048 positions) at 392 MB, embedding as fast (23-24 passages a second against 18-23). Short texts,
# such as questions asked at once, still go 64 to a call.
BATCH_TOKENS = 2048
_GRAPH_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class ModelError(AskbotError):
    """A model folder that cannot be used: a missing file, a bad manifest or a checksum mismatch."""

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True, slots=True)
class Manifest:
    """What ``manifest.json`` promises about the model folder."""

    name: str
    dimension: int
    max_seq_length: int
    onnx_file: str
    onnx_sha256: str
    tokenizer_file: str
    tokenizer_sha256: str


def model_available(path: Path | None = None) -> bool:
    """Tell whether a model folder holds the files its manifest names (checksums are checked at load)."""
    folder = DEFAULT_MODEL_DIR if path is None else path
    try:
        manifest = _read_manifest(folder)
    except ModelError:
        return False
    return (folder / manifest.onnx_file).is_file() and (folder / manifest.tokenizer_file).is_file()


class Embedder:
    """Embed texts as L2-normalised float32 rows; safe to call from several threads at once."""

    def __init__(self, session: ort.InferenceSession, tokenizer: Tokenizer, manifest: Manifest) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._manifest = manifest
        # The Rust tokenizer is shared mutable state behind PyO3's borrow checks; serialise access to it.
        self._tokenizer_lock = threading.Lock()

    @classmethod
    def from_dir(cls, path: Path | None = None, *, threads: int = 2) -> Embedder:
        """Load the model in ``path`` (default: the packaged one) after checking its manifest and checksums."""
        folder = DEFAULT_MODEL_DIR if path is None else path
        manifest = _read_manifest(folder)
        onnx_path = _checked_file(folder, manifest.onnx_file, manifest.onnx_sha256)
        tokenizer_path = _checked_file(folder, manifest.tokenizer_file, manifest.tokenizer_sha256)

        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The upstream file truncates and pads to 128; sentence-transformers truncates at 256 and pads per batch.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=manifest.max_seq_length)

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # onnxruntime's worker threads spin for a while after each run by default, taking the cores from the
        # rest of the answer (the products with the passages' vectors and word pieces): on the dev set a whole
        # ask took p50 17.8 ms spinning and 10.7-11.4 ms not (tests/bench/bench_word_pieces.py), for passages
        # embedded about 6-10% slower.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = ort.InferenceSession(str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for a bad graph
            raise ModelError(f"cannot load {onnx_path}: {exc}", path=onnx_path) from exc
        names = {node.name for node in session.get_inputs()}
        if names != set(_GRAPH_INPUTS):
            expected = list(_GRAPH_INPUTS)
            raise ModelError(f"{onnx_path} takes inputs {sorted(names)}, expected {expected}", path=onnx_path)
        return cls(session, tokenizer, manifest)

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return self._manifest.dimension

    @property
    def name(self) -> str:
        """The model's name, as its manifest gives it."""
        return self._manifest.name

    @property
    def checksum(self) -> str:
        """The sha256 of the model graph: saved vectors are keyed by it."""
        return self._manifest.onnx_sha256

    @property
    def max_seq_length(self) -> int:
        """Tokens read per text; the rest of a longer text is ignored."""
        return self._manifest.max_seq_length

    def knows(self, word: str) -> bool:
        """Return True when ``word`` is one of the model's word pieces (about 30,000 common words and parts)."""
        return self._tokenizer.token_to_id(word.lower()) is not None

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 64, batch_tokens: int = BATCH_TOKENS
    ) -> npt.NDArray[np.float32]:
        """Return one L2-normalised float32 row per text, in input order.

        Texts are batched by token count, so a batch pads little; each batch pads to its longest text and holds
        at most ``batch_size`` texts and ``batch_tokens`` token positions (texts × the longest).
        """
        return self._run(texts, None, batch_size=batch_size, batch_tokens=batch_tokens)

    def embed_with_tokens(
        self, texts: Sequence[str], *, batch_size: int = 64, batch_tokens: int = BATCH_TOKENS
    ) -> tuple[npt.NDArray[np.float32], list[TokenVectors]]:
        """Return ``embed``'s rows and, from the same model call, each text's word-piece vectors.

        The word-piece vectors are the model's contextual token vectors before pooling, without [CLS] and [SEP],
        each L2-normalised and stored as int8 codes with a scale (``TokenVectors``), with their vocabulary ids and
        where each starts in the stripped text.
        """
        tokens: list[TokenVectors | None] = [None] * len(texts)
        rows = self._run(texts, tokens, batch_size=batch_size, batch_tokens=batch_tokens)
        done = [t for t in tokens if t is not None]
        assert len(done) == len(texts)  # every text is in one batch
        return rows, done

    def _run(
        self, texts: Sequence[str], tokens: list[TokenVectors | None] | None, *, batch_size: int, batch_tokens: int
    ) -> npt.NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts, not one string")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        # sentence-transformers strips each text before tokenizing.
        stripped = [str(text).strip() for text in texts]
        with self._tokenizer_lock:
            encodings = self._tokenizer.encode_batch(stripped, add_special_tokens=True)
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        rows: list[int] = []
        for i in order:  # shortest first: each text is the longest of the batch it joins
            if rows and (len(rows) >= batch_size or (len(rows) + 1) * len(encodings[i].ids) > batch_tokens):
                out[rows] = self._embed_batch([encodings[r] for r in rows], rows, tokens)
                rows = []
            rows.append(i)
        if rows:
            out[rows] = self._embed_batch([encodings[r] for r in rows], rows, tokens)
        return out

    def _embed_batch(
        self, encodings: Sequence[Encoding], rows: Sequence[int], tokens: list[TokenVectors | None] | None
    ) -> npt.NDArray[np.float32]:
        """Run one padded batch and pool it into normalised rows; fill ``tokens`` at ``rows`` when given."""
        width = max(len(enc.ids) for enc in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = enc.attention_mask
            types[row, :n] = enc.type_ids
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        summed = (hidden * weights).sum(axis=1)
        counts = np.clip(weights.sum(axis=1), 1e-9, None)
        pooled = summed / counts
        # sentence-transformers' Normalize: x / max(||x||, 1e-12).
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        out: npt.NDArray[np.float32] = (pooled / norms).astype(np.float32)
        if tokens is not None:
            for row, (at, enc) in enumerate(zip(rows, encodings, strict=True)):
                n = len(enc.ids)
                inner = hidden[row, 1 : max(1, n - 1)]  # without [CLS] and [SEP]
                scale = np.clip(np.linalg.norm(inner, axis=1, keepdims=True), 1e-12, None)
                ids_inner = np.asarray(enc.ids[1 : max(1, n - 1)], dtype=np.int32)
                starts = np.asarray([a for a, _ in enc.offsets[1 : max(1, n - 1)]], dtype=np.int32)
                tokens[at] = TokenVectors.quantise(inner / scale, ids_inner, starts)
        return out


def _read_manifest(folder: Path) -> Manifest:
    """Read and validate ``manifest.json`` in ``folder``."""
    path = folder / MANIFEST_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"no model manifest at {path}", path=path) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"unreadable model manifest {path}: {exc}", path=path) from exc
    try:
        manifest = Manifest(
            name=str(raw["name"]),
            dimension=int(raw["dimension"]),
            max_seq_length=int(raw["max_seq_length"]),
            onnx_file=str(raw["onnx"]["file"]),
            onnx_sha256=str(raw["onnx"]["sha256"]).lower(),
            tokenizer_file=str(raw["tokenizer"]["file"]),
            tokenizer_sha256=str(raw["tokenizer"]["sha256"]).lower(),
        )
        pooling, normalize = raw["pooling"], raw["normalize"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"model manifest {path} lacks or mangles a field: {exc!r}", path=path) from exc
    if pooling != "mean" or normalize is not True:
        raise ModelError(f"model manifest {path} asks for pooling {pooling!r}, normalize {normalize!r}", path=path)
    if manifest.dimension < 1 or manifest.max_seq_length < 2:
        raise ModelError(f"model manifest {path} has impossible sizes", path=path)
    return manifest


def _checked_file(folder: Path, name: str, sha256: str) -> Path:
    """Return ``folder / name`` once its sha256 matches the manifest's."""
    path = folder / name
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc}", path=path) from exc
    if digest.hexdigest() != sha256:
        raise ModelError(f"{path} does not match its manifest checksum (sha256 {digest.hexdigest()})", path=path)
    return path
