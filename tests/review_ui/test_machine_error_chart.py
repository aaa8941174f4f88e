"""The dashboard's machine error chart (issue 27): the word error rate of the machine on
verified ranges, per outlet and month, as SVG bars, table and CSV; and the demo's seeding
of verified corrections (``raqib.demo.corrections``) that gives it data."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone
from ui_helpers import login_client, make_broadcast, make_user

from catalog.models import Broadcast, Correction
from raqib.demo.corrections import seed_corrections
from raqib.demo.speech import spoken_text
from review import corrections as cor

BAR = re.compile(r'<g class="chart-row"><title>([^<]*)</title>')


def _verified_world() -> None:
    author, checker = make_user("c-rev", "reviewer"), make_user("c-rev2", "reviewer")
    jan = make_broadcast(segments=[(0.0, 4.0, "أماني بلور اليوم"), (5.0, 9.0, "كلام")],
                         aired_at=timezone.make_aware(dt.datetime(2026, 1, 5, 20)))
    cor.verify(cor.correct(jan, 0, 0, "أماني بلوز اليوم", by=author), by=checker)  # 1/3
    feb = make_broadcast(segments=[(0.0, 4.0, "مطار دمشق")], outlet_name="سما",
                         source_name="sama",
                         aired_at=timezone.make_aware(dt.datetime(2026, 2, 5, 20)))
    cor.verify(cor.correct(feb, 0, 0, "مطار دمشق", by=author), by=checker)  # 0
    cor.correct(feb, 0, 0, "مطار دمشق الدولي", by=author,
                replaces=Correction.objects.get(broadcast=feb))  # newer, unverified: not used


def test_the_dashboard_shows_machine_error_by_outlet_and_month(db) -> None:
    _verified_world()
    client = login_client(Client(), make_user("c-viewer", "viewer"))
    html = client.get("/dashboard/").content.decode()
    section = html.split('id="machine_error"', 1)[1].split("</section>", 1)[0]
    assert "معدل أخطاء الآلة في الكلمات على المقاطع المتحقق منها" in section
    assert "(20)" in section  # overall: 1 error in 5 reference words
    bars = BAR.findall(section)
    assert len(bars) == 2
    assert bars[0].startswith("الإخبارية السورية · ") and bars[0].endswith(": 33")
    assert bars[1].startswith("سما · ") and bars[1].endswith(": 0")
    csv = client.get("/dashboard/machine_error.csv").content.decode()
    assert "الإخبارية السورية · 2026-01" in csv and "سما · 2026-02" in csv
    weekly = client.get("/dashboard/?period=week").content.decode()
    assert "2026-W02" not in weekly.split('id="machine_error"', 1)[1].split("</section>")[0]
    client.post("/language/", {"language": "en", "next": "/dashboard/"})
    english = client.get("/dashboard/").content.decode()
    assert "Machine word error rate on verified ranges (%)" in english


def test_no_verified_range_no_bars(db) -> None:
    client = login_client(Client(), make_user("c-viewer2", "viewer"))
    html = client.get("/dashboard/").content.decode()
    section = html.split('id="machine_error"', 1)[1].split("</section>", 1)[0]
    assert "chart-row" not in section


def test_the_demo_seeds_verified_corrections_once(db) -> None:
    slug = "tunnel-to-light-part-1"
    demo = make_broadcast(segments=[(0.0, 2.0, "أماني"), (2.0, 5.0, "أبدي أكتومت أماني")])
    Broadcast.objects.filter(pk=demo.pk).update(url=f"http://127.0.0.1/items/{slug}.html")
    reviewer, lead = make_user("demo", "reviewer"), make_user("demo-lead1", "lead")
    counts = seed_corrections(reviewer, lead)
    assert counts["verified"] == 1 and counts["skipped"] >= 1  # other slugs: no broadcast
    [made] = Correction.objects.all()
    assert (made.first_number, made.last_number) == (0, 1)
    assert made.text == spoken_text(slug) and made.verified_by == lead
    assert seed_corrections(reviewer, lead)["existing"] == 1
    assert Correction.objects.count() == 1
