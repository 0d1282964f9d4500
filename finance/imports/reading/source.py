"""Reading an upload into bytes, within the size limit: the one bounded reader every parser and the upload use."""

from __future__ import annotations

from typing import BinaryIO

from finance.imports.reading import limits
from finance.imports.reading.errors import ErrorCode, FileTooLarge, ParseError


def read_bytes(file: bytes | bytearray | memoryview | BinaryIO) -> bytes:
    """The file's content, refusing anything above :func:`~finance.imports.reading.limits.max_file_bytes` (413).

    A file that states its size (an upload) is refused before it is read; otherwise at most one byte more than
    the limit is read.
    """
    limit = limits.max_file_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    elif hasattr(file, "read"):
        data = file.read(limit + 1)
        if not isinstance(data, bytes | bytearray):
            raise ParseError("The file must be opened in binary mode.", code=ErrorCode.INVALID_INPUT)
        data = bytes(data)
    else:
        raise ParseError(f"Cannot read a file from {type(file).__name__}.", code=ErrorCode.INVALID_INPUT)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(f"The file is larger than {limit // (1024 * 1024)} MiB.", status=413)
