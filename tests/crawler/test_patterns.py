"""Admin and operator patterns (a sitemap source's ``url_pattern``) run on RE2 (issue 23,
finding 9): a catastrophic-backtracking pattern is compiled by RE2, which matches in
linear time, and what RE2 cannot run that way is refused with a readable reason by the
config check and the source form. No timing is asserted: the proof is which engine
compiled the pattern."""

from __future__ import annotations

import pytest
import re2

from crawler.patterns import compile_pattern
from crawler.schema import validate_sources
from crawler.sitemap_spider import SitemapSpider

EVIL = ["(a+)+$", "(a|aa)+$", "(x+x+)+y", "^(\\w+\\s?)*$"]


@pytest.mark.parametrize("pattern", EVIL)
def test_backtracking_patterns_are_compiled_by_re2(pattern: str) -> None:
    compiled = compile_pattern(pattern)
    assert type(compiled).__module__ == re2.__name__
    assert compiled.search("a" * 200_000 + "!") is None


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=video)v", r"(?<!x)y", "[", "a{5000}"])
def test_what_re2_cannot_run_is_refused_readably(pattern: str) -> None:
    with pytest.raises(ValueError, match="RE2"):
        compile_pattern(pattern)
    entry = {"name": "sm", "outlet": "O", "kind": "sitemap", "url": "https://x.example/s.xml",
             "url_pattern": pattern}
    _, problems = validate_sources([entry], "6h")
    assert any(p.startswith("sources[0] (sm).url_pattern: not a valid regular expression")
               for p in problems), problems


def test_the_sitemap_spider_matches_with_re2() -> None:
    spider = SitemapSpider(source={"name": "sm", "kind": "sitemap", "url": "https://x/s.xml",
                                   "url_pattern": "(a+)+$"}, max_pages=1,
                           sink=lambda record: None)
    assert type(spider.url_pattern).__module__ == re2.__name__
    assert spider.url_pattern.search("https://x/" + "a" * 100_000 + "b") is None
    assert spider.url_pattern.search("https://x/aaa")
