"""Issue 25, part 4: the person page's month is set in the text font (it was a spaced
monospace), and each label of the tag form travels with its field when the form wraps (a
label could end a line and its field start the next)."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client
from ui_helpers import login_client, make_user

CSS = Path(__file__).resolve().parents[2] / "review_ui" / "static" / "review_ui" / "raqib.css"


def _rules(selector: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    return [body for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)
            if selector in [s.strip() for s in sel.split(",")]]


def test_the_timeline_date_is_not_monospace() -> None:
    rules = _rules(".appearance .when")
    assert rules and not any("monospace" in r or "letter-spacing" in r for r in rules)
    assert any("white-space: nowrap" in r for r in rules)


def test_each_tag_form_label_wraps_with_its_field(db, broadcast) -> None:
    client = login_client(Client(), make_user("rev", "reviewer"))
    page = client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    form = page.split('class="tag-form">', 1)[1].split("</form>", 1)[0]
    labels = re.findall(r'<label for="([^"]+)">', form)
    assert len(labels) == 6
    for field_id in labels:
        assert re.search(rf'<span class="field[^"]*"><label for="{field_id}">[^<]*</label> '
                         rf'<input id="{field_id}"[^>]*></span>', form), field_id
    assert any("nowrap" in r and "inline-flex" in r for r in _rules(".tag-form .field"))
