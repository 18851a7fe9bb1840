"""Save an index to disk and map it back, so a restart on a large archive neither analyzes nor reads it again.

One file per corpus folder, ``index-<hash of the folder's path>.arrays`` in the cache folder, written atomically:
an array file (``bot.array_file``: a JSON header, then the arrays, no pickle) holding the postings with their
impacts, the passage lengths, the forward index (each passage's term ids in text order, so answering never
analyzes a passage again) and the vocabulary as UTF-8 text. A start maps it: the postings, impacts and forward
index are read from disk only where questions touch them, and the impacts are not recomputed.

The key is a SHA-256 of everything that changes the index: the corpus files' content (``Corpus.digest``),
the passage cut (``max_passage_words``), the BM25 variant and constants, the analyzer (its stopwords,
stemmer language, the source of ``bot/analysis.py`` and the word lists it reads from ``bot/data``), this file
format and askbot's version. A file whose key differs is stale and rebuilt; a file that is truncated, of another
format (the npz of format 2 included), or whose header, arrays, dtypes or sizes are wrong is rebuilt too, never
trusted. The arrays' checksums are checked after the start (``bot.array_file.damaged_arrays``, in the service's
background check), and a damaged file is then removed and the index rebuilt.

When the cache folder cannot be written (read-only, full), a warning is logged and the index is served
from memory.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot import __version__
from bot import analysis as analysis_module
from bot.analysis import Analyzer
from bot.array_file import InvalidArrayFile, open_arrays, write_arrays
from bot.corpus import Corpus
from bot.corpus_store import folder_id
from bot.index import BM25Index, BM25Params, idf_values
from bot.wordlists import data_bytes

log = logging.getLogger(__name__)

FORMAT = "askbot-index/3"  # 2: with the forward index; 3: an array file (bot.array_file), impacts saved
CACHE_DIR_ENV = "XDG_CACHE_HOME"
# Array name → (dtype, ndim). Nothing else may be in the file.
_ARRAYS: dict[str, np.dtype[Any]] = {
    "terms": np.dtype(np.uint8),
    "doc_len": np.dtype(np.int32),
    "offsets": np.dtype(np.int64),
    "post_docs": np.dtype(np.int32),
    "post_tf": np.dtype(np.int32),
    "forward": np.dtype(np.int32),
    "impacts": np.dtype(np.float64),
}


class InvalidIndexFile(ValueError):
    """A cache file that cannot be trusted; its message says why."""


def default_cache_dir() -> Path:
    """Return ``$XDG_CACHE_HOME/askbot``, or ``~/.cache/askbot``."""
    base = os.environ.get(CACHE_DIR_ENV)
    return (Path(base) if base else Path.home() / ".cache") / "askbot"


def analyzer_identity(analyzer: Analyzer) -> str:
    """Return a digest of what decides the analyzer's terms: stopwords, language, the analysis code and its lists."""
    h = hashlib.sha256()
    h.update("\n".join(sorted(analyzer.stopwords)).encode())
    h.update(b"\0" + analyzer.language.encode() + b"\0")
    for name in analysis_module.DATA_FILES:  # the word lists moved out of the source hashed below
        h.update(name.encode() + b"\0" + data_bytes(name) + b"\0")
    try:
        h.update(Path(analysis_module.__file__).read_bytes())
    except OSError:  # a frozen installation: the package version still identifies the code
        h.update(__version__.encode())
    return h.hexdigest()


