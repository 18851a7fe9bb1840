import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.embedding import DEFAULT_MODEL_DIR, Embedder, ModelError, model_available
from bot.errors import AskbotError

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"
MODEL_FILES = ("model.onnx", "tokenizer.json")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder.from_dir(threads=2)


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray]:
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    texts = [item["text"] for item in data["items"]]
    vectors = np.array([item["vector"] for item in data["items"]], dtype=np.float64)
    return texts, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def embedded(embedder, reference) -> np.ndarray:
    return embedder.embed(reference[0])


@pytest.fixture(scope="module")
def short_texts(reference) -> list[str]:
    """The reference texts less the two longest, for the tests that embed many times."""
    return sorted(reference[0], key=len)[:-2]


def _copy_folder(tmp_path: Path, *, manifest_edit: dict[str, str] | None = None) -> Path:
    """Make a model folder in tmp_path that links to the packaged files, with an optionally edited manifest."""
    folder = tmp_path / "model"
    folder.mkdir()
    for name in MODEL_FILES:
        (folder / name).symlink_to(DEFAULT_MODEL_DIR / name)
    manifest = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text(encoding="utf-8"))
    for key, value in (manifest_edit or {}).items():
        section, field = key.split(".")
        manifest[section][field] = value
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_packaged_model_is_available_and_described(embedder):
    assert model_available()
    assert embedder.name == "all-MiniLM-L6-v2-squad-a"  # fine-tuned since round 14 (PROVENANCE.md)
    assert embedder.dimension == 384
    assert embedder.max_seq_length == 256
    assert (DEFAULT_MODEL_DIR / "model.onnx").stat().st_size <= 50 * 1024 * 1024
    assert (DEFAULT_MODEL_DIR / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")


def test_vectors_equal_sentence_transformers_reference(embedded, reference):
    texts, expected = reference
    got = embedded
    cosines = np.sum(got.astype(np.float64) * expected, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 1 - 1e-3, f"{texts[worst][:60]!r}: cosine {cosines[worst]:.6f}"


def test_reference_covers_truncation_and_mid_length_texts(embedder, reference):
    texts, _ = reference
    lengths = [len(embedder._tokenizer.encode(text).ids) for text in texts]
    assert max(lengths) == 256  # a text past the limit, cut by the tokenizer
    assert any(128 < n < 256 for n in lengths)  # past the upstream file's 128 cap, within 256


def test_rows_are_float32_unit_vectors(embedded, reference):
    texts, _ = reference
    got = embedded
    assert got.shape == (len(texts), 384)
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_no_rows(embedder):
    got = embedder.embed([])
    assert got.shape == (0, 384)
    assert got.dtype == np.float32


def test_order_is_kept_whatever_the_batching(embedder, embedded, reference, short_texts):
    texts, _ = reference
    by_text = dict(zip(texts, embedded, strict=True))
    one_by_one = np.vstack([embedder.embed([text]) for text in short_texts])
    np.testing.assert_allclose(one_by_one, [by_text[text] for text in short_texts], atol=1e-5)
    mixed = short_texts[::2] + short_texts[1::2]
    for batch_size in (3, 32):
        np.testing.assert_allclose(
            embedder.embed(mixed, batch_size=batch_size), [by_text[text] for text in mixed], atol=1e-5
        )


def test_a_call_holds_at_most_its_token_budget_whatever_the_lengths(embedder, embedded, reference, monkeypatch):
    texts, _ = reference
    by_text = dict(zip(texts, embedded, strict=True))
    chosen = sorted(texts, key=len)[:: max(1, len(texts) // 40)]  # short to long
    shapes: list[tuple[int, int]] = []
    real = embedder._embed_batch

    def recording(encodings, rows, tokens):
        shapes.append((len(encodings), max(len(e.ids) for e in encodings)))
        return real(encodings, rows, tokens)

    monkeypatch.setattr(embedder, "_embed_batch", recording)
    got = embedder.embed(chosen, batch_tokens=256)
    np.testing.assert_allclose(got, [by_text[text] for text in chosen], atol=1e-5)
    assert sum(rows for rows, _ in shapes) == len(chosen)
    assert all(rows * width <= 256 or rows == 1 for rows, width in shapes)
    assert max(rows for rows, _ in shapes) > 1  # short texts still share calls


def test_text_past_the_limit_is_ignored(embedder, reference):
    texts, _ = reference
    longest = max(texts, key=len)
    base, extended = embedder.embed([longest, longest + " Entirely different words about tram colours."])
    assert float(base @ extended) > 1 - 1e-6


def test_the_model_knows_common_words_whole_and_not_typos(embedder):
    assert embedder.knows("admit")
    assert embedder.knows("Satellite")
    assert not embedder.knows("sattelite")
    assert not embedder.knows("propety")


def test_one_string_is_refused(embedder):
    with pytest.raises(TypeError):
        embedder.embed("a single string")  # type: ignore[arg-type]


def test_concurrent_calls_give_the_same_vectors(embedder, short_texts):
    expected = embedder.embed(short_texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: embedder.embed(short_texts, batch_size=4), range(4), timeout=120))
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_tampered_checksum_is_refused(tmp_path):
    folder = _copy_folder(tmp_path, manifest_edit={"onnx.sha256": "0" * 64})
    with pytest.raises(ModelError, match="checksum"):
        Embedder.from_dir(folder)


def test_tampered_tokenizer_checksum_is_refused(tmp_path):
    folder = _copy_folder(tmp_path, manifest_edit={"tokenizer.sha256": "f" * 64})
    with pytest.raises(ModelError, match="checksum"):
        Embedder.from_dir(folder)


def test_linked_copy_loads(tmp_path):
    folder = _copy_folder(tmp_path)
    assert model_available(folder)
    assert Embedder.from_dir(folder, threads=1).embed(["ok"]).shape == (1, 384)


def test_missing_files_are_model_errors(tmp_path):
    assert not model_available(tmp_path)
    with pytest.raises(ModelError, match="manifest"):
        Embedder.from_dir(tmp_path)
    folder = _copy_folder(tmp_path)
    (folder / "model.onnx").unlink()
    assert not model_available(folder)
    with pytest.raises(ModelError) as caught:
        Embedder.from_dir(folder)
    assert isinstance(caught.value, AskbotError)
    assert caught.value.path == folder / "model.onnx"


def test_broken_manifest_is_a_model_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable"):
        Embedder.from_dir(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"name": "x"}), encoding="utf-8")
    with pytest.raises(ModelError, match="lacks"):
        Embedder.from_dir(tmp_path)
    assert not model_available(tmp_path)


def test_word_piece_vectors_come_from_the_same_call_as_the_rows(embedder, short_texts):
    texts = short_texts[:12]
    rows, pieces = embedder.embed_with_tokens(texts)
    assert np.array_equal(rows, embedder.embed(texts))  # the sentence vectors are unchanged by asking for pieces
    assert len(pieces) == len(texts)
    for text, piece in zip(texts, pieces, strict=True):
        ids = embedder._tokenizer.encode(text.strip()).ids
        assert piece.ids.tolist() == ids[1:-1]  # without [CLS] and [SEP]
        assert piece.codes.dtype == np.int8
        assert piece.codes.shape == (len(ids) - 2, embedder.dimension)
        # each piece starts where its characters stand in the stripped text
        offsets = embedder._tokenizer.encode(text.strip()).offsets[1:-1]
        assert piece.starts.tolist() == [a for a, _ in offsets]
        assert np.allclose(np.linalg.norm(piece.vectors(), axis=1), 1.0, atol=5e-3)


def test_word_piece_match_of_the_packaged_model_is_pinned(embedder):
    from bot.semantic import token_match

    question = "How many inmates work in construction?"
    passages = ["15,000 work outside on construction projects including schools and hospitals.",
                "The video ends noting that nearly all of the inmates are taking a second chance."]
    _, pieces = embedder.embed_with_tokens([question, *passages])
    idf = np.ones(embedder._tokenizer.get_vocab_size(), dtype=np.float32)
    matches = [token_match(pieces[0], p, idf) for p in pieces[1:]]
    # measured once with this graph (round 14's fine-tuned weights); a changed graph or pooling moves them
    assert matches == pytest.approx([0.5034, 0.4121], abs=1e-3)
    assert matches[0] > matches[1]  # the passage that answers matches better


def test_the_model_threads_do_not_spin_between_calls(embedder):
    # spinning workers took the cores from the rest of the answer (README, "Round 11")
    options = embedder._session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
