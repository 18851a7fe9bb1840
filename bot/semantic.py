"""Passage vectors for the semantic stage: computed once per corpus, saved, and searched by cosine.

Every passage gets a sentence vector (all-MiniLM-L6-v2, ``bot.embedding``) when the snapshot is built; the
vectors are saved in the cache folder (a ``bot.array_file``), keyed by the model and the passages (their
articles' digests, or their texts), and mapped on the next start: nothing is read or converted then. The
passage vectors are saved as float32, as the search multiplies them (numpy has no fast float16 product, and
converting float16 rows per question cost more than the product), the sentence vectors as float16 (about seven
a passage, they are most of the memory; a question reads only its candidates'). The service checks the file's
checksums in the background as it does the saved index. A question is then the only text embedded at ask time.

On a large corpus (more than ``background_above`` passages) the snapshot does not wait: the vectors are filled
by a background thread, in chunks, while questions are answered lexically (the service uses the vectors only
once they are complete: embedding a question's candidates on demand competed with the fill for the cores and
took seconds per answer). The fill stops after its chunk when the process exits.

The passages nearest a question are found by an exact product with every vector up to ``exact_up_to``
passages. Above, that product costs milliseconds (8 ms at 100k here, memory-bound), so complete vectors are
grouped around about √n centroids (``CoarseIndex``, an inverted file) before they are saved, and saved sorted
by group: the search reads only the slices of the ``probe`` groups nearest the question, and a start maps the
grouping with the vectors instead of making it again.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from bot.analysis import sentence_spans
from bot.array_file import InvalidArrayFile, MappedArrays, on_disk, open_arrays, write_arrays
from bot.corpus_store import PassageTexts, parser_identity

log = logging.getLogger(__name__)
FORMAT = "askbot-vectors-6"
# The saved file's arrays, flat: passage vectors (n × d, sorted by group when grouped), sentence vectors (m × d),
# sentence offsets (n + 1); the grouping, empty when there is none: the passage in each row of the vectors
# (n), where each group starts (groups + 1), and the centroids (groups × d); and the passages' word-piece
# vectors (t × d int8 codes, t scales), their vocabulary ids (t), where each piece starts in its passage's text
# (t) and where each passage's start (n + 1), empty above ``tokens_up_to`` passages.
_SCHEMA: dict[str, np.dtype[Any]] = {"vectors": np.dtype(np.float32), "sentences": np.dtype(np.float16),
                                     "offsets": np.dtype(np.int64), "order": np.dtype(np.int64),
                                     "groups": np.dtype(np.int64), "centroids": np.dtype(np.float32),
                                     "tokens": np.dtype(np.int8), "token_scales": np.dtype(np.float32),
                                     "token_ids": np.dtype(np.int32), "token_starts": np.dtype(np.int32),
                                     "token_offsets": np.dtype(np.int64)}
CHUNK = 64  # passages embedded at a time by the background fill


class TextEmbedder(Protocol):
    """What the semantic stage needs of a model: L2-normalised vectors for texts."""

    @property
    def name(self) -> str:
        """The model's name."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    @property
    def checksum(self) -> str:
        """A digest of the model, which saved vectors are keyed by."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return one L2-normalised float32 row per text."""
        ...


@dataclass(frozen=True, slots=True)
class TokenVectors:
    """A text's word-piece vectors (the model's contextual token vectors, L2-normalised), ids and places.

    Stored as int8 codes with one scale a piece (``codes * scale`` ≈ the vector): half the bytes of float16 and,
    above all, numpy turns int8 into float32 about twenty times faster than float16 (2 ms a question here for
    the pieces of 20 candidates as float16, 0.1 ms as int8).
    """

    codes: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]
    ids: npt.NDArray[np.int32]
    starts: npt.NDArray[np.int32]  # where each piece starts in the text, in characters (what splits it by sentence)

    @classmethod
    def quantise(
        cls, vectors: npt.NDArray[np.float32], ids: npt.NDArray[np.int32], starts: npt.NDArray[np.int32] | None = None
    ) -> TokenVectors:
        """Return the pieces of these vectors (one row a piece), each scaled so its largest value is ±127.

        Without ``starts`` every piece starts at 0: the text reads as one sentence.
        """
        top = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0, np.float32)
        scales = (np.where(top > 0, top, 1.0) / 127.0).astype(np.float32)
        codes = np.rint(vectors / scales[:, None]).astype(np.int8)
        where = np.zeros(len(ids), np.int32) if starts is None else np.asarray(starts, dtype=np.int32)
        return cls(codes, scales, ids, where)

    def vectors(self) -> npt.NDArray[np.float32]:
        """Return the vectors the codes stand for."""
        return self.codes.astype(np.float32) * self.scales[:, None]


@runtime_checkable
class WordKnower(Protocol):
    """A model whose vocabulary tells a word it reads whole (a common word, spelt right) from others."""

    def knows(self, word: str) -> bool:
        """Return True when the model reads ``word`` as one of its own word pieces."""
        ...


