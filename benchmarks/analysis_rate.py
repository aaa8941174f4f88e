"""Arabic analysis throughput: Raqib's analyzer against Lucene 8's ``ArabicAnalyzer``, on
the same text in the same run, in tokens per second of CPU.

Run:  .venv/bin/python benchmarks/analysis_rate.py [--segments 50000] [--rounds 5]

The text: ``--segments`` synthetic transcript segments (``benchmarks.corpus``: a Zipfian
vocabulary of Arabic word forms with clitics, diacritics and stop words, the text of
``search_decade.py``'s catalogs), one per line; and, when its package is cached
(``tests/index/test_lucene_differential.py`` fetches it), the fully vowelled Quran text
(``--quran``). Each is analysed by:

- Raqib ``analysis`` (tokens with offsets and types: what Lucene's token stream gives) and
  ``index_terms`` (the indexing path: terms and positions), in this process, **cold**
  (the per-word caches emptied first; the tokenizer's regular expressions already built,
  their build time reported apart) and **warm** (the best of ``--rounds`` passes);
- Lucene 8.7's ``ArabicAnalyzer`` (Debian's ``liblucene8-java``), in a JVM running
  ``tests/index/lucene/LuceneArabicRate.java`` (compiled here with ``javac``), **cold**
  (the first pass, before the JIT compiled the analyzer) and **warm** (the best of the
  later passes), each token's term read.

Rates are tokens per CPU second of the analysing thread (load-independent; wall seconds are
printed too), each side counting its own tokens (they agree but for Lucene's empty terms:
the differential test). The ratio is Raqib's rate over Lucene's (above 1: Raqib faster).
Prints one JSON object. To add an analyzer: measure it in ``_raqib``'s way and add its
rates to ``sides``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HARNESS = ROOT / "tests" / "index" / "lucene" / "LuceneArabicRate.java"
CORPUS_CACHE = Path(
    os.environ.get("RAQIB_CORPUS_CACHE", Path.home() / ".cache" / "raqib" / "corpus")
)


def synthetic_lines(segments: int) -> list[str]:
    """``segments`` synthetic transcript segments (``benchmarks.corpus``), one per line."""
    from benchmarks.corpus import generate

    return [text for doc in generate(segments) for text in doc.segments]


def quran_lines() -> list[str]:
    """The verses of the cached ``quran-json`` package (vowelled Uthmani text), or []."""
    tarballs = sorted(CORPUS_CACHE.glob("quran-json-*.tgz"))
    if not tarballs:
        return []
    with tarfile.open(tarballs[-1]) as tar:
        member = tar.extractfile("package/dist/quran.json")
        chapters = json.load(member) if member else []
    return [verse["text"] for chapter in chapters for verse in chapter["verses"]]


def _timed(run: Callable[[], int]) -> tuple[int, float, float]:
    """(tokens, CPU seconds of this thread, wall seconds) of one pass."""
    wall, cpu = time.perf_counter(), time.thread_time()
    tokens = run()
    return tokens, time.thread_time() - cpu, time.perf_counter() - wall


def _rates(tokens: int, cpu: float, wall: float) -> dict[str, float]:
    return {
        "tokens": tokens,
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "tokens_per_cpu_s": round(tokens / cpu),
    }


def _raqib(lines: list[str], rounds: int) -> dict[str, dict]:
    import index.arabic as arabic

    def analysis_pass() -> int:
        analysis = arabic.analysis
        return sum(len(analysis(line)[0]) for line in lines)

    def index_pass() -> int:
        index_terms, gap = arabic.index_terms, arabic.GAP
        return sum(len(terms) - terms.count(gap) for terms in map(index_terms, lines))

    out: dict[str, dict] = {}
    for name, run in (("analysis", analysis_pass), ("index_terms", index_pass)):
        arabic._cache.clear()  # noqa: SLF001 - cold: every word form analysed once
        arabic._index_cache.clear()  # noqa: SLF001
        arabic._irregular.clear()  # noqa: SLF001
        cold = _timed(run)
        warm = min((_timed(run) for _ in range(rounds)), key=lambda r: r[1])
        out[name] = {"cold": _rates(*cold), "warm": _rates(*warm)}
    return out


def _jars() -> list[str]:
    jars = []
    for name in ("lucene-core", "lucene-analyzers-common"):
        found = sorted(glob.glob(f"/usr/share/java/{name}-8*.jar")) or sorted(
            glob.glob(f"/usr/share/java/{name}.jar")
        )
        if not found:
            raise SystemExit(f"Lucene 8 jar {name} not installed (scripts/setup.sh installs it)")
        jars.append(found[-1])
    return jars


def _lucene(lines: list[str], rounds: int, work: Path) -> dict[str, dict]:
    if not shutil.which("javac") or not shutil.which("java"):
        raise SystemExit("no JDK (scripts/setup.sh installs openjdk-17-jdk-headless)")
    classpath = os.pathsep.join([str(work), *_jars()])
    if not (work / "LuceneArabicRate.class").exists():
        subprocess.run(
            ["javac", "-d", str(work), "-cp", classpath, str(HARNESS)], check=True, timeout=300
        )
    source = work / "lines.txt"
    source.write_text("\n".join(line.replace("\n", " ") for line in lines) + "\n", "utf-8")
    out = subprocess.run(
        ["java", "-cp", classpath, "LuceneArabicRate", str(source), str(rounds + 1)],
        capture_output=True,
        check=True,
        timeout=1800,
        text=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["lines"] == len(lines), found["lines"]
    passes = list(zip(found["pass_cpu_ns"], found["pass_ns"], strict=True))
    cold = passes[0]
    warm = min(passes[1:])
    return {
        "analysis": {
            "cold": _rates(found["tokens"], cold[0] / 1e9, cold[1] / 1e9),
            "warm": _rates(found["tokens"], warm[0] / 1e9, warm[1] / 1e9),
        }
    }


def measure(name: str, lines: list[str], rounds: int, work: Path) -> dict:
    """Both analyzers over ``lines``, and the ratios of their rates."""
    raqib = _raqib(lines, rounds)
    lucene = _lucene(lines, rounds, work)
    ratio = {
        f"{path}_{state}": round(
            raqib[path][state]["tokens_per_cpu_s"] / lucene["analysis"][state]["tokens_per_cpu_s"],
            3,
        )
        for path in ("analysis", "index_terms")
        for state in ("cold", "warm")
    }
    return {
        "text": name,
        "lines": len(lines),
        "chars": sum(map(len, lines)),
        "raqib": raqib,
        "lucene": lucene,
        "raqib_over_lucene": ratio,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5, help="warm passes (best taken)")
    parser.add_argument("--quran", action="store_true", help="also the cached Quran text")
    args = parser.parse_args()
    import index.arabic as arabic

    started = time.thread_time()
    arabic._regexes()  # noqa: SLF001 - the tokenizer's regular expressions, built once
    build_s = time.thread_time() - started
    texts = [("synthetic transcripts", synthetic_lines(args.segments))]
    if args.quran:
        verses = quran_lines()
        if verses:
            texts.append(("quran (vowelled)", verses))
        else:
            print("no cached quran-json package: skipped", file=sys.stderr)
    load = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="analysis-rate-") as work:
        for name, lines in texts:
            results.append(measure(name, lines, args.rounds, Path(work)))
            print(f"{name}: {results[-1]['raqib_over_lucene']}", file=sys.stderr, flush=True)
    print(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "regex_build_cpu_s": round(build_s, 3),
                "load_before": [round(x, 2) for x in load],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "results": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
