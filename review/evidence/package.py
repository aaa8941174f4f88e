"""Write one incident's evidence package: a BagIt bag (RFC 8493, the ``bagit`` library).

``export_bag(incident_id, out)`` builds the bag in a staging folder beside ``out`` and
renames it into place only when complete (a failed export leaves nothing half-made):

* ``data/media/``: the original media of every clip's broadcast, byte for byte (copied
  while hashed; a stored file that no longer has its recorded SHA-256 stops the export);
* ``data/clips/``: for each clip a cut made by ffmpeg stream copy (``-c copy``, no
  re-encoding) and ``clip-N.json`` with the exact command, the clip's and its parent's
  SHA-256 and the ffmpeg version;
* ``data/captures/<broadcast>/``: yt-dlp's info.json, the WARC, the captions, unmodified;
* ``data/transcripts/``: the segments of each clip's range (original text) with engine,
  model and parameters, as JSON and WebVTT;
* ``data/clips/clip-N.text.json`` and ``clip-N.diff``: what was said in the clip: the
  machine's text, the corrected and verified text of each corrected range, the difference,
  who corrected and who verified, translations (``review.evidence.clip_text``); the
  summary shows under each clip the verified text (or the machine's, marked unverified)
  and its translation;
* ``data/incident/``: ``incident.json`` (``review.incident_json``) and ``summary.html``
  (Arabic and English);
* ``data/custody/``: the custody events of the included files and the incident's events of
  the audit chain (``audit-chain.json``, with their hashes and the chain head);
* ``verify.py`` (``review.evidence.verify_bag``), ``README.txt`` and the organisation's
  public key (``signing-key.pub.pem``; its fingerprint in ``bag-info.txt``) as tag files;
  then the Ed25519 signature over ``tagmanifest-sha256.txt`` (``review.evidence.signing``;
  ``tagmanifest-sha256.txt.sig``; no key, no export) and an RFC 3161 timestamp over it
  from each ``evidence.tsa_urls`` TSA under ``timestamps/`` (reply, query and the TSA's
  certificates). A symbolic link or special file, in the data dir or the staging folder,
  stops the export.

``profile="public"`` names the staff by pseudonyms and leaves restricted persons' names,
free texts not marked public and the review events out (``review.evidence.redact``; the
originals and their hashes are the same); ``data/incident/redactions.json`` and the summary
list what was left out. ``full`` keeps everything.
To add a part: write it in ``_payload`` under the staging folder (it becomes ``data/``).
``zipped_bag`` is what the web page and the API stream: the zip built in a temporary folder
that is gone once the download's file handle is closed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit
from django.conf import settings
from django.db.models import Q

from catalog import audit
from catalog.aired import AirDate
from catalog.audit_chain import chain_head, event_json
from catalog.evidence import file_extension
from catalog.models import CustodyEvent, EvidenceFile, MediaFile
from review.evidence import signing, tsa, verify_bag
from review.evidence.clip_text import clip_diff, clip_text_record, summary_block
from review.evidence.files import StoredFileError, bagit_path, copy_checked, refuse_special
from review.evidence.redact import RedactionError, Redactor
from review.evidence.sightings import add_bag_paths, sightings_table
from review.evidence.words import date_text, word
from review.incident_json import incident_json
from review.models import Incident
from review.timecode import format_time

PROFILES = ("full", "public")
CHUNK = 1 << 20


class EvidenceExportError(Exception):
    """An export that cannot be made as asked; the message says why."""


@dataclass
class ExportResult:
    """Where the bag went and what seals it."""

    incident_id: int
    path: Path  # the bag folder, or the zip when zipped
    profile: str
    files: int
    bytes: int
    tagmanifest_sha256: str
    timestamps: list[str] = field(default_factory=list)  # the TSA URLs that stamped it
    withheld: list[str] = field(default_factory=list)
    signing_key: str = ""  # the fingerprint of the key that signed the tag manifest

    def as_dict(self) -> dict[str, Any]:
        return {"incident": self.incident_id, "path": str(self.path), "profile": self.profile,
                "files": self.files, "bytes": self.bytes,
                "tagmanifest_sha256": self.tagmanifest_sha256,
                "signing_key": self.signing_key,
                "timestamps": self.timestamps, "withheld": self.withheld}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def ffmpeg_version() -> str:
    done = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, timeout=30)
    return done.stdout.splitlines()[0] if done.returncode == 0 and done.stdout else "?"


def cut_command(src: str, start: float, end: float, dest: str) -> list[str]:
    """The lossless cut: seek before the input, stream copy every stream, no re-encode."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-ss", f"{start:.3f}", "-to", f"{end:.3f}", "-i", src, "-map", "0",
            "-c", "copy", "-avoid_negative_ts", "make_zero", dest]


