"""The search stage's interface.

A ``SearchBackend`` indexes the segments of a transcript and answers queries with
segment-level ``Hit``s. The database is the source of truth; a backend can always be
rebuilt from it. To add a backend: write a module implementing ``SearchBackend`` and add
one line to ``index.registry``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol


class BackendError(Exception):
    """The search backend is unreachable or refused the work; the message says which, in
    words a monitor or admin can act on."""


class QueryError(ValueError):
    """A malformed query; the message says what is wrong, for the person who typed it."""


@dataclass
class Hit:
    segment_id: int
    transcript_id: int
    broadcast_id: int
    url: str  # the broadcast's item page
    outlet: str
    title: str
    aired_at: datetime | None
    start: float
    end: float
    text: str  # the original, untouched text
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["aired_at"] = self.aired_at.isoformat() if self.aired_at else None
        return data


class SearchBackend(Protocol):
    name: str

    def index_transcript(self, transcript_id: int) -> int:
        """(Re)index every segment of one transcript; return how many were indexed.
        Indexing twice leaves one copy."""
        ...

    def remove_transcript(self, transcript_id: int) -> None:
        """Remove a transcript's segments from the index."""
        ...

    def count_indexed(self, transcript_id: int) -> int:
        """How many segments of a transcript the index holds (for drift checks)."""
        ...

    def clear(self) -> None:
        """Empty the index (``raqib reindex`` rebuilds it from the database)."""
        ...

    def search(self, query: str, *, outlet: str | None = None, limit: int = 20,
               offset: int = 0) -> list[Hit]:
        """Return hits for ``query`` best first; raise QueryError for a malformed query."""
        ...
