"""``import_transcript_file``: validation naming the field, exact text, one transcript per url,
custody record, indexed status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEXT = "أَمَانِي:  «أتبرأ» من ابني\u200f"


def import_transcript_file(path: Path, *, actor: str):
    from django.conf import settings

    from raqib.pipeline import import_transcript

    return import_transcript(path, settings.CONFIG, actor=actor)


def rejected(message: str):
    """pytest.raises for the importer's error (imported late: it needs Django loaded)."""
    from index.importer import TranscriptImportError

    return pytest.raises(TranscriptImportError, match=message)


def write(tmp_path: Path, doc: object, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def valid(**broadcast: object) -> dict:
    base = {"outlet": "الإخبارية السورية", "title": "من النفق إلى النور",
            "url": "https://example.org/tunnel", "aired_at": "2021-04-20T18:00:00Z",
            "language": "ar"}
    base.update(broadcast)
    return {"broadcast": base, "segments": [{"start": 0, "end": 4.2, "text": TEXT},
                                            {"start": 4.2, "end": 9, "text": "الشهادة"}]}


def test_import_stores_text_exactly_records_custody_and_indexes(tmp_path: Path) -> None:
    from catalog.models import CustodyEvent, Source
    from index.registry import get_backend

    broadcast = import_transcript_file(write(tmp_path, valid()), actor="tester")
    assert broadcast.status == "indexed"
    assert broadcast.source.kind == Source.KIND_IMPORT
    assert broadcast.source.name.startswith("import-")
    transcript = broadcast.transcripts.get()
    assert (transcript.track, transcript.engine, transcript.model_id) == ("import",) * 3
    assert [s.text for s in transcript.segments.all()] == [TEXT, "الشهادة"]
    event = CustodyEvent.objects.get(broadcast=broadcast)
    assert (event.action, event.actor, len(event.sha256)) == ("imported", "tester", 64)
    hits = get_backend().search("أماني")
    assert [h.text for h in hits] == [TEXT]


def test_reimporting_the_same_url_replaces_the_transcript(tmp_path: Path) -> None:
    from catalog.models import Broadcast, Segment
    from index.registry import get_backend

    first = import_transcript_file(write(tmp_path, valid()), actor="tester")
    doc = valid(title="new title")
    doc["segments"] = [{"start": 1, "end": 2, "text": "مستشفى"}]
    second = import_transcript_file(write(tmp_path, doc, "u.json"), actor="tester")
    assert second.id == first.id and Broadcast.objects.count() == 1
    assert Segment.objects.count() == 1
    backend = get_backend()
    assert backend.search("أماني") == []
    assert [h.title for h in backend.search("مستشفى")] == ["new title"]


@pytest.mark.parametrize(("change", "message"), [
    ({"outlet": ""}, "broadcast.outlet: required"),
    ({"url": None}, "broadcast.url: required"),
    ({"url": "not a url"}, "broadcast.url: not an http"),
    ({"aired_at": "yesterday"}, "broadcast.aired_at: not an ISO 8601"),
    ({"title": 5}, "broadcast.title: must be a string"),
])
def test_broadcast_fields_are_validated(tmp_path: Path, change: dict, message: str) -> None:
    with rejected(message):
        import_transcript_file(write(tmp_path, valid(**change)), actor="tester")


@pytest.mark.parametrize(("segments", "message"), [
    ([], "segments: required"),
    ("text", "segments: required"),
    ([{"start": 0, "end": 1}], r"segments\[0\].text: required"),
    ([{"start": "0", "end": 1, "text": "x"}], r"segments\[0\].start: must be a number"),
    ([{"start": 0, "end": 1, "text": "x"}, {"start": 3, "end": 2, "text": "y"}],
     r"segments\[1\].end: 2.0 is before start 3.0"),
])
def test_segments_are_validated(tmp_path: Path, segments: object, message: str) -> None:
    from catalog.models import Broadcast

    doc = valid()
    doc["segments"] = segments
    with rejected(message):
        import_transcript_file(write(tmp_path, doc), actor="tester")
    assert Broadcast.objects.count() == 0


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with rejected("cannot read"):
        import_transcript_file(tmp_path / "missing.json", actor="tester")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with rejected("not UTF-8 JSON"):
        import_transcript_file(bad, actor="tester")
    with rejected("broadcast: required"):
        import_transcript_file(write(tmp_path, {"segments": []}), actor="tester")