@runtime_checkable
class TokenEmbedder(TextEmbedder, Protocol):
    """A model that also gives each text's word-piece vectors, from the same call."""

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.float32], list[TokenVectors]]:
        """Return ``embed``'s rows and each text's ``TokenVectors``."""
        ...


@dataclass(frozen=True, slots=True)
class QuestionVectors:
    """A question's sentence vector and, when the word-piece stage reads them, its word-piece vectors."""

    vector: npt.NDArray[np.float32]
    tokens: TokenVectors | None = None


def embed_questions(embedder: TextEmbedder, texts: Sequence[str], *, tokens: bool) -> list[QuestionVectors]:
    """Embed questions in one model call, with their word-piece vectors when asked and the model gives them."""
    if tokens and isinstance(embedder, TokenEmbedder):
        rows, pieces = embedder.embed_with_tokens(texts)
        return [QuestionVectors(row, piece) for row, piece in zip(rows, pieces, strict=True)]
    return [QuestionVectors(row) for row in embedder.embed(texts)]


def token_match(query: TokenVectors, passage: TokenVectors, idf: npt.NDArray[np.float32]) -> float:
    """Return how well a passage's word pieces match the question's.

    The IDF-weighted mean of each question word piece's best cosine with any of the passage's (late interaction,
    as ColBERT scores; here with the sentence model's own token vectors, untrained for it).

    ``idf`` is indexed by vocabulary id; ids past its end weigh as a word piece no passage holds.
    """
    return float(token_matches(query, [passage], idf).passages[0])


@dataclass(frozen=True, slots=True)
class TokenMatches:
    """``token_match`` of each passage, and of its best sentence (its pieces alone, read in the passage)."""

    passages: npt.NDArray[np.float32]
    sentences: npt.NDArray[np.float32]


