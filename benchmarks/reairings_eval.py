"""Re-airing and on-screen text evaluation (issue 16): precision, recall and offset error of
re-airing links on a generated archive, matching time per new broadcast as the archive
grows, and OCR of Arabic banners over video.

Run: ``nice -n 10 .venv/bin/python benchmarks/reairings_eval.py [--quick] [--json OUT]``.

1. **Accuracy** (real ffmpeg, espeak-ng, fpcalc): programmes of about two minutes from
   three outlets, each with its own jingle around its programmes. Confession passages are
   aired first inside one programme, then inside programmes of other outlets after real
   transformations (MP3/AAC/Opus at 24-64 kbit/s, +-6 dB, new intros, music under the speech
   at -10 dB, cut to part of its length); unrelated programmes share their outlet's jingle.
   Broadcasts are matched in air order against those before them, with Raqib's matcher
   (``reairings.matching.find_matches``) over an in-memory posting index (the catalog's
   ``FingerprintPosting`` table answers the same lookups). A link is a true positive when
   it joins two airings of one confession and overlaps the expected ranges; anything else
   is a false positive; a pair of airings sharing >= 10 s of a confession and not linked is
   a miss.
2. **Scale** (synthesised fingerprints: 32-bit items whose bits persist from item to item
   as Chromaprint's do): archives of 100 to 5,000 broadcast-hours (one-hour broadcasts);
   the time to match one new hour holding a 60 s passage (10 % of bits flipped) of an
   archived broadcast, and whether it is found.
   **Through SQL** (``--sql-sizes``, default 100,300; ``--skip sql`` leaves it out): the
   same runs with the postings in the catalog's ``FingerprintPosting`` table on SQLite,
   looked up by ``reairings.links.db_lookup`` as ``match_broadcast`` does. Loading the
   synthetic rows is the slow part (about 4.5 minutes per 100 hours on the 2 cores).
3. **OCR** (pango-view with Debian Noto Arabic fonts, ffmpeg, Tesseract ara+eng): banners
   with a name (and a title) over a grainy picture, read by ``reairings.ocr.read_media``;
   character error rate of the best line against the banner text, and the share of names
   found the way search finds them (every word of the name, Arabic-normalised, in one
   on-screen line).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "reairings"))

import media_gen as g  # noqa: E402

from reairings import chromaprint as fp  # noqa: E402
from reairings.matching import KEY_GAP, Params, Phase, find_matches, sub_hashes  # noqa: E402

_VOCABULARY = """
بيت مدرسة شارع سوق مدينة قرية نهر جبل بحر شمس قمر نجم سماء أرض مطر ريح نار ماء
خبز حليب شاي قهوة كتاب قلم ورقة باب نافذة سيارة قطار طائرة مستشفى طبيب مريض دواء
مصنع عامل فلاح حقل قمح شعير زيتون تفاح برتقال عنب رمان وزير حكومة برلمان قانون
محكمة قاضي شرطة جيش حدود سلام حرب اتفاق مؤتمر رئيس شعب وطن علم نشيد ملعب فريق
هدف مباراة بطولة جمهور فنان مسرح فيلم أغنية موسيقى شاعر قصيدة رواية تاريخ ثقافة
جامعة طالب أستاذ امتحان نجاح عمل راتب سعر دولار ليرة تجارة تصدير استيراد ميناء
مطار رحلة سفر فندق سياحة صيف شتاء ربيع خريف صباح مساء ليل يوم أسبوع شهر سنة
"""
WORDS = tuple(_VOCABULARY.split())


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


# --- 1. accuracy ----------------------------------------------------------------------------

TRANSFORMS = (
    {"name": "mp3-48k -6 dB new intro", "gain_db": -6,
     "codec": ["-c:a", "libmp3lame", "-b:a", "48k"]},
    {"name": "aac-32k +6 dB cut 60 %", "gain_db": 6, "cut": 0.6,
     "codec": ["-c:a", "aac", "-b:a", "32k"]},
    {"name": "opus-24k music -10 dB", "music": True, "codec": ["-c:a", "libopus", "-b:a", "24k"]},
    {"name": "mp3-64k -6 dB music -10 dB cut 50 %", "gain_db": -6, "music": True, "cut": 0.5,
     "codec": ["-c:a", "libmp3lame", "-b:a", "64k"]},
)


def build_archive(d: Path, rng: random.Random, confessions: int, unrelated: int) -> list[dict]:
    """The programmes, in air order, with where each confession is in them."""
    sources = ["outlet-a", "outlet-b", "outlet-c"]
    jingles = {s: g.jingle(d / f"jingle-{s}.wav", i + 1) for i, s in enumerate(sources)}
    programmes: list[dict] = []
    n = 0

    def filler(seconds_words: int, tag: str) -> Path:
        nonlocal n
        n += 1
        return g.speech(d / f"f-{tag}-{n}.wav", sentence(rng, seconds_words),
                        pitch=rng.randint(30, 70), speed=rng.randint(140, 165))

    def programme(name: str, source: str, parts: list[Path], codec: list[str],
                  confession: dict | None) -> dict:
        ext = {"libmp3lame": "mp3", "aac": "m4a", "libopus": "ogg"}.get(codec[1], "wav")
        path = g.concat(d / f"{name}.{ext}", parts, codec=codec)
        return {"name": name, "source": source, "path": path, "confession": confession}

    texts = [g.speech(d / f"confession-{c}.wav", sentence(rng, 70), pitch=40 + 5 * c,
                      speed=145) for c in range(confessions)]
    lengths = [g.duration(t) for t in texts]
    for c, text in enumerate(texts):
        source = sources[c % 2]
        before = filler(rng.randint(80, 110), f"first{c}a")
        after = filler(rng.randint(60, 80), f"first{c}b")
        at = 6 + g.duration(before)
        programmes.append(programme(f"first-{c}", source, [jingles[source], before, text, after,
                                                          jingles[source]],
                                    ["-c:a", "aac", "-b:a", "96k"],
                                    {"id": c, "at": at, "from": 0.0, "to": lengths[c]}))
    for u in range(unrelated):
        source = sources[u % 3]
        parts = [jingles[source], filler(rng.randint(90, 120), f"u{u}a"), jingles[source],
                 filler(rng.randint(50, 70), f"u{u}b")]
        programmes.append(programme(f"unrelated-{u}", source, parts,
                                    ["-c:a", "libmp3lame", "-b:a", "64k"], None))
    k = 0
    for c, text in enumerate(texts):
        for r in range(2):
            t = TRANSFORMS[k % len(TRANSFORMS)]
            k += 1
            source = sources[(c % 2 + 1 + r) % 3]
            cut = t.get("cut")
            start = round(lengths[c] * (1 - cut) / 2, 2) if cut else 0.0
            length = round(lengths[c] * cut, 2) if cut else lengths[c]
            chord = (196 + 20 * k, 247 + 15 * k, 294 + 10 * k)
            music = g.tone(d / f"music-{c}-{r}.wav", 60, chord) if t.get("music") else None
            body = g.transform(d / f"re-{c}-{r}.wav", text, gain_db=t.get("gain_db", 0),
                               music=music, start=start, duration=length if cut else None)
            intro = g.tone(d / f"intro-{c}-{r}.wav", round(rng.uniform(4, 9), 2),
                           (330 + 30 * k, 415 + 20 * k))
            before = filler(rng.randint(20, 40), f"re{c}{r}a")
            after = filler(rng.randint(40, 60), f"re{c}{r}b")
            at = g.duration(intro) + 6 + g.duration(before)
            programmes.append(programme(
                f"reaired-{c}-{r}", source, [intro, jingles[source], before, body, after],
                t["codec"], {"id": c, "at": at, "from": start, "to": start + length,
                             "transform": t["name"]}))
    return programmes


def truth_pairs(programmes: list[dict], min_seconds: float) -> dict[tuple[int, int], dict]:
    """(earlier index, later index) -> expected ranges, for airings sharing a confession."""
    pairs = {}
    for i, a in enumerate(programmes):
        for j in range(i + 1, len(programmes)):
            b = programmes[j]
            ca, cb = a["confession"], b["confession"]
            if not ca or not cb or ca["id"] != cb["id"]:
                continue
            lo, hi = max(ca["from"], cb["from"]), min(ca["to"], cb["to"])
            if hi - lo >= min_seconds:
                pairs[(i, j)] = {
                    "a": (ca["at"] + lo - ca["from"], ca["at"] + hi - ca["from"]),
                    "b": (cb["at"] + lo - cb["from"], cb["at"] + hi - cb["from"]),
                    "transform": cb.get("transform", "")}
    return pairs


def fingerprint_archive(seed: int, quick: bool) -> tuple[list[dict], float]:
    """Generate the archive of ``seed`` and fingerprint every programme in the query's
    phases (as ``reairings.links.query_phases`` does); the media is deleted afterwards."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="raqib-reair-eval-") as tmp:
        d = Path(tmp)
        t0 = time.time()
        programmes = build_archive(d, rng, confessions=3 if quick else 6,
                                   unrelated=4 if quick else 9)
        for prog in programmes:
            prog["phases"] = []
            for n in range(4):
                skip = round(fp.HOP_SAMPLES * n / 4)
                prog["phases"].append(Phase(fp.compute(prog["path"], skip_samples=skip)[0],
                                            skip / fp.HOP_SAMPLES))
            prog["seconds"] = g.duration(prog["path"])
            prog["path"] = str(prog["path"])
        return programmes, time.time() - t0


