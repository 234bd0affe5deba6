"""The first checks on an uploaded `.csv` or `.xlsx` list, before anything reads its rows:
a campaign's list of A-numbers (portal.services.audience_lists) and an attorney's client
list (portal.services.attorney_documents) both start here.

The kind of file is read from its first bytes, never trusted from its name: an `.xlsx`
workbook is a zip archive, and a `.csv` file is text (no NUL byte). A few megabytes of zip
can unpack to gigabytes, so a workbook is measured before it is opened. Each caller words
the refusals for its own readers."""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum

ZIP_SIGNATURE = b"PK\x03\x04"


class FileType(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class ListProblem(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_A_LIST = "not_a_list"  # neither a zip archive nor text
    DAMAGED = "damaged"  # a zip archive that cannot be read
    UNPACKS_TOO_LARGE = "unpacks_too_large"


class ListRefused(ValueError):
    def __init__(self, problem: ListProblem):
        super().__init__(problem.value)
        self.problem = problem


def checked_file_type(data: bytes, *, max_bytes: int, max_unpacked_bytes: int) -> FileType:
    """The kind of list the bytes hold, once they pass the checks. `data` may be one byte
    longer than `max_bytes` (read so, to tell that a file is too large). Raises ListRefused."""
    if not data:
        raise ListRefused(ListProblem.EMPTY)
    if len(data) > max_bytes:
        raise ListRefused(ListProblem.TOO_LARGE)
    if not data.startswith(ZIP_SIGNATURE):
        if b"\x00" in data:
            raise ListRefused(ListProblem.NOT_A_LIST)
        return FileType.CSV
    if _unpacked_size(data) > max_unpacked_bytes:
        raise ListRefused(ListProblem.UNPACKS_TOO_LARGE)
    return FileType.XLSX


def _unpacked_size(workbook: bytes) -> int:
    """What the archive's members declare. zipfile reads no more than each member's declared
    size, so the sum bounds what opening the workbook can read."""
    try:
        with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):  # the ways a damaged archive fails
        raise ListRefused(ListProblem.DAMAGED) from None
