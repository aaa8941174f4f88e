"""Helpers for the collection-stage tests: pages and source tables for a fixture outlet."""

from __future__ import annotations

from pathlib import Path


def write_page(root: Path, rel: str, body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<!doctype html><html lang="ar"><head><meta charset="utf-8"></head>'
                    f"<body>{body}</body></html>", encoding="utf-8")


def site_source(base_url: str, **overrides: object) -> dict:
    """A validated-looking ``[[sources]]`` table for the fixture outlet."""
    source = {
        "name": "fixture", "outlet": "Fixture TV", "kind": "site", "language": "ar",
        "robots": True, "enabled": True,
        "start_urls": [f"{base_url}/list.html"],
        "item_links": "a.item::attr(href)", "next_page": "a.next::attr(href)",
        "title": "h1", "aired_at": "time", "description": "p.summary::text",
        "program": ".program::text", "media": "video, iframe",
    }
    source.update(overrides)
    return source