def save_archive(path: Path, programmes: list[dict]) -> None:
    arrays = {f"{i}_{n}": ph.items for i, p in enumerate(programmes)
              for n, ph in enumerate(p["phases"])}
    meta = [{k: v for k, v in p.items() if k != "phases"} |
            {"shifts": [ph.shift for ph in p["phases"]]} for p in programmes]
    np.savez(path, meta=json.dumps(meta), **arrays)


def load_archive(path: Path) -> list[dict]:
    data = np.load(path)
    programmes = json.loads(str(data["meta"]))
    for i, p in enumerate(programmes):
        p["phases"] = [Phase(data[f"{i}_{n}"], s) for n, s in enumerate(p.pop("shifts"))]
    return programmes


def score_archive(programmes: list[dict], params: Params, suggest: float,
                  link: float) -> dict:
    """Match the programmes in air order, each against those before it; the figures."""
    stored: dict[int, np.ndarray] = {}
    postings: dict[int, list[tuple[int, int]]] = {}
    found = []
    match_times = []
    for i, prog in enumerate(programmes):
        phases = prog["phases"]
        source = {j: programmes[j]["source"] for j in stored}

        def lookup(keys: list[int]) -> list[tuple[int, int, int]]:
            return [(k, b, p) for k in keys for b, p in postings.get(k, ())]

        t = time.perf_counter()
        matches = find_matches(phases, lookup, stored.__getitem__,
                               lambda b, s=prog["source"], src=source: src[b] == s, params)
        match_times.append(time.perf_counter() - t)
        for m in matches:
            if m.score >= suggest:
                found.append((m.other_id, i, m))
        stored[i] = phases[0].items
        for key, pos in fp.posting_keys(phases[0].items):
            postings.setdefault(key, []).append((i, pos))
    truth = truth_pairs(programmes, params.min_seconds)
    tp, fp_links, errors, hit_pairs = 0, [], [], set()
    tp_link = fp_link = 0
    scores_true: list[float] = []
    worst: list[dict] = []
    signed_starts: list[float] = []
    signed_ends: list[float] = []
    for a, b, m in found:
        expected = truth.get((a, b))
        ok = False
        if expected:
            (ea0, ea1), (eb0, eb1) = expected["a"], expected["b"]
            overlap = min(m.other_end, ea1) - max(m.other_start, ea0)
            ok = overlap > 0.5 * (ea1 - ea0) and (a, b) not in hit_pairs
        if ok:
            tp += 1
            hit_pairs.add((a, b))
            signed_starts += [m.other_start - ea0, m.start - eb0]
            signed_ends += [m.other_end - ea1, m.end - eb1]
            errors += [abs(m.other_start - ea0), abs(m.start - eb0),
                       abs(m.other_end - ea1), abs(m.end - eb1)]
            tp_link += m.score >= link
            scores_true.append(m.score)
            worst.append({"a": programmes[a]["name"], "b": programmes[b]["name"],
                          "error_s": round(max(errors[-4:]), 2), "score": m.score,
                          "errors_starts_ends_s": [round(e, 2) for e in errors[-4:]],
                          "transform": expected["transform"]})
        else:
            fp_links.append({"a": programmes[a]["name"], "b": programmes[b]["name"],
                             "range_b": [m.start, m.end],
                             "range_a": [m.other_start, m.other_end], "score": m.score})
            fp_link += m.score >= link
    missed = [{"a": programmes[a]["name"], "b": programmes[b]["name"],
               "transform": v["transform"]} for (a, b), v in truth.items()
              if (a, b) not in hit_pairs]
    starts = errors[0::4] + errors[1::4]
    negatives = sum(1 for i in range(len(programmes)) for j in range(i)
                    if (j, i) not in truth)
    return {
        "programmes": len(programmes),
        "audio_minutes": round(sum(p["seconds"] for p in programmes) / 60, 1),
        "true_pairs": len(truth), "negative_pairs": negatives,
        "links_suggested": len(found),
        "true_positives": tp, "false_positives": len(fp_links),
        "precision": round(tp / len(found), 3) if found else None,
        "recall": round(tp / len(truth), 3) if truth else None,
        "auto_linked_true": tp_link, "auto_linked_false": fp_link,
        "true_score_min": round(min(scores_true), 3) if scores_true else None,
        "offset_error_start_mean_s": round(float(np.mean(starts)), 2) if starts else None,
        "offset_error_max_s": round(float(np.max(errors)), 2) if errors else None,
        "offset_error_start_max_s": round(float(np.max(starts)), 2) if starts else None,
        # bias: + when found late
        "start_error_signed_mean_s": round(float(np.mean(signed_starts)), 2) if starts else None,
        "end_error_signed_mean_s": round(float(np.mean(signed_ends)), 2) if starts else None,
        "match_seconds_mean": round(float(np.mean(match_times)), 3),
        "false_score_max": max((f["score"] for f in fp_links), default=None),
        "worst_offsets": sorted(worst, key=lambda w: -w["error_s"])[:3],
        "false_positive_links": fp_links, "missed_pairs": missed,
    }


