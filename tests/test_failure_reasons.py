"""Failure reasons as codes (issue 25): the text the crawler and the pipeline record gives a
stable code, each code has a sentence in both languages, and the pages show the sentence
in the page's language with the raw text as left-to-right detail."""

from __future__ import annotations

import pytest
from django.utils import translation

from catalog.failures import CODES, OTHER, reason_code, reason_codes
from raqib.pipeline import INCOMPLETE_SCAN

# Texts as their producers write them (crawler/, raqib/pipeline.py, raqib/stages.py).
RECORDED = {
    "disk full: [Errno 28] No space left on device: '/data/media/x.part'": "disk_full",
    "cannot write the download: [Errno 28] No space left on device": "disk_full",
    f"{INCOMPLETE_SCAN}; https://x.example/list: HTTP 500": "incomplete_scan",
    "https://x.example/list: source deadline of 120 s reached; the crawl stopped":
        "deadline",
    "live-tv is a live source: it is recorded, not crawled; run `raqib record --source "
    "live-tv` or `raqib run`": "recorded_not_crawled",
    "https://10.0.0.5/: not a public address (private network)": "not_public",
    "https://x.example/p: forbidden by robots.txt": "robots",
    "https://x.example/list: HTTP 429 (Retry-After 3600 s)": "rate_limited",
    "download: HTTP Error 404: Not Found": "not_found",
    "ERROR: [generic] Unable to download webpage: HTTP Error 403: Forbidden": "forbidden",
    "cannot list https://x.example: HTTP Error 502: Bad Gateway": "server_error",
    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed": "tls",
    "<urlopen error [Errno -2] Name or service not known>": "dns",
    "HTTPSConnectionPool(host='example.org'): Read timed out": "timeout",
    "live stream: unreachable ([Errno 111] Connection refused)": "unreachable",
    "no listing page could be fetched": "no_listing",
    "live stream: yt-dlp found no stream: no formats": "no_stream",
    "too large (812 MB > limit 500 MB)": "too_large",
    "no media found": "no_media",
    "no captured media to transcribe": "no_media",
    "the URL lists several videos; give one item page or media URL": "several_items",
    "cookies file 'yt.txt' does not exist": "cookies",
    "indexing failed: backend refused the batch": "index",
    "crawler process failed (exit 1): Traceback | KeyError": "crawler_crashed",
    "internal error: KeyError: 'x'": "internal",
    "something nobody foresaw": OTHER,
}


@pytest.mark.parametrize(("text", "code"), RECORDED.items())
def test_recorded_text_gives_its_reason_code(text: str, code: str) -> None:
    assert reason_code(text) == code


def test_no_text_no_reason_and_joined_failures_give_each_reason_once() -> None:
    assert reason_code("") == "" and reason_code(None) == "" and reason_codes("") == []
    joined = (f"{INCOMPLETE_SCAN}; https://a.example: HTTP Error 404: Not Found; "
              "https://b.example: HTTP Error 404: Not Found; Read timed out")
    assert reason_codes(joined) == ["incomplete_scan", "not_found", "timeout"]


def test_every_code_has_a_sentence_in_both_languages() -> None:
    from review_ui.labels import LABELS

    assert set(LABELS["failure_reason"]) == set(CODES)
    for code in CODES:
        with translation.override("ar"):
            arabic = str(LABELS["failure_reason"][code])
        with translation.override("en"):
            english = str(LABELS["failure_reason"][code])
        assert arabic != english and not any("a" <= c.lower() <= "z" for c in
                                             arabic), code


@pytest.mark.parametrize("language", ["ar", "en"])
def test_pages_show_the_reason_in_the_page_language_and_the_detail_ltr(
        db, language: str) -> None:
    from django.conf import settings
    from django.test import Client

    from catalog.models import Broadcast, Source
    from review_ui.labels import label
    from tests.review_ui.ui_helpers import login_client, make_broadcast, make_user

    broadcast = make_broadcast(error="download: HTTP Error 404: Not Found")
    Broadcast.objects.filter(pk=broadcast.pk).update(status="failed", failed_stage="download")
    Source.objects.filter(pk=broadcast.source_id).update(
        last_error=f"{INCOMPLETE_SCAN}; HTTPSConnectionPool(host='x'): Read timed out")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    login_client(client, make_user("boss", "admin"))
    client.post("/language/", {"language": language, "next": "/"})
    with translation.override(language):
        gone, slow = label("failure_reason", "not_found"), label("failure_reason", "timeout")
    for url, sentence, raw in (
            (f"/broadcasts/{broadcast.pk}/", gone, "HTTP Error 404: Not Found"),
            ("/broadcasts/", gone, "HTTP Error 404: Not Found"),
            ("/sources/", slow, "Read timed out")):
        body = client.get(url).content.decode()
        reason = body.split('class="failure-reason"', 1)[1].split("</span>", 1)[0]
        assert sentence.replace("'", "&#x27;") in reason, url
        detail = body.split('<details class="failure-detail">', 1)[1].split("</details>")[0]
        assert '<code dir="ltr">' in detail and raw in detail, url
