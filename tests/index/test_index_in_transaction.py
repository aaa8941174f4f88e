"""The catalog stays the source of truth for the embedded index (Tantivy, a directory beside
the database): storing a transcript writes the segments only; the index stage indexes
them after the commit, so a transaction that fails leaves neither segments nor index
documents behind, and a stored transcript the index missed is found by the drift check."""

from __future__ import annotations

import pytest
from django.db import transaction

from catalog.models import Broadcast, Outlet, Segment, Source, Transcript
from index import consistency
from index.registry import get_backend
from raqib.config import load_config
from raqib.transcription import store_transcript
from transcribe.base import SegmentResult, TranscriptionResult

pytestmark = pytest.mark.django_db(transaction=True)


def _broadcast() -> Broadcast:
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="site")
    return Broadcast.objects.create(source=source, outlet=outlet, external_id="ep-1",
                                    url="https://example.org/ep/1", title="حلقة",
                                    status=Broadcast.Status.DOWNLOADED)


def _result() -> TranscriptionResult:
    return TranscriptionResult(
        language="ar", language_probability=0.9, duration=6.0, engine="faster-whisper",
        model_id="base", segments=[SegmentResult(0.0, 3.0, "أنا أتبرأ من ابني"),
                                   SegmentResult(3.0, 6.0, "على الهواء مباشرة")])


def test_a_stored_transcript_is_indexed_after_commit_and_drift_names_it_until_then() -> None:
    backend = get_backend()
    backend.clear()
    transcript, _ = store_transcript(_broadcast(), _result(), config=load_config())
    assert backend.count_indexed(transcript.id) == 0
    [drift] = consistency.check(backend)
    assert (drift.transcript_id, drift.kind, drift.in_database) == (transcript.id, "missing", 2)
    assert backend.index_transcript(transcript.id) == 2  # what the index stage does
    assert consistency.check(backend) == []
    assert [h.segment_id for h in backend.search("أتبرأ")] == [
        transcript.segments.get(number=0).id]


def test_a_failed_transaction_leaves_neither_segments_nor_index_documents() -> None:
    backend = get_backend()
    backend.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        store_transcript(_broadcast(), _result(), config=load_config())
        raise RuntimeError("worker died before commit")
    assert not Transcript.objects.exists() and not Segment.objects.exists()
    assert backend.indexed_transcripts() == {}
    assert backend.search("أتبرأ") == []
