"""Parse HLS playlists (RFC 8216) for the live recorder (``crawler.live``).

Only what a recorder needs: a master playlist's variants (to pick the best one) and a media
playlist's segments with their media sequence numbers, durations, ``#EXT-X-DISCONTINUITY``
flags and ``#EXT-X-PROGRAM-DATE-TIME`` air times. Parsing is pure (text in, dataclasses
out) so it is tested without a server. To read another tag: handle it in
``parse_media_playlist`` and add a field to ``HlsSegment`` or ``MediaPlaylist``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urljoin


class PlaylistError(ValueError):
    """The text is not an HLS playlist the recorder can use."""


@dataclass
class Variant:
    url: str
    bandwidth: int = 0
    resolution: tuple[int, int] = (0, 0)


@dataclass
class HlsSegment:
    seq: int  # media sequence number (EXT-X-MEDIA-SEQUENCE + position)
    url: str
    duration: float
    discontinuity: bool = False  # an #EXT-X-DISCONTINUITY precedes this segment
    program_date_time: datetime | None = None  # air time of its first frame, if announced


@dataclass
class MediaPlaylist:
    target_duration: float
    media_sequence: int
    segments: list[HlsSegment] = field(default_factory=list)
    ended: bool = False  # #EXT-X-ENDLIST: the stream has ended

    @property
    def last_seq(self) -> int:
        return self.segments[-1].seq if self.segments else self.media_sequence - 1


_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def _attributes(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTR.findall(text)}


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise PlaylistError("not an HLS playlist (no #EXTM3U header)")
    return lines


def is_master_playlist(text: str) -> bool:
    return "#EXT-X-STREAM-INF" in text


def parse_master_playlist(text: str, base_url: str) -> list[Variant]:
    """The variants of a master playlist, in file order."""
    lines = _lines(text)
    variants: list[Variant] = []
    pending: dict[str, str] | None = None
    for line in lines[1:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = _attributes(line.split(":", 1)[1])
        elif not line.startswith("#") and pending is not None:
            width, _, height = pending.get("RESOLUTION", "0x0").partition("x")
            try:
                resolution = (int(width), int(height or 0))
            except ValueError:
                resolution = (0, 0)
            bandwidth = pending.get("BANDWIDTH", "0")
            variants.append(Variant(url=urljoin(base_url, line),
                                    bandwidth=int(bandwidth) if bandwidth.isdigit() else 0,
                                    resolution=resolution))
            pending = None
    if not variants:
        raise PlaylistError("master playlist lists no variants")
    return variants


def best_variant(variants: list[Variant]) -> Variant:
    """The variant to record: highest bandwidth, then largest picture (evidence quality)."""
    return max(variants, key=lambda v: (v.bandwidth, v.resolution[0] * v.resolution[1]))


def _parse_pdt(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def parse_media_playlist(text: str, base_url: str) -> MediaPlaylist:
    """Segments of a media playlist with sequence numbers and (when announced) air times."""
    lines = _lines(text)
    target = 0.0
    media_sequence = 0
    segments: list[HlsSegment] = []
    duration: float | None = None
    discontinuity = False
    pdt: datetime | None = None
    ended = False
    for line in lines[1:]:
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-TARGETDURATION":
            target = float(value or 0)
        elif tag == "#EXT-X-MEDIA-SEQUENCE":
            media_sequence = int(value)
        elif tag == "#EXTINF":
            duration = float(value.split(",", 1)[0] or 0)
        elif tag == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif tag == "#EXT-X-PROGRAM-DATE-TIME":
            pdt = _parse_pdt(value)
        elif tag == "#EXT-X-ENDLIST":
            ended = True
        elif not line.startswith("#"):
            if duration is None:
                raise PlaylistError(f"segment {line!r} has no #EXTINF duration")
            if pdt is None and segments and segments[-1].program_date_time is not None:
                prev = segments[-1]
                pdt = prev.program_date_time + timedelta(seconds=prev.duration)
            segments.append(HlsSegment(seq=media_sequence + len(segments),
                                       url=urljoin(base_url, line), duration=duration,
                                       discontinuity=discontinuity, program_date_time=pdt))
            duration, discontinuity, pdt = None, False, None
    if target <= 0:
        if not segments:
            raise PlaylistError("media playlist has no #EXT-X-TARGETDURATION and no segments")
        target = max(s.duration for s in segments)
    return MediaPlaylist(target_duration=target, media_sequence=media_sequence,
                         segments=segments, ended=ended)
