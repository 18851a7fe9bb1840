"""Array files: written atomically, mapped back unchanged, refused when malformed, checked for damage later."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import bot.array_file
from bot.array_file import InvalidArrayFile, damaged_arrays, discard, open_arrays, read_array, write_arrays

FMT = "test-arrays/1"
ARRAYS = {
    "text": np.frombuffer("héllo wörld".encode(), dtype=np.uint8),
    "ids": np.arange(7, dtype=np.int32),
    "empty": np.zeros(0, dtype=np.float64),
    "scores": np.linspace(0.0, 1.0, 5),
}
SCHEMA = {name: array.dtype for name, array in ARRAYS.items()}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "x.arrays"
    write_arrays(target, FMT, {"key": "k", "n": 3}, ARRAYS)
    return target


def test_arrays_and_meta_come_back_mapped_and_read_only(path):
    mapped = open_arrays(path, FMT, SCHEMA)
    assert mapped.meta == {"key": "k", "n": 3}
    for name, array in ARRAYS.items():
        assert mapped[name].dtype == array.dtype
        assert np.array_equal(mapped[name], array)
    assert not mapped["ids"].flags.writeable
    assert damaged_arrays(mapped) == []
    assert not mapped.written


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({**SCHEMA, "ids": np.dtype(np.int64)}, "ids is not"),
        ({name: dtype for name, dtype in SCHEMA.items() if name != "ids"}, "unexpected arrays"),
        ({**SCHEMA, "more": np.dtype(np.int32)}, "unexpected arrays"),
    ],
)
def test_another_schema_is_refused(path, schema, message):
    with pytest.raises(InvalidArrayFile, match=message):
        open_arrays(path, FMT, schema)


def edit(path: Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    if how == "truncated":
        del raw[len(raw) - 16 :]
    elif how == "header":
        at = raw.index(b'"meta"') + 3
        raw[at] ^= 1
    elif how == "format":
        raw[: len(FMT)] = b"test-arrays/2"
    elif how == "empty":
        raw = bytearray()
    elif how == "garbage":
        raw = bytearray(b"garbage\n" * 20)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(("how", "message"), [("truncated", "truncated"), ("header", "checksum"),
                                               ("format", "another file format"), ("empty", "another file format"),
                                               ("garbage", "another file format")])
def test_a_malformed_file_is_refused_at_open(path, how, message):
    edit(path, how)
    with pytest.raises(InvalidArrayFile, match=message):
        open_arrays(path, FMT, SCHEMA)


def test_damage_in_an_array_is_found_later_in_the_file_mapped(path, tmp_path):
    raw = bytearray(path.read_bytes())
    at = raw.index("wörld".encode())
    raw[at] ^= 1
    damaged = tmp_path / "damaged.arrays"
    damaged.write_bytes(bytes(raw))
    mapped = open_arrays(damaged, FMT, SCHEMA)  # the start does not read the arrays
    write_arrays(damaged, FMT, {}, ARRAYS)  # a whole file replaces it; the mapping keeps the old one
    assert damaged_arrays(mapped) == ["text"]
    assert damaged_arrays(open_arrays(damaged, FMT, SCHEMA)) == []


def test_discard_removes_the_file_mapped_but_not_its_replacement(path):
    mapped = open_arrays(path, FMT, SCHEMA)
    write_arrays(path, FMT, {}, ARRAYS)
    discard(mapped)
    assert path.exists()
    discard(open_arrays(path, FMT, SCHEMA, written=True))
    assert not path.exists()
    assert np.array_equal(mapped["ids"], ARRAYS["ids"])  # still readable while mapped


def test_only_flat_arrays_of_plain_values_are_written(tmp_path):
    with pytest.raises(ValueError, match="one-dimensional"):
        write_arrays(tmp_path / "x", FMT, {}, {"grid": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="one-dimensional"):
        write_arrays(tmp_path / "x", FMT, {}, {"objects": np.array([object()])})
    assert not (tmp_path / "x").exists()


def test_an_array_is_read_from_the_file_in_chunks(path, monkeypatch):
    monkeypatch.setattr(bot.array_file, "_CHUNK", 4)
    mapped = open_arrays(path, FMT, SCHEMA)
    chunks = list(read_array(mapped, "text"))
    assert b"".join(chunks) == ARRAYS["text"].tobytes()
    assert max(len(c) for c in chunks) == 4
    assert list(read_array(mapped, "empty")) == []


def test_reading_an_array_past_the_end_of_a_cut_file_fails(path):
    mapped = open_arrays(path, FMT, SCHEMA)
    offset, length, _ = mapped.crcs["scores"]
    os.truncate(path, offset + length // 2)
    with pytest.raises(OSError, match="scores ends"):
        b"".join(read_array(mapped, "scores"))
    assert "scores" in damaged_arrays(mapped)