def evaluate_accuracy(quick: bool, seeds: list[int], cache: Path | None = None) -> dict:
    """Per seed (the first is the one the parameters were tuned on, the others held out):
    generate, fingerprint and score the archive. ``cache``: keep fingerprinted archives
    there (``seed-N.npz``) and reuse them."""
    from raqib.config import SETTINGS_BY_KEY

    suggest = SETTINGS_BY_KEY["reairings.suggest_score"].default
    link = SETTINGS_BY_KEY["reairings.link_score"].default
    out = {}
    for seed in seeds:
        file = cache / f"seed-{seed}{'-quick' if quick else ''}.npz" if cache else None
        build_s = None
        if file and file.is_file():
            programmes = load_archive(file)
        else:
            programmes, build_s = fingerprint_archive(seed, quick)
            if file:
                file.parent.mkdir(parents=True, exist_ok=True)
                save_archive(file, programmes)
        result = score_archive(programmes, Params(), suggest, link)
        result["seed"] = seed
        result["role"] = "tuned on" if seed == seeds[0] else "held out"
        result["build_seconds"] = round(build_s, 1) if build_s else "cached"
        out[f"seed_{seed}"] = result
        print(f"[accuracy] seed {seed}: " + json.dumps(
            {k: v for k, v in result.items() if k not in ("false_positive_links",)},
            ensure_ascii=False), file=sys.stderr, flush=True)
    return out


