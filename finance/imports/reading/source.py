"""Reading an upload into bytes, within the size limit."""

from __future__ import annotations

from typing import BinaryIO

from finance.imports.reading import limits
from finance.imports.reading.errors import FileTooLarge, ParseError


def read_bytes(file: bytes | bytearray | memoryview | BinaryIO) -> bytes:
    """The file's content, refusing anything above :data:`~finance.imports.reading.limits.MAX_FILE_BYTES`."""
    limit = limits.MAX_FILE_BYTES
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    elif hasattr(file, "read"):
        data = file.read(limit + 1)
        if not isinstance(data, bytes | bytearray):
            raise ParseError("The file must be opened in binary mode.", code="invalid_input")
        data = bytes(data)
    else:
        raise ParseError(f"Cannot read a file from {type(file).__name__}.", code="invalid_input")
    if len(data) > limit:
        raise FileTooLarge(f"The file is larger than {limit // (1024 * 1024)} MiB.")
    return data
