"""Names recall: the share of registry persons' names that search finds in transcripts of
speech naming them, with and without hot words and with and without fuzzy search.

Run:  nice -n 10 .venv/bin/python benchmarks/names_recall.py
      (quick check: --names 3)

A benchmark, not a timed test. In a temporary data dir (SQLite, the embedded Tantivy
index), ``--names`` persons of ``NAMES`` are added to the persons registry. For each, one
clip of espeak-ng Arabic (``raqib.demo.speech.synthesize``) says a sentence naming them
(``SENTENCES``, in turn). Each clip is a broadcast twice over, once per outlet: the
"without" outlet is transcribed with ``transcribe.hotwords = false``, the "with" outlet
with ``true`` (the registry's names offered to the engine: faster-whisper ``hotwords``),
both by the real pipeline path (``raqib.transcription.transcribe_broadcast``: chunking,
language prior ``ar``, hallucination filter) with the bundled Whisper base model
(``--model``), then indexed. A name is *found* when its query has a hit in the person's
own broadcast of that outlet: *exact* is the name as a phrase, *fuzzy* the person page's
queries (``review.persons.person_queries``: every word of 3+ letters as ``word~``, any
name or variant). Four recall figures (without/with hot words × exact/fuzzy), the fuzzy
queries' hits in other persons' broadcasts (false positives), the transcripts, the load
average before and after, and the time taken. Prints a Markdown table, then the JSON.
To add a name: append it to ``NAMES`` (a person's name as the registry holds it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Plausible Syrian names (not records of real people), as a registry would hold them.
NAMES = (
    "أماني بلور",
    "مازن الحلبي",
    "رزان العطار",
    "باسل الشامي",
    "غياث النجار",
    "سميرة الخطيب",
    "فائق الزعبي",
    "ناظم القدسي",
    "يحيى الشربجي",
    "خليل المعتوق",
    "وفاء مصطفى",
    "حسين العودات",
)
SENTENCES = (
    "في نشرة اليوم تحدث {name} عن الأوضاع في المدينة.",
    "وقال {name} في المقابلة إن الوضع صعب جدا.",
    "ظهر {name} على الشاشة مساء أمس.",
)
OUTLETS = {"without": False, "with": True}  # outlet name -> transcribe.hotwords


def _setup(data_dir: Path) -> None:
    config = data_dir.parent / "raqib.toml"
    config.write_text("")
    os.environ["RAQIB_DATA_DIR"] = str(data_dir)
    os.environ["RAQIB_CONFIG"] = str(config)
    os.environ["DJANGO_SETTINGS_MODULE"] = "raqib.settings"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _speech(names: list[str], work: Path) -> list[tuple[str, str, Path]]:
    """(name, sentence, mp4 path) per name."""
    import subprocess

    from raqib.demo.speech import synthesize

    out = []
    for i, name in enumerate(names):
        sentence = SENTENCES[i % len(SENTENCES)].format(name=name)
        wav = synthesize([sentence], work / f"name-{i}.wav")
        mp4 = work / f"name-{i}.m4a"
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                        "-c:a", "aac", str(mp4)], check=True)
        out.append((name, sentence, mp4))
    return out


def _seed(clips: list[tuple[str, str, Path]], data_dir: Path) -> dict[str, list]:
    from catalog.hashing import sha256_file
    from catalog.models import Broadcast, MediaFile, Outlet, Source
    from review.persons import add_person

    people = [add_person(name) for name, _, _ in clips]
    broadcasts: dict[str, list] = {}
    for outlet_name in OUTLETS:
        outlet = Outlet.objects.create(name=outlet_name)
        source = Source.objects.create(name=f"src-{outlet_name}", outlet=outlet, kind="html",
                                       language="ar")
        broadcasts[outlet_name] = []
        for i, (_, _, path) in enumerate(clips):
            rel = Path("media") / outlet_name / path.name
            (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, data_dir / rel)
            sha = sha256_file(data_dir / rel)
            media, _ = MediaFile.objects.get_or_create(
                sha256=sha, defaults={"path": rel.as_posix(), "size": path.stat().st_size})
            broadcasts[outlet_name].append(Broadcast.objects.create(
                source=source, outlet=outlet, external_id=f"{outlet_name}-{i}",
                url=f"https://example.org/{outlet_name}/{i}", title=f"clip {i}", media=media,
                language="ar"))
    return {"people": people, **broadcasts}


def _transcribe(world: dict, model: str) -> dict[str, list[str]]:
    from django.conf import settings

    from index.registry import get_backend
    from raqib.stages import StageOptions
    from raqib.transcription import transcribe_broadcast

    config = settings.CONFIG
    texts: dict[str, list[str]] = {}
    for outlet_name, hotwords in OUTLETS.items():
        config.values["transcribe.hotwords"] = hotwords
        texts[outlet_name] = []
        for broadcast in world[outlet_name]:
            transcript = transcribe_broadcast(broadcast, config, StageOptions(model=model))
            get_backend(config).index_transcript(transcript.id)
            texts[outlet_name].append(" ".join(
                transcript.segments.order_by("number").values_list("text", flat=True)))
            print(f"  {outlet_name:7} #{broadcast.pk}: {texts[outlet_name][-1]} "
                  f"(hotwords: {transcript.params.get('hotwords', '')[:40]!r})",
                  file=sys.stderr)
    return texts


def _found(backend: object, queries: list[str], outlet: str, broadcast_id: int
           ) -> tuple[bool, int]:
    """(a hit in the broadcast?, hits in other broadcasts of the outlet)."""
    from index.base import SearchRequest

    hit_ids: set[int] = set()
    for query in queries:
        page = backend.search_page(SearchRequest(query, outlet=outlet, page_size=100,  # type: ignore[attr-defined]
                                                 facets=False))
        hit_ids.update(h.broadcast_id for h in page.hits)
    return broadcast_id in hit_ids, len(hit_ids - {broadcast_id})


def _measure(world: dict) -> dict:
    from index.registry import get_backend
    from review.persons import name_query, person_queries

    backend = get_backend()
    out: dict = {}
    per_name = []
    for i, person in enumerate(world["people"]):
        row = {"name": person.name}
        for outlet_name in OUTLETS:
            broadcast = world[outlet_name][i]
            for mode in ("exact", "fuzzy"):
                queries = ([name_query(person.name, fuzzy=False)] if mode == "exact"
                           else person_queries(person))
                found, others = _found(backend, queries, outlet_name, broadcast.pk)
                row[f"{outlet_name}_{mode}"] = found
                row[f"{outlet_name}_{mode}_false"] = others
        per_name.append(row)
    n = len(per_name)
    for outlet_name in OUTLETS:
        for mode in ("exact", "fuzzy"):
            key = f"{outlet_name}_{mode}"
            out[key] = {"found": sum(r[key] for r in per_name), "names": n,
                        "recall": round(sum(r[key] for r in per_name) / n, 3),
                        "false_hits": sum(r[f"{key}_false"] for r in per_name)}
    return {"recall": out, "per_name": per_name}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=len(NAMES),
                        help=f"how many names of NAMES (default: all {len(NAMES)})")
    parser.add_argument("--model", default="bundled-base",
                        help="transcribe.model (default: bundled-base, Whisper base)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="raqib-names-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        _setup(data_dir)
        clips = _speech(list(NAMES[:args.names]), Path(tmp))
        world = _seed(clips, data_dir)
        texts = _transcribe(world, args.model)
        result = _measure(world)
        from django.conf import settings

        hotwords_config = {k: settings.CONFIG.get(k) for k in (
            "transcribe.hotwords_max_chars", "transcribe.hotwords_max_words",
            "transcribe.engine", "transcribe.threads")}
    report = {
        **result, "spoken": [s for _, s, _ in clips], "transcripts": texts,
        "model": args.model, "settings": hotwords_config, "seconds": round(
            time.perf_counter() - started, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(), "machine": platform.platform(),
    }
    recall = report["recall"]
    print("| hot words | exact search | fuzzy search (person page) |")
    print("|---|---|---|")
    for outlet_name, label in (("without", "without"), ("with", "with")):
        exact, fuzzy = recall[f"{outlet_name}_exact"], recall[f"{outlet_name}_fuzzy"]
        print(f"| {label} | {exact['found']}/{exact['names']} ({exact['recall']:.0%}) | "
              f"{fuzzy['found']}/{fuzzy['names']} ({fuzzy['recall']:.0%}); "
              f"{fuzzy['false_hits']} hit(s) in other clips |")
    print()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