# --- 2. scale -------------------------------------------------------------------------------

ITEMS_PER_HOUR = int(3600 / fp.ITEM_SECONDS)


def synth_items(rng: np.random.Generator, n: int, flip: float = 0.18) -> np.ndarray:
    """``n`` items whose bits each flip with probability ``flip`` from one item to the next."""
    flips = rng.random((n, 32), dtype=np.float32) < flip
    flips[0] = rng.random(32) < 0.5
    bits = np.bitwise_xor.accumulate(flips, axis=0)
    return np.packbits(bits, axis=1, bitorder="little").view("<u4").ravel().astype(np.uint32)


def new_hour(rng: np.random.Generator, archive: np.ndarray,
             hours: int) -> tuple[int, int, np.ndarray]:
    """A new hour of synthetic items holding a 60 s passage (10 % of bits flipped) of one of
    the first ``hours`` archived hours: (that hour's index, the passage's item there, the
    new hour's items)."""
    source = int(rng.integers(hours))
    at = int(rng.integers(ITEMS_PER_HOUR - 600))
    passage = archive[source * ITEMS_PER_HOUR + at:source * ITEMS_PER_HOUR + at + 485]
    noise = np.packbits(rng.random((len(passage), 32)) < 0.10, axis=1,
                        bitorder="little").view("<u4").ravel()
    query = synth_items(rng, ITEMS_PER_HOUR)
    query[10000:10000 + len(passage)] = passage ^ noise
    return source, at, query