def _vtt_time(seconds: float) -> str:
    ms = round(max(0.0, seconds) * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(segments: list[dict[str, Any]], offset: float) -> str:
    """WebVTT of the segments, times relative to the clip's start (``offset``)."""
    lines = ["WEBVTT", ""]
    for seg in segments:
        lines += [f"{_vtt_time(seg['start'] - offset)} --> {_vtt_time(seg['end'] - offset)}",
                  seg["text"].replace("-->", "->"), ""]
    return "\n".join(lines)


def _persons_html(data: dict[str, Any], language: str) -> str:
    e = html.escape
    return "".join(
        f"<li><bdi>{e(p['name'])}</bdi> ({e(word('person_kind', p.get('kind'), language))})"
        f" — {e(word('role', p['role'], language))}"
        + (f", <bdi>{e(p['relation'])}</bdi> <bdi>{e(p['targeted_name'] or '')}</bdi>"
           if p["relation"] else "")
        + "</li>" for p in data["persons"]) or "<li>—</li>"


def _when(value: Any, language: str) -> str:
    """A date for a reader of ``language`` with its ISO value in ``<time datetime>``."""
    if not value:
        return "—"
    return (f"<time datetime='{html.escape(str(value))}'>"
            f"{html.escape(date_text(value, language))}</time>")


def _clip_rows(clips: list[dict[str, Any]], language: str) -> str:
    e = html.escape
    return "".join(
        f"<tr><td>{c['id']}</td><td><bdi>{e(c['outlet'])}</bdi></td>"
        f"<td><bdi>{e(c['title'])}</bdi></td><td>{_when(c['aired'], language)}</td>"
        f"<td dir='ltr'>{e(c['range'])}</td>"
        f"<td dir='ltr'><code>{e(c['clip_sha256'] or '—')}"
        f"</code></td><td dir='ltr'><code>{e(c['parent_sha256'] or '—')}</code></td></tr>"
        + (f"<tr class='clip-text'><td></td><td colspan='6'>{said}</td></tr>"
           if (said := summary_block(c.get("text"), language)) else "")
        for c in clips)


def _history_html(data: dict[str, Any], language: str) -> str:
    e = html.escape
    items = []
    for h in data["history"]:
        change = ""
        if h["from"] or h["to"]:
            change = (f": {e(word('incident_status', h['from'], language) or '—')} → "
                      f"{e(word('incident_status', h['to'], language))}")
        items.append(f"<li>{_when(h['at'], language)} · <bdi>{e(h['by'] or '—')}</bdi> · "
                     f"{e(word('history_action', h['action'], language))}{change}</li>")
    return "".join(items) or "<li>—</li>"


def _summary_html(data: dict[str, Any], clips: list[dict[str, Any]], profile: str,
                  tsa_urls: list[str], withheld: list[str]) -> str:
    e = html.escape
    stamp_en = (f"RFC 3161 timestamps over tagmanifest-sha256.txt from: "
                f"{e(', '.join(tsa_urls))}" if tsa_urls else
                "No timestamp authority was configured: this package carries no RFC 3161 "
                "timestamp.")
    stamp_ar = ("طوابع زمنية RFC 3161 على ملف <code dir='ltr'>tagmanifest-sha256.txt</code>"
                f" من: <span dir='ltr'>{e(', '.join(tsa_urls))}</span>" if tsa_urls else
                "لم تُضبط أي جهة ختم زمني: لا تحمل هذه الحزمة ختماً زمنياً RFC 3161.")
    left_out = "".join(f"<li>{e(w)}</li>" for w in withheld)
    left_en = (f"<p>Public profile: left out —</p><ul>{left_out}</ul>" if withheld else "")
    left_ar = (f"<p>النسخة العامة: حُجب ما يلي (بالإنجليزية، كما يسجّله البرنامج) —</p>"
               f"<ul dir='ltr' lang='en'>{left_out}</ul>" if withheld else "")
    table_ar = ("<table><tr><th>#</th><th>القناة</th><th>العنوان</th><th>تاريخ البث</th>"
                "<th>المدى</th><th>بصمة المقطع SHA-256</th><th>بصمة الأصل SHA-256</th></tr>"
                + _clip_rows(clips, "ar") + "</table>")
    table = ("<table><tr><th>#</th><th>outlet</th><th>title</th>"
             "<th>aired</th><th>range</th><th>clip SHA-256</th>"
             "<th>original SHA-256</th></tr>" + _clip_rows(clips, "en") + "</table>")
    status_ar, status_en = (word("incident_status", data["status"], lang)
                            for lang in ("ar", "en"))
    profile_ar = {"public": "عامة", "full": "كاملة"}.get(profile, profile)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Incident {data['id']} · الحادثة {data['id']}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.3em;font-size:.9em}} code{{font-size:.8em}}</style>
