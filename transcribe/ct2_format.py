"""Read a CTranslate2 ``model.bin`` (the faster-whisper model format) into numpy arrays.

``model.bin`` layout (CTranslate2 ``specs/model_spec.py``, ``_serialize``; little-endian):
``u32 binary_version``, ``str spec_name``, ``u32 revision``, ``u32 n_variables``, then per
variable ``str name``, ``u8 rank``, ``u32 dims[rank]``, ``u8 dtype`` (0 float32, 1 int8,
2 int16, 3 int32, 4 float16, 5 bfloat16), ``u32 n_bytes``, raw data; then ``u32 n_aliases``
and pairs ``str alias``, ``str target`` (a variable equal to another is stored once:
Whisper's output projection is an alias of the token embedding). ``str`` is ``u16 length``
(including a trailing NUL) then UTF-8 bytes. Quantized weights carry ``<name>_scale``:
int8 has one float scale per output row (``w = q / scale``), int16 one scalar.

``read_model_bin`` maps the file and parses it into a ``CT2Model`` (every variable as an
array, aliases resolved by ``get``); ``weight`` returns one variable as float32,
dequantized. A malformed file raises ``ConversionError`` naming the byte where it went
wrong. To read a new binary version: extend ``SUPPORTED_BINARY_VERSIONS`` and ``_parse``.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from transcribe.bundled_model import ModelError

SUPPORTED_BINARY_VERSIONS = range(4, 7)  # 4 added typed variables; 6 is current
_DTYPES: dict[int, str] = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16",
                           5: "bfloat16"}


class ConversionError(ModelError):
    """A model.bin that cannot be read or is not a Whisper model this converter maps."""


@dataclass
class CT2Model:
    """The variables of a CTranslate2 ``model.bin`` as numpy arrays (aliases resolved)."""

    binary_version: int
    spec_name: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        seen = 0
        while name in self.aliases and seen < 16:
            name, seen = self.aliases[name], seen + 1
        try:
            return self.variables[name]
        except KeyError:
            raise ConversionError(f"the model has no variable {name}") from None

    def has(self, name: str) -> bool:
        return name in self.variables or name in self.aliases

    def scalar(self, name: str) -> int:
        return int(self.get(name).reshape(-1)[0])


class _Reader:
    def __init__(self, data: Any, path: Path) -> None:
        self.data, self.pos, self.path = data, 0, path

    def fail(self, why: str) -> ConversionError:
        return ConversionError(f"{self.path} is not a valid CTranslate2 model.bin: {why} "
                               f"(at byte {self.pos})")

    def take(self, n: int) -> Any:
        if n < 0 or self.pos + n > len(self.data):
            raise self.fail(f"truncated (wanted {n} more bytes, {len(self.data) - self.pos} "
                            f"left)")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> int:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        raw = bytes(self.take(self.unpack("H")))
        if not raw or raw[-1] != 0:
            raise self.fail("a string is not NUL-terminated")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("a name is not UTF-8") from None


def _array(raw: Any, dtype: str, shape: list[int], reader: _Reader, name: str) -> np.ndarray:
    storage = "uint16" if dtype == "bfloat16" else dtype
    count = int(np.prod(shape)) if shape else 1
    if count * np.dtype(storage).itemsize != len(raw):
        raise reader.fail(f"variable {name} has {len(raw)} bytes for shape {shape} ({dtype})")
    array = np.frombuffer(raw, dtype=np.dtype(storage).newbyteorder("<")).reshape(shape)
    if dtype == "bfloat16":  # numpy has no bfloat16: widen the top 16 bits of a float32
        array = (array.astype(np.uint32) << 16).view(np.float32)
    return array


def read_model_bin(path: Path) -> CT2Model:
    """Parse ``path`` (a CTranslate2 ``model.bin``); raise ConversionError when malformed."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                raise ConversionError(f"{path} is empty (0 bytes)")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _parse(_Reader(data, path))  # slices of an mmap are bytes copies
    except OSError as exc:
        raise ConversionError(f"cannot read {path}: {exc.strerror or exc}") from None


def _parse(reader: _Reader) -> CT2Model:
    version = reader.unpack("I")
    if version not in SUPPORTED_BINARY_VERSIONS:
        versions = SUPPORTED_BINARY_VERSIONS
        raise reader.fail(f"unsupported binary version {version} (supported: "
                          f"{versions.start}-{versions.stop - 1})")
    spec, revision = reader.string(), reader.unpack("I")
    variables: dict[str, np.ndarray] = {}
    for _ in range(reader.unpack("I")):
        name = reader.string()
        shape = [reader.unpack("I") for _ in range(reader.unpack("B"))]
        type_id = reader.unpack("B")
        if type_id not in _DTYPES:
            raise reader.fail(f"variable {name} has unknown type id {type_id}")
        raw = reader.take(reader.unpack("I"))
        variables[name] = _array(raw, _DTYPES[type_id], shape, reader, name)
    aliases = {}
    for _ in range(reader.unpack("I")):
        alias = reader.string()
        aliases[alias] = reader.string()
    if reader.pos != len(reader.data):
        raise reader.fail(f"{len(reader.data) - reader.pos} unexpected trailing bytes")
    return CT2Model(version, spec, revision, variables, aliases)


def weight(model: CT2Model, name: str) -> np.ndarray:
    """Variable ``name`` as float32, dequantized when the model stores it quantized."""
    value = model.get(name)
    scale_name = f"{name}_scale"
    if model.has(scale_name) and value.dtype in (np.int8, np.int16):
        scale = model.get(scale_name).astype(np.float32)
        if value.dtype == np.int8:  # one scale per output row (conv weights: per channel)
            shaped = scale.reshape((-1,) + (1,) * (value.ndim - 1))
            return value.astype(np.float32) / shaped
        return value.astype(np.float32) / float(scale.reshape(-1)[0])
    if value.dtype not in (np.float32, np.float16):
        raise ConversionError(f"variable {name} is {value.dtype} without a scale; cannot "
                              f"turn it into weights")
    return value.astype(np.float32)