def _product(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Return ``a @ b``, checked for values that are not finite rather than for the invalid-operation flag.

    Some OpenBLAS kernels leave the invalid-operation flag set after multiplying finite arrays (numpy issues
    13173 and 24067, OpenBLAS issue 1924), and numpy then warns "invalid value encountered in matmul"; the
    tests, which turn warnings into errors, failed on it once in CI (round 25), not again in three runs side
    by side. The operands here are unit vectors, int8 codes times finite scales and IDF weights, which cannot
    make an invalid value, so the result is checked instead: one that is not finite still raises. Every product
    of the module goes through here, the nearest-passage searches and the groups' fitting too (round 26): the
    check costs 0.2 ms on an exact search's 20,000 cosines (2.3 ms), 9 ms on a fitting step's (208 ms).
    """
    with np.errstate(invalid="ignore"):
        out: npt.NDArray[np.float32] = a @ b
    if not np.isfinite(out).all():
        raise FloatingPointError("a similarity that is not a finite number")
    return out


def token_matches(
    query: TokenVectors,
    passages: Sequence[TokenVectors],
    idf: npt.NDArray[np.float32],
    sentences: Sequence[npt.NDArray[np.int64]] | None = None,
) -> TokenMatches:
    """Return ``token_match`` of each passage and of its best sentence, from one product of all the pieces.

    ``sentences`` gives each passage's pieces their sentence numbers (in order); without it a passage is one
    sentence. A sentence's figure is the passage's figure over its pieces only: every question piece must find
    its match within one sentence, as an answer sentence that restates the question does.
    """
    whole = np.zeros(len(passages), dtype=np.float32)
    best_sentence = np.zeros(len(passages), dtype=np.float32)
    lengths = np.array([len(p.ids) for p in passages], dtype=np.int64)
    weights = _piece_weights(query, idf)
    total = float(weights.sum())
    if not lengths.any() or total <= 0.0:
        return TokenMatches(whole, best_sentence)
    held = np.flatnonzero(lengths > 0)
    kept = [passages[i] for i in held.tolist()]
    codes = np.concatenate([p.codes for p in kept]).astype(np.float32)
    scales = np.concatenate([p.scales for p in kept])
    sims = _product(query.vectors(), codes.T) * scales  # question pieces × every candidate's pieces
    starts = np.concatenate(([0], np.cumsum(lengths[held])[:-1]))
    best = np.maximum.reduceat(sims, starts, axis=1)  # each question piece's best, candidate by candidate
    whole[held] = _product(weights, best) / total
    if sentences is None:
        best_sentence[held] = whole[held]
        return TokenMatches(whole, best_sentence)
    # Segments: runs of one sentence within one passage; each passage's first segment starts where it does.
    segment_starts: list[npt.NDArray[np.int64]] = []
    first_segment: list[int] = []
    count = 0
    for start, i in zip(starts.tolist(), held.tolist(), strict=True):
        numbers = np.asarray(sentences[i])
        first_segment.append(count)
        segment_starts.append(start + _sentence_runs(numbers))
        count += len(segment_starts[-1])
    per_segment = _product(weights, np.maximum.reduceat(sims, np.concatenate(segment_starts), axis=1)) / total
    best_sentence[held] = np.maximum.reduceat(per_segment, np.array(first_segment, dtype=np.int64))
    return TokenMatches(whole, best_sentence)


def _sentence_runs(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Return where each run of one sentence's pieces starts (a passage's pieces come in sentence order)."""
    return np.flatnonzero(np.diff(numbers, prepend=numbers[0] - 1))


def _piece_weights(query: TokenVectors, idf: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Return the IDF of each of the question's word pieces; one no passage holds weighs as the rarest."""
    top = float(idf.max()) if len(idf) else 1.0
    ids = query.ids.astype(np.int64)
    inside = ids < len(idf)
    return np.where(inside, idf[np.where(inside, ids, 0)] if len(idf) else top, top).astype(np.float32)


@dataclass(frozen=True, slots=True)
class SentenceMatches:
    """``token_match`` of each of a passage's sentences, alone and read with the sentence before it."""

    own: npt.NDArray[np.float32]
    with_previous: npt.NDArray[np.float32]  # each question piece's best in the sentence or the one before it


def sentence_token_matches(
    query: TokenVectors, passage: TokenVectors, idf: npt.NDArray[np.float32], sentences: npt.NDArray[np.int64],
    count: int,
) -> SentenceMatches:
    """Return ``token_match`` of each of a passage's ``count`` sentences, alone and read with the one before it.

    ``sentences`` gives each of the passage's pieces its sentence number; a sentence without pieces (past the
    model's reach) scores 0 alone. The first sentence, with none before it, scores the same both ways.
    """
    own = np.zeros(count, dtype=np.float32)
    weights = _piece_weights(query, idf)
    total = float(weights.sum())
    if not len(passage.ids) or total <= 0.0:
        return SentenceMatches(own, own.copy())
    sims = _product(query.vectors(), passage.codes.astype(np.float32).T) * passage.scales
    numbers = np.asarray(sentences, dtype=np.int64)
    starts = _sentence_runs(numbers)
    held = numbers[starts]
    inside = held < count
    best = np.maximum.reduceat(sims, starts, axis=1)  # each question piece's best, sentence by sentence
    own[held[inside]] = (_product(weights, best) / total)[inside]
    with_previous = own.copy()
    # A sentence right after another (its number one more) reads with it: "He was born there in 1810."
    follows = np.flatnonzero((held[1:] == held[:-1] + 1) & inside[1:]) + 1
    together = np.maximum(best[:, follows], best[:, follows - 1])
    with_previous[held[follows]] = _product(weights, together) / total
    return SentenceMatches(own, with_previous)


def vectors_key(embedder: TextEmbedder, texts: Sequence[str], identity: str | None = None) -> str:
    """Return the key saved vectors must carry: the model, the sentence splitter and every passage text, in order.

    ``identity``, when the caller knows one, stands for the texts: a digest of what decides them (the articles'
    contents and the parser), so a start need not read and hash every passage (about 2 s at a million).
    """
    # Each passage's sentences have vectors of their own: another splitter is another set of vectors.
    h = hashlib.sha256(f"{FORMAT}\0{embedder.name}\0{embedder.checksum}\0{len(texts)}\0".encode())
    h.update(parser_identity().encode() + b"\0")
    if identity is not None:
        h.update(b"identity\0" + identity.encode())
        return h.hexdigest()
    # A passage table's texts are hashed as stored, in UTF-8: the same digest, nothing decoded.
    encoded = texts.encoded() if isinstance(texts, PassageTexts) else (text.encode("utf-8") for text in texts)
    for text in encoded:
        h.update(text)
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class VectorStore:
    """Where passage vectors are saved, and the fewest passages worth saving (fewer are embedded at every start)."""

    folder: Path
    min_passages: int = 1


@dataclass(frozen=True, slots=True)
class CoarseIndex:
    """Passage positions grouped by their nearest centroid, for an approximate nearest-passage search."""

    centroids: npt.NDArray[np.float32]  # (clusters, dimension), unit rows
    order: npt.NDArray[np.int64]  # passage positions, cluster by cluster
    offsets: npt.NDArray[np.int64]  # cluster c holds order[offsets[c]:offsets[c + 1]]

    @classmethod
    def build(cls, vectors: npt.NDArray[np.float32], *, seed: int = 0, iterations: int = 8,
              sample: int = 25_000, chunk: int = 8_192) -> CoarseIndex:
        """Group unit vectors around about √n centroids (spherical k-means on a sample, then every vector)."""
        n = len(vectors)
        clusters = max(1, round(n ** 0.5))
        rng = np.random.default_rng(seed)
        train = vectors[np.sort(rng.choice(n, size=min(n, sample), replace=False))]
        centroids = train[rng.choice(len(train), size=clusters, replace=False)].copy()
        for _ in range(iterations):
            nearest = np.argmax(_product(train, centroids.T), axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, nearest, train)
            norms = np.linalg.norm(sums, axis=1)
            empty = norms == 0  # a centroid no vector chose takes a random vector instead
            sums[empty] = train[rng.choice(len(train), size=int(empty.sum()))]
            norms[empty] = 1.0
            centroids = (sums / norms[:, None]).astype(np.float32)
        assigned = np.concatenate([np.argmax(_product(vectors[at : at + chunk], centroids.T), axis=1)
                                   for at in range(0, n, chunk)])
        order = np.argsort(assigned, kind="stable").astype(np.int64)
        offsets = np.concatenate(([0], np.cumsum(np.bincount(assigned, minlength=clusters)))).astype(np.int64)
        return cls(centroids, order, offsets)

    def groups(self, query: npt.NDArray[np.float32], probe: int) -> npt.NDArray[np.intp]:
        """Return the ``probe`` clusters whose centroids are nearest the query."""
        probe = min(probe, len(self.centroids))
        return np.argpartition(-_product(self.centroids, query), probe - 1)[:probe]


def _saved_tokens(mapped: MappedArrays, n: int, d: int) -> tuple[TokenVectors, npt.NDArray[np.int64]] | None:
    """Return the saved word-piece vectors and where each passage's start, or None when none fit this corpus."""
    codes, scales, ids = mapped["tokens"], mapped["token_scales"], mapped["token_ids"]
    starts, offsets = mapped["token_starts"], mapped["token_offsets"]
    t = ids.size
    if (offsets.shape != (n + 1,) or codes.size != t * d or scales.size != t or starts.size != t or offsets[0] != 0
            or offsets[-1] != t or bool((np.diff(offsets) < 0).any())):
        return None
    return TokenVectors(codes.reshape(t, d), scales, ids, starts), offsets


def _saved_grouping(mapped: MappedArrays, n: int, d: int) -> CoarseIndex | None:
    """Return the grouping saved with the vectors, or None when they were saved by position.

    Raise ``ValueError`` when the saved grouping is not one of these ``n`` passages.
    """
    order, groups, centroids = mapped["order"], mapped["groups"], mapped["centroids"]
    if order.size == 0 and groups.size == 0 and centroids.size == 0:
        return None
    clusters = groups.size - 1
    if (order.shape != (n,) or clusters < 1 or centroids.size != clusters * d or groups[0] != 0
            or groups[-1] != n or bool((np.diff(groups) < 0).any())):
        raise ValueError("their grouping does not fit them")
    if order.min() < 0 or order.max() >= n or bool((np.bincount(order, minlength=n) != 1).any()):
        raise ValueError("their grouping does not hold every passage once")
    return CoarseIndex(centroids.reshape(clusters, d), order, groups)


@dataclass(frozen=True, slots=True)
class _Layout:
    """The passage vectors as the search reads them: by position, or sorted by group once grouped.

    Sorted, a group's vectors are one contiguous slice (reading 16 groups' slices took 0.2 ms at 100k where
    gathering the same rows took 1.3); ``row_of`` then maps a position to its row. One attribute holds all
    three, so a reader never sees a matrix with another layout's map.
    """

    matrix: npt.NDArray[np.float32]
    coarse: CoarseIndex | None = None
    row_of: npt.NDArray[np.int64] | None = None

    def rows(self, positions: Sequence[int]) -> npt.NDArray[np.float32]:
        """Return the vectors of these positions."""
        at = list(positions)
        return self.matrix[at] if self.row_of is None else self.matrix[self.row_of[at]]


class PassageVectors:
    """The vectors of a snapshot's passages and of their sentences, complete or being filled.

    Safe to read from several threads. A passage of one sentence is its own sentence vector.
    """

    def __init__(
        self,
        embedder: TextEmbedder,
        texts: Sequence[str],
        *,
        store: VectorStore | None = None,
        background_above: int = 20_000,
        exact_up_to: int = 20_000,
        progress: bool = False,
        previous: PassageVectors | None = None,
        identity: str | None = None,
        owner: str | None = None,
        tokens_up_to: int = 5_000,
    ) -> None:
        """Load the saved vectors of these texts, or take those ``previous`` has and embed the rest.

        ``identity``: a digest that identifies the texts (``vectors_key``), when the caller has one. ``owner``
        names who saves the vectors (the service gives its corpus folder): a save removes the owner's earlier
        files, which would otherwise stay behind at several GB per change of the corpus. The key names the
        file, so another folder with the same passages (a copy) reads it too. Up to ``tokens_up_to`` passages,
        with a model that gives them, each passage's word-piece vectors are kept too (``token_match``); they
        take about 50 KB a passage, so larger corpora go without.
        """
        self.embedder = embedder
        self._texts = texts
        self.exact_up_to = exact_up_to
        n = len(texts)
        # Passage vectors float32: the nearest-passage search multiplies many rows, and numpy has no fast float16
        # product. Sentence vectors float16, as saved: only a question's few candidates' are read (made float32
        # then), and they are most of the memory (about seven a passage: 5 GB at 1M rather than 10).
        self._layout = _Layout(np.zeros((n, embedder.dimension), dtype=np.float32))
        self._sentences: list[npt.NDArray[np.float16] | None] = [None] * n  # those embedded in this process
        # Or, loaded: the saved file's sentence vectors, mapped, and the row where each passage's start.
        self._block: npt.NDArray[np.float16] | None = None
        self._offsets: npt.NDArray[np.int64] | None = None
        self.mapped: MappedArrays | None = None  # the saved file the vectors were loaded from
        self.with_tokens = isinstance(embedder, TokenEmbedder) and 0 < n <= tokens_up_to
        self._tokens: list[TokenVectors | None] = [None] * n  # those embedded in this process
        self._token_block: TokenVectors | None = None  # the saved file's, mapped, with ``_token_offsets``
        self._token_offsets: npt.NDArray[np.int64] | None = None
        self._idf: npt.NDArray[np.float32] | None = None
        # Each passage's word pieces' sentence numbers, made on first use: a passage's text and pieces never change
        # within these vectors, and the learned ranking reads them for every candidate of every question.
        self._piece_sentence_numbers: dict[int, npt.NDArray[np.int64]] = {}
        self._filled = np.zeros(n, dtype=bool)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._path: Path | None = None
        self._key = ""
        self._owner = owner
        if store is not None and n >= store.min_passages:
            self._key = vectors_key(embedder, texts, identity)
            self._path = store.folder / f"vectors-{self._key[:32]}.vec"
            if self._load():
                self._group_in_background()
                return
        if previous is not None and previous.embedder is embedder:
            self._reuse(previous)
        if n - self.filled > background_above:
            thread = threading.Thread(target=self._fill, name="askbot-vectors", daemon=True)
            self._thread = thread
            # onnxruntime aborts the process (SIGABRT) when the interpreter exits during a run: stop first.
            atexit.register(self.stop)
            thread.start()
        else:
            self._fill(progress=progress)

    @property
    def grouped(self) -> bool:
        """Return True when the approximate search's grouping is ready."""
        return self._layout.coarse is not None

    @property
    def _wants_grouping(self) -> bool:
        """Tell whether the vectors are complete, too many for an exact search, and not grouped yet."""
        return self.complete and len(self._texts) > self.exact_up_to and not self.grouped

    def _group_in_background(self) -> None:
        """Start grouping complete vectors for the approximate search, when there are too many for exact.

        Only vectors loaded from a file saved without a grouping need this (saved while ``exact_up_to`` was higher).
        """
        if self._wants_grouping:
            threading.Thread(target=self._group, name="askbot-vector-groups", daemon=True).start()

    def _group(self) -> None:
        """Group the vectors and sort them by group (complete vectors are never written again)."""
        try:
            matrix = self._layout.matrix
            coarse = CoarseIndex.build(matrix)
            row_of = np.empty(len(matrix), dtype=np.int64)
            row_of[coarse.order] = np.arange(len(matrix))
            self._layout = _Layout(matrix[coarse.order], coarse, row_of)
        except Exception:  # a background thread has no caller to raise to: the search stays exact
            log.exception("grouping the passage vectors failed; the nearest-passage search stays exact")

    @property
    def complete(self) -> bool:
        """Return True when every passage has its vectors."""
        return bool(self._filled.all())

    @property
    def filled(self) -> int:
        """Return how many passages have their vectors."""
        return int(self._filled.sum())

    def _load(self) -> bool:
        path = self._path
        if path is None or not path.is_file():
            return False
        try:
            mapped = open_arrays(path, FORMAT, _SCHEMA)
        except (OSError, InvalidArrayFile) as exc:
            log.warning("saved passage vectors %s cannot be read (%s); computing them again", path, exc)
            return False
        if mapped.meta.get("key") != self._key:  # the folder's articles, or the model, changed since the save
            log.info("saved passage vectors %s are those of other passages; computing them", path)
            return False
        n, d = self._layout.matrix.shape
        flat, sentences, offsets = mapped["vectors"], mapped["sentences"], mapped["offsets"]
        m = sentences.size // d
        if (
            flat.size != n * d
            or sentences.size != m * d
            or offsets.shape != (n + 1,)
            or offsets[0] != 0
            or offsets[-1] != m
            or bool((np.diff(offsets) < 1).any())
        ):
            log.warning("saved passage vectors %s do not fit this corpus; computing them again", path)
            return False
        token_block = _saved_tokens(mapped, n, d) if self.with_tokens else None
        if self.with_tokens and token_block is None:
            log.warning("saved passage vectors %s hold no word-piece vectors for this corpus; computing them again",
                        path)
            return False
        try:
            coarse = _saved_grouping(mapped, n, d)
        except ValueError as exc:
            log.warning("saved passage vectors %s: %s; computing them again", path, exc)
            return False
        # Nothing is read here (at 1M passages, 1.5 GB of passage vectors and 5 GB of sentence vectors): the search
        # reads the groups a question is near, a question its candidates' sentences, and the service checks the
        # file's checksums in the background.
        matrix = flat.reshape(n, d)
        if coarse is None:
            self._layout = _Layout(matrix)
        else:
            row_of = np.empty(n, dtype=np.int64)
            row_of[coarse.order] = np.arange(n, dtype=np.int64)
            self._layout = _Layout(matrix, coarse, row_of)
        self._block, self._offsets, self.mapped = sentences.reshape(m, d), offsets, mapped
        if token_block is not None:
            self._token_block, self._token_offsets = token_block
        self._filled[:] = True
        return True

    def _sentence_rows(self, position: int) -> npt.NDArray[np.float16] | None:
        """Return a passage's sentence vectors: embedded in this process, or rows of the mapped saved file."""
        rows = self._sentences[position]
        if rows is None and self._block is not None and self._offsets is not None:
            rows = self._block[int(self._offsets[position]) : int(self._offsets[position + 1])]
        return rows

    def _token_rows(self, position: int) -> TokenVectors | None:
        """Return a passage's word-piece vectors: embedded in this process, or rows of the mapped saved file."""
        rows = self._tokens[position]
        block, offsets = self._token_block, self._token_offsets
        if rows is None and block is not None and offsets is not None:
            a, b = int(offsets[position]), int(offsets[position + 1])
            rows = TokenVectors(block.codes[a:b], block.scales[a:b], block.ids[a:b], block.starts[a:b])
        return rows

    def _reuse(self, previous: PassageVectors) -> None:
        """Copy the vectors of passages whose text ``previous`` holds too: a reload embeds only what changed.

        Not from a saved file that is no longer on disk: the service discards a file whose checksums fail, then
        reloads.
        """
        if previous.mapped is not None and not on_disk(previous.mapped):
            return
        known = {text: at for at, text in enumerate(previous._texts) if previous._filled[at]}
        pairs = [(at, old) for at, text in enumerate(self._texts) if (old := known.get(text)) is not None]
        if self.with_tokens:  # a passage is complete with its word-piece vectors: embed those previous lacks
            pairs = [(at, old) for at, old in pairs if previous._token_rows(old) is not None]
        if not pairs:
            return
        ats, olds = [at for at, _ in pairs], [old for _, old in pairs]
        self._layout.matrix[ats] = previous._layout.rows(olds)  # one gather, whatever the previous layout
        for at, old in pairs:
            self._sentences[at] = previous._sentence_rows(old)
            if self.with_tokens:
                self._tokens[at] = previous._token_rows(old)
        self._filled[ats] = True

    def _save(self) -> None:
        """Write every vector to the store, sorted by group when grouped (complete vectors only)."""
        if self._path is None:
            return
        layout = self._layout
        if not np.isfinite(layout.matrix).all():  # a start does not read the vectors, so nothing checks them there
            log.warning("passage vectors hold values that are not numbers; they are not saved")
            return
        parts = [s if (s := self._sentence_rows(i)) is not None else layout.rows([i]).astype(np.float16)
                 for i in range(len(self._texts))]
        offsets = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
        d = layout.matrix.shape[1]
        tokens = [t for i in range(len(self._texts)) if (t := self._token_rows(i)) is not None]
        if self.with_tokens and len(tokens) == len(self._texts):
            token_arrays = {
                "tokens": np.concatenate([t.codes for t in tokens]).ravel(),
                "token_scales": np.concatenate([t.scales for t in tokens]),
                "token_ids": np.concatenate([t.ids for t in tokens]),
                "token_starts": np.concatenate([t.starts for t in tokens]),
                "token_offsets": np.concatenate(([0], np.cumsum([len(t.ids) for t in tokens]))).astype(np.int64)}
        else:
            token_arrays = {"tokens": np.empty(0, np.int8), "token_scales": np.empty(0, np.float32),
                            "token_ids": np.empty(0, np.int32), "token_starts": np.empty(0, np.int32),
                            "token_offsets": np.empty(0, np.int64)}
        coarse = layout.coarse
        none = np.empty(0, dtype=np.int64)
        try:
            # float16 parts join into one float16 block: no float32 copy of every sentence vector at once
            write_arrays(self._path, FORMAT, {"key": self._key, "owner": self._owner}, {
                "vectors": layout.matrix.ravel(), "sentences": np.concatenate(parts).ravel(), "offsets": offsets,
                "order": coarse.order if coarse is not None else none,
                "groups": coarse.offsets if coarse is not None else none,
                "centroids": (coarse.centroids if coarse is not None else np.empty((0, d), np.float32)).ravel(),
                **token_arrays})
        except OSError as exc:
            log.warning("cannot save passage vectors in %s (%s); they are kept in memory", self._path.parent, exc)
            return
        remove_stale(self._path, self._owner)

    def _embed_into(self, positions: Sequence[int]) -> None:
        """Embed these passages and the sentences of those that have more than one."""
        texts = [self._texts[p] for p in positions]
        spans = [sentence_spans(text) for text in texts]
        split = [[text[a:b] for a, b in sp] if len(sp) > 1 else [] for text, sp in zip(texts, spans, strict=True)]
        flat = [sentence for sentences in split for sentence in sentences]
        tokens: list[TokenVectors] = []
        if self.with_tokens and isinstance(self.embedder, TokenEmbedder):
            vectors, tokens = self.embedder.embed_with_tokens([*texts, *flat])  # one call: the same vectors
        else:
            vectors = self.embedder.embed([*texts, *flat])
        passages, sentence_vectors = vectors[: len(texts)], vectors[len(texts) :].astype(np.float16)
        passages_half = passages.astype(np.float16)
        at = 0
        with self._lock:
            for row, (position, sentences) in enumerate(zip(positions, split, strict=True)):
                self._layout.matrix[position] = passages[row]  # by position: only incomplete vectors are written
                if tokens:
                    self._tokens[position] = tokens[row]
                if sentences:
                    self._sentences[position] = sentence_vectors[at : at + len(sentences)]
                    at += len(sentences)
                else:
                    self._sentences[position] = passages_half[row : row + 1]
                self._filled[position] = True

    def _fill(self, *, progress: bool = False) -> None:
        """Embed every passage without vectors, in chunks, then save."""
        missing = np.flatnonzero(~self._filled).tolist()
        try:
            with tqdm(total=len(missing), desc="askbot: passage vectors", unit=" passages", delay=0.5,
                      disable=not progress, leave=False) as bar:
                for at in range(0, len(missing), CHUNK):
                    if self._stopping.is_set():
                        return
                    chunk = [p for p in missing[at : at + CHUNK] if not self._filled[p]]
                    if chunk:
                        self._embed_into(chunk)
                    bar.update(len(missing[at : at + CHUNK]))
        except Exception:  # a background thread has no caller to raise to: answering goes on lexically
            log.exception("filling the passage vectors failed; answers use the vectors filled so far")
            return
        if self._wants_grouping:
            # Grouped before the save, so that a start maps the grouping rather than making it (7.7 s at 1M here,
            # next to hours of embedding the passages).
            self._group()
        self._save()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop a background fill after its current chunk and wait for it (the vectors stay incomplete)."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        atexit.unregister(self.stop)

    def similarities(
        self, query: npt.NDArray[np.float32], positions: Sequence[int]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Return each passage's cosine with the query, and its best sentence's; embeds unfilled ones now."""
        missing = [p for p in positions if not self._filled[p]]
        if missing:
            self._embed_into(missing)
        passages = _product(self._layout.rows(positions), query)
        best = np.array([float(_product(s.astype(np.float32), query).max()) if (s := self._sentence_rows(p)) is not None
                         else -1.0 for p in positions], dtype=np.float32)
        return passages, best

    @property
    def has_tokens(self) -> bool:
        """Return True when every passage has its word-piece vectors (``token_match`` can be asked)."""
        return self.with_tokens and self.complete

    def token_idf(self) -> npt.NDArray[np.float32]:
        """Return each word piece's inverse passage frequency (BM25's form), indexed by vocabulary id."""
        idf = self._idf
        if idf is None:
            n = len(self._texts)
            present = [np.unique(t.ids) for i in range(n) if (t := self._token_rows(i)) is not None]
            joined = np.concatenate(present) if present else np.empty(0, np.int32)
            df = np.bincount(joined).astype(np.float64) if len(joined) else np.zeros(1)
            idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
            self._idf = idf
        return idf

    def token_matches(self, query: TokenVectors, positions: Sequence[int], *, sentences: bool = True) -> TokenMatches:
        """Return ``token_matches`` of these passages and their best sentences (zeros without word-piece vectors).

        Without ``sentences`` the passages are not split (each one's best sentence reads as the whole passage).
        """
        none = TokenMatches(np.zeros(len(positions), dtype=np.float32), np.zeros(len(positions), dtype=np.float32))
        if not self.has_tokens:
            return none
        rows = [r for p in positions if (r := self._token_rows(p)) is not None]
        if len(rows) < len(positions):  # cannot happen once complete; no figure rather than a misaligned one
            return none
        if not sentences:
            return token_matches(query, rows, self.token_idf())
        numbers = [self._piece_sentences(p, r) for p, r in zip(positions, rows, strict=True)]
        return token_matches(query, rows, self.token_idf(), numbers)

    def sentence_token_matches(self, query: TokenVectors, position: int) -> SentenceMatches | None:
        """Return ``token_match`` of each of a passage's sentences, or None to choose by other means.

        None for a passage of one sentence, without word-piece vectors, or whose last sentences the model did not
        reach (it reads 256 word pieces at most): a sentence it never read would score 0 and lose to any other.
        The sentences are those of ``bot.analysis.sentence_spans``, in order.
        """
        if not self.has_tokens:
            return None
        rows = self._token_rows(position)
        count = len(sentence_spans(self._texts[position]))
        if rows is None or count < 2:
            return None
        numbers = self._piece_sentences(position, rows)
        if not len(numbers) or int(numbers[-1]) < count - 1:
            return None
        return sentence_token_matches(query, rows, self.token_idf(), numbers, count)

    def _piece_sentences(self, position: int, rows: TokenVectors) -> npt.NDArray[np.int64]:
        """Return the sentence number of each of a passage's word pieces (``sentence_spans`` of its text)."""
        known = self._piece_sentence_numbers.get(position)
        if known is not None and len(known) == len(rows.starts):
            return known
        text = self._texts[position]
        lead = len(text) - len(text.lstrip())  # the model reads the text stripped
        firsts = np.array([a for a, _ in sentence_spans(text)], dtype=np.int64)
        if len(firsts) < 2:
            numbers = np.zeros(len(rows.starts), dtype=np.int64)
        else:
            numbers = np.maximum(np.searchsorted(firsts, rows.starts.astype(np.int64) + lead, side="right") - 1, 0)
        self._piece_sentence_numbers[position] = numbers
        return numbers

    def sentence_similarities(self, query: npt.NDArray[np.float32], position: int) -> npt.NDArray[np.float32] | None:
        """Return the cosine of each of a passage's sentences with the query, or None for a one-sentence passage.

        The sentences are those of ``bot.analysis.sentence_spans``, in order.
        """
        if not self._filled[position]:
            self._embed_into([position])
        sentences = self._sentence_rows(position)
        if sentences is None or sentences.shape[0] < 2:
            return None
        return _product(sentences.astype(np.float32), query)

    def nearest(
        self, query: npt.NDArray[np.float32], k: int, within: tuple[int, int] | None = None, *, probe: int = 16
    ) -> list[tuple[int, float]]:
        """Return the ``k`` filled passages most similar to ``query`` in the range, with their cosines.

        Over more than ``exact_up_to`` passages, once grouped: among the passages of the ``probe`` nearest
        groups only (approximate; exact when those hold fewer than ``k`` of the range).
        """
        lo, hi = within if within is not None else (0, len(self._texts))
        if k <= 0 or hi <= lo:
            return []
        layout = self._layout
        coarse = layout.coarse
        if coarse is not None and hi - lo > self.exact_up_to and probe > 0:
            spans = [(coarse.offsets[c], coarse.offsets[c + 1]) for c in coarse.groups(query, probe)]
            found = np.concatenate([coarse.order[a:b] for a, b in spans])
            near = np.concatenate([_product(layout.matrix[a:b], query) for a, b in spans])  # sorted by group: slices
            if within is not None:
                keep = (found >= lo) & (found < hi)
                found, near = found[keep], near[keep]
            if len(found) >= k:
                top = np.argpartition(-near, k - 1)[:k]
                top = top[np.lexsort((found[top], -near[top]))]
                return [(int(found[i]), float(near[i])) for i in top]
        block = layout.matrix[lo:hi] if layout.row_of is None else layout.matrix[layout.row_of[lo:hi]]
        sims = _product(block, query)
        if not self.complete:
            sims[~self._filled[lo:hi]] = -2.0
        k = min(k, hi - lo)
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -sims[top]))]
        return [(lo + int(i), float(sims[i])) for i in top if sims[i] > -2.0]


