"""yt-dlp under the egress guard (``crawler.egress``), for every place Raqib runs yt-dlp.

``youtube_dl(options, policy)`` is ``yt_dlp.YoutubeDL(options)`` for an operator's source
(``policy`` None). For a source added in the web UI it arms ``egress.guard(policy)`` on
this thread, so every connection yt-dlp opens (the page, its API calls, each redirect, the
media and its fragments) is checked at connect time, and it keeps yt-dlp's requests in
this process: native downloaders only, one fragment at a time, any downloader that is a
separate program (ffmpeg, rtmpdump, mpv...) refused before it starts, and ffmpeg forbidden
from opening anything but local files should yt-dlp's HLS downloader hand it a stream.
A refusal leaves yt-dlp as a ``DownloadError``; ``youtube_dl`` turns it back into
``EgressRefused`` with the readable reason, which callers record as their own error
(``CaptureError``, ``CollectError``...).

To run yt-dlp somewhere new: use ``with youtube_dl(options, settings.egress) as ydl``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import yt_dlp
from yt_dlp.downloader import get_suitable_downloader
from yt_dlp.downloader.external import ExternalFD
from yt_dlp.downloader.fragment import FragmentFD
from yt_dlp.downloader.http import HttpFD
from yt_dlp.utils import DownloadError

from crawler.egress import EgressPolicy, EgressRefused, guard, ytdlp_guard_options

# ffmpeg, when yt-dlp delegates a stream to it, may read local files only: it runs outside
# this process, where the guard cannot see its connections.
_FFMPEG_LOCAL_ONLY = {"ffmpeg_i": ["-protocol_whitelist", "file,crypto,data"]}


class GuardedYoutubeDL(yt_dlp.YoutubeDL):
    """A YoutubeDL that downloads only with yt-dlp's in-process downloaders (plain HTTP
    and the fragment ones: HLS, DASH...), never a separate program (ffmpeg, rtmpdump,
    mpv...), whose connections the guard cannot see."""

    def dl(self, name: str, info: dict[str, Any], subtitle: bool = False,
           test: bool = False) -> Any:
        chosen = get_suitable_downloader(dict(info), self.params, to_stdout=(name == "-"))
        in_process = isinstance(chosen, type) and issubclass(chosen, (HttpFD, FragmentFD)) \
            and not issubclass(chosen, ExternalFD)
        if not in_process:
            program = {"RtmpFD": "rtmpdump", "RtspFD": "mpv/mplayer"}.get(
                getattr(chosen, "__name__", ""), getattr(chosen, "get_basename", str)())
            raise DownloadError(
                f"refused: protocol {info.get('protocol')!r} would be fetched by "
                f"{program}, outside the egress guard of a source added in "
                "the web UI")
        return super().dl(name, info, subtitle=subtitle, test=test)


def guarded_options(options: dict[str, Any], policy: EgressPolicy | None) -> dict[str, Any]:
    """``options`` plus what keeps a guarded source's requests inside this process."""
    if policy is None:
        return options
    merged = {**options, **ytdlp_guard_options(policy)}
    merged["external_downloader_args"] = {
        **(options.get("external_downloader_args") or {}), **_FFMPEG_LOCAL_ONLY}
    return merged


@contextlib.contextmanager
def youtube_dl(options: dict[str, Any], policy: EgressPolicy | None
               ) -> Iterator[yt_dlp.YoutubeDL]:
    """A YoutubeDL whose connections obey ``policy`` (see the module docstring)."""
    if policy is None:
        with yt_dlp.YoutubeDL(options) as ydl:
            yield ydl
        return
    with guard(policy) as state:
        try:
            with GuardedYoutubeDL(guarded_options(options, policy)) as ydl:
                yield ydl
        except DownloadError as exc:
            if state is not None and state.refusals:
                raise EgressRefused(state.refusals[0]) from exc
            if str(exc).startswith(("refused: protocol", "ERROR: refused: protocol")):
                raise EgressRefused(str(exc).removeprefix("ERROR: ")) from exc
            raise
