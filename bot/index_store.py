"""Save an index to disk and load it back, so a restart on a large archive does not analyze it again.

One file per corpus folder, ``index-<hash of the folder's path>.npz`` in the cache folder, written atomically
(a temporary file, then ``os.replace``). It is plain data: numpy's npz (a zip of ``.npy`` arrays, each with
its CRC-32, read with ``allow_pickle=False``) holding the postings, the passage lengths, the vocabulary as
UTF-8 text, and a JSON header with the key and the shapes.

The key is a SHA-256 of everything that changes the index: the corpus files' content (``Corpus.digest``),
the passage cut (``max_passage_words``), the BM25 variant and constants, the analyzer (its stopwords,
stemmer language, the source of ``bot/analysis.py`` and the word lists it reads from ``bot/data``), this file
format and askbot's version. A file whose key differs is stale and rebuilt; a file that is truncated, corrupt
(bad CRC), of another format, or whose arrays have the wrong names, dtypes, shapes or contents is rebuilt too,
never trusted. The forward index (each passage's term ids in text order) is stored beside the postings, so
answering never analyzes a passage again. IDF and impacts are not stored: they are recomputed from the stored
counts, exactly as a build computes them.

When the cache folder cannot be written (read-only, full), a warning is logged and the index is served
from memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from bot import __version__
from bot import analysis as analysis_module
from bot.analysis import Analyzer
from bot.atomic_file import write_atomically
from bot.corpus import Corpus
from bot.index import BM25Index, BM25Params, idf_values
from bot.wordlists import data_bytes

log = logging.getLogger(__name__)

FORMAT = "askbot-index/2"  # 2: with the forward index
CACHE_DIR_ENV = "XDG_CACHE_HOME"
# Array name → (dtype, ndim). Nothing else may be in the file.
_ARRAYS: dict[str, tuple[np.dtype[Any], int]] = {
    "header": (np.dtype(np.uint8), 1),
    "terms": (np.dtype(np.uint8), 1),
    "doc_len": (np.dtype(np.int32), 1),
    "offsets": (np.dtype(np.int64), 1),
    "post_docs": (np.dtype(np.int32), 1),
    "post_tf": (np.dtype(np.int32), 1),
    "forward": (np.dtype(np.int32), 1),
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


def _text_array(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def save_index(path: Path, key: str, index: BM25Index) -> None:
    """Write ``index`` to ``path`` atomically; raise ``OSError`` when the folder cannot be written."""
    terms = index.terms()
    joined = "\n".join(terms)
    if joined.count("\n") != max(len(terms) - 1, 0):
        raise ValueError("a term holds a line break; the index is not saved")
    header = {
        "format": FORMAT,
        "key": key,
        "passages": index.n_docs,
        "terms": len(terms),
        "postings": int(index.post_docs.size),
    }
    header_array = _text_array(json.dumps(header))
    terms_array = _text_array(joined)

    def write(handle: BinaryIO) -> None:
        np.savez(  # numeric arrays only: nothing to pickle
            handle,
            header=header_array,
            terms=terms_array,
            doc_len=index.doc_len.astype(np.int32, copy=False),
            offsets=index.offsets.astype(np.int64, copy=False),
            post_docs=index.post_docs.astype(np.int32, copy=False),
            post_tf=index.post_tf.astype(np.int32, copy=False),
            forward=index.forward.astype(np.int32, copy=False),
        )

    write_atomically(path, write)


def load_index(path: Path, key: str, params: BM25Params, passages: int) -> BM25Index:
    """Read and check an index file; raise ``InvalidIndexFile`` (or ``OSError``) when it cannot be used."""
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
            names = set(npz.files)
            if names != set(_ARRAYS):
                raise InvalidIndexFile(f"unexpected arrays {sorted(names)}")
            arrays = {name: npz[name] for name in _ARRAYS}  # reading a member checks its CRC-32
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError) as exc:
        raise InvalidIndexFile(f"not a readable npz file ({type(exc).__name__}: {exc})") from None
    for name, (dtype, ndim) in _ARRAYS.items():
        array = arrays[name]
        if array.dtype != dtype or array.ndim != ndim:
            raise InvalidIndexFile(f"{name} is {array.dtype}[{array.ndim}D], not {dtype}[{ndim}D]")
    try:
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
        text = arrays["terms"].tobytes().decode("utf-8")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidIndexFile(f"unreadable header or vocabulary ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidIndexFile("another file format")
    if header.get("key") != key:
        raise InvalidIndexFile("stale: the corpus, the settings or askbot changed")
    terms = text.split("\n") if text else []
    _check_shapes(header, arrays, terms, passages)
    vocab = dict(zip(terms, range(len(terms)), strict=True))
    if len(vocab) != len(terms):
        raise InvalidIndexFile("repeated terms")
    offsets = arrays["offsets"]
    return BM25Index(
        params=params,
        vocab=vocab,
        offsets=offsets,
        post_docs=arrays["post_docs"],
        post_tf=arrays["post_tf"],
        doc_len=arrays["doc_len"],
        idf=idf_values(params, passages, np.diff(offsets)),
        forward=arrays["forward"],
    )


def _check_shapes(header: dict[str, Any], arrays: dict[str, npt.NDArray[Any]], terms: list[str], passages: int) -> None:
    """Check that the arrays describe a well-formed index of ``passages`` passages."""
    doc_len, offsets = arrays["doc_len"], arrays["offsets"]
    post_docs, post_tf = arrays["post_docs"], arrays["post_tf"]
    n_postings = post_docs.size
    if not (header.get("passages") == passages == doc_len.size):
        raise InvalidIndexFile(f"{doc_len.size} passages, the corpus has {passages}")
    if not (header.get("terms") == len(terms) and offsets.size == len(terms) + 1):
        raise InvalidIndexFile("vocabulary and offsets disagree")
    if not (header.get("postings") == n_postings == post_tf.size and offsets[0] == 0 and offsets[-1] == n_postings):
        raise InvalidIndexFile("postings and offsets disagree")
    df = np.diff(offsets)
    if df.size and df.min() < 1:
        raise InvalidIndexFile("a term with no passage")
    if n_postings and (post_docs.min() < 0 or post_docs.max() >= passages or post_tf.min() < 1):
        raise InvalidIndexFile("posting out of range")
    if doc_len.size and doc_len.min() < 0:
        raise InvalidIndexFile("negative passage length")
    if int(post_tf.sum(dtype=np.int64)) != int(doc_len.sum(dtype=np.int64)):
        raise InvalidIndexFile("term counts and passage lengths disagree")
    forward = arrays["forward"]
    if forward.size != int(doc_len.sum(dtype=np.int64)):
        raise InvalidIndexFile("forward index and passage lengths disagree")
    if forward.size and (forward.min() < 0 or forward.max() >= len(terms)):
        raise InvalidIndexFile("forward index term out of range")
    # The forward index holds each term as often as the postings count it: compared through the sum of the
    # term ids, which needs no array the size of the forward index (a count per term would copy it to intp).
    per_term = np.add.reduceat(post_tf, offsets[:-1], dtype=np.int64) if n_postings else np.zeros(0, np.int64)
    if int(forward.sum(dtype=np.int64)) != int(per_term @ np.arange(len(terms), dtype=np.int64)):
        raise InvalidIndexFile("forward index and postings disagree")
    # Within a term, passages strictly increase; a drop is allowed only where the next term starts.
    term_starts = np.zeros(n_postings + 1, dtype=bool)
    term_starts[offsets] = True
    drops = np.flatnonzero(post_docs[1:] <= post_docs[:-1]) + 1
    if not term_starts[drops].all():
        raise InvalidIndexFile("postings out of order")


@dataclass(frozen=True, slots=True)
class IndexCache:
    """Where indexes are saved, and from which corpus size they are worth saving."""

    folder: Path
    min_passages: int = 0

    def path_for(self, corpus: Corpus) -> Path:
        """Return the index file of a corpus folder."""
        digest = hashlib.sha256(str(Path(corpus.root).resolve()).encode()).hexdigest()[:16]
        return self.folder / f"index-{digest}.npz"

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
        try:
            save_index(path, key, index)
        except (OSError, ValueError) as exc:
            log.warning("cannot save the index cache in %s (%s); serving from memory", path.parent, exc)
            return False
        return True