</head><body>
<section lang="ar" dir="rtl">
<h1>الحادثة رقم {data['id']}: <bdi>{e(data['title'])}</bdi></h1>
<p>الحالة: {e(status_ar)} · القناة: <bdi>{e(data['outlet'] or '—')}</bdi> · البرنامج:
<bdi>{e(data['programme'] or '—')}</bdi> · أول بث: {_when(data['first_aired'], 'ar')} ·
النسخة: {e(profile_ar)}</p>
<h2>الأشخاص</h2><ul>{_persons_html(data, 'ar')}</ul>
<h2>المقاطع</h2>{table_ar}{sightings_table(data, 'ar')}
<h2>السجل</h2><ul>{_history_html(data, 'ar')}</ul>
<h2>التحقق</h2><p>كل ملف في هذه الحزمة مدرج مع بصمته SHA-256 في
<code dir="ltr">manifest-sha256.txt</code> (BagIt، RFC 8493). شغّل
<code dir="ltr">python3 verify.py</code> (يحتاج بايثون و openssl فقط). المقاطع مقطوعة
بنسخ مباشر بلا إعادة ترميز؛ الأمر الدقيق في <code dir="ltr">data/clips/clip-N.json</code>.</p>
<p>{stamp_ar}</p>
{left_ar}
</section>
<hr>
<section lang="en" dir="ltr">
<h1>Incident {data['id']}: <bdi>{e(data['title'])}</bdi></h1>
<p>Status: {e(status_en)} · outlet: <bdi>{e(data['outlet'] or '—')}</bdi> · programme:
<bdi>{e(data['programme'] or '—')}</bdi> · first aired: {_when(data['first_aired'], 'en')} ·
profile: {e(profile)}</p>
<h2>Persons</h2><ul>{_persons_html(data, 'en')}</ul>
<h2>Clips</h2>{table}{sightings_table(data, 'en')}
<h2>History</h2><ul>{_history_html(data, 'en')}</ul>
<h2>Checking this package</h2><p>Every file is listed with its SHA-256 in
manifest-sha256.txt (BagIt, RFC 8493). Run <code>python3 verify.py</code> (needs only
Python and openssl). Clip cuts are ffmpeg stream copies; the exact command is in
data/clips/clip-N.json.</p><p>{stamp_en}</p>
{left_en}
</section></body></html>
"""


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n",
                    encoding="utf-8")


def _payload(incident: Incident, root: Path, data_dir: Path, profile: str,
             tsa_urls: list[str], say: Callable[[str], None],
             redactor: Redactor | None = None) -> list[str]:
    """Write the payload under ``root`` (it becomes ``data/``), redacted by ``redactor``
    for the public profile; return what was withheld."""
    data = incident_json(incident)
    add_bag_paths(data)
    if redactor is not None:
        redactor.incident(data)
    ffmpeg = ffmpeg_version()
    clips_out: list[dict[str, Any]] = []
    copied: set[int] = set()
    broadcasts: set[int] = set()
    clips = incident.clips.select_related("broadcast__outlet", "broadcast__media").order_by(
        "broadcast__aired_at", "id")
    for clip in clips:
        broadcast, media = clip.broadcast, clip.broadcast.media
        broadcasts.add(broadcast.pk)
        record: dict[str, Any] = {
            "clip": clip.pk, "broadcast": broadcast.pk, "url": broadcast.url,
            "start": clip.start, "end": clip.end,
            "range": f"{format_time(clip.start)}–{format_time(clip.end)}",
            "clip_path": None, "clip_sha256": None, "parent_path": None,
            "parent_sha256": media.sha256 if media else None, "command": None,
            "ffmpeg": ffmpeg, "lossless": True}
        if media is not None:
            ext = file_extension(Path(media.path)) or ".bin"
            parent_rel = f"media/{media.sha256}{ext}"
            if media.pk not in copied:
                say(f"evidence: copying original {media.path} ({media.size} bytes)")
                copy_checked(data_dir, media.path, root / parent_rel, media.sha256)
                copied.add(media.pk)
            clip_rel = f"clips/clip-{clip.pk}{ext}"
            (root / "clips").mkdir(parents=True, exist_ok=True)
            command = cut_command(parent_rel, clip.start, clip.end, clip_rel)
            say(f"evidence: cutting clip {clip.pk} {record['range']} (stream copy)")
            done = subprocess.run(command, cwd=root, capture_output=True, text=True,
                                  timeout=3600)
            if done.returncode or not (root / clip_rel).is_file():
                raise EvidenceExportError(f"ffmpeg could not cut clip {clip.pk}: "
                                          f"{done.stderr.strip()[-500:]}")
            record |= {"clip_path": f"data/{clip_rel}", "parent_path": f"data/{parent_rel}",
                       "clip_sha256": _sha256(root / clip_rel),
                       "command": command,
                       "command_note": "run in the bag's data/ folder"}
        else:
            record["note"] = "no media stored for this broadcast; no cut made"
        _write_json(root / "clips" / f"clip-{clip.pk}.json", record)
        names = redactor.pseudonym if redactor is not None else (lambda name: name)
        said = clip_text_record(clip, names)
        _write_json(root / "clips" / f"clip-{clip.pk}.text.json", said)
        (root / "clips" / f"clip-{clip.pk}.diff").write_text(clip_diff(said), encoding="utf-8")
        clips_out.append({**record, "id": clip.pk, "outlet": broadcast.outlet.name,
                          "title": broadcast.title, "aired": AirDate.of(broadcast).iso(),
                          "text": said})
        for transcript in broadcast.transcripts.order_by("id"):
            segments = [{"number": s.number, "start": s.start, "end": s.end, "text": s.text}
                        for s in transcript.segments.filter(end__gt=clip.start,
                                                            start__lt=clip.end)
                        .order_by("number")]
            name = f"clip-{clip.pk}.{transcript.track}-{transcript.pk}"
            _write_json(root / "transcripts" / f"{name}.json", {
                "clip": clip.pk, "broadcast": broadcast.pk, "track": transcript.track,
                "engine": transcript.engine, "model_id": transcript.model_id,
                "model_sha256": transcript.model_sha256, "params": transcript.params,
                "language": transcript.language, "created_at": transcript.created_at,
                "start": clip.start, "end": clip.end, "segments": segments})
            (root / "transcripts" / f"{name}.vtt").write_text(
                webvtt(segments, clip.start), encoding="utf-8")
    for ev in EvidenceFile.objects.filter(broadcast_id__in=broadcasts).order_by("id"):
        rel = f"captures/{ev.broadcast_id}/{ev.kind}-{ev.pk}-{Path(ev.path).name}"
        say(f"evidence: copying {ev.kind} {ev.path}")
        copy_checked(data_dir, ev.path, root / rel, ev.sha256)
    media_ids = list(MediaFile.objects.filter(broadcasts__in=broadcasts).values_list(
        "pk", flat=True))
    files_q = Q(broadcast_id__in=broadcasts) | Q(media_id__in=media_ids)
    custody = CustodyEvent.objects.filter(files_q)
    chained = custody if profile == "public" else CustodyEvent.objects.filter(
        files_q | Q(details__incident=incident.pk))
    rows = chained.order_by("seq").values("id", "hash", "prev_hash", "seq", "at", "action",
                                          "actor", "broadcast_id", "media_id", "sha256",
                                          "source_url", "final_url", "http_status", "host",
                                          "tool_versions", "details")
    events = [event_json(r) for r in rows]
    of_files = [e for e in events if e["broadcast_id"] in broadcasts
                or e["media_id"] in media_ids]
    if redactor is not None:
        events = redactor.events(events, "data/custody/audit-chain.json")
        of_files = redactor.events(of_files, "data/custody/custody-events.json")
        redactor.note("review events of the audit chain (only file custody events "
                      "included)", "data/custody/audit-chain.json")
    _write_json(root / "custody" / "custody-events.json", of_files)
    _write_json(root / "custody" / "audit-chain.json", {
        "about": "Events of Raqib's hash-chained audit log that concern this incident and "
                 "its files. Each hash is SHA-256 over canonical JSON of the chained fields, "
                 "prev_hash and v=1 (verify.py recomputes it). The rows between them are "
                 "other work and are not included; confirm the head with the organisation "
                 "(raqib audit verify --expect SEQ:HASH)." + (
                     " Events marked redacted name staff: only their seq and hash are "
                     "shown (public profile)." if redactor else ""),
        "head": chain_head(), "events": events})
    withheld = redactor.withheld if redactor is not None else []
    _write_json(root / "incident" / "incident.json", {**data, "profile": profile,
                                                      "withheld": withheld})
    if redactor is not None:
        _write_json(root / "incident" / "redactions.json", redactor.document())
    (root / "incident" / "summary.html").write_text(
        _summary_html(data, clips_out, profile, tsa_urls, withheld), encoding="utf-8")
    return withheld


README = """Raqib evidence package (BagIt, RFC 8493) for incident {incident}.

