"""The worked example of docs/api.md runs (issue 24's "done when"): docs/examples/partner.py,
as it is, against a live ``raqib serve`` with a reviewer's and a lead's tokens: it searches,
opens a hit, proposes an incident, and the lead confirms it. Then the same script with the
proposer's token in the lead's place is refused by the two-person rule (exit 1, nothing
confirmed), and the audit chain names the persons who acted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from live_server import ROOT, live_raqib

EXAMPLE = ROOT / "docs" / "examples" / "partner.py"


def _run(live, reviewer: str, lead: str) -> subprocess.CompletedProcess:
    env = {**live.env, "RAQIB_URL": live.url, "RAQIB_REVIEWER_TOKEN": reviewer,
           "RAQIB_LEAD_TOKEN": lead}
    return subprocess.run([sys.executable, str(EXAMPLE), "أماني"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_documented_partner_script_proposes_and_another_lead_confirms(
        tmp_path: Path) -> None:
    with live_raqib(tmp_path) as live:
        tokens = live.seed["tokens"]
        done = _run(live, tokens["reviewer"], tokens["lead"])
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["hit"]["text"] == "أنا أماني وأتبرأ من أخي"
        assert result["incident"]["status"] == "confirmed"
        assert result["incident"]["proposed_by"] == "reviewer"
        assert result["incident"]["decided_by"] == "lead"
        # the proposer cannot play the second person: the two-person rule holds here too
        refused = _run(live, tokens["lead2"], tokens["lead2"])
        assert refused.returncode == 1
        assert "403" in refused.stderr and "another lead" in refused.stderr, refused.stderr
        chain = subprocess.run(
            [sys.executable, "-c", (
                "import django, json; django.setup(); from catalog.models import CustodyEvent; "
                "print(json.dumps([[e.action, e.actor] for e in CustodyEvent.objects.filter("
                "action__startswith='incident-').order_by('seq')]))")],
            env={**live.env, "DJANGO_SETTINGS_MODULE": "raqib.settings"}, cwd=ROOT,
            capture_output=True, text=True, timeout=120)
        acted = json.loads(chain.stdout)
        assert ["incident-proposed", "reviewer"] in acted
        assert ["incident-status-changed", "lead"] in acted


def test_the_docs_show_the_example_as_it_is() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    shown = text.split("<!-- partner.py -->\n```python\n", 1)[1].split("```\n", 1)[0]
    assert shown == EXAMPLE.read_text(encoding="utf-8"), (
        "docs/api.md shows another script than docs/examples/partner.py: copy it in")
