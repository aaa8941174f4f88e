"""``sync_sources`` with sources from two places: raqib.toml (real files loaded with
``load_config``) and the review UI (``save_ui_source``): UI sources stay enabled and are
returned for crawling, removed file sources are disabled, a name clash is refused, and the
file wins when it later declares a UI source's name (recorded, not silent)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from catalog.models import CustodyEvent, Source
from crawler.schema import validate_sources
from raqib.config import Config, load_config
from raqib.sources_sync import (
    ORIGIN_KEY,
    is_ui_source,
    save_ui_source,
    source_table,
    sync_sources,
)

FEED = {"outlet": "الإخبارية السورية", "kind": "feed"}


def _config(tmp_path: Path, names: list[str]) -> Config:
    lines = []
    for name in names:
        lines += ["[[sources]]", f'name = "{name}"',
                  *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in FEED.items()),
                  f'url = "https://{name}.example/rss"']
    path = tmp_path / "raqib.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


def _ui_entry(name: str, **extra: object) -> dict:
    entries, problems = validate_sources([{
        "name": name, "outlet": "سانا", "kind": "ytdlp",
        "url": f"https://{name}.example/channel", **extra}], "6h")
    assert not problems, problems
    return entries[0]


def test_ui_sources_survive_sync_and_removed_file_sources_are_disabled(
        db, tmp_path: Path) -> None:
    sync_sources(_config(tmp_path, ["alpha", "beta"]))
    ui = save_ui_source(_ui_entry("sana-yt"), actor="admin1")
    assert is_ui_source(ui) and ui.config[ORIGIN_KEY] == "ui"
    assert ORIGIN_KEY not in source_table(ui) and source_table(ui)["kind"] == "ytdlp"

    synced = sync_sources(_config(tmp_path, ["alpha"]))  # beta left the file
    assert [s.name for s in synced] == ["alpha", "sana-yt"]  # file order, then the UI's
    state = dict(Source.objects.values_list("name", "enabled"))
    assert state == {"alpha": True, "beta": False, "sana-yt": True}
    # a paused UI source stays paused (sync does not touch it) and is still returned
    save_ui_source(_ui_entry("sana-yt", enabled=False), actor="admin1", source=ui)
    synced = sync_sources(_config(tmp_path, ["alpha"]))
    assert [(s.name, s.enabled) for s in synced] == [("alpha", True), ("sana-yt", False)]
    assert [e.action for e in CustodyEvent.objects.all()] == ["source-created",
                                                              "source-edited"]


def test_a_name_clash_is_refused_and_file_sources_cannot_be_edited(db, tmp_path: Path) -> None:
    sync_sources(_config(tmp_path, ["alpha"]))
    with pytest.raises(ValueError, match="already exists"):
        save_ui_source(_ui_entry("alpha"), actor="admin1")
    alpha = Source.objects.get(name="alpha")
    with pytest.raises(ValueError, match="declared in raqib.toml"):
        save_ui_source(_ui_entry("other"), actor="admin1", source=alpha)
    ui = save_ui_source(_ui_entry("sana-yt"), actor="admin1")
    with pytest.raises(ValueError, match="already exists"):  # renaming onto a taken name
        save_ui_source(_ui_entry("alpha"), actor="admin1", source=ui)
    assert Source.objects.get(name="alpha").kind == "feed"
    assert CustodyEvent.objects.count() == 1


def test_the_file_wins_a_name_later_declared_in_it(db, tmp_path: Path, caplog) -> None:
    ui = save_ui_source(_ui_entry("shared"), actor="admin1")
    with caplog.at_level(logging.WARNING, logger="raqib.sources_sync"):
        synced = sync_sources(_config(tmp_path, ["shared"]))
    assert [s.pk for s in synced] == [ui.pk]  # same row: its broadcasts stay attached
    ui.refresh_from_db()
    assert not is_ui_source(ui) and ui.kind == "feed"
    assert ui.config["url"] == "https://shared.example/rss"
    assert "now declares a source that was declared in the UI" in caplog.text
    event = CustodyEvent.objects.get(action="source-replaced-by-file")
    assert event.details["ui_config"]["url"] == "https://shared.example/channel"
    # once the file owns it, it is a file source: leaving the file disables it
    sync_sources(_config(tmp_path, []))
    ui.refresh_from_db()
    assert not ui.enabled