Check it without Raqib:
  python3 verify.py --public-key ORG.pub.pem     (Python 3 standard library + openssl)
where ORG.pub.pem is the organisation's published public key (or --key-fingerprint with its
published fingerprint). tagmanifest-sha256.txt.sig is the organisation's Ed25519 signature
over tagmanifest-sha256.txt, which covers every file; this bag was signed by the key
{fingerprint}. Without the organisation's key, verify.py shows only that the bag is
self-consistent. Any BagIt validator (e.g. `bagit.py --validate .`) checks the hashes.
data/incident/summary.html is the readable summary (Arabic and English).
Timestamps (RFC 3161) over tagmanifest-sha256.txt are in timestamps/ when a TSA was
configured; verify.py checks them with openssl.
"""


def export_bag(incident_id: int, out: Path, *, profile: str = "full", zip_output: bool = False,
               tsa_urls: list[str] | None = None, data_dir: Path, user: Any = None,
               signing_key: Path | None = None,
               progress: Callable[[str], None] | None = None) -> ExportResult:
    """Write incident ``incident_id``'s bag at ``out`` (``out``.zip when ``zip_output``),
    signed with the private key at ``signing_key`` (default: ``evidence.signing_key``, else
    under ``data_dir``)."""
    say = progress or (lambda _line: None)
    if profile not in PROFILES:
        raise EvidenceExportError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise EvidenceExportError(f"no incident with id {incident_id}")
    try:
        key = signing.load_private_key(signing_key or signing.key_path(
            settings.CONFIG.get("evidence.signing_key"), data_dir))
    except signing.SigningError as exc:
        raise EvidenceExportError(str(exc)) from exc
    public_pem = signing.public_pem(key)
    key_fingerprint = signing.fingerprint(public_pem)
    out = Path(out)
    final = out.with_name(out.name + ".zip") if zip_output else out
    if final.exists() and (final.is_file() or any(final.iterdir())):
        raise EvidenceExportError(f"{final} exists; an evidence package is never "
                                  "overwritten (choose another --out)")
    tsa_urls = list(tsa_urls or [])
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        redactor = Redactor(incident) if profile == "public" else None
        exported_by = redactor.exporter(user) if redactor else audit.actor_name(user)
        withheld = _payload(incident, staging, data_dir, profile, tsa_urls, say, redactor)
        say("evidence: writing the BagIt manifests")
        info = {"Source-Organization": "Raqib", "Raqib-Incident-Id": str(incident.pk),
                "Raqib-Profile": profile, "Raqib-Exported-By": exported_by,
                "Raqib-Exported-At": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "External-Description": f"Evidence package of incident {incident.pk}",
                "Raqib-Signing-Key-SHA256": key_fingerprint}
        for n, url in enumerate(tsa_urls, 1):
            info[f"Raqib-TSA-{n}"] = url
        with bagit_path(staging) as neutral:
            bag = bagit.make_bag(str(neutral), info, checksums=["sha256"])
            (staging / "verify.py").write_text(Path(verify_bag.__file__).read_text("utf-8"),
                                               encoding="utf-8")
            (staging / "README.txt").write_text(README.format(
                incident=incident.pk, fingerprint=key_fingerprint), encoding="utf-8")
            (staging / verify_bag.PUBLIC_KEY).write_bytes(public_pem)
            refuse_special(staging)
            if redactor is not None:
                redactor.check_tree(staging)
            bag.save(manifests=False)  # regenerates the tag manifest over the new tag files
        tagmanifest = staging / verify_bag.TAGMANIFEST
        (staging / verify_bag.SIGNATURE).write_bytes(signing.sign(tagmanifest, key))
        stamped = []
        for n, url in enumerate(tsa_urls, 1):
            say(f"evidence: timestamping the tag manifest at {url}")
            try:
                stamp = tsa.request_timestamp(tagmanifest, url)
            except tsa.TimestampError as exc:
                raise EvidenceExportError(str(exc)) from exc
            folder = staging / verify_bag.TIMESTAMP_DIR
            folder.mkdir(exist_ok=True)
            (folder / f"tsa-{n}.tsr").write_bytes(stamp.reply)
            (folder / f"tsa-{n}.tsq").write_bytes(stamp.query)
            (folder / f"tsa-{n}.certs.pem").write_text(stamp.certificates, encoding="utf-8")
            stamped.append(url)
        oxum = bag.info.get("Payload-Oxum", "0.0")
        size, count = (int(x) for x in str(oxum).split("."))
        tag_sha = _sha256(tagmanifest)
        if zip_output:
            say(f"evidence: zipping to {final}")
            _zip_named(staging, out.name, final)  # the folder inside carries out's name
        else:
            if final.exists():
                final.rmdir()  # empty (checked above)
            os.replace(staging, final)
    except (RedactionError, StoredFileError) as exc:
        raise EvidenceExportError(str(exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result = ExportResult(incident.pk, final, profile, count, size, tag_sha, stamped, withheld,
                          key_fingerprint)
    audit.record("evidence-exported", user, details={
        **{k: v for k, v in result.as_dict().items() if k != "withheld"},
        "zip": zip_output, "withheld": withheld})
    return result


def _zip_named(folder: Path, name: str, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".partial")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, f"{name}/{path.relative_to(folder).as_posix()}")
    os.replace(tmp, dest)


def zipped_bag(incident_id: int, profile: str, *, user: Any, data_dir: Path,
               tsa_urls: list[str] | None = None) -> tuple[Any, str]:
    """Build the incident's bag zipped in a temporary folder, for a download: the open
    binary handle and the file name ``incident-N-PROFILE.zip``. The folder is removed at
    once (the open handle keeps the zip readable until it is closed), so nothing stays on
    the server; an export that cannot be made raises ``EvidenceExportError``."""
    name = f"incident-{incident_id}-{profile}"
    tmp = Path(tempfile.mkdtemp(prefix="raqib-evidence-"))
    try:
        result = export_bag(incident_id, tmp / name, profile=profile, zip_output=True,
                            user=user, data_dir=data_dir, tsa_urls=tsa_urls)
        return result.path.open("rb"), f"{name}.zip"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
