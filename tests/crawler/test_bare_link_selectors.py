"""Selectors as users write them: ``item_links = "a.item"`` and ``next_page = "a.next"``
name bare ``<a>`` elements (no ``::attr(href)``); the spider must follow their ``href``
(real Scrapy in its subprocess, against a loopback outlet), exactly as with the attribute
form."""

from __future__ import annotations

from pathlib import Path

import pytest
from crawl_helpers import site_source, write_page

from crawler.base import CrawlSettings
from crawler.registry import get_collector
from raqib.demo.server import StaticServer

SETTINGS = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0,
                         max_pages=10)


def build_outlet(root: Path) -> None:
    write_page(root, "list.html",
               '<a class="item" href="/items/1.html">الحلقة الأولى</a>'
               '<a class="item" href="items/2.html"><img src="/thumb.jpg"></a>'
               '<a class="item">no href: skipped</a>'
               '<a class="next" href="/list2.html">التالي</a>')
    write_page(root, "list2.html", '<a class="item" href="/items/3.html">3</a>')
    for n in (1, 2, 3):
        write_page(root, f"items/{n}.html", f"<h1>حلقة {n}</h1>")


@pytest.mark.parametrize(("item_links", "next_page"), [
    ("a.item", "a.next"),                                   # bare elements
    ("a.item::attr(href)", "a.next::attr(href)"),           # the attribute form, unchanged
    ("a.item", "a.next::attr(href)"),
])
def test_bare_link_elements_are_followed_by_href(tmp_path: Path, item_links: str,
                                                 next_page: str) -> None:
    build_outlet(tmp_path)
    with StaticServer(tmp_path) as server:
        source = site_source(server.base_url, item_links=item_links, next_page=next_page)
        result = get_collector("site").collect(source, SETTINGS)
    urls = sorted(item.url for item in result.items)
    assert urls == [f"{server.base_url}/items/{n}.html" for n in (1, 2, 3)], result.errors
    assert not result.errors
    assert {item.title for item in result.items} == {"حلقة 1", "حلقة 2", "حلقة 3"}
