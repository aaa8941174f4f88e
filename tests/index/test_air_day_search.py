"""Search by air date goes by the day the outlet printed (``catalog.aired``): an item dated
«١ أيار ٢٠٢١» on a Damascus outlet (stored at 30 April 21:00 UTC) is found by
``--from 2021-05-01 --to 2021-05-01``, not by April, and its month facet is 2021-05; its
hit's JSON says "2021-05-01" with its precision. Embedded Tantivy backend, real index."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from catalog.models import Broadcast, Outlet, Segment, Source, Transcript
from index.base import SearchRequest
from index.tantivy_backend import TantivyBackend

pytestmark = pytest.mark.django_db


def test_day_filters_and_month_facet_use_the_printed_day(tmp_path: Path) -> None:
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="site",
                                   config={"timezone": "Asia/Damascus"})
    broadcast = Broadcast.objects.create(
        source=source, outlet=outlet, external_id="1", url="https://tv.example/1",
        aired_at=datetime(2021, 4, 30, 21, 0, tzinfo=UTC), aired_at_raw="١ أيار ٢٠٢١",
        aired_precision="day", aired_date=date(2021, 5, 1), aired_tz="Asia/Damascus")
    transcript = Transcript.objects.create(broadcast=broadcast, engine="import",
                                           model_id="import")
    Segment.objects.create(transcript=transcript, number=0, start=0, end=4,
                           text="أنا أتبرأ من أخي")
    backend = TantivyBackend(tmp_path / "search")
    backend.index_transcript(transcript.id)

    def found(first: date | None, last: date | None) -> int:
        return backend.search_page(SearchRequest("أتبرأ", aired_from=first,
                                                 aired_to=last)).total

    assert found(date(2021, 5, 1), date(2021, 5, 1)) == 1
    assert found(date(2021, 4, 1), date(2021, 4, 30)) == 0
    page = backend.search_page(SearchRequest("أتبرأ", facets=True))
    assert page.facets["month"] == [("2021-05", 1)]
    hit = page.hits[0].to_json()
    assert (hit["aired_at"], hit["aired_precision"], hit["aired_at_raw"]) == (
        "2021-05-01", "day", "١ أيار ٢٠٢١")