def remove_stale(kept: Path, owner: str | None) -> None:
    """Remove, beside the file just saved, the vectors ``owner`` saved before it and those of earlier formats.

    Files are named by their passages' key, so each change of a corpus saves a new one; no version reads an
    earlier format again (earlier versions removed nothing).
    """
    for path in kept.parent.glob("vectors-*"):
        if path == kept or path.suffix not in (".npz", ".vec"):
            continue
        stale = path.suffix == ".npz"
        if not stale:
            try:
                meta = open_arrays(path, FORMAT, _SCHEMA).meta
            except InvalidArrayFile:
                stale = True  # another format (or damaged: it would be computed again anyway)
            except OSError:
                continue
            else:
                stale = owner is not None and meta.get("owner") == owner
        if stale:
            with contextlib.suppress(OSError):
                path.unlink()
                log.info("removed %s: passage vectors of an earlier format or an earlier state of the corpus", path)


def single_blas_thread() -> object:
    """Have numpy's BLAS use one thread in this process; return the limiter (``restore_original_limits``).

    The products of an answer are small (the word-piece match: 15 question pieces × 2,400 of the candidates'),
    and a server answers several questions at once: two BLAS threads a product on two cores mostly waited for
    each other (README, "Issue 11, round 11"). The ``askbot`` command and the bot start numpy's BLAS with one
    thread (``bot.entry``), which costs less CPU still; this limit covers a process where numpy loaded first
    (the tests). A program that imports askbot as a library decides for itself.
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415  (only askbot's own entry points need it)

    return threadpool_limits(limits=1, user_api="blas")


@functools.cache
def load_embedder(threads: int = 2) -> TextEmbedder | None:
    """Return the packaged sentence-vector model, or None (with a warning) when it cannot be loaded.

    Loaded once per process and thread count: every service (and every reload) shares it.
    """
    try:
        from bot.embedding import Embedder, ModelError  # noqa: PLC0415  (onnxruntime loads only when used)
    except ImportError as exc:  # onnxruntime or tokenizers missing from this install
        log.warning("the semantic stage is off: %s", exc)
        return None
    try:
        return Embedder.from_dir(threads=threads)
    except (ModelError, OSError) as exc:
        log.warning("the semantic stage is off: the model cannot be loaded (%s)", exc)
        return None
