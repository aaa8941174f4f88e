"""Dates and numbers in the UI's language (issue 12): Arabic and English formats, the
optional Arabic-Indic digits, and pages that keep ISO in their ``datetime`` attributes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client, override_settings
from django.utils import translation
from incident_seed import seed
from ui_helpers import login_client

from review_ui import l10n

AIRED = dt.datetime(2021, 4, 20, 16, 5, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(("lang", "date", "when"), [
    ("ar", "20 نيسان 2021", "20 نيسان 2021، 16:05"),
    ("en", "20 Apr 2021", "20 Apr 2021, 16:05"),
])
def test_formats_per_language(lang: str, date: str, when: str) -> None:
    with translation.override(lang):
        assert l10n.shown_date(AIRED.date()) == date
        assert l10n.shown_date(AIRED) == date
        assert l10n.shown_datetime(AIRED) == when
        assert l10n.shown_datetime(AIRED, seconds=True) == when + ":09"
        assert l10n.shown_number(12345) == ("12٬345" if lang == "ar" else "12,345")
        assert l10n.shown_date(None) == "" and l10n.shown_number(None) == ""


@override_settings(RAQIB_ARABIC_DIGITS=True)
def test_arabic_indic_digits_only_in_the_arabic_ui_when_asked() -> None:
    with translation.override("ar"):
        assert l10n.shown_date(AIRED.date()) == "٢٠ نيسان ٢٠٢١"
        assert l10n.shown_number(7) == "٧"
    with translation.override("en"):
        assert l10n.shown_date(AIRED.date()) == "20 Apr 2021"


@pytest.mark.django_db
def test_pages_show_local_dates_and_keep_iso_attributes() -> None:
    world = seed()
    client = login_client(Client(), world["users"]["rev"])
    for lang, shown in (("ar", "20 نيسان 2021"), ("en", "20 Apr 2021")):
        client.post("/language/", {"language": lang, "next": "/"})
        for path in ("/incidents/", f"/persons/{world['father'].pk}/"):
            html = client.get(path).content.decode()
            assert '<time datetime="2021-04-20">' + shown + "</time>" in html, (lang, path)
            assert not re.search(r">\d{4}-\d{2}-\d{2}<", html), (lang, path)
    with override_settings(RAQIB_ARABIC_DIGITS=True):
        client.post("/language/", {"language": "ar", "next": "/"})
        html = client.get("/incidents/").content.decode()
        assert '<time datetime="2021-04-20">٢٠ نيسان ٢٠٢١</time>' in html


@pytest.mark.django_db
def test_dashboard_periods_read_in_the_language_and_the_csv_stays_iso() -> None:
    world = seed()
    client = login_client(Client(), world["users"]["rev"])
    for lang, month, week in (("ar", "نيسان 2021", "أسبوع 3 كانون الثاني 2022"),
                              ("en", "April 2021", "week of 3 Jan 2022")):
        client.post("/language/", {"language": lang, "next": "/"})
        html = client.get("/dashboard/").content.decode()
        svg = re.search(r'<svg [^>]*data-chart="incidents_over_time">.*?</svg>', html, re.S)
        assert f">{month}</text>" in svg.group(0), lang
        weekly = client.get("/dashboard/?period=week").content.decode()
        assert f">{week}</text>" in weekly, lang
        csv_text = client.get("/dashboard/incidents_over_time.csv").content.decode()
        assert "\r\n2021-04,1," in csv_text and month not in csv_text
