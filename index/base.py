"""The search stage's interface.

A ``SearchBackend`` indexes the segments of a transcript and answers queries with
segment-level ``Hit``s. The database is the source of truth; a backend can always be
rebuilt from it. To add a backend: write a module with a subclass of ``SearchBackend`` and
add one line to ``index.registry``; it must pass ``tests/index/test_contract.py``.

The public search API (used by the CLI, the UI and watchlists) is::

    page = backend.search_page(SearchRequest("أتبرأ", outlet="Al-Ikhbariya",
                                             aired_from=date(2024, 3, 1), tags=("confession",),
                                             sort="-aired_at", page=2, page_size=20))
    page.total, page.hits[0].highlight, page.facets["month"]

``search(query, outlet=, limit=, offset=)`` remains as a shortcut returning a list of hits.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from catalog.aired import AirDate
from index.sorts import SORTS

FACETS = ("outlet", "language", "month", "tag")
MAX_PAGE_SIZE = 500


class BackendError(Exception):
    """The search backend is unreachable or refused the work; the message says which, in
    words a monitor or admin can act on."""


class QueryError(ValueError):
    """A malformed query; the message says what is wrong, for the person who typed it."""


@dataclass(frozen=True)
class SearchRequest:
    """One search: the query text plus filters, sort and paging.

    Filters given here are ANDed with those written in the query (``outlet:``, ``lang:``,
    ``tag:``); contradicting values give no hits. ``aired_from``/``aired_to`` are inclusive
    UTC dates. ``transcript_id`` restricts the search to one transcript (watchlists run a
    query against a newly indexed transcript this way). ``facets=False`` skips the facet
    counts (cheaper)."""

    query: str
    outlet: str | None = None
    language: str | None = None
    aired_from: date | None = None
    aired_to: date | None = None
    tags: tuple[str, ...] = ()
    transcript_id: int | None = None
    sort: str = "relevance"  # one of SORTS: "aired_at" oldest first, "-aired_at" newest first
    page: int = 1
    page_size: int = 20
    facets: bool = True

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}")
        if int(self.page) < 1:
            raise QueryError("page numbers start at 1")
        if not 1 <= int(self.page_size) <= MAX_PAGE_SIZE:
            raise QueryError(f"the page size must be between 1 and {MAX_PAGE_SIZE}")
        if self.aired_from and self.aired_to and self.aired_from > self.aired_to:
            raise QueryError("the 'from' date is after the 'to' date")
        object.__setattr__(self, "tags", tuple(self.tags))

    @property
    def offset(self) -> int:
        return (int(self.page) - 1) * int(self.page_size)


@dataclass(frozen=True)
class Span:
    """A piece of a hit's original text; ``match`` marks words the query matched."""

    text: str
    match: bool = False


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
    language: str = ""  # the broadcast's language
    tags: list[str] = field(default_factory=list)  # tag names on the broadcast
    play_from: float = 0.0  # the second to play from (the segment's start)
    # The original text cut into spans; matched words have match=True. Render each span
    # escaped (the UI wraps matches in <mark>); never build markup by string replacement.
    highlight: list[Span] = field(default_factory=list)
    # The broadcast's air date as printed (catalog.aired: a day stays a day).
    aired_precision: str = ""
    aired_date: date | None = None
    aired_tz: str = ""
    aired_at_raw: str = ""
    # Where else the same recording was seen (catalog.sightings): [{"source", "outlet",
    # "url", "seen_at"}], the broadcast shown once with them (``index.hits``).
    sightings: list[dict[str, Any]] = field(default_factory=list)
    # Which text the query matched (``index.hits.mark_corrections``): "machine" (the
    # segment's own text), "corrected" (the current correction of the range starting at
    # this segment, not yet verified) or "verified" (the range's verified text);
    # ``corrected_text`` is that text when it is not the machine's (``highlight`` then cuts
    # it, and ``start``/``end`` are the range's); ``verified`` says the range has a
    # verified version, whatever text matched.
    matched: str = "machine"
    corrected_text: str = ""
    verified: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("aired_date", "aired_at_raw"):
            del data[key]
        data.update(AirDate.of(self).fields())
        data["highlight"] = [[s.text, s.match] for s in self.highlight]
        return data


