"""The embedded backend is written in the same transaction as the segments it indexes
(issue 5): a stored transcript is searchable at once, and a transaction that fails after
storing leaves neither segments nor index rows behind."""

from __future__ import annotations

import pytest
from django.db import transaction

from catalog.models import Broadcast, Outlet, Segment, Source, Transcript
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


def test_stored_transcript_is_searchable_before_the_index_stage() -> None:
    broadcast = _broadcast()
    transcript, _ = store_transcript(broadcast, _result(), config=load_config())
    backend = get_backend(load_config())
    assert backend.count_indexed(transcript.id) == 2
    assert [h.segment_id for h in backend.search("أتبرأ")] == [
        transcript.segments.get(number=0).id]


def test_a_failed_transaction_leaves_neither_segments_nor_index_rows() -> None:
    broadcast = _broadcast()
    with pytest.raises(RuntimeError), transaction.atomic():
        store_transcript(broadcast, _result(), config=load_config())
        raise RuntimeError("worker died before commit")
    assert not Transcript.objects.exists() and not Segment.objects.exists()
    assert get_backend(load_config()).search("أتبرأ") == []