def passage_found(matches: list, other_id: int, at: int) -> bool:
    """Whether a match places the passage in broadcast ``other_id`` within 2 s."""
    expected = at * fp.ITEM_SECONDS + Params().lag_seconds
    return any(m.other_id == other_id and abs(m.other_start - expected) < 2 for m in matches)


def evaluate_scale(sizes: list[int]) -> list[dict]:
    rng = np.random.default_rng(5000)
    largest = max(sizes)
    rows = []
    archive = np.concatenate([synth_items(rng, ITEMS_PER_HOUR) for _ in range(largest)])
    keys_all = np.concatenate([sub_hashes(archive[h * ITEMS_PER_HOUR:(h + 1) * ITEMS_PER_HOUR])
                               for h in range(largest)]).astype(np.int32)
    per = ITEMS_PER_HOUR - KEY_GAP
    for hours in sizes:
        keys = keys_all[:hours * per]
        bids = np.repeat(np.arange(hours, dtype=np.int32), per)
        pos = np.tile(np.arange(per, dtype=np.int32), hours)
        order = np.argsort(keys, kind="stable")
        sk, sb, sp = keys[order], bids[order], pos[order]
        del order
        uk, st, ct = np.unique(sk, return_index=True, return_counts=True)

        def lookup(wanted: list[int], uk=uk, st=st, ct=ct, sk=sk, sb=sb, sp=sp):  # noqa: ANN001, ANN202
            w = np.asarray(wanted, dtype=np.int64)
            idx = np.searchsorted(uk, w)
            idx[idx >= len(uk)] = 0
            ok = uk[idx] == w
            counts = ct[idx[ok]]
            first = np.repeat(np.cumsum(counts) - counts, counts)
            take = np.arange(int(counts.sum())) - first + np.repeat(st[idx[ok]], counts)
            return sk[take].astype(np.int64), sb[take].astype(np.int64), sp[take].astype(np.int64)

        times, found = [], 0
        trials = 3
        for _ in range(trials):
            source, at, query = new_hour(rng, archive, hours)
            start = time.perf_counter()
            matches = find_matches(
                [Phase(query)], lookup,
                lambda b: archive[b * ITEMS_PER_HOUR:(b + 1) * ITEMS_PER_HOUR],
                lambda b: False, Params())
            times.append(time.perf_counter() - start)
            found += passage_found(matches, source, at)
        rows.append({"broadcast_hours": hours, "postings": int(len(sk)),
                     "match_seconds_per_new_hour": round(float(np.median(times)), 3),
                     "passages_found": f"{found}/{trials}"})
        print(f"[scale] {rows[-1]}", file=sys.stderr, flush=True)
        del sk, sb, sp, uk, st, ct
    return rows


