"""Subtitle writers: WebVTT (for the browser player) and SubRip (for editors and exports).

Both take segments with ``start``/``end`` seconds and ``text`` (``SegmentResult`` objects
or dicts as in ``TranscriptionResult.to_json()``). Text is written as transcribed; only
blank lines are squeezed out because a blank line would end a cue early.
To add a format, write another ``to_<format>(segments) -> str`` here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _field(segment: Any, name: str) -> Any:
    return segment[name] if isinstance(segment, dict) else getattr(segment, name)


def format_timestamp(seconds: float, separator: str = ".") -> str:
    """``HH:MM:SS.mmm`` (WebVTT) or, with ``separator=","``, ``HH:MM:SS,mmm`` (SubRip)."""
    millis = max(0, round(float(seconds) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _cue_text(text: str) -> str:
    return "\n".join(line.strip() for line in str(text).splitlines() if line.strip())


def _cues(segments: Iterable[Any], separator: str) -> Iterable[tuple[int, str, str]]:
    for number, seg in enumerate(segments, start=1):
        start, end = _field(seg, "start"), _field(seg, "end")
        end = max(start, end)
        timing = f"{format_timestamp(start, separator)} --> {format_timestamp(end, separator)}"
        yield number, timing, _cue_text(_field(seg, "text"))


def to_vtt(segments: Iterable[Any]) -> str:
    """WebVTT: a ``WEBVTT`` header, then ``HH:MM:SS.mmm --> HH:MM:SS.mmm`` cues."""
    blocks = ["WEBVTT\n"]
    for _number, timing, text in _cues(segments, "."):
        # "-->" inside cue text is forbidden by the WebVTT grammar.
        blocks.append(f"{timing}\n{text.replace('-->', '->')}\n")
    return "\n".join(blocks)


def to_srt(segments: Iterable[Any]) -> str:
    """SubRip: numbered cues with ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` timings."""
    return "\n".join(f"{number}\n{timing}\n{text}\n"
                     for number, timing, text in _cues(segments, ","))
