"""Incidents, persons and users for the incident list, person and queue UI tests.

``seed()`` builds, through the real ``review`` functions (so every rule applies):
- two outlets, each with a broadcast (transcripts of 20 s);
- persons: the father of Dr Amani Ballour, Dr Amani Ballour (variants), a brother, and a
  *restricted* detainee;
- incident ``disown`` (outlet 1, 2021-04-20, father on air disowning Amani, targeted;
  sign reads-script; sent for review by its proposer ``rev``);
- incident ``denial`` (outlet 2, 2022-01-05, Amani's brother on air, targeted Amani; signs
  visible-injuries and reads-script; suspected);
- incident ``secret`` (outlet 2, 2023-03-01, proposed by ``lead``: the restricted detainee on
  air, targeted Amani; restricted, so invisible to reviewers not assigned; sign
  detention-setting; under review);
- users ``rev`` (reviewer, proposer), ``rev2`` (reviewer, assigned to nothing), ``lead``,
  ``lead2`` (a lead who proposed nothing) and ``viewer``.
"""

from __future__ import annotations

from typing import Any

from ui_helpers import make_broadcast, make_user

from review import incidents as inc
from review import workflow
from review.persons import add_person


def starting_vocabulary() -> None:
    """The signs of coercion and tags the migrations add (idempotent): a transactional test
    run before this one in the same xdist worker flushes them (pytest-django orders
    transactional tests last only within one process's item list)."""
    import importlib

    from django.apps import apps

    for module, function in (("review.migrations.0002_starting_signs", "add_signs"),
                             ("catalog.migrations.0007_tag_vocabulary", "add_vocabulary")):
        getattr(importlib.import_module(module), function)(apps, None)


def seed() -> dict[str, Any]:
    starting_vocabulary()
    users = {name: make_user(name, role) for name, role in (
        ("rev", "reviewer"), ("rev2", "reviewer"), ("lead", "lead"), ("lead2", "lead"),
        ("viewer", "viewer"))}
    b1 = make_broadcast()
    b2 = make_broadcast(title="لقاء خاص", outlet_name="قناة سما", source_name="sama")
    father = add_person("والد أماني بلور", kind="relative", latin="Father of Amani Ballour")
    amani = add_person("د. أماني بلور", variants=["اماني بلور"], latin="Dr Amani Ballour",
                       kind="activist")
    brother = add_person("أخو أماني", kind="relative")
    secret = add_person("معتقل سري", kind="detainee", restricted=True)
    disown = inc.propose(users["rev"], broadcast_id=b1.pk, start="0:08", end="0:13",
                         title="والد الطبيبة أماني بلور يتبرأ منها", first_aired="2021-04-20",
                         people=[inc.OnAir(f"#{father.pk}", "disowns", "father of",
                                           f"#{amani.pk}")],
                         signs=["reads-script"], confidence="high")
    workflow.set_status(disown.pk, users["rev"], "under_review")
    denial = inc.propose(users["rev"], broadcast_id=b2.pk, start="0:04", end="0:08",
                         title="أخو أماني ينكر القصف", first_aired="2022-01-05",
                         people=[inc.OnAir(f"#{brother.pk}", "denies", "brother of",
                                           f"#{amani.pk}")],
                         signs=["visible-injuries", "reads-script"])
    hidden = inc.propose(users["lead"], broadcast_id=b2.pk, start="0:00", end="0:04",
                         title="اعتراف معتقل سري", first_aired="2023-03-01",
                         people=[inc.OnAir(f"#{secret.pk}", "confesses", "",
                                           f"#{amani.pk}")],
                         signs=["detention-setting"])
    workflow.set_status(hidden.pk, users["lead"], "under_review")
    assert inc.get_incident(hidden.pk).restricted
    return {"users": users, "broadcasts": (b1, b2), "father": father, "amani": amani,
            "brother": brother, "secret": secret, "disown": disown, "denial": denial,
            "hidden": hidden}
