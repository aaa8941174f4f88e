"""The captions track: subtitles an outlet published, imported as a separate transcript.

When yt-dlp finds subtitle files for a video, the capture keeps them as
``EvidenceFile(kind="captions")`` (WebVTT or SubRip, named ``<name>.<lang>.<ext>`` as
yt-dlp names them). ``import_captions`` turns each file in the broadcast's language into a
``Transcript(track="captions", engine="captions", model_id=<file name>)`` with one Segment
per cue, so they are searchable before (or without) speech recognition.

Parsing is done here, without a library: cue timings (``HH:MM:SS.mmm``, ``MM:SS.mmm`` or
SubRip's comma), multi-line text, cue identifiers and settings (``align:start``) are
handled; markup (``<c.colour>``, ``<v Speaker>``, ``<i>``, karaoke ``<00:00:01.000>``,
``{\\an8}``) is stripped and entities are decoded, and nothing else in the text changes:
Arabic is kept exactly as published. Identical consecutive cues (rolling captions) are
merged. Importing is idempotent: a file already imported with the same SHA-256 is skipped.
To support another format, add a parser and a branch in ``parse_captions``.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("raqib.captions")

ENGINE = "captions"
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")


class CaptionsError(ValueError):
    """A captions file that cannot be read; the message says why."""


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def parse_timestamp(value: str) -> float:
    match = _TIME.match(value.strip())
    if not match:
        raise CaptionsError(f"bad cue timestamp {value.strip()!r}")
    hours, minutes, seconds, millis = match.groups()
    return (int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
            + int(millis.ljust(3, "0")) / 1000)


def clean_text(lines: list[str]) -> str:
    """Cue text without markup; line breaks kept, blank lines dropped."""
    out = [html.unescape(_TAG.sub("", line)).strip() for line in lines]
    return "\n".join(line for line in out if line)


def _blocks(text: str) -> list[list[str]]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [block.split("\n") for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


def parse_cues(text: str) -> list[Cue]:
    """Cues of a WebVTT or SubRip document, in file order, identical neighbours merged."""
    cues: list[Cue] = []
    for lines in _blocks(text):
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue  # the WEBVTT header, NOTE, STYLE and REGION blocks, stray numbers
        left, _, right = lines[timing].partition("-->")
        start = parse_timestamp(left)
        end = parse_timestamp(right.strip().split()[0] if right.strip() else "")
        body = clean_text(lines[timing + 1:])
        if not body:
            continue
        if cues and cues[-1].text == body and start - cues[-1].end < 0.5:
            cues[-1] = Cue(cues[-1].start, max(end, cues[-1].end), body)
        else:
            cues.append(Cue(start, max(start, end), body))
    return cues


def parse_captions(path: Path) -> list[Cue]:
    """Read a .vtt or .srt file; raise CaptionsError when it is unreadable or has no cues."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaptionsError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaptionsError(f"{path.name} is not UTF-8 text") from None
    if path.suffix.lower() == ".vtt" and not text.lstrip().startswith("WEBVTT"):
        raise CaptionsError(f"{path.name} is not WebVTT (no WEBVTT header)")
    cues = parse_cues(text)
    if not cues:
        raise CaptionsError(f"no cues found in {path.name}")
    return cues


def file_language(name: str) -> str:
    """The language yt-dlp put in a subtitle file name (``x.ar.vtt`` → ``ar``), or ""."""
    parts = Path(name).name.split(".")
    if len(parts) < 3:
        return ""
    tag = parts[-2]
    if tag.lower() in ("und", "unknown"):
        return ""
    return tag if re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*(?:-orig)?", tag) else ""


def wanted(name: str, language: str) -> bool:
    """True when the file is in ``language`` (by its primary subtag) or names no language."""
    lang = file_language(name).lower()
    return not lang or not language or re.split(r"[-_]", lang)[0] == language.lower()


def import_captions(broadcast, data_dir: Path) -> list:  # noqa: ANN001 - a Broadcast
    """Import the broadcast's captions files; return the Transcripts created or replaced.

    A file that cannot be parsed is logged and skipped; the others are still imported."""
    from django.db import transaction

    from catalog import fencing
    from catalog.models import EvidenceFile, Transcript
    from transcribe.language_check import language_flags, text_language

    changed = []
    files = EvidenceFile.objects.filter(broadcast=broadcast, kind=EvidenceFile.KIND_CAPTIONS)
    for evidence in files:
        name = Path(evidence.path).name
        if not wanted(name, broadcast.language):
            continue
        existing = Transcript.objects.filter(broadcast=broadcast, track=Transcript.TRACK_CAPTIONS,
                                             model_id=name).first()
        if existing is not None and existing.model_sha256 == evidence.sha256:
            continue
        try:
            cues = parse_captions(Path(data_dir) / evidence.path)
        except CaptionsError as exc:
            log.warning("captions not imported", extra={"broadcast": broadcast.id,
                                                        "file": evidence.path, "error": str(exc)})
            continue
        language = (file_language(name).split("-")[0].lower() or broadcast.language or "")[:8]
        text_lang, text_prob = text_language(" ".join(c.text for c in cues))
        with transaction.atomic():
            fencing.check()  # under a claim: only while it is still ours (ClaimLost)
            Transcript.objects.filter(broadcast=broadcast, track=Transcript.TRACK_CAPTIONS,
                                      model_id=name).delete()
            transcript = Transcript.objects.create(
                broadcast=broadcast, media=broadcast.media, track=Transcript.TRACK_CAPTIONS,
                engine=ENGINE, model_id=name, model_sha256=evidence.sha256,
                params={"file": evidence.path, "format": Path(name).suffix.lstrip(".").lower(),
                        "cues": len(cues)},
                language=language, duration=cues[-1].end, text_language=text_lang,
                text_language_probability=text_prob,
                language_flags=language_flags(language, None, text_lang, text_prob))
            transcript.segments.bulk_create([
                transcript.segments.model(transcript=transcript, number=i, start=c.start,
                                          end=c.end, text=c.text)
                for i, c in enumerate(cues)])
        log.info("captions imported", extra={"broadcast": broadcast.id, "file": evidence.path,
                                             "cues": len(cues)})
        changed.append(transcript)
    return changed
