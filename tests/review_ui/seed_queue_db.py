"""Seed a fresh Raqib database for the queue-shortcut browser test (run in a subprocess
whose RAQIB_DATA_DIR points at a temp dir): a reviewer ``keys`` (password from
``RAQIB_PASSWORD``), one watchlist alert raised by the real index stage, and one incident
under review. Prints ``{"incident_id": N, "alert_id": M}`` as JSON.

Usage: python seed_queue_db.py
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from ui_helpers import make_broadcast

    from accounts.roles import set_role
    from catalog.models import Alert
    from raqib import pipeline
    from review import incidents, workflow
    from review.watchlists import create_watchlist

    reviewer = get_user_model().objects.create_user("keys", password=os.environ["RAQIB_PASSWORD"])
    set_role(reviewer, "reviewer")
    create_watchlist("disown", "أتبرأ")
    broadcast = make_broadcast()
    assert pipeline.run_stage(broadcast.pk, "index", settings.CONFIG)
    incident = incidents.propose(reviewer, broadcast_id=broadcast.pk, start="0:08",
                                 end="0:13", title="تبرّؤ على الهواء")
    workflow.set_status(incident.pk, reviewer, "under_review")
    print(json.dumps({"incident_id": incident.pk, "alert_id": Alert.objects.get().pk}))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
