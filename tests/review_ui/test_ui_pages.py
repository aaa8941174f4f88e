"""Search, broadcast list, broadcast viewer, media streaming with byte ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from ui_helpers import make_broadcast, write_media

from catalog.models import Broadcast
from review_ui.templatetags.raqib_ui import bidi_safe, format_timecode, seconds_param


def test_timecode_and_seconds_format() -> None:
    assert format_timecode(0) == "00:00"
    assert format_timecode(75.9) == "01:15"
    assert format_timecode(3723) == "1:02:03"
    assert seconds_param(8.0) == "8" and seconds_param(13.25) == "13.25"


def test_bidi_filter_neutralises_every_control() -> None:
    controls = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    assert len(controls) == 9
    cleaned = bidi_safe(f"a{controls}b")
    assert not any(ch in cleaned for ch in controls)
    assert cleaned == "a" + "\ufffd" * 9 + "b"


def test_broadcast_page_neutralises_bidi_and_escapes(viewer_client: Client, db) -> None:
    evil = make_broadcast(title="عنوان\u202eexe.fdp", segments=[
        (0.0, 2.0, "نص \u2067مخفي\u2069 <script>alert(1)</script>")])
    html = viewer_client.get(f"/broadcasts/{evil.pk}/").content.decode()
    assert "\u202e" not in html and "\u2067" not in html and "\u2069" not in html
    assert "\ufffd" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    # Stored exactly as captured: only the display is neutralised.
    assert "\u202e" in Broadcast.objects.get(pk=evil.pk).title


def test_broadcast_page_has_player_at_second_and_transcript(viewer_client: Client,
                                                            broadcast) -> None:
    response = viewer_client.get(f"/broadcasts/{broadcast.pk}/?t=9.5")
    html = response.content.decode()
    assert response.status_code == 200
    assert (f'<video id="player" controls preload="metadata" src="/media/{broadcast.pk}/" '
            'data-start="9.5">') in html
    assert broadcast.media.sha256 in html and "الإخبارية السورية" in html
    assert 'class="segment current"' in html and "أنا أماني وأتبرأ من أخي" in html
    assert 'data-start="8" data-end="13.5"' in html and "00:08" in html
    assert viewer_client.get("/broadcasts/99999/").status_code == 404


def test_bad_start_parameter_is_ignored(viewer_client: Client, broadcast) -> None:
    response = viewer_client.get(f"/broadcasts/{broadcast.pk}/?t=nan-or-worse")
    assert response.status_code == 200 and 'data-start="0"' in response.content.decode()


def test_broadcast_list_shows_failures_and_reasons(viewer_client: Client, broadcast) -> None:
    failed = make_broadcast(title="حلقة فاشلة")
    Broadcast.objects.filter(pk=failed.pk).update(
        status="failed", failed_stage="download", error="HTTP 404 for media URL")
    html = viewer_client.get("/broadcasts/").content.decode()
    # the stage is shown in the page's language; the stored reason as recorded
    assert "HTTP 404 for media URL" in html and "(التنزيل)" in html
    assert "(download)" not in html and ">failed<" not in html and "فشل" in html
    only_failed = viewer_client.get("/broadcasts/?status=failed").content.decode()
    assert "حلقة فاشلة" in only_failed and "من النفق إلى النور" not in only_failed


def test_media_full_and_ranges(viewer_client: Client, broadcast) -> None:
    payload = (bytes(range(256)) * 40)
    full = viewer_client.get(f"/media/{broadcast.pk}/")
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert full["Content-Type"] == "video/mp4"
    assert b"".join(full.streaming_content) == payload

    part = viewer_client.get(f"/media/{broadcast.pk}/", HTTP_RANGE="bytes=1000-1099")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1000-1099/{len(payload)}"
    assert part["Content-Length"] == "100"
    assert b"".join(part.streaming_content) == payload[1000:1100]

    open_end = viewer_client.get(f"/media/{broadcast.pk}/", HTTP_RANGE="bytes=10000-")
    assert b"".join(open_end.streaming_content) == payload[10000:]
    suffix = viewer_client.get(f"/media/{broadcast.pk}/", HTTP_RANGE="bytes=-16")
    assert suffix["Content-Range"] == f"bytes {len(payload) - 16}-{len(payload) - 1}/10240"
    assert b"".join(suffix.streaming_content) == payload[-16:]

    beyond = viewer_client.get(f"/media/{broadcast.pk}/", HTTP_RANGE="bytes=20000-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == "bytes */10240"


def test_media_absent_is_404(viewer_client: Client, data_dir: Path, db) -> None:
    no_media = make_broadcast()
    assert viewer_client.get(f"/media/{no_media.pk}/").status_code == 404
    gone = write_media("media/gone.mp4", b"x" * 20)
    (data_dir / gone.path).unlink()
    missing = make_broadcast(media=gone)
    assert viewer_client.get(f"/media/{missing.pk}/").status_code == 404


def test_media_path_cannot_escape_data_dir(viewer_client: Client, db) -> None:
    outside = write_media("media/x.mp4", b"abc")
    outside.path = "../../../../etc/passwd"
    outside.save()
    b = make_broadcast(media=outside)
    assert viewer_client.get(f"/media/{b.pk}/").status_code == 404


def test_search_page_without_query_shows_form(viewer_client: Client, db) -> None:
    html = viewer_client.get("/").content.decode()
    assert 'name="q"' in html and 'name="outlet"' in html


@pytest.mark.django_db(transaction=True)
def test_viewer_can_search_and_hit_links_to_second(viewer_client: Client, broadcast) -> None:
    from index.registry import get_backend

    get_backend().index_transcript(broadcast.transcripts.get().pk)
    response = viewer_client.get("/", {"q": "أماني"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "أنا <mark>أماني</mark> وأتبرأ من أخي" in html
    assert f'href="/broadcasts/{broadcast.pk}/?t=8"' in html and "00:08" in html
    assert 'href="https://example.org/episode/1"' in html
    filtered = viewer_client.get("/", {"q": "أماني", "outlet": "الإخبارية السورية"})
    assert "<mark>أماني</mark>" in filtered.content.decode()


@pytest.mark.django_db(transaction=True)
def test_malformed_query_shows_message_not_500(viewer_client: Client, broadcast) -> None:
    from index.registry import get_backend

    malformed = next((q for q in ('"أماني', "(أماني", "أماني AND", "NEAR(", "*")
                      if _raises_query_error(get_backend(), q)), None)
    assert malformed is not None, "the backend accepted every malformed query tried"
    response = viewer_client.get("/", {"q": malformed})
    assert response.status_code == 200
    assert "استعلام غير صالح" in response.content.decode()  # "Invalid query"


def _raises_query_error(backend: object, query: str) -> bool:
    from index.base import QueryError

    try:
        backend.search(query, limit=1)
    except QueryError:
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_search_page_facets_pages_and_escaped_highlights(viewer_client: Client) -> None:
    from datetime import UTC, datetime

    from index.registry import get_backend

    for day in (1, 2, 3):
        b = make_broadcast(segments=[(5.0 * day, 9.0, f"شهادة <b>رقم</b> {day}")],
                           aired_at=datetime(2024, day, 10, tzinfo=UTC))
        get_backend().index_transcript(b.transcripts.get().pk)
    html = viewer_client.get("/", {"q": "شهاده", "page_size": 2, "sort": "aired_at"}
                             ).content.decode()
    assert "3 نتائج" in html and 'class="page-next"' in html
    assert "<mark>شهادة</mark> &lt;b&gt;رقم&lt;/b&gt; 1" in html and "<b>رقم" not in html
    assert "?t=5" in html and "2024-03 " not in html
    assert 'href="?q=%D8%B4%D9%87%D8%A7%D8%AF%D9%87&amp;page_size=2&amp;sort=aired_at' \
           '&amp;date_from=2024-03&amp;date_to=2024-03"' in html
    page2 = viewer_client.get("/", {"q": "شهاده", "page_size": 2, "sort": "aired_at",
                                    "page": 2}).content.decode()
    assert "رقم&lt;/b&gt; 3" in page2 and "رقم&lt;/b&gt; 1" not in page2
    narrowed = viewer_client.get("/", {"q": "شهاده", "date_from": "2024-03",
                                       "date_to": "2024-03"}).content.decode()
    assert "1 نتيجة" in narrowed
    bad = viewer_client.get("/", {"q": "شهاده", "date_from": "2024-13"})
    assert bad.status_code == 200 and "استعلام غير صالح" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_reviewer_tags_a_segment_and_search_follows(viewer_client: Client, broadcast) -> None:
    from django.test import Client as DjangoClient
    from ui_helpers import login_client, make_user

    from index.registry import get_backend

    get_backend().index_transcript(broadcast.transcripts.get().pk)
    url = f"/broadcasts/{broadcast.pk}/tags/"
    assert viewer_client.post(url, {"tag": "confession"}).status_code == 403
    make_user("rev1", "reviewer")
    reviewer = DjangoClient(enforce_csrf_checks=True)
    login_client(reviewer, "rev1")
    assert reviewer.post(url, {"tag": "confession"}).status_code == 403  # no CSRF token
    page = reviewer.get(f"/broadcasts/{broadcast.pk}/")
    token = page.cookies["csrftoken"].value
    response = reviewer.post(url, {"tag": "confession", "segment": 0,
                                   "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert broadcast.taggings.get().segment.number == 0
    assert "confession" in reviewer.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert "1 نتيجة" in viewer_client.get("/", {"q": "أماني tag:confession"}).content.decode()
    reviewer.post(url, {"tag": "confession", "segment": 0, "action": "remove",
                        "csrfmiddlewaretoken": token})
    assert not broadcast.taggings.exists()
    assert "0 نتيجة" in viewer_client.get("/", {"q": "أماني tag:confession"}).content.decode()


def test_search_and_broadcast_page_show_a_recording_once_with_its_sightings(
        viewer_client: Client, broadcast) -> None:
    """One recording seen at another source (catalog.sightings): search lists it once with
    "also seen at", the broadcast page lists the sighting, and a merged duplicate's old
    address leads to the recording."""
    from catalog.models import EvidenceFile, Outlet, Sighting, Source
    from index.registry import get_backend

    other = Outlet.objects.create(name="قناة \u202eمرآة")
    source = Source.objects.create(name="mirror", outlet=other, kind="site")
    sighting = Sighting.objects.create(
        broadcast=broadcast, media=broadcast.media, sha256=broadcast.media.sha256,
        source=source, outlet=other, external_id="m-1", url="https://mirror.example/m/1",
        former_broadcast_id=99001)
    EvidenceFile.objects.create(broadcast=broadcast, sighting=sighting, kind="warc",
                                path="captures/99001/p.warc.gz", sha256="cd" * 32, size=5)
    get_backend().index_transcript(broadcast.transcripts.get().pk)

    html = viewer_client.get("/", {"q": "أماني"}).content.decode()
    assert html.count('class="hit"') == 1
    assert 'href="https://mirror.example/m/1"' in html and "\u202e" not in html
    page = viewer_client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert 'href="https://mirror.example/m/1"' in page and "cd" * 32 in page
    moved = viewer_client.get("/broadcasts/99001/")
    assert moved.status_code == 302 and moved["Location"] == f"/broadcasts/{broadcast.pk}/"
