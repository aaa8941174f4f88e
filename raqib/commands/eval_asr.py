"""``raqib eval-asr --refs DIR``: word and character error rates of an engine and model.

DIR holds media files and reference transcripts side by side with the same stem
(``clip.wav`` + ``clip.txt``, UTF-8). Each media file is transcribed with the configured
(or given) engine and model; WER and CER are computed by ``transcribe.evaluation`` after
its Arabic normalisation, per file and overall (total errors / total reference words).
A file without a reference, a reference without media, or media that cannot be
transcribed is reported on its own line and the rest goes on; the exit code is then 1.
Works without the database. Parser: ``raqib.commands.parsers.eval_asr``. To add a column:
put it in ``_row`` and ``COLUMNS``.

``raqib eval-asr --verified`` scores the stored transcripts instead, against the verified
corrected ranges (``review.asr_quality``): overall, by outlet, by model, by period
(``--by month|week``) and by outlet × period; ``--compare MODEL`` (repeated) keeps the
ranges every named model covers, so a new model (``raqib retranscribe --model``) is judged
on the same references as the one in service. It opens the database itself. Exit code 1
when there is no verified range to score.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from raqib.commands.output import CommandError, emit
from raqib.config import load_config
from raqib.logs import progress
from transcribe.base import TranscriptionError
from transcribe.evaluation import EmptyReference, score
from transcribe.registry import get_engine

MEDIA_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".mp4",
                            ".mkv", ".webm", ".mov", ".ts", ".mpg", ".avi"})
REFERENCE_SUFFIX = ".txt"
COLUMNS = ["file", "wer", "cer", "ref_words", "substitutions", "deletions", "insertions",
           "error"]


def pair_files(directory: Path) -> tuple[list[tuple[Path, Path | None]], list[Path]]:
    """(media, reference or None) sorted by name, and references that have no media."""
    if not directory.is_dir():
        raise CommandError(f"--refs {directory} is not a directory")
    files = sorted(p for p in directory.iterdir() if p.is_file())
    media = [p for p in files if p.suffix.lower() in MEDIA_SUFFIXES]
    stems = {p.stem for p in media}
    pairs = [(p, p.with_suffix(REFERENCE_SUFFIX) if p.with_suffix(REFERENCE_SUFFIX).is_file()
              else None) for p in media]
    orphans = [p for p in files if p.suffix == REFERENCE_SUFFIX and p.stem not in stems]
    return pairs, orphans


def eval_asr(args: argparse.Namespace) -> int:
    if args.verified:
        return eval_verified(args)
    config = load_config()
    pairs, orphans = pair_files(args.refs)
    if not pairs:
        raise CommandError(f"no media files in {args.refs} (looked for "
                           f"{', '.join(sorted(MEDIA_SUFFIXES))})")
    try:
        engine = get_engine(config, engine=args.engine, model=args.model)
    except TranscriptionError as exc:
        raise CommandError(f"cannot load the engine: {exc}", code=1) from None
    language = None if args.language == "auto" else args.language
    rows = [{"file": ref.name, "error": "no media file for this reference"} for ref in orphans]
    for ref in orphans:
        progress(f"{ref.name}: no media file for this reference")
    total = None
    for n, (media, ref) in enumerate(pairs, 1):
        row, score = _evaluate(engine, media, ref, language)
        rows.append(row)
        if score is not None:
            total = score if total is None else total + score
            progress(f"{media.name}: WER {score.wer:.1%} CER {score.cer:.1%}", n, len(pairs),
                     seconds=row["seconds"])
        else:
            progress(f"{media.name}: failed: {row['error']}", n, len(pairs))
    failed = sum(1 for r in rows if r.get("error"))
    overall: dict[str, Any] = {"files": len(rows) - failed, "failed": failed,
                               **(total.to_json() if total is not None else {})}
    _print(args, engine, rows, overall)
    return 1 if failed else 0


def _evaluate(engine: Any, media: Path, ref: Path | None, language: str | None
              ) -> tuple[dict[str, Any], Any]:
    row: dict[str, Any] = {"file": media.name}
    if ref is None:
        row["error"] = f"missing reference {media.with_suffix(REFERENCE_SUFFIX).name}"
        return row, None
    try:
        reference = ref.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        row["error"] = f"cannot read the reference {ref.name}: {exc}"
        return row, None
    started = time.perf_counter()
    try:
        result = engine.transcribe(media, language=language)
    except TranscriptionError as exc:
        row["error"] = f"cannot transcribe: {exc}"
        return row, None
    hypothesis = " ".join(s.text for s in result.segments)
    try:
        got = score(reference, hypothesis)
    except EmptyReference as exc:
        row["error"] = f"{ref.name}: {exc}"
        return row, None
    row.update(got.to_json(), reference=reference.strip(), hypothesis=hypothesis,
               language=result.language, seconds=round(time.perf_counter() - started, 2))
    return row, got


def _print(args: argparse.Namespace, engine: Any, rows: list[dict[str, Any]],
           overall: dict[str, Any]) -> None:
    head = {"engine": engine.name, "model": engine.model_id,
            "model_sha256": engine.model_sha256}
    shown = ({**r, **{k: f"{r[k]:.1%}" for k in ("wer", "cer") if k in r}} for r in rows)
    if "wer" in overall:
        summary = (f"overall: WER {overall['wer']:.1%} CER {overall['cer']:.1%} over "
                   f"{overall['ref_words']} reference words in {overall['files']} file(s); "
                   f"{overall['failed']} failed; {head['engine']} {head['model']}")
    else:
        summary = f"overall: no file could be scored; {overall['failed']} failed"
    emit(args, {**head, "normalisation": "transcribe.evaluation.normalize_for_scoring",
                "files": rows, "overall": overall}, COLUMNS, rows=shown, footer=summary)


VERIFIED_COLUMNS = ["group", "ranges", "wer", "cer", "ref_words", "substitutions",
                    "deletions", "insertions"]


def eval_verified(args: argparse.Namespace) -> int:
    """``--verified``: the machine's transcripts against the verified corrections."""
    from django.apps import apps

    from raqib.commands.runtime import prepare_django

    if not apps.ready:  # the command line; in-process callers have Django set up
        code = prepare_django()
        if code:
            return code
    from review.asr_quality import evaluate, same_ranges, summarise

    rows = evaluate(outlet=args.outlet, models=args.compare, since=args.since,
                    until=args.until)
    if len(args.compare) > 1:
        rows = same_ranges(rows, args.compare)
    summary = summarise(rows, args.by)
    table = []
    for name in ("outlet", "model", "period", "outlet_period"):
        for entry in summary[f"by_{name}"]:
            label = " · ".join(str(entry[k]) for k in name.split("_"))
            table.append({"group": f"{name.replace('_', ' × ')}: {label}",
                          **{k: entry[k] for k in VERIFIED_COLUMNS[1:]}})
    shown = ({**r, **{k: f"{r[k]:.1%}" for k in ("wer", "cer")}} for r in table)
    overall = summary["overall"]
    if overall:
        footer = (f"overall: WER {overall['wer']:.1%} CER {overall['cer']:.1%} over "
                  f"{overall['ref_words']} reference words in {overall['ranges']} verified "
                  f"range(s), {len(rows)} transcript score(s)")
    else:
        footer = "no verified range to score: verify corrections in the review UI first"
    emit(args, {"source": "verified", "normalisation":
                "transcribe.evaluation.normalize_for_scoring", "compare": args.compare,
                **summary, "ranges": [r.to_json() for r in rows]},
         VERIFIED_COLUMNS, rows=shown, footer=footer)
    return 0 if rows else 1
