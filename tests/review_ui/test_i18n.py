"""The UI's translations: every visible template string goes through Django's i18n, and
both catalogs (locale/ar, locale/en) translate every entry.

``untranslated_text(source)`` strips from a template what is not shown to a reader as
literal text (template tags and variables, comments, scripts, markup, ``<code>``/``<kbd>``
samples) and what is translated (``{% translate %}``, ``{% blocktranslate %}``), keeping
the visible attributes (``aria-label``, ``title``, ``alt``, ``placeholder``); any letter
left is a string a reader would see untranslated. To allow a technical token (a unit, an
acronym that stays Latin in Arabic): add it to ``ALLOWED``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "review_ui" / "templates").rglob("*.html"))
CATALOGS = {lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("ar", "en")}
ALLOWED = {"UTC", "SHA-256", "v", "s", "ID", "Raqib", "TOML", "TOTP"}

_DROP = [
    re.compile(r"\{% comment %\}.*?\{% endcomment %\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{% blocktranslate.*?%\}.*?\{% endblocktranslate %\}", re.S),
    re.compile(r"<script\b.*?</script>", re.S),
    re.compile(r"<(code|kbd|pre)\b[^>]*>.*?</\1>", re.S),
    re.compile(r"\{%.*?%\}", re.S),
    re.compile(r"\{\{.*?\}\}", re.S),
]
_VISIBLE_ATTR = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')
_TAG = re.compile(r"<[^>]*>", re.S)
_WORD = re.compile(r"[^\W\d_][\w.\-']*")


def untranslated_text(source: str) -> list[str]:
    """The words a reader would see untranslated in this template source."""
    # A {% translate %} inside an attribute holds double quotes: drop the tags first.
    text = source
    for pattern in _DROP:
        text = pattern.sub(" ", text)
    shown = [m.group(1) for m in _VISIBLE_ATTR.finditer(text)]
    shown.append(_TAG.sub(" ", text))
    return [w for chunk in shown for w in _WORD.findall(chunk) if w not in ALLOWED]


def test_the_scanner_finds_an_untranslated_string() -> None:
    assert untranslated_text('<p>{% translate "Saved" %}</p>') == []
    assert untranslated_text("<p>Saved {{ n }}</p>") == ["Saved"]
    assert untranslated_text('<nav aria-label="Pages">x</nav>') == ["Pages", "x"]
    assert untranslated_text("<p>بحث</p>") == ["بحث"]
    assert untranslated_text(
        "{% blocktranslate %}Sources in <code>raqib.toml</code>{% endblocktranslate %}") == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_every_template_string_is_translatable(template: Path) -> None:
    left = untranslated_text(template.read_text(encoding="utf-8"))
    assert not left, (f"{template.name}: text outside {{% translate %}}: {left[:12]}; wrap it "
                      "in {% translate \"English\" %} and run makemessages (docs/operations.md)")


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_every_catalog_entry_is_translated(lang: str) -> None:
    po = polib.pofile(str(CATALOGS[lang]))
    assert len(po) > 100, f"{lang} catalog has only {len(po)} entries"
    empty = [e.msgid for e in po if e.obsolete is False and (
        not all(e.msgstr_plural.values()) if e.msgid_plural else not e.msgstr.strip())]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not empty, f"{lang}: untranslated entries {empty[:10]}"
    assert not fuzzy, f"{lang}: fuzzy entries (check and unflag them) {fuzzy[:10]}"


def test_both_catalogs_have_the_same_entries_and_the_placeholders_survive() -> None:
    ar, en = (polib.pofile(str(CATALOGS[lang])) for lang in ("ar", "en"))
    assert {e.msgid for e in ar} == {e.msgid for e in en}
    placeholder = re.compile(r"%\(\w+\)s")
    for entry in ar:
        targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert set(placeholder.findall(target)) == set(placeholder.findall(entry.msgid)), \
                entry.msgid
            assert "<" not in entry.msgid or target.count("<") == entry.msgid.count("<"), \
                entry.msgid


def test_every_msgid_in_the_code_is_in_the_catalog(tmp_path: Path) -> None:
    """makemessages over a copy of the sources finds no msgid the committed catalog lacks
    (a copy: makemessages writes into the catalog of the tree it runs in)."""
    if shutil.which("xgettext") is None:
        pytest.skip("Debian gettext (xgettext) is not installed; scripts/setup.sh installs it")
    copy = tmp_path / "src"
    for package in ("accounts", "review_ui", "review", "catalog", "raqib", "index"):
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static"))
    (copy / "locale" / "ar" / "LC_MESSAGES").mkdir(parents=True)
    script = ("import os, django; django.setup(); from django.conf import settings; "
              "settings.LOCALE_PATHS = [os.path.abspath('locale')]; "
              "from django.core.management import call_command; "
              "call_command('makemessages', locale=['ar'], no_location=True, verbosity=0)")
    subprocess.run([sys.executable, "-c", script], cwd=copy, check=True, timeout=120, env={
        **os.environ, "DJANGO_SETTINGS_MODULE": "raqib.settings",
        "RAQIB_DATA_DIR": str(tmp_path / "data")})
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale" / "ar" / "LC_MESSAGES" /
                                               "django.po")) if e.msgid}
    known = {e.msgid for e in polib.pofile(str(CATALOGS["ar"]))}
    assert len(fresh) > 100
    assert not fresh - known, f"msgids missing from locale/: {sorted(fresh - known)[:10]}"