def evaluate_sql(sizes: list[int]) -> list[dict]:
    """The same scale runs with the postings in the catalog's ``FingerprintPosting`` table
    (SQLite in a temporary data dir, migrated as Raqib migrates it; rows written with the
    driver's ``executemany``, foreign-key checks off for the synthetic broadcast ids, the
    ``key`` index dropped during the load and built after it) and
    looked up by ``reairings.links.db_lookup``, the function ``match_broadcast`` uses; the
    items to verify come from memory."""
    import django

    os.environ["RAQIB_DATA_DIR"] = tempfile.mkdtemp(prefix="raqib-sql-eval-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reairings.links import db_lookup

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(5000)
    largest = max(sizes)
    archive = np.concatenate([synth_items(rng, ITEMS_PER_HOUR) for _ in range(largest)])
    per = ITEMS_PER_HOUR - KEY_GAP
    rows, have = [], 0
    with connection.cursor() as cur:
        cur.execute("PRAGMA foreign_keys = OFF")
    for hours in sorted(sizes):
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            # Bulk load: the key index is built once after the rows, as a restore would.
            cur.execute("DROP INDEX IF EXISTS fp_posting_key")
            for h in range(have, hours):
                keys = sub_hashes(archive[h * ITEMS_PER_HOUR:(h + 1) * ITEMS_PER_HOUR])
                cur.executemany(
                    "INSERT INTO reairings_fingerprintposting (key, broadcast_id, position) "
                    "VALUES (%s, %s, %s)",
                    [(int(k), h + 1, i) for i, k in enumerate(keys.tolist())])
            cur.execute("CREATE INDEX fp_posting_key ON reairings_fingerprintposting (key)")
        have = hours
        insert_s = time.perf_counter() - t0
        times, found = [], 0
        for _ in range(3):
            source, at, query = new_hour(rng, archive, hours)
            start = time.perf_counter()
            matches = find_matches(
                [Phase(query)], db_lookup,
                lambda b: archive[(b - 1) * ITEMS_PER_HOUR:b * ITEMS_PER_HOUR],
                lambda b: False, Params())
            times.append(time.perf_counter() - start)
            found += passage_found(matches, source + 1, at)
        db = Path(os.environ["RAQIB_DATA_DIR"]) / "raqib.sqlite3"
        rows.append({"broadcast_hours": hours, "postings": hours * per,
                     "database_mb": round(db.stat().st_size / 2**20),
                     "insert_seconds": round(insert_s, 1),
                     "match_seconds_per_new_hour": round(float(np.median(times)), 3),
                     "passages_found": f"{found}/3"})
        print(f"[sql] {rows[-1]}", file=sys.stderr, flush=True)
    return rows


# --- 3. OCR ---------------------------------------------------------------------------------

NAMES = ("سامر الحلبي", "أماني بلور", "خالد العمر", "رهف الأحمد", "يوسف الخطيب",
         "نور الهدى السالم", "محمود درويش", "ليلى عبد الله", "عمر الشامي", "فاطمة الزهراء",
         "إبراهيم النجار", "هبة الله قاسم", "طارق المصري", "سلمى حداد", "جمال الدين يونس",
         "رنا القاسم", "مصطفى العلي", "ديمة الحسن", "باسل الخوري", "غادة عيسى")
TITLES = ("معتقل سابق", "طبيبة", "ناشط", "مدرّسة", "صحفي")
FONTS = ("Noto Sans Arabic Bold 28", "Noto Naskh Arabic Bold 28", "Noto Kufi Arabic Bold 24")


def cer(reference: str, hypothesis: str) -> float:
    a, b = reference, hypothesis
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] / max(1, len(a))


