"""``raqib import``: add an existing transcript (from another tool or a partner) to the catalog.

The file is JSON::

    {"broadcast": {"outlet": "...", "title": "...", "url": "https://...",
                   "aired_at": "2021-04-20T18:00:00Z", "language": "ar"},
     "segments": [{"start": 0.0, "end": 4.2, "text": "..."}]}

``outlet``, ``url`` and ``segments`` are required; ``title``, ``aired_at`` and ``language``
(default ``ar``) are optional. Each problem is reported with the field it is about (a lone
surrogate in a text, a NaN or infinite time, a non-http(s) URL included). The text is
stored exactly as given. Re-importing the same url replaces that broadcast's import
transcript instead of adding a second one. A custody event records who imported which file
(with its sha256). To accept a new field: validate it in ``_validate_broadcast`` and store it
in ``_save``.
"""

from __future__ import annotations

import hashlib
import json
import math
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify

from catalog.models import Broadcast, CustodyEvent, Outlet, Source, Transcript
from catalog.outlet_dates import parse_air_date

MAX_SECONDS = 10**7  # about 115 days: no broadcast is longer


class TranscriptImportError(ValueError):
    """The import file is unusable; the message names the field."""


def _text(data: dict[str, Any], key: str, where: str, required: bool) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise TranscriptImportError(f"{where}.{key}: required")
        return ""
    if not isinstance(value, str):
        raise TranscriptImportError(f"{where}.{key}: must be a string, got {value!r}")
    return _unicode(value, f"{where}.{key}").strip()


def _unicode(value: str, where: str) -> str:
    """The text if it is valid Unicode (no lone surrogate, which JSON's ``\\udXXX``
    escapes can carry and no database can store)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TranscriptImportError(
            f"{where}: invalid text, a lone surrogate U+{ord(value[exc.start]):04X} at "
            f"character {exc.start} (the file's \\u escapes are broken)") from None
    return value


def _validate_broadcast(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TranscriptImportError("broadcast: required, an object with outlet, url, ...")
    fields = {key: _text(data, key, "broadcast", key in ("outlet", "url"))
              for key in ("outlet", "title", "url", "aired_at", "language")}
    try:
        URLValidator(schemes=["http", "https"])(fields["url"])
    except ValidationError:
        raise TranscriptImportError(f"broadcast.url: not an http(s) URL: {fields['url']!r}") \
            from None
    aired = None
    if fields["aired_at"]:
        try:
            aired = datetime.fromisoformat(fields["aired_at"])
        except ValueError:
            raise TranscriptImportError(
                f"broadcast.aired_at: not an ISO 8601 date-time: {fields['aired_at']!r}") \
                from None
        aired = aired if aired.tzinfo else aired.replace(tzinfo=UTC)  # naive means UTC
    # A plain date ("2021-04-20") is a day, never an instant (catalog.aired).
    read = parse_air_date(fields["aired_at"], UTC) if aired else None
    fields["aired"] = {"aired_at": read.instant if read else aired,
                       "aired_at_raw": fields["aired_at"],
                       "aired_precision": read.precision if read else "",
                       "aired_date": read.day if read else None}
    fields["aired_at"] = aired
    fields["language"] = fields["language"] or "ar"
    return fields


def _number(seg: dict[str, Any], key: str, where: str) -> float:
    value = seg.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise TranscriptImportError(f"{where}.{key}: must be a number of seconds from 0 to "
                                    f"{MAX_SECONDS}, got {value!r}")
    return float(value)


def _validate_segments(data: Any) -> list[tuple[float, float, str]]:
    if not isinstance(data, list) or not data:
        raise TranscriptImportError("segments: required, a non-empty list of "
                                    '{"start", "end", "text"} objects')
    segments = []
    for i, seg in enumerate(data):
        where = f"segments[{i}]"
        if not isinstance(seg, dict):
            raise TranscriptImportError(f"{where}: must be an object with start, end, text")
        start, end = _number(seg, "start", where), _number(seg, "end", where)
        if end < start:
            raise TranscriptImportError(f"{where}.end: {end} is before start {start}")
        if not isinstance(seg.get("text"), str):
            raise TranscriptImportError(f"{where}.text: required, a string")
        segments.append((start, end, _unicode(seg["text"], f"{where}.text")))
    return segments


def read_transcript_file(path: Path) -> tuple[dict[str, Any], list[tuple[float, float, str]],
                                               str]:
    """Validate the file; return (broadcast fields, segments, sha256 of the file)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise TranscriptImportError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranscriptImportError(f"{path}: not UTF-8 JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise TranscriptImportError(f"{path}: must be a JSON object with broadcast, segments")
    return (_validate_broadcast(doc.get("broadcast")), _validate_segments(doc.get("segments")),
            hashlib.sha256(raw).hexdigest())


def _import_source(outlet: Outlet, language: str) -> Source:
    slug = slugify(outlet.name, allow_unicode=True) or f"outlet-{outlet.id}"
    source, _ = Source.objects.get_or_create(
        name=f"import-{slug}"[:64],
        defaults={"outlet": outlet, "kind": Source.KIND_IMPORT, "language": language,
                  "enabled": False})
    return source


def _save(fields: dict[str, Any], segments: list[tuple[float, float, str]]) -> tuple[
        Broadcast, Transcript, int | None]:
    outlet, _ = Outlet.objects.get_or_create(name=fields["outlet"])
    broadcast, _ = Broadcast.objects.update_or_create(
        source=_import_source(outlet, fields["language"]), external_id=fields["url"],
        defaults={"outlet": outlet, "url": fields["url"], "title": fields["title"],
                  **fields["aired"], "language": fields["language"],
                  "status": Broadcast.Status.TRANSCRIBED, "failed_stage": "", "error": ""})
    old = broadcast.transcripts.filter(track=Transcript.TRACK_IMPORT, model_id="import").first()
    old_id = old.id if old else None
    if old:
        old.delete()
    transcript = Transcript.objects.create(
        broadcast=broadcast, track=Transcript.TRACK_IMPORT, engine="import", model_id="import",
        language=fields["language"], duration=max(end for _, end, _ in segments))
    transcript.segments.bulk_create([
        transcript.segments.model(transcript=transcript, number=i, start=start, end=end,
                                  text=text)
        for i, (start, end, text) in enumerate(segments)])
    return broadcast, transcript, old_id


def import_transcript_file(path: Path, *, actor: str) -> tuple[Broadcast, int | None]:
    """Save one transcript file to the catalog with its custody event; return its Broadcast
    (status ``transcribed``) and the id of the import transcript it replaced, if any.

    Raises TranscriptImportError for an invalid file (nothing is written then). Indexing is
    the pipeline's index stage (``raqib.pipeline.import_transcript``), not this module's."""
    from catalog import __version__

    fields, segments, sha256 = read_transcript_file(path)
    with transaction.atomic():
        broadcast, transcript, old_id = _save(fields, segments)
        CustodyEvent.objects.create(
            action="imported", actor=actor, broadcast=broadcast, sha256=sha256,
            source_url=fields["url"], host=socket.gethostname(),
            tool_versions={"raqib": __version__},
            details={"file": str(Path(path).resolve()), "segments": len(segments),
                     "replaced_transcript": old_id})
    return broadcast, old_id
