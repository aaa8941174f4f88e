"""The demo fixture outlet: a small generated Arabic news site with video, served on loopback.

It imitates the shape of a state outlet's archive ("الإخبارية السورية — أرشيف تجريبي"): two
listing pages with pagination, four item pages with title, air time, description, programme
and a ``<video>``. Item 1 stands for the documentary "من النفق إلى النور" (Al-Ikhbariya,
20 April 2021) in which the father of Dr Amani Ballour was made to appear; its voice is
espeak-ng, never the real broadcast. Items 2 and 3 are ordinary bulletins. Item 4's video
was "removed": the server answers 404, so the demo shows how a failed capture is recorded.

``build_fixture_site(root)`` generates everything once (speech, MP4s, HTML, robots.txt,
``manifest.json``); a later call reuses the files when the manifest matches the texts and
every media file still has its recorded SHA-256. ``start_fixture_outlet(root)`` also starts
``raqib.demo.server.StaticServer`` over it. ``FixtureSite.source_config(base_url)`` is the
``[[sources]]`` table that crawls it. ``deliberate_failure(source, url, stage)`` says why a
failure of one of its items is intended (the removed video), so the demo and the pipeline
commands report it as intended rather than as a fault.

To add an item: add an ``_ItemSpec`` to ``ITEMS`` and its sentences to
``raqib.demo.speech.SPEECH``; put it on a listing page in ``PAGES``.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.hashing import sha256_file
from raqib.demo import speech
from raqib.demo.server import StaticServer

SITE_NAME = "الإخبارية السورية — أرشيف تجريبي"
OUTLET = "الإخبارية السورية (تجريبي)"
SOURCE_NAME = "demo-ikhbariya"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1
BACKGROUND = "0x203040"
REAIR_INTRO_S = 3.0  # a re-airing's new intro (a tone) before the re-aired audio
REAIR_GAIN_DB = -4.0  # ... which comes back quieter
ROOM_TONE_S = 5.0


class FixtureError(RuntimeError):
    """The fixture outlet could not be generated; the message names the missing tool."""


@dataclass(frozen=True)
class _ItemSpec:
    slug: str
    title: str
    program: str
    aired_at: str  # ISO 8601 with the Damascus offset, as the outlet would print it
    aired_label: str
    description: str
    media_missing: bool = False
    reairs: str = ""  # the slug whose audio this item airs again (after a new intro)
    banner: str = ""  # a lower-third caption drawn over the video (read by OCR)
    room_tone_s: float = 0.0  # quiet room tone after the speech (a re-airing needs >= 10 s)


ITEMS: tuple[_ItemSpec, ...] = (
    _ItemSpec("tunnel-to-light-part-1", "من النفق إلى النور — الجزء الأول", "فيلم وثائقي",
              "2021-04-20T19:00:00+03:00", "20 نيسان 2021",
              "فيلم وثائقي عن الغوطة الشرقية يظهر فيه والد الدكتورة أماني بلور متحدثًا عن "
              "ابنته. (الصوت في هذا الأرشيف التجريبي مركّب آليًا.)", room_tone_s=ROOM_TONE_S),
    _ItemSpec("bulletin-2021-04-21", "نشرة الأخبار المسائية", "نشرة الأخبار",
              "2021-04-21T20:30:00+03:00", "21 نيسان 2021",
              "موجز الأخبار المحلية: استئناف الرحلات في مطار دمشق الدولي."),
    _ItemSpec("bulletin-2021-04-22", "نشرة الثقافة والفنون", "نشرة الأخبار",
              "2021-04-22T18:00:00+03:00", "22 نيسان 2021",
              "موجز ثقافي: حفل موسيقى في دار الأوبرا بدمشق."),
    _ItemSpec("tunnel-to-light-part-2", "من النفق إلى النور — الجزء الثاني", "فيلم وثائقي",
              "2021-04-20T20:00:00+03:00", "20 نيسان 2021",
              "حُذف ملف الفيديو لهذا الجزء من الموقع: يجيب الخادم برمز 404، ويسجّل رقيب "
              "الالتقاط فاشلًا مع سببه.", media_missing=True),
    _ItemSpec("bulletin-2021-04-25", "نشرة الأخبار — ملف خاص", "نشرة الأخبار",
              "2021-04-25T21:00:00+03:00", "25 نيسان 2021",
              "ملف خاص يعيد بثّ مقطع من الفيلم الوثائقي «من النفق إلى النور» بمقدمة جديدة.",
              reairs="tunnel-to-light-part-1", banner="والد الدكتورة بلور"),
)

# listing file -> (slugs on it, next listing file or None)
PAGES: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("list.html", ("tunnel-to-light-part-1", "bulletin-2021-04-21"), "list-2.html"),
    ("list-2.html", ("bulletin-2021-04-22", "tunnel-to-light-part-2", "bulletin-2021-04-25"),
     None),
)


@dataclass(frozen=True)
class FixtureItem:
    """One item page. ``media_path`` exists and ``sha256`` is set unless ``media_missing``."""

    slug: str
    title: str
    program: str
    aired_at: str
    description: str
    spoken_text: str
    search_words: tuple[str, ...]
    media_path: Path
    media_url_path: str  # "/media/<slug>.mp4", as the server sees it
    sha256: str | None
    media_missing: bool


@dataclass(frozen=True)
class FixtureSite:
    root: Path
    items: tuple[FixtureItem, ...]

    def item(self, slug: str) -> FixtureItem:
        return next(i for i in self.items if i.slug == slug)

    @property
    def faults(self) -> dict[str, int]:
        """Server faults: the removed video answers 404 even if a file appears there."""
        return {i.media_url_path: 404 for i in self.items if i.media_missing}

    def source_config(self, base_url: str) -> dict[str, Any]:
        """The ``[[sources]]`` table that crawls this site served at ``base_url``."""
        return {
            "name": SOURCE_NAME, "outlet": OUTLET, "kind": "site",
            "start_urls": [base_url.rstrip("/") + "/list.html"],
            "item_links": "a.item::attr(href)", "next_page": "a.next::attr(href)",
            "title": "h1.title::text", "aired_at": "time.aired::attr(datetime)",
            "description": "p.description::text", "program": "span.program::text",
            "media": "video source::attr(src)",
            "interval": "1h", "language": "ar", "robots": True,
            "timezone": "Asia/Damascus",  # the outlet's zone: times shown as it printed them
        }


DELIBERATE = ("the demo's deliberately removed video (its server answers 404), "
              "to show how a failed capture of a taken-down item is recorded")


def deliberate_failure(source_name: str, url: str, stage: str) -> str:
    """Why the failure of this item is intended (the demo source's removed video failing
    at download), or "" when it is a real failure."""
    if source_name != SOURCE_NAME or stage != "download":
        return ""
    path = url.split("?", 1)[0]
    for spec in ITEMS:
        if spec.media_missing and path.endswith(f"/items/{spec.slug}.html"):
            return f"{spec.slug} is {DELIBERATE}"
    return ""


def build_fixture_site(root: Path) -> FixtureSite:
    """Generate the site under ``root`` (once) and return its description."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    hashes = _reusable_hashes(root)
    if hashes is None:
        hashes = _generate_media(root)
        _write_json(root / MANIFEST, {"format": FORMAT_VERSION, "fingerprint": _fingerprint(),
                                      "media": hashes})
    _write_html(root)
    return FixtureSite(root, tuple(_item(root, spec, hashes.get(spec.slug)) for spec in ITEMS))


