"""WebVTT and SubRip output."""

from __future__ import annotations

from transcribe.base import SegmentResult
from transcribe.subtitles import format_timestamp, to_srt, to_vtt

SEGMENTS = [SegmentResult(0.0, 1.5, "ابنتي الدكتورة أماني"),
            SegmentResult(3661.2346, 3662.0, "سطر أول\n\nسطر --> ثان")]


def test_timestamps() -> None:
    assert format_timestamp(0) == "00:00:00.000"
    assert format_timestamp(3661.2346) == "01:01:01.235"
    assert format_timestamp(59.9996, ",") == "00:01:00,000"


def test_vtt() -> None:
    assert to_vtt(SEGMENTS) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.500\nابنتي الدكتورة أماني\n\n"
        "01:01:01.235 --> 01:01:02.000\nسطر أول\nسطر -> ثان\n")


def test_srt() -> None:
    assert to_srt(SEGMENTS) == (
        "1\n00:00:00,000 --> 00:00:01,500\nابنتي الدكتورة أماني\n\n"
        "2\n01:01:01,235 --> 01:01:02,000\nسطر أول\nسطر --> ثان\n")


def test_dict_segments_from_json() -> None:
    srt = to_srt([{"start": 1, "end": 2, "text": "نص"}])
    assert srt == "1\n00:00:01,000 --> 00:00:02,000\nنص\n"