def evaluate_ocr(quick: bool) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
    os.environ.setdefault("RAQIB_DATA_DIR", tempfile.mkdtemp(prefix="raqib-ocr-eval-"))
    django.setup()
    from reairings.ocr import read_media
    from review.persons import search_words

    class Cfg(dict):
        def get(self, key: str):  # noqa: ANN201
            return self[key]

    cfg = Cfg({"ocr.sampler": "interval", "ocr.interval": 1.0, "ocr.scene_threshold": 0.3,
               "ocr.region": 0.34, "ocr.languages": "ara+eng"})
    names = NAMES[:8] if quick else NAMES[:12]
    rows, t0 = [], time.time()
    with tempfile.TemporaryDirectory(prefix="raqib-ocr-eval-") as tmp:
        d = Path(tmp)
        for i, name in enumerate(names):
            text = f"{name} - {TITLES[i % len(TITLES)]}"
            banner = g.banner_png(d / f"b{i}.png", text, font=FONTS[i % len(FONTS)])
            video = g.video_with_banner(d / f"v{i}.mp4", banner, seconds=5, banner_from=1,
                                        banner_to=4)
            lines = read_media(video, cfg)
            best = min((cer(text, line.text) for line in lines), default=1.0)
            wanted = search_words(name)
            found = any(" ".join(wanted) in " ".join(search_words(line.text)) for line in lines)
            rows.append({"banner": text, "font": FONTS[i % len(FONTS)], "cer": round(best, 3),
                         "name_found": found, "read": [line.text for line in lines]})
    return {"banners": len(rows), "seconds": round(time.time() - t0, 1),
            "cer_mean": round(float(np.mean([r["cer"] for r in rows])), 3),
            "names_found_share": round(sum(r["name_found"] for r in rows) / len(rows), 3),
            "misses": [r for r in rows if not r["name_found"]], "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (a few minutes)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["accuracy", "scale", "sql", "ocr"], help="leave a part out")
    parser.add_argument("--sql-sizes", default="100,300",
                        help="broadcast-hours of the SQL (FingerprintPosting) runs")
    parser.add_argument("--seeds", default="16,17",
                        help="archive seeds: the first was tuned on, the rest are held out")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep (and reuse) the fingerprinted archives in this folder")
    parser.add_argument("--sizes", default="100,500,1000,2500,5000",
                        help="broadcast-hours of the scale runs (comma-separated)")
    args = parser.parse_args()
    out: dict = {}
    if "accuracy" not in args.skip:
        print("[accuracy] generating and matching the archive", file=sys.stderr, flush=True)
        out["accuracy"] = evaluate_accuracy(args.quick,
                                            [int(x) for x in args.seeds.split(",")],
                                            args.cache)
    if "ocr" not in args.skip:
        print("[ocr] rendering and reading banners", file=sys.stderr, flush=True)
        out["ocr"] = evaluate_ocr(args.quick)
        print(json.dumps({k: v for k, v in out["ocr"].items() if k != "rows"},
                         ensure_ascii=False, indent=1), file=sys.stderr, flush=True)
    if "scale" not in args.skip:
        out["scale"] = evaluate_scale([int(x) for x in args.sizes.split(",")])
    if "sql" not in args.skip:
        out["sql"] = evaluate_sql([int(x) for x in args.sql_sizes.split(",")])
    print(json.dumps(out, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