def start_fixture_outlet(root: Path, host: str = "127.0.0.1",
                         port: int = 0) -> tuple[FixtureSite, StaticServer]:
    """Build the site and serve it; the caller stops the server (``server.stop()``)."""
    site = build_fixture_site(root)
    server = StaticServer(site.root, host=host, port=port, faults=site.faults).start()
    return site, server


def _item(root: Path, spec: _ItemSpec, sha: str | None) -> FixtureItem:
    return FixtureItem(
        slug=spec.slug, title=spec.title, program=spec.program, aired_at=spec.aired_at,
        description=spec.description, spoken_text=speech.spoken_text(spec.slug),
        search_words=speech.SEARCH_WORDS.get(spec.slug, ()),
        media_path=root / "media" / f"{spec.slug}.mp4",
        media_url_path=f"/media/{spec.slug}.mp4", sha256=sha, media_missing=spec.media_missing)


# --- media -------------------------------------------------------------------------------

def _fingerprint() -> str:
    """Changes whenever what the media would contain changes (texts, voice, timing)."""
    recipe = {"v": FORMAT_VERSION, "speech": speech.SPEECH, "voice": speech.VOICE,
              "speed": speech.SPEED, "gap": speech.SENTENCE_GAP_S, "bg": BACKGROUND,
              "missing": [s.slug for s in ITEMS if s.media_missing],
              "reairs": {s.slug: [s.reairs, s.banner, s.room_tone_s, REAIR_INTRO_S,
                                  REAIR_GAIN_DB] for s in ITEMS
                         if s.reairs or s.banner or s.room_tone_s}}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _reusable_hashes(root: Path) -> dict[str, str] | None:
    """The manifest's media hashes when every file is intact; None means regenerate."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("fingerprint") != _fingerprint():
        return None
    hashes = manifest.get("media") or {}
    wanted = {s.slug for s in ITEMS if not s.media_missing}
    if set(hashes) != wanted:
        return None
    for slug, sha in hashes.items():
        path = root / "media" / f"{slug}.mp4"
        if not path.is_file() or sha256_file(path) != sha:
            return None
    return hashes


def _generate_media(root: Path) -> dict[str, str]:
    media = root / "media"
    media.mkdir(exist_ok=True)
    hashes = {}
    with tempfile.TemporaryDirectory(prefix="raqib-fixture-") as tmp:
        wavs: dict[str, Path] = {}
        for spec in ITEMS:
            target = media / f"{spec.slug}.mp4"
            if spec.media_missing:
                target.unlink(missing_ok=True)
                continue
            wav = wavs[spec.slug] = Path(tmp) / f"{spec.slug}.wav"
            if spec.reairs:
                _reair(wavs[spec.reairs], wav)
            else:
                speech.synthesize(speech.SPEECH[spec.slug], wav)
                if spec.room_tone_s:
                    _room_tone(wav, spec.room_tone_s)
            banner = _banner(spec.banner, Path(tmp) / f"{spec.slug}.png") if spec.banner \
                else None
            built = make_mp4(wav, Path(tmp) / f"{spec.slug}.mp4", banner)
            hashes[spec.slug] = sha256_file(built)
            os.replace(built, target)  # readers never see a half-written file
    return hashes


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if not exe:
        raise FixtureError("ffmpeg is not installed; the demo outlet needs it to make its "
                           "videos (apt install ffmpeg)")
    return exe


def _reair(original: Path, out: Path) -> Path:
    """``original``'s audio aired again: a new intro (a tone), then it, quieter."""
    graph = (f"sine=f=440:d={REAIR_INTRO_S:g}:r=22050,volume=-14dB[intro];"
             f"[0]volume={REAIR_GAIN_DB:g}dB[body];[intro][body]concat=n=2:v=0:a=1")
    proc = subprocess.run([_ffmpeg(), "-nostdin", "-loglevel", "error", "-y", "-i",
                           str(original), "-filter_complex", graph, "-ac", "1", "-ar", "22050",
                           str(out)], capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise FixtureError(f"ffmpeg could not make {out.name}: {proc.stderr.strip()[-400:]}")
    return out


def _room_tone(wav: Path, seconds: float) -> Path:
    """Append ``seconds`` of quiet room tone (seeded brown noise) to ``wav`` in place."""
    out = wav.with_name(wav.stem + "-tone.wav")
    graph = (f"anoisesrc=d={seconds:g}:c=brown:a=0.02:r=22050:seed=20210420[tone];"
             "[0][tone]concat=n=2:v=0:a=1")
    proc = subprocess.run([_ffmpeg(), "-nostdin", "-loglevel", "error", "-y", "-i", str(wav),
                           "-filter_complex", graph, "-ac", "1", "-ar", "22050", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise FixtureError(f"ffmpeg could not add room tone: {proc.stderr.strip()[-400:]}")
    os.replace(out, wav)
    return wav


def _banner(text: str, out: Path) -> Path:
    """A lower-third caption, the Arabic shaped by Pango (Debian pango1.0-tools)."""
    exe = shutil.which("pango-view")
    if not exe:
        raise FixtureError("pango-view is not installed; the demo outlet needs it to draw "
                           "its on-screen caption (apt install pango1.0-tools)")
    proc = subprocess.run([exe, "--font=Noto Sans Arabic Bold 20", "--background=#7a1010",
                           "--foreground=white", "--margin=8", "-q", "-o", str(out), "--text",
                           text], capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0 or not out.is_file():
        raise FixtureError(f"pango-view could not draw the caption: {proc.stderr.strip()[-300:]}")
    return out


def make_mp4(wav: Path, out: Path, banner: Path | None = None) -> Path:
    """Encode ``wav`` over a plain 320x180 background as H.264 + AAC MP4 at ``out``, with
    ``banner`` over the bottom of the picture from the first second when given."""
    exe = _ffmpeg()
    overlay = (["-i", str(banner), "-filter_complex",
                "[0][2]overlay=x=(W-w)/2:y=H-h-6:enable='gte(t,1)'"] if banner else [])
    cmd = [exe, "-nostdin", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"color=c={BACKGROUND}:s=320x180:r=10",
           "-i", str(wav), *overlay, "-shortest",
           "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-threads", "1",
           "-c:a", "aac", "-b:a", "64k", "-ar", "22050",
           "-map_metadata", "-1", "-movflags", "+faststart", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise FixtureError(f"ffmpeg could not make {out.name}: {proc.stderr.strip()[-400:]}")
    return out


# --- HTML --------------------------------------------------------------------------------

_FOOTER = ("موقع تجريبي مولَّد آليًا لعرض «رقيب» — ليس موقع الإخبارية السورية، والأصوات فيه "
           "مركّبة آليًا. Generated demo fixture for Raqib; not a real outlet.")


def _page(title: str, body: str) -> str:
    e = html.escape
    return (f'<!doctype html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{e(title)} — {e(SITE_NAME)}</title>\n</head>\n<body>\n"
            f"<header><p class=\"site\">{e(SITE_NAME)}</p></header>\n<main>\n{body}\n</main>\n"
            f"<footer><p class=\"fixture-notice\">{e(_FOOTER)}</p></footer>\n</body>\n</html>\n")


def _listing(slugs: tuple[str, ...], next_page: str | None) -> str:
    e = html.escape
    specs = {s.slug: s for s in ITEMS}
    rows = "\n".join(
        f'<li><a class="item" href="items/{s}.html">{e(specs[s].title)}</a> '
        f'<span class="date">{e(specs[s].aired_label)}</span></li>' for s in slugs)
    nav = f'<a class="next" href="{next_page}">الصفحة التالية</a>' if next_page else ""
    return f"<h1>أحدث البرامج</h1>\n<ul>\n{rows}\n</ul>\n<nav>{nav}</nav>"


def _item_page(spec: _ItemSpec) -> str:
    e = html.escape
    return (f'<article>\n<h1 class="title">{e(spec.title)}</h1>\n'
            f'<p><span class="program">{e(spec.program)}</span> — '
            f'<time class="aired" datetime="{spec.aired_at}">{e(spec.aired_label)}</time></p>\n'
            f'<video controls width="320" height="180">'
            f'<source src="../media/{spec.slug}.mp4" type="video/mp4"></video>\n'
            f'<p class="description">{e(spec.description)}</p>\n'
            f'<p><a href="../list.html">العودة إلى القائمة</a></p>\n</article>')


def _write_html(root: Path) -> None:
    (root / "items").mkdir(exist_ok=True)
    files = {"robots.txt": "User-agent: *\nAllow: /\n",
             "index.html": _page("الصفحة الرئيسية",
                                 '<p><a href="list.html">أرشيف البرامج</a></p>')}
    for name, slugs, next_page in PAGES:
        files[name] = _page("أرشيف البرامج", _listing(slugs, next_page))
    for spec in ITEMS:
        files[f"items/{spec.slug}.html"] = _page(spec.title, _item_page(spec))
    for name, text in files.items():
        _write_if_changed(root / name, text)


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    _write_if_changed(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
