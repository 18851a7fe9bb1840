"""Several numpy arrays and a JSON header in one file, written atomically and read back memory-mapped.

The saved corpus and the saved index are such files, so that a start maps them instead of reading and copying
them: the pages of an array are read from disk when a question first touches them, and are shared with the
page cache rather than copied into the process.

Layout: a first line ``<format> <CRC-32 of the header> <length of the header>``, the header (UTF-8 JSON:
``meta``, the caller's own, and per array its dtype, shape, offset and CRC-32), then each array's bytes at an
offset aligned to ``ALIGN``. Plain data, no pickle. Opening checks the first line, the header's checksum, the
format, the array names, dtypes and shapes, and that the file holds every array; it does not read the arrays.
Their CRC-32s are checked by ``damaged_arrays``, which reads the file with ``read`` in chunks — never through
the mapping, so that a check in the background does not make the whole file resident in the process (its
memory stays what the questions touch).

One file rather than one ``.npy`` per array: ``os.replace`` swaps one file atomically, and a reader that still
maps the old file (a snapshot being replaced) keeps it whole until it lets it go.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from bot.atomic_file import write_atomically

ALIGN = 64
# Read in chunks of this many bytes when checksumming: small enough to keep the memory flat.
_CHUNK = 1 << 20
_FIRST_LINE_MAX = 200


class InvalidArrayFile(ValueError):
    """A file that is not a well-formed array file of the expected format; its message says why."""


class OpenFile:
    """A file descriptor closed when nothing refers to it any more (the mapping's file, for its checksums)."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


@dataclass(frozen=True, slots=True)
class MappedArrays:
    """The arrays of one file, memory-mapped read-only, and the header's ``meta``."""

    path: Path
    meta: dict[str, Any]
    arrays: dict[str, npt.NDArray[Any]]
    crcs: dict[str, tuple[int, int, int]]  # name → (offset, length in bytes, CRC-32)
    file: OpenFile  # the file mapped, kept open: its checksums are checked in it even after a newer file replaced it
    written: bool = False  # True: this process has just written it from its arrays, no checksum need be checked

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        """Return one array."""
        return self.arrays[name]


def _align(at: int) -> int:
    return -(-at // ALIGN) * ALIGN


def write_arrays(path: Path, fmt: str, meta: Mapping[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
    """Write ``arrays`` (one-dimensional, any fixed-size dtype) and ``meta`` to ``path`` atomically.

    Raise ``OSError`` when the folder cannot be written.
    """
    contiguous = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
    table: dict[str, dict[str, Any]] = {}
    at = 0
    for name, array in contiguous.items():
        if array.ndim != 1 or array.dtype.hasobject:
            raise ValueError(f"{name}: only one-dimensional arrays of plain values are saved")
        table[name] = {"dtype": array.dtype.str, "shape": array.shape[0], "offset": at,
                       "crc32": zlib.crc32(array.data.cast("B"))}
        at = _align(at + array.nbytes)
    header = json.dumps({"format": fmt, "meta": meta, "arrays": table}, ensure_ascii=False,
                        separators=(",", ":")).encode("utf-8")
    first = f"{fmt} {zlib.crc32(header):08x} {len(header)}\n".encode("ascii")
    start = _align(len(first) + len(header))

    def write(handle: BinaryIO) -> None:
        handle.write(first + header + b"\0" * (start - len(first) - len(header)))
        written = 0
        for name, array in contiguous.items():
            offset = table[name]["offset"]
            handle.write(b"\0" * (offset - written))
            handle.write(array.data.cast("B"))
            written = offset + array.nbytes

    write_atomically(path, write)


def open_arrays(path: Path, fmt: str, schema: Mapping[str, np.dtype[Any]], *, written: bool = False) -> MappedArrays:
    """Map the arrays of ``path``; raise ``InvalidArrayFile`` (or ``OSError``) when it cannot be used.

    ``schema`` names every array the file must hold, with its dtype; nothing else may be in the file. ``written``
    says the caller has just written it (``MappedArrays.written``).
    """
    with path.open("rb", buffering=0) as handle:
        first = handle.readline(_FIRST_LINE_MAX)
        fields = first.decode("ascii", "replace").rstrip("\n").split(" ")
        if not first.endswith(b"\n") or len(fields) != 3 or fields[0] != fmt or not fields[2].isdigit():
            raise InvalidArrayFile("another file format")
        header = handle.read(int(fields[2]))
        if f"{zlib.crc32(header):08x}" != fields[1]:
            raise InvalidArrayFile("header checksum mismatch (truncated or corrupt)")
        try:
            parsed = json.loads(header)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidArrayFile(f"unreadable header ({exc})") from None
        size = handle.seek(0, 2)
        if not isinstance(parsed, dict) or not isinstance(parsed.get("meta"), dict):
            raise InvalidArrayFile("no header")
        table = parsed.get("arrays")
        if not isinstance(table, dict) or set(table) != set(schema):
            raise InvalidArrayFile(f"unexpected arrays {sorted(table) if isinstance(table, dict) else table}")
        start = _align(len(first) + len(header))
        layout: dict[str, tuple[int, int, int]] = {}
        for name, dtype in schema.items():
            entry = table[name]
            if not (isinstance(entry, dict) and entry.get("dtype") == dtype.str):
                raise InvalidArrayFile(f"{name} is not {dtype}")
            shape, offset, crc = entry.get("shape"), entry.get("offset"), entry.get("crc32")
            if not (type(shape) is int and type(offset) is int and type(crc) is int and shape >= 0
                    and offset >= 0 and offset % ALIGN == 0):
                raise InvalidArrayFile(f"{name}: malformed layout")
            layout[name] = (start + offset, shape, crc)
            if start + offset + shape * dtype.itemsize > size:
                raise InvalidArrayFile(f"{name} ends past the end of the file (truncated)")
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        kept = OpenFile(os.dup(handle.fileno()))
    arrays: dict[str, npt.NDArray[Any]] = {}
    crcs: dict[str, tuple[int, int, int]] = {}
    for name, (offset, shape, crc) in layout.items():
        dtype = schema[name]
        if shape == 0 or mapped is None:
            arrays[name] = np.empty(0, dtype=dtype)
        else:
            arrays[name] = np.frombuffer(mapped, dtype=dtype, count=shape, offset=offset)
        crcs[name] = (offset, shape * dtype.itemsize, crc)
    return MappedArrays(path, parsed["meta"], arrays, crcs, kept, written)


def read_array(mapped: MappedArrays, name: str) -> Iterator[bytes]:
    """Yield one array's bytes in chunks, read from the file rather than the mapping (see the module's docstring).

    Raise ``OSError`` when the file is shorter than its header says.
    """
    offset, length, _ = mapped.crcs[name]
    at, end = offset, offset + length
    while at < end:
        chunk = os.pread(mapped.file.fd, min(end - at, _CHUNK), at)
        if not chunk:
            raise OSError(f"{mapped.path}: {name} ends {end - at} bytes early")
        yield chunk
        at += len(chunk)


def damaged_arrays(mapped: MappedArrays) -> list[str]:
    """Return the names of the arrays whose bytes on disk no longer match their CRC-32 (all, if unreadable).

    Reads the file, not the mapping: see the module's docstring.
    """
    damaged: list[str] = []
    for name, (_, _, crc) in mapped.crcs.items():
        value = 0
        try:
            for chunk in read_array(mapped, name):
                value = zlib.crc32(chunk, value)
        except OSError:
            damaged.append(name)
            continue
        if value != crc:
            damaged.append(name)
    return damaged


def on_disk(mapped: MappedArrays) -> bool:
    """Tell whether ``mapped.path`` is still the file ``mapped`` was read from (not removed, not replaced)."""
    try:
        return os.path.samestat(os.stat(mapped.path), os.fstat(mapped.file.fd))
    except OSError:
        return False


def discard(mapped: MappedArrays) -> None:
    """Remove the file ``mapped`` was read from, unless another file has replaced it since."""
    if on_disk(mapped):
        with contextlib.suppress(OSError):
            mapped.path.unlink()
