"""Seed a fresh Raqib database for the dashboard browser test (run in a subprocess whose
RAQIB_DATA_DIR points at a temp dir): ``incident_seed.seed()`` (three incidents on two
outlets, one restricted), ``disown`` confirmed by a second lead, a public act on the
targeted person, and an admin ``boss``. Prints ``{"incident": N, "person": N,
"broadcast": N}`` as JSON.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from datetime import date

    from incident_seed import seed
    from ui_helpers import make_user

    from review import workflow

    world = seed()
    make_user("boss", "admin")
    lead2 = world["users"]["lead2"]
    workflow.assess(world["disown"].pk, lead2, confidence="high", signs=["reads-script"],
                    note="")
    workflow.set_status(world["disown"].pk, lead2, "confirmed")
    world["amani"].public_act_on = date(2021, 4, 1)
    world["amani"].save()
    print(json.dumps({"incident": world["disown"].pk, "person": world["amani"].pk,
                      "broadcast": world["broadcasts"][0].pk}))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
