"""The person screens: the list and its name search, adding a person (CSRF, audited, errors
on the form), the person's page with every visible appearance on a timeline oldest first;
a restricted person invisible to an unassigned reviewer (list, search, page 404 like a
missing one); names with markup or bidi controls rendered escaped and neutralised."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from incident_seed import seed
from ui_helpers import login_client, make_user

from catalog.models import CustodyEvent
from review import incidents as inc
from review.models import Person

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr class="person[^"]*" data-person="(\d+)">')
APPEARANCE = re.compile(r'<li class="appearance (as-targeted|on-air)" data-incident="(\d+)">')


@pytest.fixture
def world() -> dict:
    return seed()


def client_for(world: dict, name: str, **kwargs: object) -> Client:
    return login_client(Client(**kwargs), world["users"][name])


def listed(client: Client, query: str = "") -> list[int]:
    response = client.get("/persons/" + (f"?q={query}" if query else ""))
    assert response.status_code == 200
    return [int(i) for i in ROW.findall(response.content.decode())]


def test_list_and_search_only_visible_persons(world) -> None:
    rev2, lead = client_for(world, "rev2"), client_for(world, "lead")
    everyone = {world[n].pk for n in ("father", "amani", "brother")}
    assert set(listed(rev2)) == everyone  # not the restricted detainee
    assert set(listed(lead)) == everyone | {world["secret"].pk}
    assert set(listed(rev2, "امانى")) == everyone  # normalised; أماني in every name
    assert listed(rev2, "Ballour") == sorted([world["amani"].pk, world["father"].pk],
                                             key=lambda pk: Person.objects.get(pk=pk).name)
    assert listed(rev2, "معتقل") == [] and listed(lead, "معتقل") == [world["secret"].pk]
    html = rev2.get("/persons/").content.decode()
    assert "معتقل سري" not in html
    assert f'href="/persons/{world["amani"].pk}/"' in html


def test_restricted_person_page_is_a_404_like_a_missing_one(world) -> None:
    rev2 = client_for(world, "rev2")
    secret = world["secret"].pk
    hidden, missing = rev2.get(f"/persons/{secret}/"), rev2.get("/persons/999999/")
    assert hidden.status_code == missing.status_code == 404
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')  # random per page
    assert token.sub(b"", hidden.content) == token.sub(b"", missing.content)
    assert f"/persons/{secret}/".encode() not in hidden.content  # the path is not echoed
    assert client_for(world, "lead").get(f"/persons/{secret}/").status_code == 200
    # the proposer (assigned to their incident) sees the person; so does rev2 once assigned
    inc.assign(world["hidden"].pk, world["users"]["lead"], world["users"]["rev2"])
    page = rev2.get(f"/persons/{secret}/")
    assert page.status_code == 200 and "معتقل سري" in page.content.decode()
    assert secret in listed(rev2, "معتقل")


def test_timeline_oldest_first_with_outlets_roles_and_only_visible_incidents(world) -> None:
    amani = world["amani"].pk
    rev2_html = client_for(world, "rev2").get(f"/persons/{amani}/").content.decode()
    # targeted in "disown" (2021, outlet 1) and "denial" (2022, outlet 2); "hidden" (2023)
    # is restricted and rev2 is not assigned to it
    assert APPEARANCE.findall(rev2_html) == [("as-targeted", str(world["disown"].pk)),
                                             ("as-targeted", str(world["denial"].pk))]
    assert "اعتراف معتقل سري" not in rev2_html and "معتقل سري" not in rev2_html
    assert rev2_html.index("2021-04-20") < rev2_html.index("2022-01-05")
    assert "الإخبارية السورية" in rev2_html and "قناة سما" in rev2_html
    assert "father of" in rev2_html and "brother of" in rev2_html
    assert "اماني بلور" in rev2_html and "Dr Amani Ballour" in rev2_html  # the names
    assert f'href="/incidents/{world["disown"].pk}/"' in rev2_html
    lead_html = client_for(world, "lead").get(f"/persons/{amani}/").content.decode()
    assert [i for _, i in APPEARANCE.findall(lead_html)] == [
        str(world[n].pk) for n in ("disown", "denial", "hidden")]
    father_html = client_for(world, "rev2").get(
        f"/persons/{world['father'].pk}/").content.decode()
    assert APPEARANCE.findall(father_html) == [("on-air", str(world["disown"].pk))]
    assert "يتبرّأ" in father_html and "disowns a relative" not in father_html  # Arabic UI
    assert f'href="/persons/{amani}/"' in father_html  # the targeted person


def test_a_reairing_on_another_outlet_is_its_own_entry(world) -> None:
    b2 = world["broadcasts"][1]
    b2.aired_at = dt.datetime(2020, 6, 1, 20, 0, tzinfo=dt.UTC)
    b2.save(update_fields=["aired_at"])
    inc.add_clip(world["disown"].pk, world["users"]["rev"], broadcast_id=b2.pk,
                 start="0:01", end="0:03")
    html = client_for(world, "rev2").get(f"/persons/{world['father'].pk}/").content.decode()
    entries = APPEARANCE.findall(html)
    assert entries == [("on-air", str(world["disown"].pk))] * 2
    line = html[html.index('<ol class="timeline">'):]
    assert line.index("2020-06-01") < line.index("2021-04-20")  # re-airing dated first
    assert line.index("قناة سما") < line.index("الإخبارية السورية")


def test_create_person_with_csrf_audited_and_errors_on_the_form(world) -> None:
    rev = client_for(world, "rev", enforce_csrf_checks=True)
    form = rev.get("/persons/new/")
    assert form.status_code == 200
    data = {"name": "سمير الخطيب", "variants": "سمير خطيب\n\n  سمير الخطيب  \n",
            "latin": "Samir al-Khatib", "kind": "witness", "public_act_on": "2019-05-02",
            "public_act": "شهادة أمام لجنة التحقيق"}
    assert rev.post("/persons/new/", data).status_code == 403  # forged: no CSRF token
    assert not Person.objects.filter(name="سمير الخطيب").exists()
    token = form.cookies["csrftoken"].value
    done = rev.post("/persons/new/", {**data, "csrfmiddlewaretoken": token})
    person = Person.objects.get(name="سمير الخطيب")
    assert done.status_code == 302 and done["Location"] == f"/persons/{person.pk}/"
    assert person.variants == ["سمير خطيب", "سمير الخطيب"] and person.kind == "witness"
    assert str(person.public_act_on) == "2019-05-02"
    assert person.public_act == "شهادة أمام لجنة التحقيق"
    assert person.created_by == world["users"]["rev"]
    entry = CustodyEvent.objects.filter(action="person-added").last()
    assert entry.actor == "rev" and entry.details["person"] == person.pk
    page = rev.get(done["Location"]).content.decode()
    assert "سمير الخطيب" in page and "Samir al-Khatib" in page and "2019-05-02" in page
    before = Person.objects.count()
    # Django's own checks mark the field (its messages are in Arabic, LANGUAGE_CODE "ar");
    # add_person's come back as the form's message, in the page's language too.
    for bad, where in ((dict(data, name="  "), 'form-row-name has-error'),
                       (dict(data, name="!!!"), "ليس في الاسم"),
                       (dict(data, kind="spy"), 'form-row-kind has-error'),
                       (dict(data, name="x" * 301), 'form-row-name has-error'),
                       (dict(data, public_act_on="02/05/2019"),
                        'form-row-public_act_on has-error'),
                       (dict(data, variants="\n".join(f"v{i}" for i in range(21))),
                        "لا تزيد الصيغ الأخرى للاسم على <bdi>20</bdi>"),
                       (dict(data, latin="bad\x01"), "محارف تحكّم")):
        response = rev.post("/persons/new/", {**bad, "csrfmiddlewaretoken": token})
        html = response.content.decode()
        assert response.status_code == 400 and where in html, where
        assert 'class="error field-error"' in html or 'class="problems"' in html
        assert 'value="Samir al-Khatib"' in html or bad["latin"] != data["latin"]  # kept
    assert Person.objects.count() == before


def test_restricted_person_created_is_hidden_from_other_reviewers(world) -> None:
    rev = client_for(world, "rev")
    done = rev.post("/persons/new/", {"name": "شاهد محمي", "kind": "witness",
                                      "restricted": "on"})
    person = Person.objects.get(name="شاهد محمي")
    assert person.restricted  # rev sees them only once assigned: back to the list
    assert done.status_code == 302 and done["Location"] == "/persons/"
    assert "أضيف الشخص المقيّد" in rev.get("/persons/").content.decode()
    assert rev.get(f"/persons/{person.pk}/").status_code == 404
    lead_done = client_for(world, "lead").post("/persons/new/", {
        "name": "شاهد محمي", "kind": "witness", "restricted": "on"})
    assert lead_done["Location"].startswith("/persons/") and lead_done["Location"] != "/persons/"
    assert client_for(world, "rev2").get(f"/persons/{person.pk}/").status_code == 404
    assert client_for(world, "lead").get(f"/persons/{person.pk}/").status_code == 200


def test_roles_on_person_pages(world) -> None:
    viewer = client_for(world, "viewer")
    for path in ("/persons/", "/persons/new/", f"/persons/{world['amani'].pk}/"):
        assert viewer.get(path).status_code == 403, path
    assert viewer.post("/persons/new/", {"name": "x", "kind": "other"}).status_code == 403
    assert Client().get("/persons/").status_code == 302
    nobody = login_client(Client(), make_user("nobody", None))
    assert nobody.get("/persons/").status_code == 403
    rev = client_for(world, "rev")
    assert rev.post(f"/persons/{world['amani'].pk}/").status_code == 405
    assert rev.get("/persons/" + "9" * 30 + "/").status_code in (400, 404)


def test_markup_and_bidi_in_a_name_are_escaped_and_neutralised(world) -> None:
    rev = client_for(world, "rev")
    name = "<img src=x onerror=alert(1)>\u202eرهام"
    rev.post("/persons/new/", {"name": name, "variants": "\u2066<b>v</b>", "kind": "other"})
    person = Person.objects.get(name=name)  # stored exactly as typed
    for path in (f"/persons/{person.pk}/", "/persons/?q=رهام", "/persons/"):
        html = rev.get(path).content.decode()
        assert "<img src=x" not in html and "<b>v</b>" not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;\ufffdرهام" in html, path
        assert "\u202e" not in html and "\u2066" not in html, path
    assert "<bdi>&lt;img src=x" in rev.get(f"/persons/{person.pk}/").content.decode()