@dataclass
class SearchPage:
    """One page of results: ``total`` counts every match; ``facets`` maps each of FACETS
    to ``[(value, count), ...]`` over ALL matches (most frequent first; month values are
    "YYYY-MM", newest first), empty when the request asked for no facets."""

    hits: list[Hit]
    total: int
    page: int
    page_size: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "page": self.page, "page_size": self.page_size,
                "pages": self.pages, "hits": [h.to_json() for h in self.hits],
                "facets": {k: [[v, n] for v, n in items] for k, items in self.facets.items()}}


class SearchBackend(ABC):
    """The base every search backend subclasses. Required methods are abstract; optional
    capabilities are declared here with their defaults, so the core reads them instead of
    probing the backend."""

    name: str = ""
    # True when the index lives in the catalog database: indexing then joins the caller's
    # transaction (read from the class, so deciding never contacts a server). Both
    # backends today keep their index outside the catalog (Tantivy's directory,
    # Elasticsearch) and leave it False: the pipeline's index stage indexes after commit.
    in_catalog: bool = False
    # True when the backend matches watchlists itself (Elasticsearch's percolator,
    # ``index.es_percolator``); otherwise ``index.watch_match`` evaluates them in Python.
    has_percolator: bool = False

    @classmethod
    def from_config(cls, config: Any = None) -> SearchBackend:
        """Build the backend from the ``search.*`` settings (the registry calls this)."""
        return cls()

    @abstractmethod
    def index_transcript(self, transcript_id: int) -> int:
        """(Re)index every segment of one transcript; return how many were indexed.
        Indexing twice leaves one copy."""
        raise NotImplementedError

    @abstractmethod
    def remove_transcript(self, transcript_id: int) -> None:
        """Remove a transcript's segments from the index (also when the transcript no
        longer exists in the database)."""
        raise NotImplementedError

    @abstractmethod
    def count_indexed(self, transcript_id: int) -> int:
        """How many segments of a transcript the index holds (for drift checks)."""
        raise NotImplementedError

    @abstractmethod
    def indexed_transcripts(self) -> dict[int, int]:
        """{transcript_id: indexed segment count} for every transcript in the index,
        including orphans whose transcript is gone from the database."""
        raise NotImplementedError

    def update_tags(self, broadcast_id: int) -> None:
        """Make the index reflect the broadcast's current tags (after tagging). Default:
        nothing to do (a backend that joins tags at query time)."""
        return None

    @abstractmethod
    def clear(self) -> None:
        """Empty the index (``raqib reindex`` rebuilds it from the database)."""
        raise NotImplementedError

    def rebuild(self, progress: Callable[[int, int, int], None] | None = None) -> int:
        """Rebuild the index from the database (``raqib reindex``); return the segments
        indexed. ``progress(transcripts_done, transcripts, segments)`` is called as it
        goes. Default: clear, then index every transcript (searches miss hits meanwhile);
        Tantivy builds a new index beside the live one and swaps it in."""
        from catalog.models import Transcript

        self.clear()
        ids = list(Transcript.objects.order_by("id").values_list("id", flat=True))
        segments = 0
        for n, transcript_id in enumerate(ids, 1):
            segments += self.index_transcript(transcript_id)
            if progress:
                progress(n, len(ids), segments)
        return segments

    @abstractmethod
    def search_page(self, request: SearchRequest) -> SearchPage:
        """Run one search; raise QueryError for a malformed query."""
        raise NotImplementedError

    def search(self, query: str, *, outlet: str | None = None, limit: int = 20,
               offset: int = 0) -> list[Hit]:
        """Return hits for ``query`` best first; raise QueryError for a malformed query."""
        return search_hits(self, query, outlet=outlet, limit=limit, offset=offset)


def search_hits(backend: SearchBackend, query: str, *, outlet: str | None = None,
                limit: int = 20, offset: int = 0) -> list[Hit]:
    """The ``search`` shortcut on top of ``search_page``: hits offset..offset+limit, best
    first, no facets (at most MAX_PAGE_SIZE hits)."""
    limit = min(max(0, int(limit)), MAX_PAGE_SIZE)
    offset = max(0, int(offset))
    if limit == 0:
        backend.search_page(SearchRequest(query, outlet=outlet, page_size=1, facets=False))
        return []
    if offset % limit == 0:
        page = backend.search_page(SearchRequest(query, outlet=outlet, page=offset // limit + 1,
                                                 page_size=limit, facets=False))
        return page.hits
    size = min(offset + limit, MAX_PAGE_SIZE)
    page = backend.search_page(SearchRequest(query, outlet=outlet, page_size=size, facets=False))
    return page.hits[offset:offset + limit]