def cache_key(corpus: Corpus, analyzer: Analyzer, params: BM25Params, max_passage_words: int) -> str:
    """Return the key an index file must carry to be used for this corpus and these settings."""
    parts = {
        "format": FORMAT,
        "askbot": __version__,
        "corpus": corpus.digest,
        "passages": len(corpus.passages),
        "max_passage_words": max_passage_words,
        "params": asdict(params),
        "analyzer": analyzer_identity(analyzer),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def save_index(path: Path, key: str, index: BM25Index) -> None:
    """Write ``index`` to ``path`` atomically; raise ``OSError`` when the folder cannot be written."""
    terms = index.terms()
    joined = "\n".join(terms)
    if joined.count("\n") != max(len(terms) - 1, 0):
        raise ValueError("a term holds a line break; the index is not saved")
    meta = {"key": key, "passages": index.n_docs, "terms": len(terms), "postings": int(index.post_docs.size)}
    write_arrays(path, FORMAT, meta, {
        "terms": np.frombuffer(joined.encode("utf-8"), dtype=np.uint8),
        "doc_len": index.doc_len.astype(np.int32, copy=False),
        "offsets": index.offsets.astype(np.int64, copy=False),
        "post_docs": index.post_docs.astype(np.int32, copy=False),
        "post_tf": index.post_tf.astype(np.int32, copy=False),
        "forward": index.forward.astype(np.int32, copy=False),
        "impacts": index.post_impact.astype(np.float64, copy=False),
    })


def load_index(path: Path, key: str, params: BM25Params, passages: int) -> BM25Index:
    """Map an index file and check its structure; raise ``InvalidIndexFile`` (or ``OSError``) when unusable.

    The arrays are not read here (their checksums are checked later, in the background): a start touches only
    the offsets, the passage lengths and the vocabulary.
    """
    try:
        mapped = open_arrays(path, FORMAT, _ARRAYS)
    except InvalidArrayFile as exc:
        raise InvalidIndexFile(str(exc)) from None
    meta = mapped.meta
    if meta.get("key") != key:
        raise InvalidIndexFile("stale: the corpus, the settings or askbot changed")
    try:
        text = mapped["terms"].tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidIndexFile(f"unreadable vocabulary ({exc})") from None
    enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of strings, no cycle: collections over them would only cost time
    try:
        terms = text.split("\n") if text else []
        _check_shapes(meta, mapped.arrays, terms, passages)
        vocab = dict(zip(terms, range(len(terms)), strict=True))
    finally:
        if enabled:
            gc.enable()
    if len(vocab) != len(terms):
        raise InvalidIndexFile("repeated terms")
    offsets = mapped["offsets"]
    index = BM25Index(
        params=params,
        vocab=vocab,
        offsets=offsets,
        post_docs=mapped["post_docs"],
        post_tf=mapped["post_tf"],
        doc_len=mapped["doc_len"],
        idf=idf_values(params, passages, np.diff(offsets)),
        forward=mapped["forward"],
        impacts=mapped["impacts"],
    )
    index.mapped = mapped
    return index


def _check_shapes(meta: dict[str, Any], arrays: dict[str, npt.NDArray[Any]], terms: list[str], passages: int) -> None:
    """Check what a start can afford to: the sizes, and the arrays of one value per term or per passage."""
    doc_len, offsets = arrays["doc_len"], arrays["offsets"]
    n_postings = arrays["post_docs"].size
    if not (meta.get("passages") == passages == doc_len.size):
        raise InvalidIndexFile(f"{doc_len.size} passages, the corpus has {passages}")
    if not (meta.get("terms") == len(terms) and offsets.size == len(terms) + 1):
        raise InvalidIndexFile("vocabulary and offsets disagree")
    if not (meta.get("postings") == n_postings == arrays["post_tf"].size == arrays["impacts"].size
            and offsets[0] == 0 and offsets[-1] == n_postings):
        raise InvalidIndexFile("postings and offsets disagree")
    df = np.diff(offsets)
    if df.size and df.min() < 1:
        raise InvalidIndexFile("a term with no passage")
    if doc_len.size and doc_len.min() < 0:
        raise InvalidIndexFile("negative passage length")
    if arrays["forward"].size != int(doc_len.sum(dtype=np.int64)):
        raise InvalidIndexFile("forward index and passage lengths disagree")


@dataclass(frozen=True, slots=True)
class IndexCache:
    """Where indexes are saved, and from which corpus size they are worth saving."""

    folder: Path
    min_passages: int = 0

    def path_for(self, corpus: Corpus) -> Path:
        """Return the index file of a corpus folder."""
        return self.folder / f"index-{folder_id(corpus.root)}.arrays"

    def load(self, corpus: Corpus, key: str, params: BM25Params) -> BM25Index | None:
        """Return the saved index of this corpus and key, or None (absent, stale or invalid: rebuild)."""
        if len(corpus.passages) < self.min_passages:
            return None
        path = self.path_for(corpus)
        if not path.is_file():
            return None
        try:
            return load_index(path, key, params, len(corpus.passages))
        except InvalidIndexFile as exc:
            log.info("index cache %s not used: %s", path, exc)
        except OSError as exc:
            log.warning("cannot read the index cache %s: %s", path, exc)
        return None

    def save(self, corpus: Corpus, key: str, index: BM25Index) -> bool:
        """Save an index; on failure log a warning and return False (the index is still served)."""
        if len(corpus.passages) < self.min_passages:
            return False
        path = self.path_for(corpus)
        with contextlib.suppress(OSError):  # the npz of format 2, which nothing reads any more
            path.with_suffix(".npz").unlink()
        try:
            save_index(path, key, index)
        except (OSError, ValueError) as exc:
            log.warning("cannot save the index cache in %s (%s); serving from memory", path.parent, exc)
            return False
        return True
