"""Issue 28, "the wrong day", end to end: an item page dated «٢٠ نيسان ٢٠٢١» (no time) on a
Damascus outlet, crawled by the real site spider (Scrapy in its subprocess, against a
loopback outlet), says 20 April 2021 on every surface: the broadcast page in Arabic and in
English, ``raqib broadcasts list --format json``, ``raqib incidents export --format csv``
and an exported evidence package's ``incident.json`` and ``summary.html``. The old code
stored local midnight as a UTC instant and showed 19 April everywhere."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from crawl_helpers import write_page
from django.conf import settings
from django.test import Client

from catalog.models import Broadcast, Source
from crawler.schema import validate_sources
from raqib import pipeline
from raqib.cli import main
from review.evidence.package import export_bag
from review.incidents import propose
from tests.cli_persons import as_person
from tests.review_ui.ui_helpers import login_client, make_user

pytestmark = pytest.mark.django_db

PRINTED = "٢٠ نيسان ٢٠٢١"


def _crawl(static_server, monkeypatch: pytest.MonkeyPatch) -> Broadcast:  # noqa: ANN001
    write_page(static_server.root, "list.html",
               '<a class="item" href="items/tunnel.html">النفق</a>')
    write_page(static_server.root, "items/tunnel.html",
               f"<h1>من النفق إلى النور</h1><span class='date'>{PRINTED}</span>"
               "<video src='/media/tunnel.mp4'></video>")
    sources, problems = validate_sources([{
        "name": "ikhbariya", "outlet": "الإخبارية السورية", "kind": "site",
        "timezone": "Asia/Damascus", "start_urls": [f"{static_server.base_url}/list.html"],
        "item_links": "a.item::attr(href)", "title": "h1::text",
        "aired_at": "span.date::text", "media": "video::attr(src)"}], "1h")
    assert not problems
    monkeypatch.setitem(settings.CONFIG.values, "crawl.download_delay", 0.0)
    monkeypatch.setattr(settings.CONFIG, "sources", sources)
    from raqib.sources_sync import sync_sources

    sync_sources(settings.CONFIG)
    report = pipeline.crawl_source(Source.objects.get(name="ikhbariya"), settings.CONFIG)
    assert report.failed == "" and len(report.new_ids) == 1, report
    return Broadcast.objects.get(pk=report.new_ids[0])


def test_a_printed_day_is_that_day_on_every_surface(static_server, monkeypatch, tmp_path,
                                                     capsys) -> None:  # noqa: ANN001
    broadcast = _crawl(static_server, monkeypatch)
    assert broadcast.aired_at_raw == PRINTED

    # The broadcast page, in both languages.
    viewer = make_user("mona", "reviewer")
    client = login_client(Client(), viewer)
    for lang, shown, wrong in (("ar", "20 نيسان 2021", "19 نيسان 2021"),
                               ("en", "20 Apr 2021", "19 Apr 2021")):
        client.post("/language/", {"language": lang, "next": "/"})
        html = client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
        assert shown in html and wrong not in html, lang
        assert 'datetime="2021-04-20"' in html
        assert "2021-04-19" not in html

    # raqib broadcasts list --format json
    capsys.readouterr()
    assert main(["broadcasts", "list", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["aired_at"], row["aired_precision"], row["aired_at_raw"]) == (
        "2021-04-20", "day", PRINTED)

    # An incident on it: the CSV export and the evidence package.
    incident = propose(viewer, broadcast_id=broadcast.pk, start=0, end=5,
                       title="تبرؤ على الهواء")
    assert incident.first_aired.isoformat() == "2021-04-20"
    assert main(["incidents", "export", "--format", "csv", *as_person("mona")]) == 0
    [exported] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert exported["first_aired"] == "2021-04-20"
    assert "aired 2021-04-20" in exported["clips"]
    assert "2021-04-19" not in json.dumps(exported)

    bag = tmp_path / "bag"
    export_bag(incident.pk, bag, data_dir=Path(settings.DATA_DIR), tsa_urls=[])
    data = json.loads((bag / "data" / "incident" / "incident.json").read_text("utf-8"))
    assert data["first_aired"] == "2021-04-20"
    assert [(c["aired_at"], c["aired_precision"]) for c in data["clips"]] == [
        ("2021-04-20", "day")]
    summary = (bag / "data" / "incident" / "summary.html").read_text("utf-8")
    assert summary.count("2021-04-20") >= 3  # first aired (ar, en) and the clip's row
    assert "2021-04-19" not in summary
